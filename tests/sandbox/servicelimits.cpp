#include "servicelimits.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QLoggingCategory>

#include <cmath>
#include <limits>

Q_LOGGING_CATEGORY(lcLimits, "d365.sandbox.limits")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

std::optional<CostProfile> CostProfile::byName(QStringView name)
{
    if (name == u"fast")
        return CostProfile{u"fast"_s, 0, 0, 0, 0};
    if (name == u"realistic")
        // Sources and assumptions: README.md "Service protection and execution cost". ~120 ms per
        // single-record request = 20 ms overhead (ASSUMPTION) + 100 ms per record; ~6.5 ms per bulk target.
        return CostProfile{u"realistic"_s, 20, 100, 6.5, 0.1};
    return std::nullopt;
}

double CostProfile::costMs(const RequestStats &stats) const
{
    return requestOverheadMs + stats.recordOperations * recordOperationMs + stats.bulkTargets * bulkTargetMs +
           stats.rowsRead * rowReadMs;
}

std::optional<ServiceLimits> ServiceLimits::parse(QStringView text, ServiceLimits limits, QString *error)
{
    for (QStringView item : text.split(u',', Qt::SkipEmptyParts)) {
        const qsizetype eq = item.indexOf(u'=');
        const QStringView key = item.first(qMax<qsizetype>(eq, 0)).trimmed();
        bool ok = eq > 0;
        const double value = ok ? item.sliced(eq + 1).trimmed().toDouble(&ok) : 0;
        if (!ok || value < 0) {
            *error = u"'%1' is not key=number (keys: requests, window, time, concurrent, dop)"_s.arg(item);
            return std::nullopt;
        }
        if (key == u"requests")
            limits.requests = int(value);
        else if (key == u"window" && value > 0)
            limits.windowSeconds = value;
        else if (key == u"time")
            limits.executionSeconds = value;
        else if (key == u"concurrent")
            limits.concurrent = int(value);
        else if (key == u"dop")
            limits.dopHint = int(value);
        else {
            *error =
                u"unknown limit '%1' (keys: requests, window, time, concurrent, dop; window > 0)"_s.arg(item);
            return std::nullopt;
        }
    }
    return limits;
}

ServiceProtectionStage::ServiceProtectionStage(CostProfile profile, ServiceLimits limits, double timeScale)
    : m_profile(std::move(profile))
    , m_limits(limits)
    , m_timeScale(timeScale > 0 ? timeScale : 1)
{}

int ServiceProtectionStage::inFlight() const
{
    const qint64 now = nowUs();
    int count = 0;
    for (const Caller &caller : m_callers) {
        for (const Entry &entry : caller.entries) {
            if (entry.endUs > now)
                ++count;
        }
    }
    return count;
}

qint64 ServiceProtectionStage::nowUs() const
{
    static QElapsedTimer clock;
    if (!clock.isValid())
        clock.start();
    return clock.nsecsElapsed() / 1000;
}

void ServiceProtectionStage::prune(Caller &caller, qint64 now) const
{
    const qint64 windowUs = qint64(m_limits.windowSeconds * 1e6 / m_timeScale);
    while (!caller.entries.empty() && caller.entries.front().startUs <= now - windowUs) {
        caller.costInWindowMs -= caller.entries.front().costMs;
        caller.entries.pop_front();
    }
    if (caller.entries.empty())
        caller.costInWindowMs = 0; // no drift from repeated float subtraction
}

HttpResponse ServiceProtectionStage::throttled(const QString &code, const QString &message,
                                               qint64 retryAfterUs) const
{
    HttpResponse r = errorResponse(429, code, message);
    // Retry-After is whole seconds of real time (the client really has to wait that long), at least 1.
    const qint64 seconds = qMax<qint64>(1, (retryAfterUs + 999999) / 1000000);
    r.headers.append({QByteArrayLiteral("Retry-After"), QByteArray::number(seconds)});
    return r;
}

std::optional<HttpResponse> ServiceProtectionStage::process(const HttpRequest &request,
                                                            ServiceContext &context)
{
    Q_UNUSED(request);
    m_stats = RequestStats();
    context.stats = &m_stats;
    m_rejected = false;
    m_startUs = nowUs();
    Caller &caller = m_callers[context.callerId];
    prune(caller, m_startUs);
    if (!m_limits.enforced)
        return std::nullopt;

    const qint64 windowUs = qint64(m_limits.windowSeconds * 1e6 / m_timeScale);
    int inFlight = 0;
    qint64 firstEnd = std::numeric_limits<qint64>::max();
    for (const Entry &e : caller.entries) {
        if (e.endUs > m_startUs) {
            ++inFlight;
            firstEnd = qMin(firstEnd, e.endUs);
        }
    }
    std::optional<HttpResponse> answer;
    // FACTS §9: the concurrency limit errors immediately; count and time are checked against the window.
    if (caller.blockedUntilUs > m_startUs) {
        // Still inside the Retry-After of an earlier 429: refused again, and the wait grows.
        caller.blockedUntilUs += qint64(HammerPenaltySeconds * 1e6 / m_timeScale);
        answer = throttled(caller.blockedCode, caller.blockedMessage, caller.blockedUntilUs - m_startUs);
    } else if (inFlight >= m_limits.concurrent) {
        answer =
            throttled(u"0x80072326"_s,
                      u"Number of concurrent requests exceeded the limit of %1."_s.arg(m_limits.concurrent),
                      firstEnd - m_startUs);
    } else if (qsizetype(caller.entries.size()) >= m_limits.requests) {
        const qint64 retry =
            caller.entries[caller.entries.size() - m_limits.requests].startUs + windowUs - m_startUs;
        answer = throttled(u"0x80072322"_s,
                           u"Number of requests exceeded the limit of %1 over time window of %2 seconds."_s
                               .arg(m_limits.requests)
                               .arg(m_limits.windowSeconds),
                           retry);
    } else if (caller.costInWindowMs >= m_limits.executionSeconds * 1000) {
        // Wait until enough execution time has left the window to fall below the limit.
        double excess = caller.costInWindowMs - m_limits.executionSeconds * 1000;
        qint64 retry = windowUs;
        for (const Entry &e : caller.entries) {
            excess -= e.costMs;
            if (excess < 0) {
                retry = e.startUs + windowUs - m_startUs;
                break;
            }
        }
        static const QLocale en(QLocale::English, QLocale::UnitedStates);
        answer = throttled(u"0x80072321"_s,
                           u"Combined execution time of incoming requests exceeded limit of %1 milliseconds "
                           u"over time window "
                           u"of %2 seconds. Decrease number of concurrent requests or reduce the duration of "
                           u"requests and try "
                           u"again later."_s.arg(en.toString(qint64(m_limits.executionSeconds * 1000)))
                               .arg(m_limits.windowSeconds),
                           retry);
    }
    if (answer && caller.blockedUntilUs <= m_startUs && inFlight < m_limits.concurrent) {
        // A count or time limit: remember the wait so that requests sent during it are refused and lengthen
        // it.
        const QJsonObject error = QJsonDocument::fromJson(answer->body).object().value(u"error"_s).toObject();
        caller.blockedCode = error.value(u"code"_s).toString();
        caller.blockedMessage = error.value(u"message"_s).toString();
        caller.blockedUntilUs = m_startUs + answer->header("Retry-After").toLongLong() * 1000000;
    }
    if (answer) {
        m_rejected = true;
        qCInfo(lcLimits) << "429 for caller" << context.callerId << answer->body;
    }
    return answer;
}

void ServiceProtectionStage::finish(const HttpRequest &request, const ServiceContext &context,
                                    HttpResponse &response)
{
    Q_UNUSED(request);
    Caller &caller = m_callers[context.callerId];
    if (!m_rejected) {
        // A throttled request was not executed, so it costs nothing and does not count (FACTS §9 vector).
        const double costMs = m_profile.costMs(m_stats);
        const qint64 handlerUs = nowUs() - m_startUs;
        const qint64 delayUs = qMax<qint64>(0, qint64(costMs * 1000 / m_timeScale) - handlerUs);
        caller.entries.push_back({m_startUs, m_startUs + handlerUs + delayUs, costMs});
        caller.costInWindowMs += costMs;
        // More entries than the request limit can never matter; the cap bounds memory when not enforced.
        while (qsizetype(caller.entries.size()) > qMax(1, m_limits.requests)) {
            caller.costInWindowMs -= caller.entries.front().costMs;
            caller.entries.pop_front();
        }
        response.delayMs += (delayUs + 500) / 1000;
    }
    static const QLocale en(QLocale::English, QLocale::UnitedStates);
    const double timeLeft = qMax(0.0, m_limits.executionSeconds - caller.costInWindowMs / 1000);
    response.setHeader(
        "x-ms-ratelimit-burst-remaining-xrm-requests",
        QByteArray::number(qMax<qsizetype>(0, m_limits.requests - qsizetype(caller.entries.size()))));
    // Value format UNCONFIRMED (FACTS §9); the vector shows "1,199.43" seconds.
    response.setHeader("x-ms-ratelimit-time-remaining-xrm-requests",
                       en.toString(timeLeft, 'f', 2).toLatin1());
    response.setHeader("x-ms-dop-hint", QByteArray::number(m_limits.dopHint));
}

} // namespace d365::sandbox
