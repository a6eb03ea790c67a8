#include "ui/warehouseconnectiondialog.h"

#include "services/auth/warehouseconnectionservice.h"
#include "services/settings/settings.h"
#include "ui/messagebanner.h"
#include "ui_warehouseconnectiondialog.h"

#include <QLoggingCategory>
#include <QMessageBox>
#include <QScreen>

#include <algorithm>

Q_LOGGING_CATEGORY(lcWarehouseDialog, "d365.ui.warehouseconnectiondialog")

using namespace Qt::StringLiterals;

namespace d365::ui {

using services::WarehouseConnection;
using services::WarehouseConnectionService;

namespace {

constexpr int PostgreSqlIndex = 0;
constexpr int OdbcIndex = 1;

} // namespace

WarehouseConnectionDialog::WarehouseConnectionDialog(services::Settings *settings, QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::WarehouseConnectionDialog>())
    , m_settings(settings)
    , m_service(new WarehouseConnectionService(this))
{
    m_ui->setupUi(this);
    m_banner = new MessageBanner(this);
    m_banner->setObjectName(u"warehouseMessageBanner"_s);
    m_ui->mainLayout->insertWidget(1, m_banner);

    connect(m_ui->kindCombo, &QComboBox::currentIndexChanged, this,
            &WarehouseConnectionDialog::updateKindFields);
    connect(m_ui->saveButton, &QPushButton::clicked, this, [this] { saveConnection(); });
    connect(m_ui->testButton, &QPushButton::clicked, this, &WarehouseConnectionDialog::testConnection);
    connect(m_ui->closeButton, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_ui->newConnectionButton, &QPushButton::clicked, this, [this] { startNewConnection(); });
    connect(m_ui->deleteConnectionButton, &QPushButton::clicked, this,
            &WarehouseConnectionDialog::confirmDeleteConnection);
    connect(m_ui->connectionListWidget, &QListWidget::currentItemChanged, this,
            &WarehouseConnectionDialog::onConnectionSelected);

    connect(m_service, &WarehouseConnectionService::testFinished, this,
            [this](bool ok, const QString &message) {
                m_ui->testButton->setEnabled(true);
                showStatus(message, !ok);
            });
    connect(m_service, &WarehouseConnectionService::passwordStored, this,
            [this](const QString &name, bool ok, const QString &message) {
                if (!ok) {
                    showStatus(tr("Saved warehouse connection '%1', but its password was not stored: %2")
                                   .arg(name, message),
                               true);
                    return;
                }
                m_ui->passwordEdit->clear();
                m_ui->passwordEdit->setPlaceholderText(tr("stored in the keychain; type to replace it"));
                showStatus(tr("Saved warehouse connection '%1'; its password is in the keychain.").arg(name),
                           false);
            });
    connect(m_service, &WarehouseConnectionService::passwordRemoved, this,
            [this](const QString &name, bool ok, const QString &message) {
                if (!ok)
                    showStatus(
                        tr("Removed warehouse connection '%1'; its password could not be removed from the "
                           "keychain: %2")
                            .arg(name, message),
                        true);
            });
    connect(
        m_service, &WarehouseConnectionService::passwordChecked, this,
        [this](const QString &name, WarehouseConnectionService::PasswordState state, const QString &detail) {
            if (name != m_ui->nameEdit->text().trimmed())
                return; // another connection was picked meanwhile
            QString text;
            switch (state) {
            case WarehouseConnectionService::PasswordState::Stored:
                text = tr("stored in the keychain; type to replace it");
                break;
            case WarehouseConnectionService::PasswordState::None:
                text = tr("none stored");
                break;
            case WarehouseConnectionService::PasswordState::Environment:
                text = tr("from %1").arg(detail);
                break;
            case WarehouseConnectionService::PasswordState::Unavailable:
                text = tr("the keychain cannot be read");
                m_ui->passwordEdit->setToolTip(detail);
                break;
            }
            m_ui->passwordEdit->setPlaceholderText(text);
        });

    reloadConnectionList({});
    updateKindFields();
}

WarehouseConnectionDialog::~WarehouseConnectionDialog() = default;

void WarehouseConnectionDialog::reloadConnectionList(const QString &select)
{
    QListWidget *list = m_ui->connectionListWidget;
    const QSignalBlocker blocker(list); // selecting here must not overwrite the form
    list->clear();
    list->addItems(m_settings->warehouseConnectionNames());
    const auto found = list->findItems(select, Qt::MatchExactly);
    list->setCurrentItem(found.isEmpty() ? nullptr : found.constFirst());
    m_ui->deleteConnectionButton->setEnabled(!found.isEmpty());
}

void WarehouseConnectionDialog::onConnectionSelected()
{
    const QListWidgetItem *item = m_ui->connectionListWidget->currentItem();
    m_ui->deleteConnectionButton->setEnabled(item != nullptr);
    if (!item)
        return;
    if (const auto connection = m_settings->warehouseConnection(item->text()))
        setForm(*connection);
}

void WarehouseConnectionDialog::selectConnection(const QString &name)
{
    if (const auto connection = m_settings->warehouseConnection(name))
        setForm(*connection);
    else
        startNewConnection(name);
}

void WarehouseConnectionDialog::setForm(const WarehouseConnection &connection)
{
    m_ui->nameEdit->setText(connection.name);
    m_ui->kindCombo->setCurrentIndex(connection.kind == WarehouseConnection::Kind::Odbc ? OdbcIndex
                                                                                        : PostgreSqlIndex);
    m_ui->driverCombo->setCurrentText(connection.driver);
    m_ui->dsnEdit->setText(connection.dsn);
    m_ui->hostEdit->setText(connection.host);
    m_ui->portSpin->setValue(connection.port);
    m_ui->databaseEdit->setText(connection.database);
    m_ui->userEdit->setText(connection.user);
    m_ui->passwordEdit->clear();
    m_ui->passwordEdit->setPlaceholderText(QString());
    m_ui->optionsEdit->setText(connection.options);
    reloadConnectionList(connection.name);
    m_service->checkPassword(connection.name);
}

void WarehouseConnectionDialog::startNewConnection(const QString &name)
{
    reloadConnectionList({});
    m_ui->nameEdit->setText(name);
    m_ui->kindCombo->setCurrentIndex(PostgreSqlIndex);
    m_ui->driverCombo->setCurrentText(QString());
    m_ui->dsnEdit->clear();
    m_ui->hostEdit->clear();
    m_ui->portSpin->setValue(0);
    m_ui->databaseEdit->clear();
    m_ui->userEdit->clear();
    m_ui->passwordEdit->clear();
    m_ui->passwordEdit->setPlaceholderText(QString());
    m_ui->optionsEdit->clear();
    (name.isEmpty() ? m_ui->nameEdit : m_ui->hostEdit)->setFocus(Qt::OtherFocusReason);
}

WarehouseConnection WarehouseConnectionDialog::formConnection() const
{
    WarehouseConnection c;
    c.name = m_ui->nameEdit->text().trimmed();
    c.kind = m_ui->kindCombo->currentIndex() == OdbcIndex ? WarehouseConnection::Kind::Odbc
                                                          : WarehouseConnection::Kind::PostgreSql;
    if (c.kind == WarehouseConnection::Kind::Odbc) {
        c.driver = m_ui->driverCombo->currentText().trimmed();
        c.dsn = m_ui->dsnEdit->text().trimmed();
    }
    c.host = m_ui->hostEdit->text().trimmed();
    c.port = m_ui->portSpin->value();
    c.database = m_ui->databaseEdit->text().trimmed();
    c.user = m_ui->userEdit->text().trimmed();
    c.options = m_ui->optionsEdit->text().trimmed();
    return c;
}

void WarehouseConnectionDialog::updateKindFields()
{
    const bool odbc = m_ui->kindCombo->currentIndex() == OdbcIndex;
    m_ui->formLayout->setRowVisible(m_ui->driverCombo, odbc);
    m_ui->formLayout->setRowVisible(m_ui->dsnEdit, odbc);
    m_ui->optionsEdit->setPlaceholderText(odbc ? tr("Encrypt=yes;Warehouse=WH (connection-string attributes)")
                                               : tr("sslmode=require;connect_timeout=10"));
    m_ui->hostEdit->setPlaceholderText(odbc ? tr("sql.example.com (empty with a DSN)")
                                            : tr("db.example.com, or a socket folder"));
}

std::optional<WarehouseConnection> WarehouseConnectionDialog::saveConnection()
{
    const WarehouseConnection connection = formConnection();
    if (const auto saved = m_settings->saveWarehouseConnection(connection); !saved.ok()) {
        showStatus(saved.error().message, true);
        return std::nullopt;
    }
    if (const auto written = m_settings->sync(); !written.ok()) {
        showStatus(written.error().message, true);
        return std::nullopt;
    }
    qCInfo(lcWarehouseDialog) << "saved warehouse connection" << connection.name;
    reloadConnectionList(connection.name);
    const QString password = m_ui->passwordEdit->text();
    if (!password.isEmpty()) {
        showStatus(tr("Saving the password of '%1' in the keychain…").arg(connection.name), false);
        m_service->storePassword(connection.name, password);
    } else {
        showStatus(tr("Saved warehouse connection '%1' (%2).").arg(connection.name, connection.describe()),
                   false);
    }
    Q_EMIT connectionSaved(connection.name);
    return connection;
}

void WarehouseConnectionDialog::testConnection()
{
    if (m_service->isTesting())
        return;
    WarehouseConnection connection = formConnection();
    if (connection.name.isEmpty())
        connection.name = u"unsaved"_s; // a test needs no name; validation does
    const QString typed = m_ui->passwordEdit->text();
    m_ui->testButton->setEnabled(false);
    showStatus(tr("Testing the connection to %1…").arg(connection.describe()), false);
    m_service->test(connection, typed.isEmpty() ? std::nullopt : std::optional<QString>(typed));
}

void WarehouseConnectionDialog::confirmDeleteConnection()
{
    const QListWidgetItem *item = m_ui->connectionListWidget->currentItem();
    if (!item)
        return;
    const QString name = item->text();
    auto *box =
        new QMessageBox(QMessageBox::Question, tr("Delete warehouse connection"),
                        tr("Delete the warehouse connection '%1' and its stored password? Mapping files "
                           "that name it will not run until it exists again.")
                            .arg(name),
                        QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(u"deleteWarehouseConnectionBox"_s);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, name](int result) {
        if (result != QMessageBox::Yes)
            return;
        m_settings->removeWarehouseConnection(name);
        if (const auto written = m_settings->sync(); !written.ok()) {
            showStatus(written.error().message, true);
            return;
        }
        m_service->removePassword(name);
        startNewConnection();
        showStatus(tr("Removed warehouse connection '%1'.").arg(name), false);
        Q_EMIT connectionRemoved(name);
    });
    box->open();
}

QString WarehouseConnectionDialog::statusText() const
{
    return m_banner->isHidden() ? QString() : m_banner->text();
}

bool WarehouseConnectionDialog::isStatusError() const
{
    return !m_banner->isHidden() && m_banner->messageType() == MessageBanner::Type::Error;
}

void WarehouseConnectionDialog::showStatus(const QString &text, bool error)
{
    m_banner->showMessage(text, error ? MessageBanner::Type::Error : MessageBanner::Type::Information);
    fitHeightToContents();
}

void WarehouseConnectionDialog::fitHeightToContents()
{
    // As in the connection dialog: a wrapped message needs more height at the same width, and the window does
    // not grow by itself for that.
    if (!isVisible())
        return;
    layout()->activate();
    int needed = layout()->totalMinimumSize().height();
    if (layout()->hasHeightForWidth())
        needed = std::max(needed, layout()->totalHeightForWidth(width()));
    if (const QScreen *target = screen())
        needed = std::min(needed, target->availableGeometry().height());
    if (needed > height())
        resize(width(), needed);
}

} // namespace d365::ui
