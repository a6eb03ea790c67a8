#include "services/dataverse/connectionprofile.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcProfile, "d365.dataverse.profile")

namespace d365::services {

namespace {

const QString dynamicsSuffix = u".dynamics.com"_s;

// The tail of every URL message: the expected pattern and where the user finds the real value.
QString urlHint()
{
    return QCoreApplication::translate(
        "ConnectionProfile",
        "The Organization URL looks like https://<environment>.crm<N>.dynamics.com, for example "
        "https://myorg.crm.dynamics.com or https://myorg.crm4.dynamics.com. Copy it from the Power Platform "
        "admin center → Environments → your environment → Environment URL.");
}

Error urlError(const QString &input, const QString &problem, const QString &suggestion = {})
{
    QString message =
        QCoreApplication::translate("ConnectionProfile", "The Organization URL \"%1\" is not valid: %2.")
            .arg(input, problem);
    if (!suggestion.isEmpty())
        message +=
            u' ' + QCoreApplication::translate("ConnectionProfile", "Did you mean %1?").arg(suggestion);
    message += u' ' + urlHint();
    qCDebug(lcProfile) << "organization URL refused:" << input << "-" << problem;
    return Error::make(ErrorCategory::Configuration, message, u"invalid organization URL: "_s + input);
}

bool isLoopbackHost(const QString &host)
{
    return host == "127.0.0.1"_L1 || host == "localhost"_L1 || host == "::1"_L1;
}

// A DNS label: letters, digits and inner hyphens.
bool isValidLabel(QStringView label)
{
    static const QRegularExpression re(u"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"_s);
    return re.match(label).hasMatch();
}

// True for <label>(.<label>)*.dynamics.com: at least one label before the Dynamics domain.
bool isDynamicsHost(const QString &host)
{
    if (!host.endsWith(dynamicsSuffix) || host.size() == dynamicsSuffix.size())
        return false;
    const QStringView prefix = QStringView(host).left(host.size() - dynamicsSuffix.size());
    const auto labels = prefix.split(u'.');
    for (const QStringView label : labels) {
        if (!isValidLabel(label))
            return false;
    }
    return true;
}

} // namespace

QUrl ConnectionProfile::webApiBaseUrl() const
{
    QUrl url = orgUrl;
    url.setPath(u"/api/data/"_s + apiVersion + u'/');
    return url;
}

QString ConnectionProfile::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Dynamics:
        return u"dynamics"_s;
    case Kind::Sandbox:
        return u"sandbox"_s;
    }
    return u"dynamics"_s;
}

std::optional<ConnectionProfile::Kind> ConnectionProfile::kindFromName(const QString &name)
{
    const QString normalised = name.trimmed().toLower();
    if (normalised == "dynamics"_L1)
        return Kind::Dynamics;
    if (normalised == "sandbox"_L1)
        return Kind::Sandbox;
    return std::nullopt;
}

Result<QUrl> ConnectionProfile::validateOrgUrl(const QString &text, Kind kind)
{
    const QString input = text.trimmed();
    if (input.isEmpty()) {
        return Error::make(
            ErrorCategory::Configuration,
            QCoreApplication::translate("ConnectionProfile", "The Organization URL is empty.") + u' ' +
                urlHint(),
            u"empty organization URL"_s);
    }

    // "myorg.crm.dynamics.com" pasted without a scheme: QUrl would read it as a relative path. Suggest the
    // https form but do not accept it silently: the user should see and confirm the URL that will receive the
    // token.
    if (!input.contains("://"_L1)) {
        QString suggestion;
        const QUrl guess(u"https://"_s + input, QUrl::StrictMode);
        if (guess.isValid() && isDynamicsHost(guess.host()))
            suggestion = u"https://"_s + guess.host();
        const QString shown = guess.password().isEmpty() ? input : guess.toString(QUrl::RemovePassword);
        return urlError(
            shown,
            QCoreApplication::translate("ConnectionProfile", "it has no scheme; it must start with https://"),
            suggestion);
    }

    const QUrl url(input, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty()) {
        const QString reason = url.isValid()
                                   ? QCoreApplication::translate("ConnectionProfile", "it has no host name")
                                   : url.errorString();
        return urlError(
            input,
            QCoreApplication::translate("ConnectionProfile", "it cannot be read as a URL (%1)").arg(reason));
    }
    // A password typed into the URL must not be echoed into a message or a log line.
    const QString shown = url.password().isEmpty() ? input : url.toString(QUrl::RemovePassword);

    const QString scheme = url.scheme(); // QUrl lower-cases scheme and host
    const QString host = url.host();
    const bool loopback = isLoopbackHost(host);
    const bool dynamics = isDynamicsHost(host);
    const QString suggestion = dynamics ? u"https://"_s + host : QString();

    if ((scheme == "http"_L1 || scheme == "https"_L1) && loopback) {
        if (kind != Kind::Sandbox) {
            return Error::make(
                ErrorCategory::Configuration,
                QCoreApplication::translate(
                    "ConnectionProfile",
                    "The Organization URL \"%1\" is a local address. Only sandbox profiles may use "
                    "it "
                    "(the local d365sync-sandbox server); set the profile type to Sandbox, or enter your "
                    "organization's https URL.")
                        .arg(shown) +
                    u' ' + urlHint(),
                u"loopback URL for a non-sandbox profile: "_s + shown);
        }
    } else if (scheme == "http"_L1) {
        return urlError(
            shown,
            QCoreApplication::translate("ConnectionProfile",
                                        "it uses http://; Dynamics 365 is only reachable over https://"),
            suggestion);
    } else if (scheme != "https"_L1) {
        return urlError(shown,
                        QCoreApplication::translate("ConnectionProfile",
                                                    "the scheme \"%1\" is not supported; use https://")
                            .arg(scheme),
                        suggestion);
    } else if (!dynamics) {
        return urlError(shown, QCoreApplication::translate(
                                   "ConnectionProfile",
                                   "the host \"%1\" is not a Dynamics 365 host (it must end in .dynamics.com "
                                   "with your environment name before it)")
                                   .arg(host));
    }

    // Everything below applies to both the real and the sandbox form: nothing but scheme, host and port.
    QUrl normalised;
    normalised.setScheme(scheme);
    normalised.setHost(host);
    if (loopback && url.port() != -1)
        normalised.setPort(url.port());

    QStringList problems;
    if (!url.userInfo().isEmpty())
        problems << QCoreApplication::translate(
            "ConnectionProfile", "it contains a user name or password before the host (you sign "
                                 "in with Connect, never in the URL)");
    if (!loopback && url.port() != -1 && url.port() != 443)
        problems << QCoreApplication::translate(
                        "ConnectionProfile",
                        "it has a port (:%1), but Dynamics 365 uses the default https port")
                        .arg(url.port());

    const QString path = url.path();
    if (!path.isEmpty() && path != "/"_L1) {
        if (path.startsWith("/api/data"_L1, Qt::CaseInsensitive))
            problems << QCoreApplication::translate("ConnectionProfile",
                                                    "it has the Web API path \"%1\" (the API version is a "
                                                    "separate setting)")
                            .arg(path);
        else
            problems << QCoreApplication::translate("ConnectionProfile",
                                                    "it has the path \"%1\" (a page of the app, not the "
                                                    "organization)")
                            .arg(path);
    }
    if (url.hasQuery())
        problems << QCoreApplication::translate("ConnectionProfile", "it has a query (?%1)").arg(url.query());
    if (url.hasFragment())
        problems << QCoreApplication::translate("ConnectionProfile", "it has a fragment (#%1)")
                        .arg(url.fragment());

    if (!problems.isEmpty())
        return urlError(shown, problems.join(u"; "_s), normalised.toString());

    return normalised;
}

Result<QString> ConnectionProfile::validateApiVersion(const QString &text)
{
    const QString input = text.trimmed();
    if (input.isEmpty())
        return u"v9.2"_s;
    static const QRegularExpression re(u"^[vV](\\d{1,3})\\.(\\d{1,3})$"_s);
    const auto match = re.match(input);
    if (!match.hasMatch()) {
        return Error::make(
            ErrorCategory::Configuration,
            QCoreApplication::translate(
                "ConnectionProfile",
                "The API version \"%1\" is not valid. Use the form v<major>.<minor>, for example "
                "v9.2 (the current Dataverse Web API version), or leave it empty for v9.2.")
                .arg(input),
            u"invalid API version: "_s + input);
    }
    return u'v' + match.captured(1) + u'.' + match.captured(2);
}

Result<QString> ConnectionProfile::validateName(const QString &text)
{
    const QString name = text.trimmed();
    if (name.isEmpty()) {
        return Error::make(
            ErrorCategory::Configuration,
            QCoreApplication::translate(
                "ConnectionProfile",
                "The profile name is empty. Enter a short name such as dev, test, prod or sandbox."),
            u"empty profile name"_s);
    }
    if (name.size() > 64) {
        return Error::make(ErrorCategory::Configuration,
                           QCoreApplication::translate(
                               "ConnectionProfile", "The profile name is %1 characters long; use at most 64.")
                               .arg(name.size()),
                           u"profile name too long"_s);
    }
    for (const QChar c : name) {
        const bool allowed = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') ||
                             (c >= u'0' && c <= u'9') || c == u'-' || c == u'_' || c == u'.';
        if (!allowed) {
            return Error::make(
                ErrorCategory::Configuration,
                QCoreApplication::translate(
                    "ConnectionProfile",
                    "The profile name \"%1\" contains \"%2\". Use only letters, digits, '-', '_' "
                    "and '.', for example prod-eu.")
                    .arg(name, QString(c)),
                u"invalid profile name"_s);
        }
    }
    return name;
}

} // namespace d365::services
