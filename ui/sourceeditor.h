#pragma once

// The Source tab of the mapping editor: where the rows come from. The kind of warehouse — a SQLite file, a
// CSV file (with its delimiter; it has no query), or a PostgreSQL or ODBC warehouse connection (picked by
// name; "Connections…" asks the window to open the warehouse connection dialog, and the window hands the
// defined connections back through setWarehouseConnections()) — the SQLite file's tables (pick one: the
// query reads all of it) or a SQL query in an editor, the key column, the time zone of date-times without
// an offset, and Preview: the first rows and each column's declared type, read off the GUI thread by the
// document's SourceInspector.
//
// It only presents: every change goes to the MappingDocument as an edit (undoable), and the widget follows
// the document (after an undo the query editor shows the old query again). Typing a query is committed
// after a short pause, on leaving the editor, or before the document is saved (commitPendingEdits()).

#include "services/warehouse/warehouseconnection.h"

#include <QWidget>

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QTimer;

namespace d365::ui {

class MappingDocument;

class SourceEditor : public QWidget
{
    Q_OBJECT
public:
    explicit SourceEditor(MappingDocument *document, QWidget *parent = nullptr);

    // Writes a query typed but not yet committed into the document.
    void commitPendingEdits();
    // Opens the file chooser for the database or CSV file (also the Browse… button).
    void browseForDatabase();
    // The warehouse connections defined on this computer (the settings): the connection picker offers those
    // of the chosen kind.
    void setWarehouseConnections(const QList<services::WarehouseConnection> &connections);

Q_SIGNALS:
    // "Connections…": the user wants to add or change warehouse connections.
    void manageConnectionsRequested();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void syncProblems();
    void syncFromDocument();
    void syncTables();
    void syncPreview();
    void commitQuery();
    void syncKind(); // which rows of the form the kind of warehouse needs
    void syncConnections();

    MappingDocument *m_document;
    QComboBox *m_type = nullptr;
    QLineEdit *m_path = nullptr;
    QPushButton *m_browse = nullptr;
    QWidget *m_pathRow = nullptr;
    QComboBox *m_connection = nullptr;
    QPushButton *m_manageConnections = nullptr;
    QWidget *m_connectionRow = nullptr;
    QComboBox *m_delimiter = nullptr;
    QWidget *m_queryArea = nullptr;
    QWidget *m_tablesBox = nullptr;
    QFormLayout *m_form = nullptr;
    QList<services::WarehouseConnection> m_connections;
    QListWidget *m_tables = nullptr;
    QLabel *m_tablesHint = nullptr;
    QPlainTextEdit *m_query = nullptr;
    QComboBox *m_keyColumn = nullptr;
    QComboBox *m_timeZone = nullptr;
    QPushButton *m_previewButton = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_problems = nullptr; // this tab's problems, under the form
    QTableView *m_previewView = nullptr;
    QTimer *m_queryTimer = nullptr;
    bool m_updating = false;
};

} // namespace d365::ui
