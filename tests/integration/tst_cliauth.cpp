// d365sync-cli sign-in end to end against a sandbox that accepts only its own tokens: `auth login` (the test
// plays the browser with the printed URL), `auth status`, a whole `run` with the stored sign-in and with a
// client secret at debug log level — no token or secret may appear in the output, the report, the mapping
// or the settings — then `auth logout`, `auth set-secret` and the messages for a wrong or missing secret.
// Needs a D-Bus session with an unlocked gnome-keyring (installer/test.sh provides one).

#include "common/cliprocess.h"
#include "common/sandboxprocess.h"
#include "common/signinfailurerows.h"

#include <QDir>
#include <QDirIterator>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::testsupport::CliResult;

namespace {

const QString AppSecret = u"cli+app/secret=value"_s;
const QString WrongSecret = u"wrong+secret/value=42"_s;

} // namespace

class tst_CliAuth : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void status_beforeLogin_exitThreeSaysHowToSignIn();
    void login_browserRoundTrip_thenStatusNamesUser();
    void run_withStoredSignIn_debugLogs_noTokenAnywhere();
    void run_withClientSecretFromEnvironment_debugLogs_noSecretAnywhere();
    void setSecret_fromStdin_thenRunSignsInAsApplicationUser();
    void run_wrongClientSecret_exitThreeNamesTheFix();
    void logout_removesSignIn_statusFailsAgain();
    void noToken_validateAndStatus_exitInsteadOfWaiting_data();
    void noToken_validateAndStatus_exitInsteadOfWaiting();
    void login_shortTimeout_saysSecondsNotMinutes();
    void status_signInFails_printsTheProvidersMessage_data();
    void status_signInFails_printsTheProvidersMessage();

private:
    CliResult cli(const QStringList &arguments, const QByteArray &stdinData = {},
                  const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment(),
                  int timeoutMs = 120000);
    // A sandbox profile whose org (and so its sign-in service) is a loopback port where nothing listens.
    void addUnreachableProfile();
    QString writeMapping();
    // Everything the runs wrote: stdout/stderr collected so far plus every file in the temp dir.
    QString everything() const;
    // The line the CLI printed for the user ("Error: …"), not the log lines around it.
    static QString errorLine(const QString &err);
    void assertNoSecrets(const QString &text, const QStringList &secrets);

    d365::testsupport::SandboxProcess m_sandbox;
    QTemporaryDir m_dir;
    QString m_settings;
    QString m_mapping;
    QString m_outputs;
    QNetworkAccessManager m_browser;
};

void tst_CliAuth::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_sandbox.setAcceptAnyToken(false);
    QVERIFY(m_sandbox.start({u"--client-secret"_s, AppSecret}));
    m_settings = m_dir.filePath(u"settings.ini"_s);
    const CliResult added =
        cli({u"profile"_s, u"add"_s, u"sbx"_s, u"--url"_s, m_sandbox.baseUrl().toString(), u"--sandbox"_s});
    QCOMPARE(added.exitCode, 0);
    m_mapping = writeMapping();
    QVERIFY(!m_mapping.isEmpty());
}

CliResult tst_CliAuth::cli(const QStringList &arguments, const QByteArray &stdinData,
                           const QProcessEnvironment &env, int timeoutMs)
{
    const CliResult result = d365::testsupport::runCli(m_settings, arguments, env, stdinData, timeoutMs);
    m_outputs += result.out + result.err;
    return result;
}

void tst_CliAuth::addUnreachableProfile()
{
    const CliResult added =
        cli({u"profile"_s, u"add"_s, u"unreachable"_s, u"--url"_s, u"http://127.0.0.1:9"_s, u"--sandbox"_s});
    QCOMPARE(added.exitCode, 0);
}

QString tst_CliAuth::writeMapping()
{
    QFile sample(QStringLiteral(D365_SOURCE_DIR "/resources/sample/customers-to-contacts.json"));
    if (!sample.open(QIODevice::ReadOnly))
        return {};
    QJsonObject mapping = QJsonDocument::fromJson(sample.readAll()).object();
    QJsonObject source = mapping.value("source"_L1).toObject();
    source.insert(u"path"_s, QStringLiteral(D365_SAMPLE_DB));
    source.insert(u"query"_s, QString(source.value("query"_L1).toString() + u" LIMIT 50"_s));
    mapping.insert(u"source"_s, source);
    QJsonObject target = mapping.value("target"_L1).toObject();
    target.insert(u"profile"_s, u"sbx"_s);
    mapping.insert(u"target"_s, target);
    const QString path = m_dir.filePath(u"mapping.json"_s);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write(QJsonDocument(mapping).toJson());
    return path;
}

QString tst_CliAuth::everything() const
{
    QString all = m_outputs;
    QDirIterator it(m_dir.path(), QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (f.open(QIODevice::ReadOnly))
            all += QString::fromUtf8(f.readAll());
    }
    return all;
}

QString tst_CliAuth::errorLine(const QString &err)
{
    for (const QString &line : err.split(u'\n')) {
        if (line.startsWith(u"Error: "_s))
            return line;
    }
    return {};
}

void tst_CliAuth::assertNoSecrets(const QString &text, const QStringList &secrets)
{
    // The sandbox's token formats: access tokens "sbx.<base64url>", refresh tokens and codes
    // "1.SBX…"/"0.SBX…".
    static const QRegularExpression tokenPattern(u"sbx\\.[A-Za-z0-9_-]{20,}|[01]\\.SBX[A-Za-z0-9+/=]{10,}"_s);
    const auto m = tokenPattern.match(text);
    QVERIFY2(!m.hasMatch(), qPrintable(u"token found: "_s + m.captured().left(12) + u"…"_s));
    for (const QString &secret : secrets)
        QVERIFY2(!text.contains(secret), "a secret was written");
}

void tst_CliAuth::status_beforeLogin_exitThreeSaysHowToSignIn()
{
    // Nothing stored: a sandbox profile falls back to the development token, which this sandbox refuses.
    const CliResult r = cli({u"auth"_s, u"status"_s, u"--profile"_s, u"sbx"_s});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(errorLine(r.err).startsWith(u"Error: Not signed in to profile 'sbx'"_s), qPrintable(r.err));
    QVERIFY2(errorLine(r.err).contains(u"auth login --profile sbx"_s), qPrintable(r.err));
}

void tst_CliAuth::login_browserRoundTrip_thenStatusNamesUser()
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(u"D365SYNC_CLIENT_SECRET"_s);
    process.setProcessEnvironment(env);
    process.start(QStringLiteral(D365_CLI_EXE), {u"--settings"_s, m_settings, u"auth"_s, u"login"_s,
                                                 u"--profile"_s, u"sbx"_s, u"--timeout"_s, u"30"_s});
    QString out;
    QUrl loginUrl;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            out += QString::fromUtf8(process.readAllStandardOutput());
            for (const QString &line : out.split(u'\n')) {
                if (line.startsWith(u"http"_s))
                    loginUrl = QUrl(line.trimmed());
            }
            return loginUrl.isValid();
        }(),
        10000);
    QVERIFY(loginUrl.path().endsWith(u"/oauth2/v2.0/authorize"_s));
    QNetworkRequest request(loginUrl);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    QNetworkReply *reply = m_browser.get(request);
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QVERIFY(reply->readAll().contains("You can close this window"));
    reply->deleteLater();
    // The sign-in may already have ended while the test waited for the browser's reply.
    if (process.state() != QProcess::NotRunning)
        QVERIFY2(process.waitForFinished(15000), "auth login did not exit after the browser round trip");
    out += QString::fromUtf8(process.readAllStandardOutput());
    const QString errText = QString::fromUtf8(process.readAllStandardError());
    m_outputs += out + errText;
    QCOMPARE(process.exitCode(), 0);
    QVERIFY2(out.contains(u"as admin@sandbox.onmicrosoft.com"_s), qPrintable(out + errText));

    const CliResult status = cli({u"auth"_s, u"status"_s, u"--profile"_s, u"sbx"_s});
    QCOMPARE(status.exitCode, 0);
    QVERIFY2(status.out.startsWith(u"Connected to 127.0.0.1 as "_s), qPrintable(status.out + status.err));
    QVERIFY(status.out.contains(u"browser sign-in"_s));
}

void tst_CliAuth::run_withStoredSignIn_debugLogs_noTokenAnywhere()
{
    const QString report = m_dir.filePath(u"report-signin.json"_s);
    const CliResult r = cli({u"--verbose"_s, u"run"_s, m_mapping, u"--report"_s, report});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err.right(2000)));
    QVERIFY(r.err.contains(u"d365."_s)); // debug logging really was on
    QVERIFY(QFile::exists(report));
    assertNoSecrets(everything(), {});
}

void tst_CliAuth::run_withClientSecretFromEnvironment_debugLogs_noSecretAnywhere()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"D365SYNC_CLIENT_SECRET"_s, AppSecret);
    const QString report = m_dir.filePath(u"report-secret.json"_s);
    const CliResult r = cli({u"--verbose"_s, u"run"_s, m_mapping, u"--report"_s, report}, {}, env);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err.right(2000)));
    assertNoSecrets(everything(), {AppSecret, QString::fromLatin1(QUrl::toPercentEncoding(AppSecret))});
    const CliResult status = cli({u"auth"_s, u"status"_s, u"--profile"_s, u"sbx"_s}, {}, env);
    QCOMPARE(status.exitCode, 0);
    QVERIFY2(status.out.contains(u"D365SYNC_CLIENT_SECRET"_s), qPrintable(status.out));
}

void tst_CliAuth::setSecret_fromStdin_thenRunSignsInAsApplicationUser()
{
    const CliResult empty = cli({u"auth"_s, u"set-secret"_s, u"--profile"_s, u"sbx"_s}, "\n");
    QCOMPARE(empty.exitCode, 2);
    QVERIFY(empty.err.contains(u"stdin"_s));
    const CliResult set =
        cli({u"auth"_s, u"set-secret"_s, u"--profile"_s, u"sbx"_s}, AppSecret.toUtf8() + "\n");
    QCOMPARE(set.exitCode, 0);
    const CliResult status = cli({u"auth"_s, u"status"_s, u"--profile"_s, u"sbx"_s});
    QCOMPARE(status.exitCode, 0);
    QVERIFY2(status.out.contains(u"client secret (keychain)"_s), qPrintable(status.out + status.err));
    QVERIFY(status.out.contains(u"9e2d6b70-4c3a-4f18-8d5e-6a7b8c9d0e21"_s) ||
            status.out.contains(u"d365sync-app"_s));
    const CliResult run = cli({u"--verbose"_s, u"run"_s, m_mapping});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err.right(2000)));
    assertNoSecrets(everything(), {AppSecret});
}

void tst_CliAuth::run_wrongClientSecret_exitThreeNamesTheFix()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"D365SYNC_CLIENT_SECRET"_s, u"wrong-secret"_s);
    const CliResult r = cli({u"run"_s, m_mapping}, {}, env);
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(u"AADSTS7000215"_s), qPrintable(r.err));
    QVERIFY(r.err.contains(u"set-secret"_s));
}

void tst_CliAuth::logout_removesSignIn_statusFailsAgain()
{
    QCOMPARE(cli({u"auth"_s, u"status"_s, u"--profile"_s, u"sbx"_s}).exitCode, 0);
    // Removes the browser sign-in and, with --secret, the client secret stored by the test before.
    const CliResult out = cli({u"auth"_s, u"logout"_s, u"--profile"_s, u"sbx"_s, u"--secret"_s});
    QCOMPARE(out.exitCode, 0);
    const CliResult after = cli({u"auth"_s, u"status"_s, u"--profile"_s, u"sbx"_s});
    QCOMPARE(after.exitCode, 3);
    QVERIFY2(errorLine(after.err).startsWith(u"Error: Not signed in to profile 'sbx'"_s),
             qPrintable(after.err));
}

void tst_CliAuth::noToken_validateAndStatus_exitInsteadOfWaiting_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("auth status, wrong client secret")
        << QStringList{u"auth"_s, u"status"_s, u"--profile"_s, u"sbx"_s};
    QTest::newRow("validate, wrong client secret") << QStringList{u"validate"_s, u"MAPPING"_s};
    QTest::newRow("auth status, sign-in service unreachable")
        << QStringList{u"auth"_s, u"status"_s, u"--profile"_s, u"unreachable"_s};
    QTest::newRow("validate, sign-in service unreachable")
        << QStringList{u"validate"_s, u"MAPPING"_s, u"--profile"_s, u"unreachable"_s};
}

void tst_CliAuth::noToken_validateAndStatus_exitInsteadOfWaiting()
{
    // The token request fails before the command's event loop runs; the exit it asked for used to be lost
    // and the process waited forever with its error message still buffered.
    QFETCH(QStringList, arguments);
    addUnreachableProfile();
    arguments.replaceInStrings(u"MAPPING"_s, m_mapping);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"D365SYNC_CLIENT_SECRET"_s, u"wrong-secret"_s);
    const CliResult r = cli(arguments, {}, env, 30000);
    QVERIFY2(r.exitCode > 0, "the command did not exit within 30 s");
    QVERIFY2(r.err.contains(u"Error: "_s), qPrintable(r.err));
}

void tst_CliAuth::login_shortTimeout_saysSecondsNotMinutes()
{
    // Nobody opens the URL: the sign-in times out after one second ("within 1 minutes" before).
    const CliResult r = cli({u"auth"_s, u"login"_s, u"--profile"_s, u"sbx"_s, u"--timeout"_s, u"1"_s}, {},
                            QProcessEnvironment::systemEnvironment(), 30000);
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(u"Waiting up to 1 second for the sign-in in the browser"_s), qPrintable(r.err));
    QVERIFY2(errorLine(r.err).startsWith(u"Error: Sign-in did not complete within 1 second. "_s),
             qPrintable(r.err));
    QVERIFY2(errorLine(r.err).contains(u"d365sync-cli auth login"_s), qPrintable(r.err));
    QVERIFY(!r.err.contains(u"minutes"_s));
}

void tst_CliAuth::status_signInFails_printsTheProvidersMessage_data()
{
    d365::testsupport::addSignInFailureRows(WrongSecret);
}

void tst_CliAuth::status_signInFails_printsTheProvidersMessage()
{
    // Each used to end as "Authentication failed: the token expired or is invalid. Reconnect…"; the real
    // reason was only in a log line.
    QFETCH(QString, profile);
    QFETCH(QString, variable);
    QFETCH(QString, value);
    QFETCH(int, exitCode);
    QFETCH(QStringList, mentions);
    addUnreachableProfile();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (!variable.isEmpty())
        env.insert(variable, value);
    const CliResult r = cli({u"auth"_s, u"status"_s, u"--profile"_s, profile}, {}, env, 30000);
    QCOMPARE(r.exitCode, exitCode);
    const QString line = errorLine(r.err);
    for (const QString &mention : mentions)
        QVERIFY2(line.contains(mention), qPrintable(r.err));
    QVERIFY2(!r.err.contains(u"expired or is invalid"_s), qPrintable(r.err));
    assertNoSecrets(r.out + r.err, {WrongSecret, QString::fromLatin1(QUrl::toPercentEncoding(WrongSecret))});
}

QTEST_GUILESS_MAIN(tst_CliAuth)
#include "tst_cliauth.moc"
