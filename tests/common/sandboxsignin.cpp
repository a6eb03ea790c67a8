#include "sandboxsignin.h"

#include <QCryptographicHash>
#include <QDebug>
#include <QJsonObject>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace d365::testsupport {

namespace {

// The built-in test app registration and a fixed PKCE verifier (tests/sandbox/README.md, "Identity
// provider").
const QString ClientId = u"51f81489-12ee-4a9e-aaae-a2591f45987d"_s;
const QString RedirectUri = u"http://localhost/"_s;
const QString Verifier = u"t3stV3rifier-0123456789abcdefghijklmnopqrstuvwxyz_ABC"_s;

} // namespace

QByteArray signInAs(const SandboxProcess &sandbox, const QString &upn)
{
    const QString challenge =
        QString::fromLatin1(QCryptographicHash::hash(Verifier.toUtf8(), QCryptographicHash::Sha256)
                                .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    QUrlQuery query;
    for (const auto &[name, value] :
         QList<QPair<QString, QString>>{{u"client_id"_s, ClientId},
                                        {u"response_type"_s, u"code"_s},
                                        {u"redirect_uri"_s, RedirectUri},
                                        {u"scope"_s, sandbox.baseUrl().toString() + u"/user_impersonation"_s},
                                        {u"state"_s, u"signin"_s},
                                        {u"login_hint"_s, upn},
                                        {u"code_challenge"_s, challenge},
                                        {u"code_challenge_method"_s, u"S256"_s}})
        query.addQueryItem(name, QString::fromLatin1(QUrl::toPercentEncoding(value)));
    QUrl authorize = sandbox.baseUrl().resolved(QUrl(u"/organizations/oauth2/v2.0/authorize"_s));
    authorize.setQuery(query.query(QUrl::FullyEncoded), QUrl::StrictMode);
    const HttpResult redirect = request("GET", authorize);
    const QString code = QUrlQuery(QUrl::fromEncoded(redirect.header("Location")).query(QUrl::FullyEncoded))
                             .queryItemValue(u"code"_s, QUrl::FullyDecoded);
    if (redirect.status != 302 || code.isEmpty()) {
        qWarning() << "signInAs" << upn << ": authorize answered" << redirect.status
                   << redirect.header("Location");
        return {};
    }
    QByteArray form;
    for (const auto &[name, value] :
         QList<QPair<QString, QString>>{{u"client_id"_s, ClientId},
                                        {u"grant_type"_s, u"authorization_code"_s},
                                        {u"code"_s, code},
                                        {u"redirect_uri"_s, RedirectUri},
                                        {u"code_verifier"_s, Verifier}}) {
        if (!form.isEmpty())
            form += '&';
        form += QUrl::toPercentEncoding(name) + '=' + QUrl::toPercentEncoding(value);
    }
    const HttpResult token =
        request("POST", sandbox.baseUrl().resolved(QUrl(u"/organizations/oauth2/v2.0/token"_s)),
                {{"Content-Type", "application/x-www-form-urlencoded"}}, form);
    if (token.status != 200) {
        qWarning() << "signInAs" << upn << ": token endpoint answered" << token.status << token.body;
        return {};
    }
    return token.json().object().value(u"access_token"_s).toString().toLatin1();
}

} // namespace d365::testsupport
