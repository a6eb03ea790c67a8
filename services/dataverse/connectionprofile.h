#pragma once

// A connection profile names one Dataverse environment (dev / test / prod / sandbox). It holds no secret:
// tokens live in the OS keychain (sign-in issue) or in environment variables for headless runs.
//
// Validation follows the destination spec: the Organization URL must be https://*.dynamics.com with no path,
// query or fragment. Only a profile explicitly typed Sandbox may use a loopback URL, http:// or https:// (the
// local d365sync-sandbox server, with or without --tls); TLS is never relaxed for a real org.

#include "services/common/result.h"

#include <QString>
#include <QUrl>

#include <optional>

namespace d365::services {

struct ConnectionProfile
{
    enum class Kind { Dynamics, Sandbox };

    QString name;
    QUrl orgUrl; // normalised: scheme + host [+ port], no trailing slash, no path
    QString apiVersion = QStringLiteral("v9.2");
    Kind kind = Kind::Dynamics;
    QString tenant = QStringLiteral("organizations");
    QString clientId; // the user's Entra app registration (sign-in issue)
    // Sign-in authority, e.g. https://login.microsoftonline.com (the default when empty). Only Sandbox
    // profiles may set it; an empty one on a Sandbox profile means the sandbox's own identity provider.
    QUrl authorityHost;
    // A PEM file of CA certificates trusted in addition to the system's (tlstrust.h). Only Sandbox profiles
    // may set it: the CA `d365sync-sandbox --tls` writes.
    QString caCertificateFile;

    // https://org.crm.dynamics.com/api/data/v9.2/  (always ends with a slash)
    QUrl webApiBaseUrl() const;
    bool isSandbox() const { return kind == Kind::Sandbox; }

    static QString kindName(Kind kind);
    static std::optional<Kind> kindFromName(const QString &name);

    // Parses and validates user input. On success returns the normalised URL; on failure an Error of category
    // Configuration whose message shows the expected pattern and where to find the URL (Power Platform admin
    // center → Environments).
    static Result<QUrl> validateOrgUrl(const QString &text, Kind kind);
    // "v9.2" style: 'v' + major + '.' + minor. Empty input means the default v9.2.
    static Result<QString> validateApiVersion(const QString &text);
    // Profile names are used as settings keys and in mapping files: letters, digits, '-', '_', '.', 1..64
    // chars.
    static Result<QString> validateName(const QString &text);
};

} // namespace d365::services
