#include "sandboxoptions.h"

#include "faultinjection.h"
#include "requestlog.h"
#include "sandboxserver.h"
#include "servicelimits.h"

#include <QCommandLineParser>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

#include <memory>

Q_LOGGING_CATEGORY(lcOptions, "d365.sandbox.options")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

void addServiceOptions(QCommandLineParser &parser)
{
    parser.addOptions({
        {u"profile"_s,
         u"Execution-cost profile: 'fast' (default, zero cost) or 'realistic' (~120 ms per single-record "
         u"request, ~6.5 ms per bulk target; see README)."_s,
         u"NAME"_s, u"fast"_s},
        {u"time-scale"_s, u"Run every cost and every limit window F times faster (default 1)."_s, u"F"_s,
         u"1"_s},
        {u"limits"_s,
         u"Service-protection limits per user, e.g. 'requests=6000,window=300,time=1200,concurrent=52,dop=8' "
         u"(the defaults)."_s,
         u"LIST"_s},
        {u"service-protection"_s,
         u"'on' answers 429 over a limit, 'off' only sends the x-ms-ratelimit-* headers. Default: on with "
         u"--profile realistic, off with fast."_s,
         u"on|off"_s},
        {u"seed"_s, u"Seed of the fault-injection random generator (default 1)."_s, u"N"_s, u"1"_s},
        {u"faults"_s,
         u"Fault injection as JSON, e.g. '{\"errorRate\":0.1,\"errorStatuses\":[503],\"dropRate\":0.05}' "
         u"(keys in README; also settable at runtime via /_sandbox/faults)."_s,
         u"JSON"_s},
        {u"request-log"_s,
         u"Append one JSON line per request (time, method, path, status, caller, duration, "
         u"bytes) to FILE."_s,
         u"FILE"_s},
    });
}

namespace {} // namespace

bool applyServiceOptions(const QCommandLineParser &parser, SandboxServer &server, QString *error)
{
    const auto profile = CostProfile::byName(parser.value(u"profile"_s));
    if (!profile) {
        *error = u"--profile must be 'fast' or 'realistic', got '%1'."_s.arg(parser.value(u"profile"_s));
        return false;
    }
    bool ok = false;
    const double timeScale = parser.value(u"time-scale"_s).toDouble(&ok);
    if (!ok || timeScale <= 0) {
        *error = u"--time-scale must be a positive number such as 100, got '%1'."_s.arg(
            parser.value(u"time-scale"_s));
        return false;
    }
    ServiceLimits limits;
    limits.enforced = profile->name == u"realistic"_s;
    if (parser.isSet(u"limits"_s)) {
        QString why;
        const auto parsed = ServiceLimits::parse(parser.value(u"limits"_s), limits, &why);
        if (!parsed) {
            *error = u"--limits: %1."_s.arg(why);
            return false;
        }
        limits = *parsed;
    }
    if (parser.isSet(u"service-protection"_s)) {
        const QString v = parser.value(u"service-protection"_s);
        if (v != u"on"_s && v != u"off"_s) {
            *error = u"--service-protection must be 'on' or 'off', got '%1'."_s.arg(v);
            return false;
        }
        limits.enforced = v == u"on"_s;
    }
    const quint64 seed = parser.value(u"seed"_s).toULongLong(&ok);
    if (!ok) {
        *error = u"--seed must be a non-negative integer, got '%1'."_s.arg(parser.value(u"seed"_s));
        return false;
    }
    FaultConfig faults;
    if (parser.isSet(u"faults"_s)) {
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(parser.value(u"faults"_s).toUtf8(), &parseError);
        QString why = parseError.errorString();
        std::optional<FaultConfig> parsed;
        if (doc.isObject())
            parsed = FaultConfig::fromJson(doc.object(), &why);
        if (!parsed) {
            *error = u"--faults: %1 (expected a JSON object such as '{\"errorRate\":0.1}')."_s.arg(why);
            return false;
        }
        faults = *parsed;
    }
    if (parser.isSet(u"request-log"_s)) {
        auto log = std::make_shared<RequestLog>();
        QString why;
        if (!log->open(parser.value(u"request-log"_s), &why)) {
            *error = u"--request-log: cannot open '%1': %2."_s.arg(parser.value(u"request-log"_s), why);
            return false;
        }
        server.setObserver([log](const HttpRequest &request, const ServiceContext &context,
                                 const HttpResponse &response,
                                 qint64 handlerUs) { log->record(request, context, response, handlerUs); });
    }

    auto faultStage = std::make_unique<FaultInjectionStage>(
        faults, seed, server.store().definition().organization().tenantId);
    FaultInjectionStage *faultsPtr = faultStage.get();
    server.addStage(std::move(faultStage));
    auto limitStage = std::make_unique<ServiceProtectionStage>(*profile, limits, timeScale);
    ServiceProtectionStage *limitsPtr = limitStage.get();
    server.addStage(std::move(limitStage));

    server.addRoute(u"/_sandbox/faults"_s,
                    [faultsPtr](const HttpRequest &request) { return faultsPtr->admin(request); });
    // GET: the active profile and limits; DELETE: forget every caller's window (tests).
    server.addRoute(u"/_sandbox/limits"_s, [limitsPtr](const HttpRequest &request) {
        if (request.method == "DELETE")
            limitsPtr->reset();
        else if (request.method != "GET")
            return methodNotAllowed(request.method, "GET, DELETE");
        const CostProfile &p = limitsPtr->profile();
        const ServiceLimits &l = limitsPtr->limits();
        return jsonResponse(200, QJsonObject{{u"profile"_s, p.name},
                                             {u"timeScale"_s, limitsPtr->timeScale()},
                                             {u"requestOverheadMs"_s, p.requestOverheadMs},
                                             {u"recordOperationMs"_s, p.recordOperationMs},
                                             {u"bulkTargetMs"_s, p.bulkTargetMs},
                                             {u"rowReadMs"_s, p.rowReadMs},
                                             {u"requests"_s, l.requests},
                                             {u"windowSeconds"_s, l.windowSeconds},
                                             {u"executionSeconds"_s, l.executionSeconds},
                                             {u"concurrent"_s, l.concurrent},
                                             {u"enforced"_s, l.enforced},
                                             {u"dopHint"_s, l.dopHint},
                                             {u"inFlight"_s, limitsPtr->inFlight()}});
    });
    qCInfo(lcOptions) << "cost profile" << profile->name << "time scale" << timeScale << "service protection"
                      << (limits.enforced ? "on" : "off") << (faults.isEmpty() ? "" : "with fault injection");
    return true;
}

} // namespace d365::sandbox
