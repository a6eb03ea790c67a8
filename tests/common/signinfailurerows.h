#pragma once

// Test data shared by tst_cliauth and tst_signinmessages: the sign-in failures of issue 10 item 4 as the
// environment of a CLI run (profile, variable, value), the exit code and what the user must read.

#include <QString>
#include <QStringList>
#include <QTest>

namespace d365::testsupport {

inline void addSignInFailureRows(const QString &wrongSecret)
{
    using namespace Qt::StringLiterals;
    QTest::addColumn<QString>("profile");
    QTest::addColumn<QString>("variable");
    QTest::addColumn<QString>("value");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QStringList>("mentions");
    QTest::newRow("wrong client secret")
        << u"sbx"_s << u"D365SYNC_CLIENT_SECRET"_s << wrongSecret << 3
        << QStringList{u"Error: The client secret for profile 'sbx' was refused"_s, u"(not its Secret ID)"_s,
                       u"auth set-secret --profile sbx"_s, u"AADSTS7000215"_s};
    QTest::newRow("sign-in service unreachable")
        << u"unreachable"_s << u"D365SYNC_CLIENT_SECRET"_s << wrongSecret << 4
        << QStringList{u"Error: Cannot reach the sign-in service 127.0.0.1:9 for profile 'unreachable': the "
                       "connection was refused"_s,
                       u"d365sync-sandbox is running"_s};
    QTest::newRow("refused access token in the environment")
        << u"sbx"_s << u"D365SYNC_ACCESS_TOKEN"_s << u"not-a-token-of-this-org"_s << 3
        << QStringList{u"Error: The access token in D365SYNC_ACCESS_TOKEN was refused"_s,
                       u"set D365SYNC_ACCESS_TOKEN again"_s};
    QTest::newRow("never signed in (the sandbox refuses the development token)")
        << u"sbx"_s << QString() << QString() << 3
        << QStringList{u"Error: Not signed in to profile 'sbx'"_s,
                       u"accepts only tokens from its own sign-in"_s, u"auth login --profile sbx"_s};
}

} // namespace d365::testsupport
