#pragma once

// The Target tab of the mapping editor: where the rows go. The connection profile, the table (searchable by
// logical, display and entity set name, from the org's table list in the metadata cache), the mode, the
// match key (the table's alternate keys with their index status, or the primary key) and the writer.
//
// An audience: a marketing list picked from the org's lists (name, member type, member count, static or
// dynamic; "Load lists" asks the window's loader) or typed by name (created when missing if the box says
// so); the mode box then offers the audience modes (add, remove, mirror, upsert), and for a mirror the label
// under it shows the safety gate's numbers: how many of the list's members one run may remove.
//
// It only presents: choices go to the MappingDocument as edits, and the widget follows the document. The
// profile names come from the window (setProfiles), which reads them from the Settings facade.

#include <QWidget>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QPushButton;
class QSpinBox;

namespace d365::ui {

class MappingDocument;

class TargetEditor : public QWidget
{
    Q_OBJECT
public:
    explicit TargetEditor(MappingDocument *document, QWidget *parent = nullptr);
    ~TargetEditor() override;

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
    void syncLists();
    void syncModes();
    void syncAudience();
    void chooseList(int index);
    void chooseListFromText();
    // The current list spec with `edit` applied, pushed to the document.
    template<typename Edit> void editList(Edit edit);

    MappingDocument *m_document;
    QComboBox *m_profile = nullptr;
    QPushButton *m_connect = nullptr;
    QComboBox *m_table = nullptr;
    QComboBox *m_mode = nullptr;
    QComboBox *m_matchKey = nullptr;
    QComboBox *m_writer = nullptr;
    QFormLayout *m_form = nullptr;
    QComboBox *m_list = nullptr;
    QPushButton *m_loadLists = nullptr;
    QCheckBox *m_createList = nullptr;
    QSpinBox *m_maxRemoval = nullptr;
    QLabel *m_audience = nullptr; // the list's numbers and the mirror gate's
    QLabel *m_status = nullptr;
    QLabel *m_problems = nullptr; // this tab's problems, under the form
    QStringList m_tableSets;      // the entity sets listed, in order
    bool m_updating = false;
};

} // namespace d365::ui
