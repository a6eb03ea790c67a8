#include "ui/connectiondialog.h"

#include "services/auth/connectionsession.h"
#include "services/settings/settings.h"
#include "ui_connectiondialog.h"

#include <QClipboard>
#include <QDesktopServices>
#include <QGuiApplication>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcConnectionDialog, "d365.ui.connectiondialog")

using namespace Qt::StringLiterals;

namespace d365::ui {

using services::ConnectionProfile;
using services::ConnectionSession;

ConnectionDialog::ConnectionDialog(services::Settings *settings, ConnectionSession *session, QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::ConnectionDialog>())
    , m_settings(settings)
    , m_session(session)
{
    m_ui->setupUi(this);
    m_ui->linkEdit->setVisible(false);
    connect(m_ui->sandboxCheck, &QCheckBox::toggled, this, &ConnectionDialog::updateAuthorityEnabled);
    connect(m_ui->saveButton, &QPushButton::clicked, this, [this] { saveProfile(); });
    connect(m_ui->connectButton, &QPushButton::clicked, this, &ConnectionDialog::connectWithOAuth);
    connect(m_ui->closeButton, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_ui->copyLinkButton, &QPushButton::clicked, this, [this] {
        QGuiApplication::clipboard()->setText(m_loginUrl.toString(QUrl::FullyEncoded));
        m_ui->statusLabel->setText(tr("Link copied. Paste it into a browser on this computer to sign in."));
    });
    connect(m_session, &ConnectionSession::loginUrlReady, this, &ConnectionDialog::onLoginUrl);
    connect(m_session, &ConnectionSession::stateChanged, this, &ConnectionDialog::onSessionStateChanged);
    updateAuthorityEnabled();
}

ConnectionDialog::~ConnectionDialog()
{
    if (m_connecting)
        m_session->cancelConnect();
}

void ConnectionDialog::setProfile(const ConnectionProfile &profile)
{
    m_ui->nameEdit->setText(profile.name);
    m_ui->orgUrlEdit->setText(profile.orgUrl.toString());
    m_ui->sandboxCheck->setChecked(profile.isSandbox());
    m_ui->tenantEdit->setText(profile.tenant);
    m_ui->clientIdEdit->setText(profile.clientId);
    m_ui->authorityEdit->setText(profile.authorityHost.toString());
}

QString ConnectionDialog::statusText() const
{
    return m_ui->statusLabel->text();
}

void ConnectionDialog::updateAuthorityEnabled()
{
    // Only sandbox profiles may sign in somewhere else than login.microsoftonline.com.
    m_ui->authorityEdit->setEnabled(m_ui->sandboxCheck->isChecked());
}

std::optional<ConnectionProfile> ConnectionDialog::saveProfile()
{
    ConnectionProfile profile;
    profile.kind = m_ui->sandboxCheck->isChecked() ? ConnectionProfile::Kind::Sandbox
                                                   : ConnectionProfile::Kind::Dynamics;
    profile.name = m_ui->nameEdit->text().trimmed();
    const auto url = ConnectionProfile::validateOrgUrl(m_ui->orgUrlEdit->text().trimmed(), profile.kind);
    if (!url) {
        m_ui->statusLabel->setText(url.error().message);
        return std::nullopt;
    }
    profile.orgUrl = *url;
    const QString tenant = m_ui->tenantEdit->text().trimmed();
    if (!tenant.isEmpty())
        profile.tenant = tenant;
    profile.clientId = m_ui->clientIdEdit->text().trimmed();
    if (profile.isSandbox() && !m_ui->authorityEdit->text().trimmed().isEmpty())
        profile.authorityHost = QUrl(m_ui->authorityEdit->text().trimmed());
    const auto saved = m_settings->saveProfile(profile);
    if (!saved) {
        m_ui->statusLabel->setText(saved.error().message);
        return std::nullopt;
    }
    m_ui->statusLabel->setText(tr("Profile %1 saved.").arg(profile.name));
    Q_EMIT profileSaved(profile.name);
    return m_settings->profile(profile.name);
}

void ConnectionDialog::connectWithOAuth()
{
    const auto profile = saveProfile();
    if (!profile)
        return;
    m_connecting = true;
    m_ui->connectButton->setEnabled(false);
    m_session->connectWithOAuth(*profile);
}

void ConnectionDialog::onLoginUrl(const QUrl &url)
{
    m_loginUrl = url;
    m_ui->copyLinkButton->setEnabled(true);
    if (QDesktopServices::openUrl(url)) {
        m_ui->statusLabel->setText(tr("Finish signing in in your browser. If no browser window opened, use "
                                      "\"Copy link\"."));
        return;
    }
    qCInfo(lcConnectionDialog) << "no browser could be opened; showing the sign-in link";
    m_ui->linkEdit->setText(url.toString(QUrl::FullyEncoded));
    m_ui->linkEdit->setVisible(true);
    m_ui->statusLabel->setText(
        tr("No browser could be opened. Copy the link and open it in a browser on this "
           "computer to sign in."));
}

void ConnectionDialog::onSessionStateChanged()
{
    if (!m_connecting || m_session->state() == ConnectionSession::State::Connecting)
        return;
    m_connecting = false;
    m_ui->connectButton->setEnabled(true);
    m_ui->statusLabel->setText(m_session->statusText());
    if (m_session->state() == ConnectionSession::State::Connected)
        accept();
}

} // namespace d365::ui
