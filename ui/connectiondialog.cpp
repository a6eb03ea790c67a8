#include "ui/connectiondialog.h"

#include "services/auth/connectionsession.h"
#include "services/settings/settings.h"
#include "ui/messagebanner.h"
#include "ui_connectiondialog.h"

#include <QClipboard>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QListWidget>
#include <QLoggingCategory>
#include <QMessageBox>
#include <QScreen>

#include <algorithm>

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
    // Messages go to a banner above the buttons (the house style for recoverable problems).
    m_banner = new MessageBanner(this);
    m_banner->setObjectName(u"connectionMessageBanner"_s);
    m_ui->mainLayout->insertWidget(1, m_banner);

    connect(m_ui->sandboxCheck, &QCheckBox::toggled, this, &ConnectionDialog::updateAuthorityEnabled);
    connect(m_ui->saveButton, &QPushButton::clicked, this, [this] { saveProfile(); });
    connect(m_ui->connectButton, &QPushButton::clicked, this, &ConnectionDialog::connectWithOAuth);
    connect(m_ui->closeButton, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_ui->caBrowseButton, &QPushButton::clicked, this, &ConnectionDialog::chooseCaCertificate);
    connect(m_ui->newProfileButton, &QPushButton::clicked, this, [this] { startNewProfile(); });
    connect(m_ui->deleteProfileButton, &QPushButton::clicked, this, &ConnectionDialog::confirmDeleteProfile);
    connect(m_ui->profileListWidget, &QListWidget::currentItemChanged, this,
            &ConnectionDialog::onProfileSelected);
    connect(m_ui->copyLinkButton, &QPushButton::clicked, this, [this] {
        QGuiApplication::clipboard()->setText(m_loginUrl.toString(QUrl::FullyEncoded));
        showStatus(tr("Link copied. Paste it into a browser on this computer to sign in."), false);
    });
    connect(m_session, &ConnectionSession::loginUrlReady, this, &ConnectionDialog::onLoginUrl);
    connect(m_session, &ConnectionSession::stateChanged, this, &ConnectionDialog::onSessionStateChanged);
    reloadProfileList({});
    updateAuthorityEnabled();
}

ConnectionDialog::~ConnectionDialog()
{
    if (m_connecting)
        m_session->cancelConnect();
}

void ConnectionDialog::reloadProfileList(const QString &select)
{
    QListWidget *list = m_ui->profileListWidget;
    const QSignalBlocker blocker(list); // selecting here must not overwrite the form
    list->clear();
    list->addItems(m_settings->profileNames());
    const auto found = list->findItems(select, Qt::MatchExactly);
    list->setCurrentItem(found.isEmpty() ? nullptr : found.constFirst());
    m_ui->deleteProfileButton->setEnabled(!found.isEmpty() && !m_connecting);
}

void ConnectionDialog::onProfileSelected()
{
    const QListWidgetItem *item = m_ui->profileListWidget->currentItem();
    m_ui->deleteProfileButton->setEnabled(item && !m_connecting);
    if (!item)
        return;
    if (const auto profile = m_settings->profile(item->text()))
        setProfile(*profile);
}

void ConnectionDialog::setProfile(const ConnectionProfile &profile)
{
    m_ui->nameEdit->setText(profile.name);
    m_ui->orgUrlEdit->setText(profile.orgUrl.toString());
    m_ui->sandboxCheck->setChecked(profile.isSandbox());
    m_ui->apiVersionEdit->setText(profile.apiVersion);
    m_ui->tenantEdit->setText(profile.tenant);
    m_ui->clientIdEdit->setText(profile.clientId);
    m_ui->authorityEdit->setText(profile.authorityHost.toString());
    m_ui->caCertificateEdit->setText(QDir::toNativeSeparators(profile.caCertificateFile));
    reloadProfileList(profile.name);
}

void ConnectionDialog::startNewProfile(const QString &name)
{
    reloadProfileList({});
    m_ui->nameEdit->setText(name);
    m_ui->orgUrlEdit->clear();
    m_ui->sandboxCheck->setChecked(false);
    m_ui->apiVersionEdit->clear();
    m_ui->tenantEdit->clear();
    m_ui->clientIdEdit->clear();
    m_ui->authorityEdit->clear();
    m_ui->caCertificateEdit->clear();
    (name.isEmpty() ? m_ui->nameEdit : m_ui->orgUrlEdit)->setFocus(Qt::OtherFocusReason);
}

QString ConnectionDialog::statusText() const
{
    return m_banner->isHidden() ? QString() : m_banner->text();
}

void ConnectionDialog::showStatus(const QString &text, bool error)
{
    m_banner->showMessage(text, error ? MessageBanner::Type::Error : MessageBanner::Type::Information);
    fitHeightToContents();
}

void ConnectionDialog::fitHeightToContents()
{
    // A wrapped message needs more height at the same width. A window does not grow by itself for that (Qt
    // even drops its minimum size when a height-for-width child needs more), so the form was squeezed until
    // its fields overlapped; grow the dialog to the height its contents need at its width.
    if (!isVisible())
        return; // the first show sizes the dialog from its contents
    layout()->activate();
    int needed = layout()->totalMinimumSize().height();
    if (layout()->hasHeightForWidth())
        needed = std::max(needed, layout()->totalHeightForWidth(width()));
    if (const QScreen *target = screen())
        needed = std::min(needed, target->availableGeometry().height());
    if (needed > height())
        resize(width(), needed);
}

void ConnectionDialog::updateAuthorityEnabled()
{
    // Only sandbox profiles may sign in somewhere else than login.microsoftonline.com, or trust an extra CA.
    const bool sandbox = m_ui->sandboxCheck->isChecked();
    m_ui->authorityEdit->setEnabled(sandbox);
    m_ui->caCertificateEdit->setEnabled(sandbox);
    m_ui->caBrowseButton->setEnabled(sandbox);
}

void ConnectionDialog::chooseCaCertificate()
{
    // Window-modal and asynchronous: no nested event loop.
    const QString current = m_ui->caCertificateEdit->text().trimmed();
    auto *dialog = new QFileDialog(this, tr("CA certificate of the sandbox"),
                                   current.isEmpty() ? QDir::tempPath() : QFileInfo(current).absolutePath(),
                                   tr("PEM certificates (*.pem *.crt *.cer);;All files (*)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setObjectName(u"caCertificateFileDialog"_s);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &file) {
        m_ui->caCertificateEdit->setText(QDir::toNativeSeparators(file));
    });
    dialog->open();
}

std::optional<ConnectionProfile> ConnectionDialog::saveProfile()
{
    ConnectionProfile profile;
    profile.kind = m_ui->sandboxCheck->isChecked() ? ConnectionProfile::Kind::Sandbox
                                                   : ConnectionProfile::Kind::Dynamics;
    profile.name = m_ui->nameEdit->text().trimmed();
    const auto url = ConnectionProfile::validateOrgUrl(m_ui->orgUrlEdit->text().trimmed(), profile.kind);
    if (!url) {
        showStatus(url.error().message, true);
        return std::nullopt;
    }
    profile.orgUrl = *url;
    // Empty means the default (v9.2); Settings::saveProfile validates the "v9.2" form.
    profile.apiVersion = m_ui->apiVersionEdit->text().trimmed();
    const QString tenant = m_ui->tenantEdit->text().trimmed();
    if (!tenant.isEmpty())
        profile.tenant = tenant;
    profile.clientId = m_ui->clientIdEdit->text().trimmed();
    if (profile.isSandbox() && !m_ui->authorityEdit->text().trimmed().isEmpty())
        profile.authorityHost = QUrl(m_ui->authorityEdit->text().trimmed());
    if (profile.isSandbox() && !m_ui->caCertificateEdit->text().trimmed().isEmpty())
        profile.caCertificateFile =
            QFileInfo(QDir::fromNativeSeparators(m_ui->caCertificateEdit->text().trimmed()))
                .absoluteFilePath();
    const auto saved = m_settings->saveProfile(profile);
    if (!saved) {
        showStatus(saved.error().message, true);
        return std::nullopt;
    }
    showStatus(tr("Profile %1 saved.").arg(profile.name), false);
    const auto stored = m_settings->profile(profile.name);
    if (stored)
        setProfile(*stored); // the list shows the new profile, the form its normalised values
    Q_EMIT profileSaved(profile.name);
    return stored;
}

void ConnectionDialog::confirmDeleteProfile()
{
    const QListWidgetItem *item = m_ui->profileListWidget->currentItem();
    if (!item || m_connecting)
        return;
    const QString name = item->text();
    // Deleting is destructive: the one case for a modal question.
    auto *box = new QMessageBox(this);
    box->setObjectName(u"deleteProfileMessageBox"_s);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setIcon(QMessageBox::Warning);
    box->setWindowTitle(tr("Delete profile"));
    box->setText(tr("Delete the connection profile \"%1\"?").arg(name));
    box->setInformativeText(
        tr("Mappings that name it cannot sync until a profile of that name exists again."));
    QPushButton *deleteButton = box->addButton(tr("Delete"), QMessageBox::DestructiveRole);
    deleteButton->setObjectName(u"confirmDeleteProfileButton"_s);
    QPushButton *keep = box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(keep);
    connect(box, &QMessageBox::buttonClicked, this, [this, name, deleteButton](QAbstractButton *button) {
        if (button != deleteButton)
            return;
        if (!m_settings->removeProfile(name)) {
            showStatus(tr("The profile %1 could not be deleted: it is not in the settings.").arg(name), true);
            reloadProfileList({});
            return;
        }
        m_settings->sync();
        qCInfo(lcConnectionDialog) << "deleted profile" << name;
        startNewProfile();
        showStatus(tr("Profile %1 deleted.").arg(name), false);
        Q_EMIT profileRemoved(name);
    });
    box->open();
}

void ConnectionDialog::connectWithOAuth()
{
    const auto profile = saveProfile();
    if (!profile)
        return;
    m_connecting = true;
    m_ui->connectButton->setEnabled(false);
    m_ui->deleteProfileButton->setEnabled(false);
    m_session->connectWithOAuth(*profile);
}

void ConnectionDialog::onLoginUrl(const QUrl &url)
{
    m_loginUrl = url;
    m_ui->copyLinkButton->setEnabled(true);
    if (QDesktopServices::openUrl(url)) {
        showStatus(tr("Finish signing in in your browser. If no browser window opened, use \"Copy link\"."),
                   false);
        return;
    }
    qCInfo(lcConnectionDialog) << "no browser could be opened; showing the sign-in link";
    m_ui->linkEdit->setText(url.toString(QUrl::FullyEncoded));
    m_ui->linkEdit->setVisible(true);
    showStatus(tr("No browser could be opened. Copy the link and open it in a browser on this "
                  "computer to sign in."),
               false);
}

void ConnectionDialog::onSessionStateChanged()
{
    if (!m_connecting || m_session->state() == ConnectionSession::State::Connecting)
        return;
    m_connecting = false;
    m_ui->connectButton->setEnabled(true);
    m_ui->deleteProfileButton->setEnabled(m_ui->profileListWidget->currentItem() != nullptr);
    const bool connected = m_session->state() == ConnectionSession::State::Connected;
    showStatus(m_session->statusText(), !connected);
    if (connected)
        accept();
}

} // namespace d365::ui
