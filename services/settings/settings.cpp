#include "services/settings/settings.h"

#include "services/common/outputfile.h"

#include <QCoreApplication>
#include <QDir>
#include <QLoggingCategory>
#include <QSettings>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcSettings, "d365.settings.settings")

namespace d365::services {

namespace {

const QString profilesGroup = u"profiles"_s;
const QString keyOrgUrl = u"orgUrl"_s;
const QString keyApiVersion = u"apiVersion"_s;
const QString keyKind = u"kind"_s;
const QString keyTenant = u"tenant"_s;
const QString keyClientId = u"clientId"_s;
const QString keyAuthorityHost = u"authorityHost"_s;
const QString keyCaCertificateFile = u"caCertificateFile"_s;
const QString keyLastMappingPath = u"ui/lastMappingPath"_s;
const QString keyRecentMappings = u"ui/recentMappings"_s;
const QString keyMainWindowGeometry = u"ui/mainWindowGeometry"_s;
const QString keyMainWindowState = u"ui/mainWindowState"_s;
const QString keySchemaBrowserState = u"ui/schemaBrowserState"_s;
const QString defaultTenant = u"organizations"_s;
const QString warehousesGroup = u"warehouses"_s;
const QString keyHost = u"host"_s;
const QString keyPort = u"port"_s;
const QString keyDatabase = u"database"_s;
const QString keyUser = u"user"_s;
const QString keyDriver = u"driver"_s;
const QString keyDsn = u"dsn"_s;
const QString keyOptions = u"options"_s;

QString profileKey(const QString &name, const QString &key)
{
    return profilesGroup + u'/' + name + u'/' + key;
}

QString warehouseKey(const QString &name, const QString &key)
{
    return warehousesGroup + u'/' + name + u'/' + key;
}

} // namespace

Settings::Settings()
    : m_settings(std::make_unique<QSettings>(QSettings::IniFormat, QSettings::UserScope, u"D365Sync"_s,
                                             u"d365sync"_s))
{}

Settings::Settings(const QString &iniFilePath)
    : m_settings(std::make_unique<QSettings>(iniFilePath, QSettings::IniFormat))
{}

Settings::~Settings() = default;

QStringList Settings::profileNames() const
{
    m_settings->beginGroup(profilesGroup);
    QStringList names = m_settings->childGroups();
    m_settings->endGroup();
    names.sort();
    return names;
}

std::optional<ConnectionProfile> Settings::profile(const QString &name) const
{
    // Only names that saveProfile() could have written: anything else would address a different group.
    const auto validName = ConnectionProfile::validateName(name);
    if (!validName || *validName != name)
        return std::nullopt;
    if (!m_settings->contains(profileKey(name, keyOrgUrl)))
        return std::nullopt;

    ConnectionProfile result;
    result.name = name;

    const auto kind = ConnectionProfile::kindFromName(
        m_settings
            ->value(profileKey(name, keyKind), ConnectionProfile::kindName(ConnectionProfile::Kind::Dynamics))
            .toString());
    if (!kind) {
        qCWarning(lcSettings) << "profile" << name << "has an unknown kind; ignoring it";
        return std::nullopt;
    }
    result.kind = *kind;

    // Stored data may have been edited by hand: validate it like user input rather than trusting it.
    const auto url = ConnectionProfile::validateOrgUrl(
        m_settings->value(profileKey(name, keyOrgUrl)).toString(), result.kind);
    if (!url) {
        qCWarning(lcSettings) << "profile" << name
                              << "has an invalid organization URL; ignoring it:" << url.error().detail;
        return std::nullopt;
    }
    result.orgUrl = *url;

    const auto apiVersion = ConnectionProfile::validateApiVersion(
        m_settings->value(profileKey(name, keyApiVersion), u"v9.2"_s).toString());
    if (!apiVersion) {
        qCWarning(lcSettings) << "profile" << name << "has an invalid API version; ignoring it";
        return std::nullopt;
    }
    result.apiVersion = *apiVersion;

    result.tenant = m_settings->value(profileKey(name, keyTenant), defaultTenant).toString().trimmed();
    if (result.tenant.isEmpty())
        result.tenant = defaultTenant;
    result.clientId = m_settings->value(profileKey(name, keyClientId)).toString().trimmed();
    if (result.isSandbox()) {
        result.authorityHost =
            QUrl(m_settings->value(profileKey(name, keyAuthorityHost)).toString().trimmed());
        result.caCertificateFile =
            m_settings->value(profileKey(name, keyCaCertificateFile)).toString().trimmed();
    }
    return result;
}

Result<void> Settings::saveProfile(const ConnectionProfile &profile)
{
    const auto name = ConnectionProfile::validateName(profile.name);
    if (!name)
        return name.error();
    const auto url = ConnectionProfile::validateOrgUrl(profile.orgUrl.toString(), profile.kind);
    if (!url)
        return url.error();
    const auto apiVersion = ConnectionProfile::validateApiVersion(profile.apiVersion);
    if (!apiVersion)
        return apiVersion.error();
    if (!profile.authorityHost.isEmpty() && !profile.isSandbox())
        return Error::make(ErrorCategory::Configuration,
                           QCoreApplication::translate(
                               "Settings",
                               "Profile '%1': only sandbox profiles may override the sign-in authority "
                               "host. Remove the authority host; real orgs sign in at "
                               "https://login.microsoftonline.com.")
                               .arg(*name));
    if (!profile.caCertificateFile.trimmed().isEmpty() && !profile.isSandbox())
        return Error::make(
            ErrorCategory::Configuration,
            QCoreApplication::translate(
                "Settings", "Profile '%1': only sandbox profiles may trust an extra CA certificate. Remove "
                            "the CA certificate file; real orgs are checked against the system's "
                            "certificates.")
                .arg(*name));

    // Replace the whole group so that no stale key of an earlier version of the profile survives.
    m_settings->remove(profilesGroup + u'/' + *name);
    m_settings->setValue(profileKey(*name, keyOrgUrl), url->toString());
    m_settings->setValue(profileKey(*name, keyApiVersion), *apiVersion);
    m_settings->setValue(profileKey(*name, keyKind), ConnectionProfile::kindName(profile.kind));
    const QString tenant = profile.tenant.trimmed();
    m_settings->setValue(profileKey(*name, keyTenant), tenant.isEmpty() ? defaultTenant : tenant);
    m_settings->setValue(profileKey(*name, keyClientId), profile.clientId.trimmed());
    if (!profile.authorityHost.isEmpty())
        m_settings->setValue(profileKey(*name, keyAuthorityHost), profile.authorityHost.toString());
    if (!profile.caCertificateFile.trimmed().isEmpty())
        m_settings->setValue(profileKey(*name, keyCaCertificateFile), profile.caCertificateFile.trimmed());
    qCDebug(lcSettings) << "saved profile" << *name << "for" << url->host() << "(written by sync())";
    return {};
}

bool Settings::removeProfile(const QString &name)
{
    const auto validName = ConnectionProfile::validateName(name);
    if (!validName || *validName != name || !profileNames().contains(name))
        return false;
    m_settings->remove(profilesGroup + u'/' + name);
    qCDebug(lcSettings) << "removed profile" << name << "(written by sync())";
    return true;
}

QStringList Settings::warehouseConnectionNames() const
{
    m_settings->beginGroup(warehousesGroup);
    QStringList names = m_settings->childGroups();
    m_settings->endGroup();
    names.sort();
    return names;
}

std::optional<WarehouseConnection> Settings::warehouseConnection(const QString &name) const
{
    const auto validName = WarehouseConnection::validateName(name);
    if (!validName || *validName != name || !m_settings->contains(warehouseKey(name, keyKind)))
        return std::nullopt;
    const auto kind =
        WarehouseConnection::kindFromName(m_settings->value(warehouseKey(name, keyKind)).toString());
    if (!kind) {
        qCWarning(lcSettings) << "warehouse connection" << name << "has an unknown kind; ignoring it";
        return std::nullopt;
    }
    WarehouseConnection connection;
    connection.name = name;
    connection.kind = *kind;
    connection.host = m_settings->value(warehouseKey(name, keyHost)).toString();
    connection.port = m_settings->value(warehouseKey(name, keyPort), 0).toInt();
    connection.database = m_settings->value(warehouseKey(name, keyDatabase)).toString();
    connection.user = m_settings->value(warehouseKey(name, keyUser)).toString();
    connection.driver = m_settings->value(warehouseKey(name, keyDriver)).toString();
    connection.dsn = m_settings->value(warehouseKey(name, keyDsn)).toString();
    connection.options = m_settings->value(warehouseKey(name, keyOptions)).toString();
    // Stored data may have been edited by hand: validate it like user input rather than trusting it.
    if (const auto valid = connection.validate(); !valid.ok()) {
        qCWarning(lcSettings) << "warehouse connection" << name
                              << "is not valid; ignoring it:" << valid.error().message;
        return std::nullopt;
    }
    return connection;
}

Result<void> Settings::saveWarehouseConnection(const WarehouseConnection &connection)
{
    WarehouseConnection cleaned = connection;
    cleaned.name = connection.name.trimmed();
    cleaned.host = connection.host.trimmed();
    cleaned.database = connection.database.trimmed();
    cleaned.user = connection.user.trimmed();
    cleaned.driver = connection.driver.trimmed();
    cleaned.dsn = connection.dsn.trimmed();
    cleaned.options = connection.options.trimmed();
    if (const auto valid = cleaned.validate(); !valid.ok())
        return valid;
    const QString &name = cleaned.name;
    // Replace the whole group so that no stale key of an earlier version of the connection survives.
    m_settings->remove(warehousesGroup + u'/' + name);
    m_settings->setValue(warehouseKey(name, keyKind), WarehouseConnection::kindName(cleaned.kind));
    const QList<std::pair<QString, QString>> texts = {
        {keyHost, cleaned.host},     {keyDatabase, cleaned.database}, {keyUser, cleaned.user},
        {keyDriver, cleaned.driver}, {keyDsn, cleaned.dsn},           {keyOptions, cleaned.options}};
    for (const auto &[key, value] : texts) {
        if (!value.isEmpty())
            m_settings->setValue(warehouseKey(name, key), value);
    }
    if (cleaned.port > 0)
        m_settings->setValue(warehouseKey(name, keyPort), cleaned.port);
    qCDebug(lcSettings) << "saved warehouse connection" << name << "(written by sync())";
    return {};
}

bool Settings::removeWarehouseConnection(const QString &name)
{
    const auto validName = WarehouseConnection::validateName(name);
    if (!validName || *validName != name || !warehouseConnectionNames().contains(name))
        return false;
    m_settings->remove(warehousesGroup + u'/' + name);
    qCDebug(lcSettings) << "removed warehouse connection" << name << "(written by sync())";
    return true;
}

QString Settings::lastMappingPath() const
{
    return m_settings->value(keyLastMappingPath).toString();
}

void Settings::setLastMappingPath(const QString &path)
{
    m_settings->setValue(keyLastMappingPath, path);
}

QStringList Settings::recentMappings() const
{
    return m_settings->value(keyRecentMappings).toStringList();
}

void Settings::addRecentMapping(const QString &path)
{
    QStringList recent = recentMappings();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > MaxRecentMappings)
        recent.removeLast();
    m_settings->setValue(keyRecentMappings, recent);
}

void Settings::removeRecentMapping(const QString &path)
{
    QStringList recent = recentMappings();
    if (recent.removeAll(path) > 0)
        m_settings->setValue(keyRecentMappings, recent);
}

QByteArray Settings::mainWindowGeometry() const
{
    return m_settings->value(keyMainWindowGeometry).toByteArray();
}

void Settings::setMainWindowGeometry(const QByteArray &geometry)
{
    m_settings->setValue(keyMainWindowGeometry, geometry);
}

QByteArray Settings::mainWindowState() const
{
    return m_settings->value(keyMainWindowState).toByteArray();
}

void Settings::setMainWindowState(const QByteArray &state)
{
    m_settings->setValue(keyMainWindowState, state);
}

QByteArray Settings::schemaBrowserState() const
{
    return m_settings->value(keySchemaBrowserState).toByteArray();
}

void Settings::setSchemaBrowserState(const QByteArray &state)
{
    m_settings->setValue(keySchemaBrowserState, state);
}

Result<void> Settings::sync()
{
    m_settings->sync();
    const QString file = QDir::toNativeSeparators(m_settings->fileName());
    switch (m_settings->status()) {
    case QSettings::NoError:
        return {};
    case QSettings::FormatError:
        return Error::make(
            ErrorCategory::Configuration,
            QCoreApplication::translate("Settings", "The settings file %1 is damaged (not an INI file), so "
                                                    "nothing was saved. Repair it, or move it away to start "
                                                    "with empty settings.")
                .arg(file),
            u"QSettings::FormatError on "_s + file);
    case QSettings::AccessError:
        break;
    }
    QString reason = whyNotWritable(m_settings->fileName());
    if (reason.isEmpty()) // creating it works, writing it did not: a full disk or a quota
        reason = QCoreApplication::translate("Settings", "writing it failed (is the disk full?)");
    qCDebug(lcSettings) << "could not write" << file << reason;
    return Error::make(
        ErrorCategory::Configuration,
        QCoreApplication::translate("Settings", "Could not save the settings to %1: %2. Nothing was saved; "
                                                "make the folder writable or use another settings file.")
            .arg(file, reason),
        u"QSettings::AccessError on "_s + file);
}

QString Settings::fileName() const
{
    return m_settings->fileName();
}

} // namespace d365::services
