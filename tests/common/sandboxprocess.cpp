#include "sandboxprocess.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QSignalSpy>

#include <cstdio>
#include <optional>

using namespace Qt::StringLiterals;

namespace d365::testsupport {

SandboxProcess::SandboxProcess()
{
    m_process.setProgram(QStringLiteral(D365_SANDBOX_EXE));
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    QObject::connect(&m_process, &QProcess::readyReadStandardError, &m_process,
                     [this] { m_stderr += m_process.readAllStandardError(); });
}

SandboxProcess::~SandboxProcess()
{
    const bool crashedOrFailed = m_process.state() == QProcess::NotRunning && m_process.exitCode() != 0;
    stop();
    if (crashedOrFailed || m_process.exitStatus() == QProcess::CrashExit)
        std::fprintf(stderr, "--- d365sync-sandbox stderr ---\n%s\n", standardError().constData());
}

bool SandboxProcess::start(QStringList extraArgs, int timeoutMs)
{
    stop();
    m_stderr.clear();
    m_baseUrl.clear();
    QStringList args{u"--port"_s, u"0"_s};
    if (m_acceptAnyToken)
        args += u"--accept-any-token"_s;
    args += extraArgs;
    m_process.setArguments(args);
    m_process.start(QIODevice::ReadOnly);
    const QDeadlineTimer deadline(timeoutMs);
    if (!m_process.waitForStarted(timeoutMs)) {
        std::fprintf(stderr, "d365sync-sandbox did not start: %s\n", qPrintable(m_process.errorString()));
        return false;
    }
    const auto nextLine = [&]() -> std::optional<QByteArray> {
        while (!m_process.canReadLine()) {
            if (deadline.hasExpired() || m_process.state() != QProcess::Running ||
                !m_process.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())))) {
                if (m_process.canReadLine())
                    break;
                m_stderr += m_process.readAllStandardError();
                std::fprintf(stderr,
                             "d365sync-sandbox did not report its address (state %d)\n--- stderr ---\n%s\n",
                             int(m_process.state()), m_stderr.constData());
                return std::nullopt;
            }
        }
        return m_process.readLine().trimmed();
    };
    const auto line = nextLine();
    if (!line)
        return false;
    static const QByteArray prefix = "listening ";
    if (!line->startsWith(prefix)) {
        std::fprintf(stderr, "unexpected first line from d365sync-sandbox: %s\n", line->constData());
        return false;
    }
    m_baseUrl = QUrl(QString::fromUtf8(line->mid(prefix.size())));
    m_caCertificateFile.clear();
    if (m_baseUrl.scheme() == u"https"_s && !extraArgs.contains(u"--tls-cert"_s)) {
        // --tls with a generated CA: the second line says where its certificate is.
        static const QByteArray caPrefix = "ca-certificate ";
        const auto caLine = nextLine();
        if (!caLine || !caLine->startsWith(caPrefix)) {
            std::fprintf(stderr, "d365sync-sandbox --tls did not name its CA certificate\n");
            return false;
        }
        m_caCertificateFile = QString::fromUtf8(caLine->mid(caPrefix.size()));
        QFile file(m_caCertificateFile);
        if (!file.open(QIODevice::ReadOnly))
            return false;
        trustForTests(QSslCertificate::fromData(file.readAll(), QSsl::Pem));
    }
    return m_baseUrl.isValid();
}

static QList<QSslCertificate> &testCertificates()
{
    static QList<QSslCertificate> certificates;
    return certificates;
}

void trustForTests(const QList<QSslCertificate> &certificates)
{
    testCertificates() += certificates;
}

QSslConfiguration testTlsConfiguration()
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.addCaCertificates(testCertificates());
    return configuration;
}

void SandboxProcess::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(5000)) {
        m_process.kill();
        m_process.waitForFinished(2000);
    }
    m_stderr += m_process.readAllStandardError();
}

void SandboxProcess::kill()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.kill();
    m_process.waitForFinished(5000);
    m_stderr += m_process.readAllStandardError();
}

bool SandboxProcess::isRunning() const
{
    return m_process.state() == QProcess::Running;
}

QUrl SandboxProcess::webApiUrl() const
{
    return m_baseUrl.resolved(QUrl(u"/api/data/v9.2/"_s));
}

QByteArray SandboxProcess::standardError()
{
    m_stderr += m_process.readAllStandardError();
    return m_stderr;
}

QByteArray HttpResult::header(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (name.compare(h.first, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

static QNetworkAccessManager *sharedManager()
{
    // Parented to the application so it is destroyed before QCoreApplication goes away.
    static QPointer<QNetworkAccessManager> manager;
    if (!manager)
        manager = new QNetworkAccessManager(QCoreApplication::instance());
    return manager;
}

HttpResult request(const QByteArray &method, const QUrl &url, const Headers &headers, const QByteArray &body,
                   int timeoutMs)
{
    QNetworkRequest req(url);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    if (url.scheme() == u"https"_s)
        req.setSslConfiguration(testTlsConfiguration());
    for (const auto &h : headers)
        req.setRawHeader(h.first, h.second);
    if (!body.isEmpty() && !req.hasRawHeader("Content-Type"))
        req.setRawHeader("Content-Type", "application/json; charset=utf-8");
    auto *buffer = new QBuffer;
    buffer->setData(body);
    buffer->open(QIODevice::ReadOnly);
    QNetworkReply *reply = sharedManager()->sendCustomRequest(req, method, buffer);
    buffer->setParent(reply);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    HttpResult result;
    if (!reply->isFinished() && !finished.wait(timeoutMs)) {
        reply->abort();
        result.error = u"timeout after %1 ms"_s.arg(timeoutMs);
        reply->deleteLater();
        return result;
    }
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.headers = reply->rawHeaderPairs();
    result.body = reply->readAll();
    if (result.status == 0)
        result.error = reply->errorString();
    reply->deleteLater();
    return result;
}

} // namespace d365::testsupport
