// ConnectionSession (the GUI's sign-in state and token provider) against a sandbox that accepts only its own
// tokens: every way a sign-in fails keeps its own message in the status text and in the error a sync gets
// from accessToken() — a refused client secret, an unreachable sign-in service, a profile never signed in,
// a sandbox refusing the development token, an explicit Disconnect — instead of "the token expired or is
// invalid". Needs a D-Bus session with an unlocked gnome-keyring (installer/test.sh provides one).

#include "common/sandboxprocess.h"
#include "services/auth/connectionsession.h"
#include "services/auth/tokenproviderfactory.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;
using d365::ErrorCategory;
using State = ConnectionSession::State;

namespace {
const QString AppSecret = u"session+app/secret=value"_s;
const QString WrongSecret = u"wrong+session/secret=7"_s;
} // namespace

class TestConnectionSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void restore_wrongClientSecret_saysTheSecretWasRefused();
    void restore_signInServiceUnreachable_namesTheHost();
    void restore_neverSignedIn_saysHowToSignIn();
    void restore_sandboxRefusesDevelopmentToken_saysNotSignedIn();
    void disconnect_thenASyncAsksForAToken_saysYouDisconnected();

private:
    ConnectionProfile sandboxProfile(const QString &name, const QUrl &url) const;
    // restore() and wait until it has settled on a state other than Connecting.
    State restored(ConnectionSession &session, const ConnectionProfile &profile);

    d365::testsupport::SandboxProcess m_sandbox;
};

void TestConnectionSession::initTestCase()
{
    m_sandbox.setAcceptAnyToken(false);
    QVERIFY(m_sandbox.start({u"--client-secret"_s, AppSecret}));
}

void TestConnectionSession::init()
{
    qunsetenv(TokenProviderFactory::ClientSecretVariable);
    qunsetenv(EnvironmentTokenProvider::EnvironmentVariable);
}

void TestConnectionSession::cleanup()
{
    init();
}

ConnectionProfile TestConnectionSession::sandboxProfile(const QString &name, const QUrl &url) const
{
    ConnectionProfile p;
    p.name = name;
    p.kind = ConnectionProfile::Kind::Sandbox;
    p.orgUrl = url;
    return p;
}

State TestConnectionSession::restored(ConnectionSession &session, const ConnectionProfile &profile)
{
    session.restore(profile);
    if (!QTest::qWaitFor([&] { return session.state() != State::Connecting; }, 15000))
        qWarning() << "restore() did not settle:" << session.statusText();
    return session.state();
}

void TestConnectionSession::restore_wrongClientSecret_saysTheSecretWasRefused()
{
    qputenv(TokenProviderFactory::ClientSecretVariable, WrongSecret.toUtf8());
    const ConnectionProfile p = sandboxProfile(u"wrongsecret"_s, m_sandbox.baseUrl());
    ConnectionSession session;
    QCOMPARE(restored(session, p), State::NotConnected);
    QVERIFY2(session.statusText().startsWith(u"The client secret for profile 'wrongsecret' was refused"_s),
             qPrintable(session.statusText()));
    QVERIFY(session.statusText().contains(u"AADSTS7000215"_s));
    const auto token = session.accessToken(p); // what a sync started now would be told
    QVERIFY(!token.ok());
    QCOMPARE(token.error().category, ErrorCategory::Authentication);
    QVERIFY2(token.error().message.contains(u"(not its Secret ID)"_s), qPrintable(token.error().message));
    QVERIFY(!session.statusText().contains(WrongSecret));
    QVERIFY(!token.error().message.contains(WrongSecret) && !token.error().detail.contains(WrongSecret));
}

void TestConnectionSession::restore_signInServiceUnreachable_namesTheHost()
{
    qputenv(TokenProviderFactory::ClientSecretVariable, AppSecret.toUtf8());
    const ConnectionProfile p = sandboxProfile(u"unreachable"_s, QUrl(u"http://127.0.0.1:9"_s));
    ConnectionSession session;
    QCOMPARE(restored(session, p), State::NotConnected);
    QVERIFY2(
        session.statusText().startsWith(
            u"Cannot reach the sign-in service 127.0.0.1:9 for profile 'unreachable': the connection was "
            "refused."_s),
        qPrintable(session.statusText()));
    const auto token = session.accessToken(p);
    QVERIFY(!token.ok());
    QCOMPARE(token.error().category, ErrorCategory::Network);
    QVERIFY(token.error().message.contains(u"127.0.0.1:9"_s));
}

void TestConnectionSession::restore_neverSignedIn_saysHowToSignIn()
{
    // A real org's profile with nothing in the keychain: no request is made at all.
    ConnectionProfile p;
    p.name = u"neverconnected"_s;
    p.orgUrl = QUrl(u"https://contoso-test.crm.dynamics.com"_s);
    p.clientId = u"0b7c3d2e-5f4a-4e1b-9c8d-7a6b5c4d3e2f"_s;
    ConnectionSession session;
    QCOMPARE(restored(session, p), State::NotConnected);
    QVERIFY2(session.statusText().startsWith(u"Not signed in to profile 'neverconnected'"_s),
             qPrintable(session.statusText()));
    const auto token = session.accessToken(p);
    QVERIFY(!token.ok());
    QCOMPARE(token.error().category, ErrorCategory::Authentication);
    QCOMPARE(token.error().message, session.statusText());
}

void TestConnectionSession::restore_sandboxRefusesDevelopmentToken_saysNotSignedIn()
{
    const ConnectionProfile p = sandboxProfile(u"devtoken"_s, m_sandbox.baseUrl());
    ConnectionSession session;
    QCOMPARE(restored(session, p), State::NotConnected);
    QVERIFY2(session.statusText().startsWith(u"Not signed in to profile 'devtoken'"_s),
             qPrintable(session.statusText()));
    QVERIFY(session.statusText().contains(u"accepts only tokens from its own sign-in"_s));
    QVERIFY(!session.statusText().contains(u"expired or is invalid"_s));
}

void TestConnectionSession::disconnect_thenASyncAsksForAToken_saysYouDisconnected()
{
    qputenv(TokenProviderFactory::ClientSecretVariable, AppSecret.toUtf8());
    const ConnectionProfile p = sandboxProfile(u"disconnecting"_s, m_sandbox.baseUrl());
    ConnectionSession session;
    QCOMPARE(restored(session, p), State::Connected);
    QVERIFY(session.accessToken(p).ok());
    session.disconnect();
    QTRY_COMPARE(session.state(), State::NotConnected);
    const auto token = session.accessToken(p);
    QVERIFY(!token.ok());
    QCOMPARE(token.error().category, ErrorCategory::Authentication);
    QVERIFY2(token.error().message.startsWith(u"Not signed in to profile 'disconnecting'"_s),
             qPrintable(token.error().message));
    QVERIFY(token.error().message.contains(u"you disconnected it"_s));
}

QTEST_GUILESS_MAIN(TestConnectionSession)
#include "tst_connectionsession.moc"
