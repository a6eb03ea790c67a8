// Sign-in failures must reach the user as the token provider words them, through every path that talks to
// the org: `d365sync-cli run` and `validate` (the CLI as a process) and a sync started from the GUI's
// ConnectionSession after Disconnect. These paths go through DataverseClient, which must hand a failed
// accessToken()'s Error on unchanged (category and message) rather than as an HTTP 401 that reads "the token
// expired or is invalid". `auth status` and ConnectionSession's own state are covered by tst_cliauth and
// tst_connectionsession. Needs a D-Bus session with an unlocked gnome-keyring (installer/test.sh).

#include "common/cliprocess.h"
#include "common/sandboxprocess.h"
#include "common/signinfailurerows.h"
#include "services/auth/connectionsession.h"
#include "services/auth/tokenproviderfactory.h"
#include "services/mapping/mappingfile.h"
#include "services/sync/synccontroller.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;
using d365::testsupport::CliResult;

namespace {

const QString AppSecret = u"messages+app/secret=value"_s;
const QString WrongSecret = u"wrong+secret/value=42"_s;

} // namespace

class TestSignInMessages : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void runAndValidate_signInFails_printTheProvidersMessage_data();
    void runAndValidate_signInFails_printTheProvidersMessage();
    void sync_afterDisconnect_errorSaysYouDisconnected();

private:
    CliResult cli(const QStringList &arguments, const QProcessEnvironment &env);
    Mapping sampleMapping() const;

    d365::testsupport::SandboxProcess m_sandbox;
    QTemporaryDir m_dir;
    QString m_settings;
    QString m_mapping;
};

void TestSignInMessages::initTestCase()
{
    qRegisterMetaType<SyncSummary>();
    QVERIFY(m_dir.isValid());
    m_sandbox.setAcceptAnyToken(false);
    QVERIFY(m_sandbox.start({u"--client-secret"_s, AppSecret}));
    m_settings = m_dir.filePath(u"settings.ini"_s);
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    QCOMPARE(
        cli({u"profile"_s, u"add"_s, u"sbx"_s, u"--url"_s, m_sandbox.baseUrl().toString(), u"--sandbox"_s},
            env)
            .exitCode,
        0);
    QCOMPARE(
        cli({u"profile"_s, u"add"_s, u"unreachable"_s, u"--url"_s, u"http://127.0.0.1:9"_s, u"--sandbox"_s},
            env)
            .exitCode,
        0);

    QFile sample(QStringLiteral(D365_SOURCE_DIR "/resources/sample/customers-to-contacts.json"));
    QVERIFY(sample.open(QIODevice::ReadOnly));
    QJsonObject mapping = QJsonDocument::fromJson(sample.readAll()).object();
    QJsonObject source = mapping.value("source"_L1).toObject();
    source.insert(u"path"_s, QStringLiteral(D365_SAMPLE_DB));
    source.insert(u"query"_s, QString(source.value("query"_L1).toString() + u" LIMIT 20"_s));
    mapping.insert(u"source"_s, source);
    m_mapping = m_dir.filePath(u"mapping.json"_s);
    QFile file(m_mapping);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QJsonDocument(mapping).toJson());
}

CliResult TestSignInMessages::cli(const QStringList &arguments, const QProcessEnvironment &env)
{
    return d365::testsupport::runCli(m_settings, arguments, env, {}, 30000);
}

Mapping TestSignInMessages::sampleMapping() const
{
    const auto loaded = MappingFile::load(m_mapping);
    return loaded.mapping ? *loaded.mapping : Mapping();
}

void TestSignInMessages::runAndValidate_signInFails_printTheProvidersMessage_data()
{
    d365::testsupport::addSignInFailureRows(WrongSecret);
}

void TestSignInMessages::runAndValidate_signInFails_printTheProvidersMessage()
{
    QFETCH(QString, profile);
    QFETCH(QString, variable);
    QFETCH(QString, value);
    QFETCH(int, exitCode);
    QFETCH(QStringList, mentions);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(u"D365SYNC_CLIENT_SECRET"_s);
    env.remove(u"D365SYNC_ACCESS_TOKEN"_s);
    if (!variable.isEmpty())
        env.insert(variable, value);
    for (const QString &command : {u"run"_s, u"validate"_s}) {
        const CliResult r = cli({command, m_mapping, u"--profile"_s, profile}, env);
        QVERIFY2(r.exitCode == exitCode, qPrintable(command + u": exit %1\n"_s.arg(r.exitCode) + r.err));
        QString errorLine;
        for (const QString &line : r.err.split(u'\n')) {
            if (line.startsWith(u"Error: "_s) && errorLine.isEmpty())
                errorLine = line;
        }
        for (const QString &mention : mentions)
            QVERIFY2(errorLine.contains(mention), qPrintable(command + u": "_s + r.err));
        QVERIFY2(!r.err.contains(u"expired or is invalid"_s), qPrintable(command + u": "_s + r.err));
        const QString all = r.out + r.err;
        QVERIFY2(!all.contains(WrongSecret) &&
                     !all.contains(QString::fromLatin1(QUrl::toPercentEncoding(WrongSecret))),
                 "the client secret was echoed");
    }
}

void TestSignInMessages::sync_afterDisconnect_errorSaysYouDisconnected()
{
    // The GUI: connected with a client secret, the user presses Disconnect, then Sync now.
    qputenv(TokenProviderFactory::ClientSecretVariable, AppSecret.toUtf8());
    ConnectionProfile profile;
    profile.name = u"gui"_s;
    profile.kind = ConnectionProfile::Kind::Sandbox;
    profile.orgUrl = m_sandbox.baseUrl();
    ConnectionSession session;
    session.restore(profile);
    QTRY_COMPARE_WITH_TIMEOUT(session.state(), ConnectionSession::State::Connected, 15000);
    session.disconnect();
    QTRY_COMPARE(session.state(), ConnectionSession::State::NotConnected);
    qunsetenv(TokenProviderFactory::ClientSecretVariable);

    SyncController controller;
    QSignalSpy errors(&controller, &SyncController::error);
    QSignalSpy finished(&controller, &SyncController::finished);
    QVERIFY(controller.start(sampleMapping(), profile, &session));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    QVERIFY(!errors.isEmpty());
    QCOMPARE(errors.first().at(0).value<d365::ErrorCategory>(), d365::ErrorCategory::Authentication);
    const QString message = errors.first().at(1).toString();
    QVERIFY2(message.startsWith(u"Not signed in to profile 'gui'"_s), qPrintable(message));
    QVERIFY2(message.contains(u"you disconnected it"_s), qPrintable(message));
}

QTEST_GUILESS_MAIN(TestSignInMessages)
#include "tst_signinmessages.moc"
