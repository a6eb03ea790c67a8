// d365sync-sandbox: a local server that behaves like the Dataverse Web API (see tests/sandbox/README.md).

#include "orgdefinition.h"
#include "orgpersistence.h"
#include "sandboxoptions.h"
#include "sandboxserver.h"
#include "security.h"
#include "seedrows.h"
#include "tlscertificates.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QSaveFile>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <optional>
#include <sys/socket.h>
#include <unistd.h>

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#include <malloc.h>
#include <sys/mman.h>
#endif

Q_LOGGING_CATEGORY(lcMain, "d365.sandbox.main")

using namespace Qt::StringLiterals;

namespace {

// Rows are many small allocations (hash spans, strings) that stay alive, so a bulk create keeps extending the
// heap and the time went to first-touch page faults (1,800 per 1,000-row UpsertMultiple, ~40% of it on this
// VM), not to the code. Give the heap 256 MB of address space backed by transparent huge pages when the
// kernel offers them (madvise mode): pages are still only faulted in when used, but 2 MB at a time. The
// block is freed at once and kept as the heap's top (trim threshold raised), so later allocations carve
// from it. Only for glibc's main arena, and not under ASan (its own allocator).
// Called once, before the org store holds any row.
void prepareHeap()
{
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
    constexpr size_t Size = size_t(256) << 20;
    mallopt(M_TRIM_THRESHOLD, int(Size * 2));
    mallopt(M_MMAP_THRESHOLD, int(Size + (size_t(1) << 20))); // this block from the brk heap, not mmap
    if (void *block = malloc(Size)) {
        const auto page = uintptr_t(2) << 20;
        const uintptr_t start = (uintptr_t(block) + page - 1) & ~(page - 1);
        const uintptr_t end = (uintptr_t(block) + Size) & ~(page - 1);
        if (end > start)
            madvise(reinterpret_cast<void *>(start), end - start, MADV_HUGEPAGE); // ignored without THP
        free(block);
    }
    mallopt(M_MMAP_THRESHOLD, 128 * 1024); // glibc's default again for everything else
#endif
}

// Checks the --tls options and makes or loads the server's certificate; *tls stays empty without --tls.
bool prepareTls(const QCommandLineParser &parser, const QList<QCommandLineOption> &options,
                const QHostAddress &host, std::optional<d365::sandbox::TlsIdentity> *tls, QString *error)
{
    const QCommandLineOption &tlsOption = options[0];
    const QCommandLineOption &caOutOption = options[1];
    const QCommandLineOption &certOption = options[2];
    const QCommandLineOption &keyOption = options[3];
    if (!parser.isSet(tlsOption)) {
        for (const QCommandLineOption &o : {caOutOption, certOption, keyOption}) {
            if (parser.isSet(o)) {
                *error = u"--%1 needs --tls."_s.arg(o.names().constFirst());
                return false;
            }
        }
        return true;
    }
    if (parser.isSet(certOption) != parser.isSet(keyOption)) {
        *error = u"--tls-cert and --tls-key go together: give the certificate and its private key."_s;
        return false;
    }
    if (parser.isSet(certOption)) {
        if (parser.isSet(caOutOption)) {
            *error = u"--tls-ca-out writes the CA the sandbox generates; with --tls-cert there is none (your "
                     u"clients trust the CA that issued your certificate)."_s;
            return false;
        }
        *tls = d365::sandbox::loadTlsIdentity(parser.value(certOption), parser.value(keyOption), error);
        return tls->has_value();
    }
    // The names a local client dials: localhost, the loopback addresses, and the address listened on.
    QList<QHostAddress> addresses{QHostAddress(QHostAddress::LocalHost),
                                  QHostAddress(QHostAddress::LocalHostIPv6)};
    if (!addresses.contains(host) && host != QHostAddress::Any && host != QHostAddress::AnyIPv4 &&
        host != QHostAddress::AnyIPv6)
        addresses.append(host);
    *tls = d365::sandbox::generateTlsIdentity({u"localhost"_s}, addresses, 30, error);
    if (!tls->has_value())
        *error = u"--tls: "_s + *error;
    return tls->has_value();
}

// The CA certificate is public, but written atomically so a client never reads half a file.
bool writeCaCertificate(const QString &path, const QByteArray &pem, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(pem) != pem.size() || !file.commit()) {
        *error = u"cannot write the CA certificate to '%1': %2"_s.arg(path, file.errorString());
        return false;
    }
    return true;
}

int signalFds[2] = {-1, -1};

void onSignal(int)
{
    // Only async-signal-safe work here: wake the event loop through the socket pair.
    const char c = 1;
    [[maybe_unused]] const auto written = ::write(signalFds[0], &c, 1);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"d365sync-sandbox"_s);
    QCoreApplication::setApplicationVersion(u"0.1.0"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Local stand-in for the Microsoft Dataverse Web API (/api/data/v9.2/) for tests and demos.\n"
        u"Prints 'listening http://<host>:<port>' (https:// with --tls) as the first line on stdout; logs go "
        u"to stderr.\n"
        u"Every /api/data request needs 'Authorization: Bearer <token>' with a token from the built-in "
        u"identity\n"
        u"provider (/{tenant}/oauth2/v2.0/token), or any token with --accept-any-token."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption portOption(u"port"_s, u"TCP port to listen on; 0 (default) picks a free port."_s,
                                        u"N"_s, u"0"_s);
    const QCommandLineOption hostOption(u"host"_s,
                                        u"Address to listen on (default 127.0.0.1, loopback only)."_s,
                                        u"ADDRESS"_s, u"127.0.0.1"_s);
    const QCommandLineOption orgOption(
        u"org"_s,
        u"Org definition JSON (tables, columns, keys, relationships; format in "
        u"tests/sandbox/README.md). Default: the built-in org."_s,
        u"FILE"_s);
    const QCommandLineOption quietOption(u"quiet"_s, u"Log only warnings to stderr."_s);
    const QCommandLineOption verboseOption(u"verbose"_s,
                                           u"Also log every request and connection to stderr."_s);
    const QCommandLineOption tokenLifetimeOption(
        u"token-lifetime"_s, u"Lifetime of issued access tokens in seconds (default 3600)."_s, u"SECONDS"_s,
        u"3600"_s);
    const QCommandLineOption clientSecretOption(
        u"client-secret"_s, u"Client secret of the built-in test app (default sandbox-client-secret)."_s,
        u"SECRET"_s);
    const QCommandLineOption acceptAnyTokenOption(
        u"accept-any-token"_s,
        u"Also accept any bearer token the identity provider did not issue (as the org's default user)."_s);
    const QCommandLineOption signInUserOption(
        u"sign-in-user"_s, u"Test user the authorize endpoint signs in without login_hint."_s, u"UPN"_s);
    const QCommandLineOption dataOption(
        u"data"_s,
        u"Keep the org's rows in this SQLite file across restarts (created when missing; a write is "
        u"answered once its rows are in the file). Default: in memory only."_s,
        u"FILE"_s);
    const QCommandLineOption securityOption(
        u"security"_s,
        u"Security roles, privileges and user assignments JSON (format in tests/sandbox/README.md). Default: "
        u"the built-in definition (admin and the app user are System Administrators, alice a Salesperson)."_s,
        u"FILE"_s);
    const QCommandLineOption tlsOption(
        u"tls"_s,
        u"Serve HTTPS instead of HTTP on the same port, with a server certificate signed by a CA made at "
        u"start (written to --tls-ca-out), or the one given with --tls-cert/--tls-key."_s);
    const QCommandLineOption tlsCaOutOption(
        u"tls-ca-out"_s,
        u"With --tls: write the generated CA certificate (PEM) to this file, for clients to trust (default: "
        u"d365sync-sandbox-ca-<port>.pem in the temporary directory). Its path is the second line on "
        u"stdout: 'ca-certificate <file>'."_s,
        u"FILE"_s);
    const QCommandLineOption tlsCertOption(
        u"tls-cert"_s, u"With --tls: the server certificate chain (PEM) to use instead of a generated one."_s,
        u"FILE"_s);
    const QCommandLineOption tlsKeyOption(
        u"tls-key"_s, u"With --tls-cert: the certificate's private key (unencrypted PEM, RSA or EC)."_s,
        u"FILE"_s);
    parser.addOptions({portOption, hostOption, orgOption, quietOption, verboseOption, tokenLifetimeOption,
                       clientSecretOption, acceptAnyTokenOption, signInUserOption, dataOption, securityOption,
                       tlsOption, tlsCaOutOption, tlsCertOption, tlsKeyOption});
    d365::sandbox::addServiceOptions(parser);
    parser.process(app);

    // Per-request debug lines only with --verbose (or QT_LOGGING_RULES): a busy sync run must not flood
    // stderr.
    if (parser.isSet(quietOption))
        QLoggingCategory::setFilterRules(u"d365.sandbox.*.info=false\nd365.sandbox.*.debug=false"_s);
    else if (!parser.isSet(verboseOption))
        QLoggingCategory::setFilterRules(u"d365.sandbox.*.debug=false"_s);

    bool portOk = false;
    const uint port = parser.value(portOption).toUInt(&portOk);
    if (!portOk || port > 65535) {
        std::fprintf(stderr, "d365sync-sandbox: --port must be a number from 0 to 65535, got '%s'.\n",
                     qPrintable(parser.value(portOption)));
        return 2;
    }
    const QHostAddress host(parser.value(hostOption));
    if (host.isNull()) {
        std::fprintf(stderr, "d365sync-sandbox: --host must be an IP address such as 127.0.0.1, got '%s'.\n",
                     qPrintable(parser.value(hostOption)));
        return 2;
    }
    const QString orgPath = parser.isSet(orgOption) ? parser.value(orgOption) : u":/sandbox/org.json"_s;
    QString error;
    const auto definition = d365::sandbox::OrgDefinition::fromFile(orgPath, &error);
    if (!definition) {
        std::fprintf(stderr, "d365sync-sandbox: %s\n", qPrintable(error));
        return 2;
    }

    prepareHeap();
    d365::sandbox::SandboxServer server(definition);
    if (!d365::sandbox::seedRows(server.store(), &error)) {
        std::fprintf(stderr, "d365sync-sandbox: %s\n", qPrintable(error));
        return 2;
    }
    bool lifetimeOk = false;
    const int tokenLifetime = parser.value(tokenLifetimeOption).toInt(&lifetimeOk);
    if (!lifetimeOk || tokenLifetime < 1) {
        std::fprintf(stderr,
                     "d365sync-sandbox: --token-lifetime must be a positive number of seconds, got '%s'.\n",
                     qPrintable(parser.value(tokenLifetimeOption)));
        return 2;
    }
    server.identity().setTokenLifetime(tokenLifetime);
    if (parser.isSet(clientSecretOption))
        server.identity().setClientSecret(parser.value(clientSecretOption));
    server.identity().setAcceptAnyToken(parser.isSet(acceptAnyTokenOption));
    if (parser.isSet(signInUserOption) && !server.identity().setSignInUser(parser.value(signInUserOption))) {
        std::fprintf(
            stderr,
            "d365sync-sandbox: --sign-in-user '%s' is not a test user (see tests/sandbox/README.md).\n",
            qPrintable(parser.value(signInUserOption)));
        return 2;
    }
    const auto security = d365::sandbox::SecurityModel::fromFile(
        parser.isSet(securityOption) ? parser.value(securityOption) : u":/sandbox/security.json"_s,
        definition, server.identity().users(), &error);
    if (!security) {
        std::fprintf(stderr, "d365sync-sandbox: --security: %s\n", qPrintable(error));
        return 2;
    }
    server.setSecurity(security);
    if (!d365::sandbox::applyServiceOptions(parser, server, &error)) {
        std::fprintf(stderr, "d365sync-sandbox: %s\n", qPrintable(error));
        return 2;
    }
    d365::sandbox::OrgPersistence persistence(server.store());
    if (parser.isSet(dataOption)) {
        if (!persistence.open(parser.value(dataOption), &error)) {
            std::fprintf(stderr, "d365sync-sandbox: %s\n", qPrintable(error));
            return 2;
        }
        // A write is acknowledged only once its rows are in the file (Issue 10 item 14).
        server.setWriteBarrier([&persistence] { return persistence.barrier(); });
    }
    std::optional<d365::sandbox::TlsIdentity> tls;
    if (!prepareTls(parser, {tlsOption, tlsCaOutOption, tlsCertOption, tlsKeyOption}, host, &tls, &error)) {
        std::fprintf(stderr, "d365sync-sandbox: %s\n", qPrintable(error));
        return 2;
    }
    if (tls) {
        const auto configuration = d365::sandbox::serverConfiguration(*tls, &error);
        if (!configuration) {
            std::fprintf(stderr, "d365sync-sandbox: --tls: %s\n", qPrintable(error));
            return 2;
        }
        server.setTlsConfiguration(*configuration);
    }
    if (!server.listen(host, quint16(port), &error)) {
        std::fprintf(stderr, "d365sync-sandbox: cannot listen on %s:%u: %s\n", qPrintable(host.toString()),
                     port, qPrintable(error));
        return 3;
    }

    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalFds) == 0) {
        auto *notifier = new QSocketNotifier(signalFds[1], QSocketNotifier::Read, &app);
        QObject::connect(notifier, &QSocketNotifier::activated, &app, [] {
            char c;
            [[maybe_unused]] const auto n = ::read(signalFds[1], &c, 1);
            qCInfo(lcMain) << "signal received, shutting down";
            QCoreApplication::quit();
        });
        struct sigaction sa = {};
        sa.sa_handler = onSignal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(SIGTERM, &sa, nullptr);
        sigaction(SIGINT, &sa, nullptr);
    }

    const QUrl base = server.baseUrl();
    // The CA file exists before the first line announces the server: a client may connect at once.
    QString caFile;
    if (tls && !tls->caCertificatePem.isEmpty()) {
        caFile = parser.isSet(tlsCaOutOption)
                     ? parser.value(tlsCaOutOption)
                     : QDir::temp().filePath(u"d365sync-sandbox-ca-%1.pem"_s.arg(base.port()));
        if (!writeCaCertificate(caFile, tls->caCertificatePem, &error)) {
            std::fprintf(stderr, "d365sync-sandbox: --tls-ca-out: %s\n", qPrintable(error));
            return 2;
        }
        qCInfo(lcMain) << "TLS: clients must trust the CA certificate in" << caFile;
    }
    std::printf("listening %s\n", qPrintable(base.toString()));
    if (!caFile.isEmpty())
        std::printf("ca-certificate %s\n", qPrintable(QDir::toNativeSeparators(caFile)));
    std::fflush(stdout);
    qCInfo(lcMain) << "serving org" << definition->organization().uniqueName << "at"
                   << base.toString() + u"/api/data/v9.2/"_s;
    const int exitCode = app.exec();
    // Clean shutdown (SIGTERM/SIGINT): write what has not been written yet.
    if (!persistence.close(&error)) {
        std::fprintf(stderr, "d365sync-sandbox: %s\n", qPrintable(error));
        return 1;
    }
    return exitCode;
}
