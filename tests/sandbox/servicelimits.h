#pragma once

// The service-protection model (FACTS §9) and the execution-cost model behind it.
//
// Flow per /api/data request (a RequestStage after the bearer-token check):
//   process(): drop the caller's requests that left the sliding window -> if the caller has too many requests
//              in flight (52), too many requests in the window (6,000) or too much execution time in the
//              window (1,200 s), answer 429 with Retry-After and the documented code; otherwise let it pass
//              and give the handlers a RequestStats to count their work in
//   finish():  price the request with the cost profile (per-request overhead + per-record costs), record it
//   in
//              the caller's window, delay the response by the (time-scaled) cost, add the x-ms-ratelimit-*
//              and x-ms-dop-hint headers.
// All limits are per caller (ServiceContext::callerId). Windows and costs are in "service time"; the real
// time is service time / timeScale, so a test or benchmark can run the realistic profile 100x faster with the
// same ratios. Costs and sources: tests/sandbox/README.md ("Service protection and execution cost").

#include "sandboxserver.h"

#include <QHash>
#include <QString>
#include <QUuid>

#include <deque>
#include <optional>

namespace d365::sandbox {

struct CostProfile
{
    QString name;
    double requestOverheadMs = 0; // every HTTP request (also a $batch or bulk message as a whole)
    double recordOperationMs = 0; // each single-row operation, also each $batch part
    double bulkTargetMs = 0;      // each target of CreateMultiple/UpdateMultiple/UpsertMultiple
    double rowReadMs = 0;         // each row a query returns

    static std::optional<CostProfile> byName(QStringView name); // "fast" or "realistic"
    double costMs(const RequestStats &stats) const;
};

struct ServiceLimits
{
    int requests = 6000;            // per caller in the window
    double windowSeconds = 300;     // sliding window (service time)
    double executionSeconds = 1200; // combined execution time per caller in the window (service time)
    int concurrent = 52;            // requests in flight per caller
    bool enforced = true;           // false: only the headers, never a 429
    int dopHint = 8;                // x-ms-dop-hint

    // "requests=6000,window=300,time=1200,concurrent=52,dop=8"; unknown keys or bad numbers -> nullopt.
    static std::optional<ServiceLimits> parse(QStringView text, ServiceLimits defaults, QString *error);
};

class ServiceProtectionStage : public RequestStage
{
public:
    ServiceProtectionStage(CostProfile profile, ServiceLimits limits, double timeScale);

    std::optional<HttpResponse> process(const HttpRequest &request, ServiceContext &context) override;
    void finish(const HttpRequest &request, const ServiceContext &context, HttpResponse &response) override;

    // Forgets every caller's window (admin endpoint, tests).
    void reset() { m_callers.clear(); }
    const CostProfile &profile() const { return m_profile; }
    const ServiceLimits &limits() const { return m_limits; }
    double timeScale() const { return m_timeScale; }
    // Requests of every caller whose answers are still held back (their cost not yet served): what the
    // concurrency limit counts.
    int inFlight() const;

private:
    struct Entry
    {
        qint64 startUs; // real time
        qint64 endUs;   // real time the response goes out
        double costMs;  // service time
    };
    struct Caller
    {
        std::deque<Entry> entries;
        double costInWindowMs = 0;
        // After a count or time 429: until when (real time) every request is refused. A request sent before
        // then pushes it out by HammerPenaltySeconds (FACTS §9: continuing to hammer lengthens Retry-After).
        qint64 blockedUntilUs = 0;
        QString blockedCode;
        QString blockedMessage;
    };
    static constexpr double HammerPenaltySeconds = 1; // service time; our choice, FACTS gives no number
    qint64 nowUs() const;
    void prune(Caller &caller, qint64 now) const;
    HttpResponse throttled(const QString &code, const QString &message, qint64 retryAfterUs) const;

    CostProfile m_profile;
    ServiceLimits m_limits;
    double m_timeScale;
    QHash<QUuid, Caller> m_callers;
    // The request being handled: process() and finish() of one request run back to back on one thread.
    RequestStats m_stats;
    qint64 m_startUs = 0;
    bool m_rejected = false;
};

} // namespace d365::sandbox
