#include "ui/exportdialog.h"

#include "services/sync/preflight.h"
#include "ui_exportdialog.h"

#include <QClipboard>
#include <QDir>
#include <QGuiApplication>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace d365::ui {

namespace {

QString shellQuoted(const QString &argument)
{
    static const QRegularExpression safe(u"^[A-Za-z0-9_@%+=:,./-]+$"_s);
    if (safe.match(argument).hasMatch())
        return argument;
    return u'\'' + QString(argument).replace(u"'"_s, u"'\\''"_s) + u'\'';
}

} // namespace

QString ExportDialog::runCommand(const QString &filePath, const QString &settingsFile)
{
    QStringList parts{u"d365sync-cli"_s};
    if (!settingsFile.isEmpty())
        parts << u"--settings"_s << shellQuoted(QDir::toNativeSeparators(settingsFile));
    parts << u"run"_s << shellQuoted(QDir::toNativeSeparators(filePath));
    return parts.join(u' ');
}

ExportDialog::ExportDialog(const services::Mapping &mapping, const QString &filePath,
                           const QString &settingsFile,
                           const std::optional<services::ConnectionProfile> &profile,
                           const services::EntityMetadata *entity, QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::ExportDialog>())
{
    m_ui->setupUi(this);
    setObjectName(u"exportDialog"_s);
    m_ui->introLabel->setText(
        tr("The mapping file is saved as %1. A scheduler (cron, CI, an orchestrator) runs it "
           "unchanged with this command; add --report FILE for a JSON report:")
            .arg(QDir::toNativeSeparators(filePath)));
    m_ui->commandLineEdit->setText(runCommand(filePath, settingsFile));
    m_ui->commandLineEdit->setCursorPosition(0);
    connect(m_ui->copyCommandButton, &QPushButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(command()); });

    const QString profileName = mapping.target.profile.toHtmlEscaped();
    const QString url =
        profile ? profile->orgUrl.toString().toHtmlEscaped() : u"https://&lt;org&gt;.crm.dynamics.com"_s;
    QString privileges;
    if (entity && !entity->schemaName.isEmpty()) {
        privileges = services::Preflight::requiredPrivileges(mapping, *entity, {}, mapping.writer)
                         .join(u", "_s)
                         .toHtmlEscaped();
    }
    const QString table = (entity ? entity->logicalName : mapping.target.entitySet).toHtmlEscaped();
    QString html;
    html +=
        tr("<p><b>Sign in as an application user, not as a person.</b> A scheduler cannot open a browser; "
           "it signs in with client credentials of an app registration:</p><ol>");
    html +=
        tr("<li>In the Microsoft Entra admin center → App registrations, register an app (or reuse one) and "
           "under <i>Certificates &amp; secrets</i> create a client secret. Copy its <b>Value</b>.</li>");
    html +=
        tr("<li>In the Power Platform admin center → Environments → your environment → Settings → Users + "
           "permissions → <i>Application users</i> → <i>New app user</i>: pick the app and give it a "
           "security role that may write %1%2.</li>")
            .arg(table, privileges.isEmpty() ? QString() : tr(" (%1)").arg(privileges));
    html +=
        tr("<li>On the scheduler's machine, the profile <code>%1</code> must exist with the app's client ID "
           "and tenant:<br><code>d365sync-cli profile add %1 --url %2 --client-id &lt;application id&gt; "
           "--tenant &lt;tenant id&gt;</code></li>")
            .arg(profileName, url);
    html += tr("<li>Give it the secret, from standard input (never as an argument):<br><code>printf %s "
               "\"$SECRET\" | d365sync-cli auth set-secret --profile %1</code><br>or set "
               "<code>D365SYNC_CLIENT_SECRET</code> in the scheduler's environment. The mapping file itself "
               "never holds a secret.</li></ol>")
                .arg(profileName);
    html +=
        tr("<p>Exit codes: 0 every row written; 1 some rows failed (see the report); 2 the mapping, profile "
           "or warehouse needs fixing; 3 sign-in; 4 the service or the network stopped the run. Check the "
           "file first with <code>d365sync-cli validate %1</code>.</p>")
            .arg(QDir::toNativeSeparators(filePath).toHtmlEscaped());
    html += tr("<p>Example crontab line (every night at 02:00):<br><code>0 2 * * * %1 --report "
               "/var/log/d365sync/last-run.json</code></p>")
                .arg(command().toHtmlEscaped());
    m_ui->helpTextBrowser->setHtml(html);
}

ExportDialog::~ExportDialog() = default;

QString ExportDialog::command() const
{
    return m_ui->commandLineEdit->text();
}

} // namespace d365::ui
