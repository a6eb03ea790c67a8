#include "ui/sourceeditor.h"

#include "models/previewmodel.h"
#include "services/warehouse/sourcespec.h"
#include "ui/mappingdocument.h"

#include <QComboBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTimeZone>
#include <QTimer>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace d365::ui {

namespace {
// A pause in typing this long commits the query (and reads the warehouse again).
constexpr int QueryCommitDelayMs = 700;
} // namespace

SourceEditor::SourceEditor(MappingDocument *document, QWidget *parent)
    : QWidget(parent)
    , m_document(document)
{
    setObjectName(u"sourceEditorWidget"_s);

    // The kind of warehouse: a file (SQLite, CSV) or a named warehouse connection (PostgreSQL, ODBC).
    m_type = new QComboBox(this);
    m_type->setObjectName(u"sourceTypeComboBox"_s);
    m_type->addItem(tr("SQLite database file"), services::SourceType::Sqlite);
    m_type->addItem(tr("CSV file"), services::SourceType::Csv);
    m_type->addItem(tr("PostgreSQL connection"), services::SourceType::PostgreSql);
    m_type->addItem(tr("ODBC connection (SQL Server, Snowflake, Databricks, BigQuery…)"),
                    services::SourceType::Odbc);
    m_type->setToolTip(tr("The kind of warehouse the rows are read from."));

    m_path = new QLineEdit(this);
    m_path->setObjectName(u"databasePathLineEdit"_s);
    m_path->setClearButtonEnabled(true);
    m_browse = new QPushButton(tr("&Browse…"), this);
    m_browse->setObjectName(u"browseDatabaseButton"_s);
    m_pathRow = new QWidget(this);
    auto *pathRow = new QHBoxLayout(m_pathRow);
    pathRow->setContentsMargins(0, 0, 0, 0);
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(m_browse);

    m_connection = new QComboBox(this);
    m_connection->setObjectName(u"warehouseConnectionComboBox"_s);
    m_connection->setMinimumContentsLength(20);
    m_connection->setToolTip(tr("A warehouse connection of this computer (File ▸ Warehouse connections…). "
                                "The mapping file names it; its password stays in the keychain."));
    m_manageConnections = new QPushButton(tr("Co&nnections…"), this);
    m_manageConnections->setObjectName(u"manageWarehouseConnectionsButton"_s);
    m_manageConnections->setToolTip(tr("Add, change or test warehouse connections."));
    m_connectionRow = new QWidget(this);
    auto *connectionRow = new QHBoxLayout(m_connectionRow);
    connectionRow->setContentsMargins(0, 0, 0, 0);
    connectionRow->addWidget(m_connection, 1);
    connectionRow->addWidget(m_manageConnections);

    m_delimiter = new QComboBox(this);
    m_delimiter->setObjectName(u"csvDelimiterComboBox"_s);
    m_delimiter->addItem(tr("Comma ( , )"), u","_s);
    m_delimiter->addItem(tr("Semicolon ( ; )"), u";"_s);
    m_delimiter->addItem(tr("Tab"), u"\t"_s);
    m_delimiter->addItem(tr("Vertical bar ( | )"), u"|"_s);
    m_delimiter->setToolTip(tr("The character between the fields of a line. The file's first line names the "
                               "columns; values in double quotes may hold it."));

    m_tables = new QListWidget(this);
    m_tables->setObjectName(u"sourceTablesListWidget"_s);
    m_tables->setAccessibleName(tr("Warehouse tables"));
    m_tables->setToolTip(tr("Click a table (or press Enter on it) to read all of it; or write a query."));
    m_tables->setMinimumHeight(m_tables->fontMetrics().height() * 3);
    m_tablesHint = new QLabel(tr("Tables"), this);
    m_tablesHint->setObjectName(u"sourceTablesLabel"_s);
    m_tablesHint->setBuddy(m_tables);
    m_tablesBox = new QWidget(this);
    auto *tablesLayout = new QVBoxLayout(m_tablesBox);
    tablesLayout->setContentsMargins(0, 0, 0, 0);
    tablesLayout->addWidget(m_tablesHint);
    tablesLayout->addWidget(m_tables, 1);

    m_query = new QPlainTextEdit(this);
    m_query->setObjectName(u"sourceQueryEdit"_s);
    m_query->setAccessibleName(tr("SQL query"));
    m_query->setPlaceholderText(tr("SELECT customer_id, email, … FROM customers ORDER BY customer_id"));
    m_query->setTabChangesFocus(true);
    m_query->setMinimumHeight(m_query->fontMetrics().height() * 3);
    m_query->installEventFilter(this);
    QFont mono(u"monospace"_s);
    mono.setStyleHint(QFont::TypeWriter);
    m_query->setFont(mono);
    auto *queryLabel = new QLabel(tr("&Query"), this);
    queryLabel->setBuddy(m_query);
    auto *queryBox = new QWidget(this);
    auto *queryLayout = new QVBoxLayout(queryBox);
    queryLayout->setContentsMargins(0, 0, 0, 0);
    queryLayout->addWidget(queryLabel);
    queryLayout->addWidget(m_query, 1);

    auto *querySplitter = new QSplitter(Qt::Horizontal, this);
    querySplitter->addWidget(m_tablesBox);
    querySplitter->addWidget(queryBox);
    querySplitter->setStretchFactor(0, 1);
    querySplitter->setStretchFactor(1, 3);
    querySplitter->setChildrenCollapsible(false);

    m_keyColumn = new QComboBox(this);
    m_keyColumn->setObjectName(u"keyColumnComboBox"_s);
    m_keyColumn->setToolTip(tr("The column that identifies a row in run reports and retries."));
    m_keyColumn->setMinimumContentsLength(14);
    m_timeZone = new QComboBox(this);
    m_timeZone->setObjectName(u"sourceTimeZoneComboBox"_s);
    m_timeZone->setEditable(true);
    m_timeZone->setInsertPolicy(QComboBox::NoInsert);
    m_timeZone->setToolTip(tr("The IANA time zone of date-times without an offset (UTC when empty)."));
    m_timeZone->addItem(QString());
    for (const QByteArray &id : QTimeZone::availableTimeZoneIds())
        m_timeZone->addItem(QString::fromLatin1(id));
    m_timeZone->setMinimumContentsLength(14);
    m_previewButton = new QPushButton(tr("&Preview"), this);
    m_previewButton->setObjectName(u"previewButton"_s);
    m_previewButton->setToolTip(tr("Read the first %1 rows of the query and the type of each column.")
                                    .arg(services::SourceInspector::PreviewRows));
    m_status = new QLabel(this);
    m_status->setObjectName(u"sourceStatusLabel"_s);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_problems = new QLabel(this);
    m_problems->setObjectName(u"sourceProblemsLabel"_s);
    m_problems->setWordWrap(true);
    m_problems->setTextFormat(Qt::PlainText);
    m_problems->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_problems->setStyleSheet(u"color: #b00020;"_s);
    m_problems->hide();

    auto *keyRow = new QHBoxLayout;
    auto *keyLabel = new QLabel(tr("&Key column:"), this);
    keyLabel->setBuddy(m_keyColumn);
    auto *zoneLabel = new QLabel(tr("Time &zone:"), this);
    zoneLabel->setBuddy(m_timeZone);
    keyRow->addWidget(keyLabel);
    keyRow->addWidget(m_keyColumn);
    keyRow->addSpacing(12);
    keyRow->addWidget(zoneLabel);
    keyRow->addWidget(m_timeZone);
    keyRow->addSpacing(12);
    keyRow->addWidget(m_previewButton);
    keyRow->addWidget(m_status, 1);

    m_previewView = new QTableView(this);
    m_previewView->setObjectName(u"previewTableView"_s);
    m_previewView->setModel(m_document->previewModel());
    m_previewView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_previewView->setTabKeyNavigation(false);
    m_previewView->setAlternatingRowColors(true);
    m_previewView->verticalHeader()->setDefaultSectionSize(m_previewView->fontMetrics().height() + 6);
    m_previewView->setAccessibleName(tr("Preview of the first rows"));

    m_form = new QFormLayout;
    m_form->addRow(tr("&Warehouse:"), m_type);
    m_form->addRow(tr("&Database:"), m_pathRow);
    static_cast<QLabel *>(m_form->labelForField(m_pathRow))->setBuddy(m_path);
    m_form->addRow(tr("C&onnection:"), m_connectionRow);
    static_cast<QLabel *>(m_form->labelForField(m_connectionRow))->setBuddy(m_connection);
    m_form->addRow(tr("De&limiter:"), m_delimiter);

    auto *vertical = new QSplitter(Qt::Vertical, this);
    auto *top = new QWidget(this);
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    m_queryArea = querySplitter;
    topLayout->addWidget(querySplitter, 1);
    topLayout->addLayout(keyRow);
    vertical->addWidget(top);
    vertical->addWidget(m_previewView);
    vertical->setStretchFactor(0, 2);
    vertical->setStretchFactor(1, 3);
    vertical->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(m_form);
    layout->addWidget(vertical, 1);
    layout->addWidget(m_problems);

    m_queryTimer = new QTimer(this);
    m_queryTimer->setSingleShot(true);
    m_queryTimer->setInterval(QueryCommitDelayMs);
    connect(m_queryTimer, &QTimer::timeout, this, &SourceEditor::commitQuery);
    connect(m_query, &QPlainTextEdit::textChanged, this, [this] {
        if (!m_updating)
            m_queryTimer->start();
    });
    connect(m_type, &QComboBox::activated, this, [this](int index) {
        commitPendingEdits();
        m_document->setSourceType(m_type->itemData(index).toString());
    });
    connect(m_connection, &QComboBox::activated, this,
            [this](int index) { m_document->setSourceConnection(m_connection->itemData(index).toString()); });
    connect(m_manageConnections, &QPushButton::clicked, this, &SourceEditor::manageConnectionsRequested);
    connect(m_delimiter, &QComboBox::activated, this,
            [this](int index) { m_document->setCsvDelimiter(m_delimiter->itemData(index).toString()); });
    connect(m_browse, &QPushButton::clicked, this, &SourceEditor::browseForDatabase);
    connect(m_path, &QLineEdit::editingFinished, this, [this] {
        if (m_path->text().trimmed() != QDir::toNativeSeparators(m_document->mapping().source.path))
            m_document->setSourcePath(QDir::fromNativeSeparators(m_path->text().trimmed()));
    });
    const auto chooseTable = [this](QListWidgetItem *item) {
        if (item)
            m_document->setSourceTable(item->text());
    };
    connect(m_tables, &QListWidget::itemClicked, this, chooseTable);
    connect(m_tables, &QListWidget::itemActivated, this, chooseTable);
    connect(m_keyColumn, &QComboBox::activated, this,
            [this](int index) { m_document->setKeyColumn(m_keyColumn->itemText(index)); });
    connect(m_timeZone, &QComboBox::activated, this,
            [this](int index) { m_document->setSourceTimeZone(m_timeZone->itemText(index)); });
    connect(m_previewButton, &QPushButton::clicked, this, [this] {
        commitPendingEdits();
        m_document->refreshPreview();
    });
    connect(m_document, &MappingDocument::changed, this, &SourceEditor::syncFromDocument);
    connect(m_document, &MappingDocument::problemsChanged, this, &SourceEditor::syncProblems);
    connect(m_document, &MappingDocument::warehouseTablesChanged, this, &SourceEditor::syncTables);
    connect(m_document, &MappingDocument::previewChanged, this, &SourceEditor::syncPreview);
    connect(m_document, &MappingDocument::previewBusyChanged, this, [this](bool busy) {
        if (busy)
            m_status->setText(tr("Reading the warehouse…"));
    });
    syncFromDocument();
    syncTables();
    syncPreview();
    syncProblems();
}

void SourceEditor::commitPendingEdits()
{
    if (m_queryTimer->isActive())
        commitQuery();
}

void SourceEditor::commitQuery()
{
    m_queryTimer->stop();
    if (m_query->toPlainText() != m_document->mapping().source.query)
        m_document->setSourceQuery(m_query->toPlainText());
}

bool SourceEditor::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_query && event->type() == QEvent::FocusOut)
        commitPendingEdits();
    return QWidget::eventFilter(watched, event);
}

void SourceEditor::browseForDatabase()
{
    const QString folder = m_document->folder();
    // open(), not exec(): no nested event loop.
    const bool csv = m_document->mapping().source.type == services::SourceType::Csv;
    auto *dialog = csv ? new QFileDialog(this, tr("Choose the CSV file"), folder,
                                         tr("CSV files (*.csv *.tsv *.txt);;All files (*)"))
                       : new QFileDialog(this, tr("Choose the SQLite warehouse"), folder,
                                         tr("SQLite databases (*.db *.sqlite *.sqlite3);;All files (*)"));
    dialog->setObjectName(u"databaseFileDialog"_s);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setAcceptMode(QFileDialog::AcceptOpen);
    connect(dialog, &QFileDialog::fileSelected, this,
            [this](const QString &file) { m_document->setSourcePath(file); });
    dialog->open();
}

void SourceEditor::setWarehouseConnections(const QList<services::WarehouseConnection> &connections)
{
    m_connections = connections;
    syncConnections();
}

void SourceEditor::syncKind()
{
    const services::SourceSpec &source = m_document->mapping().source;
    const bool file = source.readsFile();
    const bool csv = source.type == services::SourceType::Csv;
    m_form->setRowVisible(m_pathRow, file);
    m_form->setRowVisible(m_connectionRow, !file);
    m_form->setRowVisible(m_delimiter, csv);
    if (auto *label = qobject_cast<QLabel *>(m_form->labelForField(m_pathRow)))
        label->setText(csv ? tr("F&ile:") : tr("&Database:")); // Alt+F is the File menu
    m_path->setPlaceholderText(csv ? tr("The CSV file, e.g. /data/customers.csv")
                                   : tr("The SQLite file, e.g. /data/warehouse.db"));
    m_queryArea->setVisible(source.hasQuery());
    m_tablesBox->setVisible(source.type == services::SourceType::Sqlite);
    if (const int index = m_delimiter->findData(source.delimiter); index >= 0)
        m_delimiter->setCurrentIndex(index);
}

void SourceEditor::syncConnections()
{
    const services::SourceSpec &source = m_document->mapping().source;
    const auto kind = services::WarehouseConnection::kindFromName(source.type);
    QList<QPair<QString, QString>> items; // text, name
    if (kind) {
        for (const services::WarehouseConnection &connection : std::as_const(m_connections)) {
            if (connection.kind != *kind)
                continue;
            const QString where =
                connection.dsn.isEmpty()
                    ? connection.host +
                          (connection.database.isEmpty() ? QString() : u" / "_s + connection.database)
                    : tr("DSN %1").arg(connection.dsn);
            items.append({where.isEmpty() ? connection.name : u"%1 — %2"_s.arg(connection.name, where),
                          connection.name});
        }
        const bool known = std::any_of(items.cbegin(), items.cend(),
                                       [&](const auto &item) { return item.second == source.connection; });
        if (!source.connection.isEmpty() && !known)
            items.prepend(
                {tr("%1 (not defined on this computer)").arg(source.connection), source.connection});
        if (source.connection.isEmpty())
            items.prepend({items.isEmpty() ? tr("No %1 connection yet: press Connections…")
                                                 .arg(*kind == services::WarehouseConnection::Kind::PostgreSql
                                                          ? u"PostgreSQL"_s
                                                          : u"ODBC"_s)
                                           : tr("Choose a connection"),
                           QString()});
    }
    QList<QPair<QString, QString>> shown;
    for (int i = 0; i < m_connection->count(); ++i)
        shown.append({m_connection->itemText(i), m_connection->itemData(i).toString()});
    if (shown != items) {
        m_connection->clear();
        for (const auto &[text, name] : std::as_const(items))
            m_connection->addItem(text, name);
    }
    m_connection->setCurrentIndex(m_connection->findData(source.connection));
}

void SourceEditor::syncProblems()
{
    QStringList lines;
    for (const services::EditorProblem &problem : m_document->problems()) {
        const QString area = problem.area();
        if (area == "source"_L1 || area == "sourceTimeZone"_L1)
            lines << problem.message;
    }
    m_problems->setText(lines.join(u'\n'));
    m_problems->setVisible(!lines.isEmpty());
}

void SourceEditor::syncFromDocument()
{
    m_updating = true;
    const services::Mapping &mapping = m_document->mapping();
    const QString path = QDir::toNativeSeparators(mapping.source.path);
    if (m_path->text() != path && !m_path->hasFocus())
        m_path->setText(path);
    if (m_query->toPlainText() != mapping.source.query && !m_queryTimer->isActive()) {
        m_query->setPlainText(mapping.source.query);
    }
    if (const int index = m_type->findData(mapping.source.type); index >= 0)
        m_type->setCurrentIndex(index);
    syncKind();
    syncConnections();
    // The key column: the preview's columns, and the mapping's own even before they are known.
    QStringList keys = m_document->sourceColumns();
    if (!mapping.source.keyColumn.isEmpty() && !keys.contains(mapping.source.keyColumn))
        keys.prepend(mapping.source.keyColumn);
    QStringList shown;
    for (int i = 0; i < m_keyColumn->count(); ++i)
        shown << m_keyColumn->itemText(i);
    if (shown != keys) {
        m_keyColumn->clear();
        m_keyColumn->addItems(keys);
    }
    m_keyColumn->setCurrentIndex(m_keyColumn->findText(mapping.source.keyColumn));
    const int zone = m_timeZone->findText(mapping.sourceTimeZone);
    if (zone >= 0)
        m_timeZone->setCurrentIndex(zone);
    else
        m_timeZone->setEditText(mapping.sourceTimeZone);
    // The table the query reads, when it was picked from the list.
    const QString table = services::SourceInspector::tableOfQuery(mapping.source.query);
    const QList<QListWidgetItem *> items = m_tables->findItems(table, Qt::MatchExactly);
    if (!table.isEmpty() && !items.isEmpty())
        m_tables->setCurrentItem(items.first());
    else
        m_tables->clearSelection();
    m_updating = false;
}

void SourceEditor::syncTables()
{
    m_updating = true;
    m_tables->clear();
    m_tables->addItems(m_document->warehouseTables());
    const QString error = m_document->warehouseTablesError();
    if (!error.isEmpty()) {
        m_tablesHint->setText(tr("Tables (could not be read)"));
        m_tablesHint->setToolTip(error);
    } else if (m_document->mapping().source.path.isEmpty()) {
        m_tablesHint->setText(tr("Tables (choose a database)"));
        m_tablesHint->setToolTip(QString());
    } else {
        m_tablesHint->setText(tr("&Tables"));
        m_tablesHint->setToolTip(QString());
    }
    m_updating = false;
    syncFromDocument(); // the current table
}

void SourceEditor::syncPreview()
{
    const services::SourcePreview &preview = m_document->preview();
    if (preview.error) {
        m_status->setText(preview.error->message);
    } else if (preview.columns.isEmpty()) {
        const services::SourceSpec &source = m_document->mapping().source;
        if (source.type == services::SourceType::Csv)
            m_status->setText(tr("Choose the CSV file."));
        else if (!source.readsFile())
            m_status->setText(source.isLocated()
                                  ? tr("Write the query that reads the rows.")
                                  : tr("Choose the warehouse connection, then write a query."));
        else
            m_status->setText(source.isLocated() ? tr("Choose a table or write a query.")
                                                 : tr("Choose the database file, then a table or a query."));
    } else {
        m_status->setText(
            preview.more
                ? tr("The first %1 rows, %2 columns.").arg(preview.rows.size()).arg(preview.columns.size())
                : tr("All the query's rows (%1), %2 columns.")
                      .arg(preview.rows.size())
                      .arg(preview.columns.size()));
    }
    m_previewView->resizeColumnsToContents();
    syncFromDocument();
}

} // namespace d365::ui
