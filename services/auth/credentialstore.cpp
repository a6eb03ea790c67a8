#include "services/auth/credentialstore.h"

#include "services/warehouse/warehouseconnection.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QPointer>
#include <qt6keychain/keychain.h>

Q_LOGGING_CATEGORY(lcCredentials, "d365.auth.credentialstore")

using namespace Qt::StringLiterals;

namespace d365::services {

QString CredentialStore::key(const QString &profile, Kind kind)
{
    switch (kind) {
    case RefreshToken:
        return profile + u"/refresh-token"_s;
    case ClientSecret:
        return profile + u"/client-secret"_s;
    case WarehousePassword:
        return u"warehouse/"_s + profile + u"/password"_s;
    }
    return profile;
}

QString CredentialStore::unavailableMessage(const QString &detail)
{
    return QCoreApplication::translate(
               "CredentialStore",
               "No OS keychain is available (%1). D365 Sync keeps sign-ins only in the keychain, never in "
               "plain "
               "text: install and unlock a Secret Service provider (on Debian/Ubuntu: apt install "
               "gnome-keyring "
               "libsecret-1-0, or KWallet on KDE) and sign in again. For headless runs use "
               "D365SYNC_CLIENT_SECRET instead.")
        .arg(detail);
}

QString CredentialStore::unavailableMessage(const QString &detail, Kind kind, const QString &name)
{
    if (kind != WarehousePassword)
        return unavailableMessage(detail);
    return QCoreApplication::translate("CredentialStore", "No OS keychain is available (%1), so the password "
                                                          "of warehouse connection '%2' cannot be read or "
                                                          "stored. D365 Sync keeps passwords only in the "
                                                          "keychain, never in plain text: install and unlock "
                                                          "a Secret Service provider (on Debian/Ubuntu: apt "
                                                          "install gnome-keyring libsecret-1-0, or KWallet "
                                                          "on KDE). For headless runs set %3 instead.")
        .arg(detail, name, WarehouseConnection::passwordVariable(name));
}

namespace {

struct Outcome
{
    QKeychain::Error error = QKeychain::NoError;
    QString errorString;
    QString text;
};

// QtKeychain's job queue is a process-wide singleton that is not thread-safe: every job is started on the
// application's thread, and the outcome is handed back to `context` on its own thread.
void runJob(std::function<QKeychain::Job *()> makeJob, QObject *context, std::function<void(Outcome)> done)
{
    QPointer<QObject> guard(context);
    QMetaObject::invokeMethod(QCoreApplication::instance(), [makeJob, guard, done] {
        QKeychain::Job *job = makeJob();
        job->setAutoDelete(true);
        QObject::connect(job, &QKeychain::Job::finished, QCoreApplication::instance(),
                         [guard, done](QKeychain::Job *j) {
                             Outcome outcome{j->error(), j->errorString(), QString()};
                             if (auto *read = qobject_cast<QKeychain::ReadPasswordJob *>(j))
                                 outcome.text = read->textData();
                             if (guard)
                                 QMetaObject::invokeMethod(guard.data(), [done, outcome] { done(outcome); });
                         });
        job->start();
    });
}

Error outcomeError(const Outcome &o, const QString &profile, bool writing,
                   CredentialStore::Kind kind = CredentialStore::RefreshToken)
{
    if (kind == CredentialStore::WarehousePassword) {
        if (o.error == QKeychain::AccessDenied || o.error == QKeychain::AccessDeniedByUser)
            return Error::make(ErrorCategory::Configuration,
                               QCoreApplication::translate(
                                   "CredentialStore", "Access to the keychain was denied while %1 the "
                                                      "password of warehouse connection '%2'. Unlock the "
                                                      "keychain and try again.")
                                   .arg(writing ? QCoreApplication::translate("CredentialStore", "saving")
                                                : QCoreApplication::translate("CredentialStore", "reading"),
                                        profile),
                               o.errorString);
        return Error::make(ErrorCategory::Configuration,
                           CredentialStore::unavailableMessage(o.errorString, kind, profile), o.errorString);
    }
    if (o.error == QKeychain::AccessDenied || o.error == QKeychain::AccessDeniedByUser)
        return Error::make(ErrorCategory::Authentication,
                           QCoreApplication::translate("CredentialStore",
                                                       "Access to the keychain was denied while %1 the "
                                                       "sign-in of profile '%2'. Unlock the keychain and try "
                                                       "again.")
                               .arg(writing ? QCoreApplication::translate("CredentialStore", "saving")
                                            : QCoreApplication::translate("CredentialStore", "reading"),
                                    profile),
                           o.errorString);
    // OtherError / NoBackendAvailable / CouldNotDeleteEntry: no usable Secret Service (toolchain.md §4).
    return Error::make(ErrorCategory::Configuration, CredentialStore::unavailableMessage(o.errorString),
                       o.errorString);
}

} // namespace

void CredentialStore::read(const QString &profile, Kind kind, QObject *context,
                           std::function<void(Result<QString>)> done)
{
    const QString entry = key(profile, kind);
    runJob(
        [entry] {
            auto *job = new QKeychain::ReadPasswordJob(QString::fromLatin1(Service));
            job->setKey(entry);
            return job;
        },
        context,
        [profile, kind, done](const Outcome &o) {
            if (o.error == QKeychain::EntryNotFound) {
                done(QString());
            } else if (o.error != QKeychain::NoError) {
                // Debug only: the caller decides whether it matters (a run with D365SYNC_CLIENT_SECRET or a
                // sandbox profile works without a keychain) and shows the error when it does.
                qCDebug(lcCredentials) << "keychain read failed for profile" << profile << o.errorString;
                done(outcomeError(o, profile, false, kind));
            } else {
                done(o.text);
            }
        });
}

void CredentialStore::write(const QString &profile, Kind kind, const QString &secret, QObject *context,
                            std::function<void(Result<void>)> done)
{
    const QString entry = key(profile, kind);
    runJob(
        [entry, secret] {
            auto *job = new QKeychain::WritePasswordJob(QString::fromLatin1(Service));
            job->setKey(entry);
            job->setTextData(secret);
            return job;
        },
        context,
        [profile, kind, done](const Outcome &o) {
            if (o.error != QKeychain::NoError) {
                qCDebug(lcCredentials) << "keychain write failed for profile" << profile << o.errorString;
                done(outcomeError(o, profile, true, kind));
                return;
            }
            qCDebug(lcCredentials) << "stored a credential for profile" << profile;
            done({});
        });
}

void CredentialStore::remove(const QString &profile, Kind kind, QObject *context,
                             std::function<void(Result<void>)> done)
{
    const QString entry = key(profile, kind);
    runJob(
        [entry] {
            auto *job = new QKeychain::DeletePasswordJob(QString::fromLatin1(Service));
            job->setKey(entry);
            return job;
        },
        context,
        [profile, kind, done](const Outcome &o) {
            if (o.error != QKeychain::NoError && o.error != QKeychain::EntryNotFound)
                done(outcomeError(o, profile, true, kind));
            else
                done({});
        });
}

} // namespace d365::services
