#pragma once

// Deterministic fault injection for client tests: transient 502/503s, dropped connections, slow responses,
// tokens that expire after K requests, and throttle storms.
//
// Flow: the stage runs after the bearer-token check. process() draws a fixed number of values from a
// generator seeded with --seed (so the same request sequence sees the same faults) and may answer 401
// (token used more than K times), 429 (throttle storm) or 502/503 instead of running the request. finish()
// may add a delay or drop the connection halfway through the (already executed) response. The config
// comes from command-line flags and can be read or replaced at runtime through the admin endpoint
// /_sandbox/faults (loopback connections only):
//   GET    -> current config as JSON       PUT/POST {json} -> replace it (counters restart)
//   DELETE -> no faults
// JSON keys (all optional): errorRate, errorStatuses ([502,503]), dropRate, delayRate, delayMs,
// expireTokenAfter, throttleNext, throttleRate, retryAfter.

#include "sandboxserver.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QUuid>

#include <optional>
#include <random>

namespace d365::sandbox {

struct FaultConfig
{
    double errorRate = 0; // share of requests answered with one of errorStatuses, not executed
    QList<int> errorStatuses = {503, 502};
    double dropRate = 0;  // share of executed requests whose connection drops mid-response
    double delayRate = 0; // share of responses delayed by delayMs
    int delayMs = 0;
    int expireTokenAfter = 0; // > 0: each bearer token works for K requests, then 401
    int throttleNext = 0;     // the next N requests get 429 (a throttle storm)
    double throttleRate = 0;  // share of requests answered 429
    int retryAfter = 5;       // Retry-After (seconds) of injected 429s

    QJsonObject toJson() const;
    static std::optional<FaultConfig> fromJson(const QJsonObject &json, QString *error);
    bool isEmpty() const;
};

class FaultInjectionStage : public RequestStage
{
public:
    FaultInjectionStage(FaultConfig config, quint64 seed, QUuid tenantId);

    std::optional<HttpResponse> process(const HttpRequest &request, ServiceContext &context) override;
    void finish(const HttpRequest &request, const ServiceContext &context, HttpResponse &response) override;

    // The admin endpoint /_sandbox/faults.
    HttpResponse admin(const HttpRequest &request);

    void setConfig(const FaultConfig &config);
    const FaultConfig &config() const { return m_config; }

private:
    double draw();

    FaultConfig m_config;
    std::mt19937_64 m_random;
    QUuid m_tenantId;
    QHash<QByteArray, int> m_tokenUses; // SHA-256 of the token -> requests seen (never the token itself)
    int m_throttleLeft = 0;
    // Decisions for the request in progress (process() and finish() run back to back).
    bool m_drop = false;
    bool m_delay = false;
};

} // namespace d365::sandbox
