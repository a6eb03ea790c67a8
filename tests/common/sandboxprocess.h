#pragma once

// Test support: runs d365sync-sandbox as a child process and talks HTTP to it.
//
//   SandboxProcess sandbox;
//   QVERIFY(sandbox.start());                       // --port 0, waits for "listening
//   http://127.0.0.1:<port>" auto r = d365::testsupport::request("GET",
//   sandbox.webApiUrl().resolved(QUrl(u"WhoAmI"_s)),
//                                       {{"Authorization", "Bearer test"}});
//   QCOMPARE(r.status, 200);
//
// The destructor stops the process (SIGTERM, then kill). When the sandbox fails to start or exits with an
// error, its stderr is copied to the test's stderr so the failure explains itself.

#include <QByteArray>
#include <QJsonDocument>
#include <QList>
#include <QPair>
#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace d365::testsupport {

class SandboxProcess
{
public:
    SandboxProcess();
    ~SandboxProcess();
    SandboxProcess(const SandboxProcess &) = delete;
    SandboxProcess &operator=(const SandboxProcess &) = delete;

    // Starts D365_SANDBOX_EXE with "--port 0" (plus "--accept-any-token" unless turned off below) plus
    // extraArgs; true once the first stdout line has arrived.
    bool start(QStringList extraArgs = {}, int timeoutMs = 10000);
    // Tests of real sign-in turn this off so only tokens from the sandbox identity provider work.
    void setAcceptAnyToken(bool accept) { m_acceptAnyToken = accept; }
    void stop();
    // SIGKILL, like `kill -9`: no clean shutdown (persistence tests).
    void kill();
    bool isRunning() const;
    // Exit code of the last run once it has ended (e.g. 2 after start() failed on bad arguments).
    int exitCode() const { return m_process.exitCode(); }

    QUrl baseUrl() const { return m_baseUrl; } // e.g. http://127.0.0.1:41234 (https:// with --tls)
    // With --tls (and no --tls-cert): the CA certificate file the sandbox wrote. start() also adds the CA to
    // testTlsConfiguration(), so request() trusts it; the product's own code trusts it only through a
    // profile.
    QString caCertificateFile() const { return m_caCertificateFile; }
    QUrl webApiUrl() const;     // e.g. http://127.0.0.1:41234/api/data/v9.2/
    QByteArray standardError(); // everything the sandbox logged so far

private:
    QProcess m_process;
    QUrl m_baseUrl;
    QByteArray m_stderr;
    QString m_caCertificateFile;
    bool m_acceptAnyToken = true;
};

// The TLS configuration of the tests' own HTTP clients (request(), a test's "browser"): the system's CAs plus
// those of every TLS sandbox started so far, or added here. Never the product's configuration.
void trustForTests(const QList<QSslCertificate> &certificates);
QSslConfiguration testTlsConfiguration();

using Headers = QList<QPair<QByteArray, QByteArray>>;

struct HttpResult
{
    int status = 0;  // 0 when no HTTP response arrived (see error)
    Headers headers; // response headers as received
    QByteArray body;
    QString error; // transport error text, empty on any HTTP response

    QByteArray header(QByteArrayView name) const; // case-insensitive
    QJsonDocument json() const { return QJsonDocument::fromJson(body); }
};

// Synchronous HTTP for tests (spins an event loop while waiting; never use outside tests). Reuses one
// QNetworkAccessManager, so consecutive requests to the same server share a keep-alive connection.
HttpResult request(const QByteArray &method, const QUrl &url, const Headers &headers = {},
                   const QByteArray &body = {}, int timeoutMs = 30000);

} // namespace d365::testsupport
