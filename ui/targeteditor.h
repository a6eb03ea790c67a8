#pragma once

// The Target tab of the mapping editor: where the rows go. The connection profile, the table (searchable by
// logical, display and entity set name, from the org's table list in the metadata cache), the mode, the
// match key (the table's alternate keys with their index status, or the primary key) and the writer.
//
// It only presents: choices go to the MappingDocument as edits, and the widget follows the document. The
// profile names come from the window (setProfiles), which reads them from the Settings facade.

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;

namespace d365::ui {

class MappingDocument;

class TargetEditor : public QWidget
{
    Q_OBJECT
public:
    explicit TargetEditor(MappingDocument *document, QWidget *parent = nullptr);

    void setProfiles(const QStringList &names);

Q_SIGNALS:
    // The profile list needs a new profile, or a sign-in: the window opens the connection dialog.
    void connectRequested();

private:
    void syncProblems();
    void syncFromDocument();
    void syncTables();
    void syncKeys();
    void chooseTableFromText();

    MappingDocument *m_document;
    QComboBox *m_profile = nullptr;
    QPushButton *m_connect = nullptr;
    QComboBox *m_table = nullptr;
    QComboBox *m_mode = nullptr;
    QComboBox *m_matchKey = nullptr;
    QComboBox *m_writer = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_problems = nullptr; // this tab's problems, under the form
    QStringList m_tableSets;      // the entity sets listed, in order
    bool m_updating = false;
};

} // namespace d365::ui
