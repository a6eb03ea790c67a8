#include "faultinjection.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcFaults, "d365.sandbox.faults")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

QJsonObject FaultConfig::toJson() const
{
    QJsonArray statuses;
    for (int s : errorStatuses)
        statuses.append(s);
    return {{u"errorRate"_s, errorRate},       {u"errorStatuses"_s, statuses},
            {u"dropRate"_s, dropRate},         {u"delayRate"_s, delayRate},
            {u"delayMs"_s, delayMs},           {u"expireTokenAfter"_s, expireTokenAfter},
            {u"throttleNext"_s, throttleNext}, {u"throttleRate"_s, throttleRate},
            {u"retryAfter"_s, retryAfter}};
}

bool FaultConfig::isEmpty() const
{
    return errorRate == 0 && dropRate == 0 && (delayRate == 0 || delayMs == 0) && expireTokenAfter == 0 &&
           throttleNext == 0 && throttleRate == 0;
}

std::optional<FaultConfig> FaultConfig::fromJson(const QJsonObject &json, QString *error)
{
    static const QStringList known = {u"errorRate"_s,    u"errorStatuses"_s, u"dropRate"_s,
                                      u"delayRate"_s,    u"delayMs"_s,       u"expireTokenAfter"_s,
                                      u"throttleNext"_s, u"throttleRate"_s,  u"retryAfter"_s};
    FaultConfig c;
    for (auto it = json.constBegin(); it != json.constEnd(); ++it) {
        if (!known.contains(it.key())) {
            *error = u"unknown key '%1' (known: %2)"_s.arg(it.key(), known.join(u", "_s));
            return std::nullopt;
        }
        if (it.key() != u"errorStatuses"_s && (!it.value().isDouble() || it.value().toDouble() < 0)) {
            *error = u"'%1' must be a non-negative number"_s.arg(it.key());
            return std::nullopt;
        }
    }
    const auto rate = [&](const QString &key, double *out) {
        *out = json.value(key).toDouble(*out);
        if (*out > 1) {
            *error = u"'%1' is a share of requests from 0 to 1, got %2"_s.arg(key).arg(*out);
            return false;
        }
        return true;
    };
    if (!rate(u"errorRate"_s, &c.errorRate) || !rate(u"dropRate"_s, &c.dropRate) ||
        !rate(u"delayRate"_s, &c.delayRate) || !rate(u"throttleRate"_s, &c.throttleRate))
        return std::nullopt;
    c.delayMs = json.value(u"delayMs"_s).toInt(c.delayMs);
    c.expireTokenAfter = json.value(u"expireTokenAfter"_s).toInt(c.expireTokenAfter);
    c.throttleNext = json.value(u"throttleNext"_s).toInt(c.throttleNext);
    c.retryAfter = json.value(u"retryAfter"_s).toInt(c.retryAfter);
    if (json.contains(u"errorStatuses"_s)) {
        c.errorStatuses.clear();
        for (const QJsonValue &v : json.value(u"errorStatuses"_s).toArray()) {
            if (v.toInt() < 400 || v.toInt() > 599) {
                *error = u"'errorStatuses' must hold HTTP error statuses such as 502 and 503"_s;
                return std::nullopt;
            }
            c.errorStatuses.append(v.toInt());
        }
        if (c.errorStatuses.isEmpty()) {
            *error = u"'errorStatuses' must not be empty"_s;
            return std::nullopt;
        }
    }
    return c;
}

FaultInjectionStage::FaultInjectionStage(FaultConfig config, quint64 seed, QUuid tenantId)
    : m_random(seed)
    , m_tenantId(tenantId)
{
    setConfig(config);
}

void FaultInjectionStage::setConfig(const FaultConfig &config)
{
    m_config = config;
    m_throttleLeft = config.throttleNext;
    m_tokenUses.clear();
}

double FaultInjectionStage::draw()
{
    return std::uniform_real_distribution<double>(0.0, 1.0)(m_random);
}

std::optional<HttpResponse> FaultInjectionStage::process(const HttpRequest &request, ServiceContext &context)
{
    Q_UNUSED(context);
    m_drop = m_delay = false;
    if (m_config.isEmpty())
        return std::nullopt;
    // Always five draws per request, so a given request sequence meets the same faults whatever is enabled.
    const double throttleDraw = draw();
    const double errorDraw = draw();
    const double statusDraw = draw();
    const double dropDraw = draw();
    const double delayDraw = draw();

    if (m_config.expireTokenAfter > 0) {
        const QByteArray auth = request.header("Authorization");
        const QByteArray key = QCryptographicHash::hash(auth, QCryptographicHash::Sha256);
        if (++m_tokenUses[key] > m_config.expireTokenAfter) {
            qCInfo(lcFaults) << "injected token expiry for" << request.method << request.path;
            HttpResponse r = errorResponse(
                401, u"0x80072560"_s,
                u"The user is not authenticated: the bearer token is missing, invalid or expired."_s);
            r.headers.append({QByteArrayLiteral("WWW-Authenticate"),
                              QString(u"Bearer error=\"invalid_token\", error_description=\"The access token "
                                      u"expired\", authorization_uri=https://login.microsoftonline.com/"_s +
                                      m_tenantId.toString(QUuid::WithoutBraces) + u"/oauth2/authorize"_s)
                                  .toUtf8()});
            return r;
        }
    }
    if (m_throttleLeft > 0 || throttleDraw < m_config.throttleRate) {
        if (m_throttleLeft > 0)
            --m_throttleLeft;
        qCInfo(lcFaults) << "injected 429 for" << request.method << request.path;
        HttpResponse r = errorResponse(
            429, u"0x80072322"_s,
            u"Number of requests exceeded the limit of 6000 over time window of 300 seconds."_s);
        r.headers.append({QByteArrayLiteral("Retry-After"), QByteArray::number(m_config.retryAfter)});
        return r;
    }
    if (errorDraw < m_config.errorRate) {
        const int status = m_config.errorStatuses.at(
            qMin(qsizetype(statusDraw * m_config.errorStatuses.size()), m_config.errorStatuses.size() - 1));
        qCInfo(lcFaults) << "injected" << status << "for" << request.method << request.path;
        return errorResponse(status, QString(),
                             u"The service is temporarily unavailable (fault injected by d365sync-sandbox). "
                             u"Retry the request."_s);
    }
    m_drop = dropDraw < m_config.dropRate;
    m_delay = m_config.delayMs > 0 && delayDraw < m_config.delayRate;
    return std::nullopt;
}

void FaultInjectionStage::finish(const HttpRequest &request, const ServiceContext &context,
                                 HttpResponse &response)
{
    Q_UNUSED(context);
    if (m_delay)
        response.delayMs += m_config.delayMs;
    if (m_drop) {
        qCInfo(lcFaults) << "dropping the connection mid-response for" << request.method << request.path;
        response.disposition = HttpResponse::Disposition::DropMidResponse;
    }
    m_drop = m_delay = false;
}

HttpResponse FaultInjectionStage::admin(const HttpRequest &request)
{
    if (request.method == "GET")
        return jsonResponse(200, m_config.toJson());
    if (request.method == "DELETE") {
        setConfig(FaultConfig());
        return jsonResponse(200, m_config.toJson());
    }
    if (request.method == "PUT" || request.method == "POST") {
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(request.body, &parseError);
        QString error = parseError.errorString();
        std::optional<FaultConfig> config;
        if (doc.isObject())
            config = FaultConfig::fromJson(doc.object(), &error);
        if (!config)
            return errorResponse(400, QString(),
                                 u"Invalid fault configuration: %1. Send a JSON object such as "
                                 u"{\"errorRate\":0.1,\"errorStatuses\":[503]}."_s.arg(error));
        setConfig(*config);
        qCInfo(lcFaults) << "fault configuration replaced:"
                         << QJsonDocument(m_config.toJson()).toJson(QJsonDocument::Compact);
        return jsonResponse(200, m_config.toJson());
    }
    return methodNotAllowed(request.method, "GET, PUT, POST, DELETE");
}

} // namespace d365::sandbox
