#include "ui/targeteditor.h"

#include "ui/mappingdocument.h"

#include <QComboBox>
#include <QCompleter>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace d365::ui {

using services::SyncMode;
using services::WriterKind;

TargetEditor::TargetEditor(MappingDocument *document, QWidget *parent)
    : QWidget(parent)
    , m_document(document)
{
    setObjectName(u"targetEditorWidget"_s);

    m_profile = new QComboBox(this);
    m_profile->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_profile->setObjectName(u"profileComboBox"_s);
    m_profile->setToolTip(tr("The connection profile: which org the rows go to. The mapping file names it; "
                             "it never holds a secret."));
    m_profile->setMinimumContentsLength(20);
    m_connect = new QPushButton(tr("Connection &profiles…"), this);
    m_connect->setObjectName(u"targetConnectButton"_s);
    auto *profileRow = new QHBoxLayout;
    profileRow->addWidget(m_profile, 1);
    profileRow->addWidget(m_connect);

    // Editable, with a completer that matches anywhere in "contacts — Contact (contact)": typing a part of
    // the entity set, the display name or the logical name finds the table.
    m_table = new QComboBox(this);
    m_table->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_table->setObjectName(u"targetTableComboBox"_s);
    m_table->setEditable(true);
    m_table->setInsertPolicy(QComboBox::NoInsert);
    m_table->setMinimumContentsLength(28);
    m_table->lineEdit()->setPlaceholderText(tr("Search by entity set, display or logical name"));
    m_table->completer()->setFilterMode(Qt::MatchContains);
    m_table->completer()->setCaseSensitivity(Qt::CaseInsensitive);
    m_table->completer()->setCompletionMode(QCompleter::PopupCompletion);
    m_table->setToolTip(tr("The Dataverse table (entity set name, e.g. contacts)."));

    m_mode = new QComboBox(this);
    m_mode->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_mode->setMinimumContentsLength(28);
    m_mode->setObjectName(u"modeComboBox"_s);
    m_mode->addItem(tr("Upsert — create new rows, update existing ones"), int(SyncMode::Upsert));
    m_mode->addItem(tr("Insert — create new rows only"), int(SyncMode::Insert));
    m_mode->addItem(tr("Update — update existing rows only"), int(SyncMode::Update));

    m_matchKey = new QComboBox(this);
    m_matchKey->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_matchKey->setObjectName(u"matchKeyComboBox"_s);
    m_matchKey->setToolTip(
        tr("The column(s) that find the Dataverse row of a warehouse row: an alternate key of "
           "the table, or its primary key. Re-running never creates duplicates."));
    m_matchKey->setMinimumContentsLength(28);

    m_writer = new QComboBox(this);
    m_writer->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_writer->setMinimumContentsLength(28);
    m_writer->setObjectName(u"writerComboBox"_s);
    m_writer->addItem(tr("Automatic — bulk messages where the table has them"), int(WriterKind::Auto));
    m_writer->addItem(tr("Bulk messages (CreateMultiple, UpdateMultiple, UpsertMultiple)"),
                      int(WriterKind::Bulk));
    m_writer->addItem(tr("$batch of single writes (a created/updated answer per row)"),
                      int(WriterKind::Batch));

    m_status = new QLabel(this);
    m_status->setObjectName(u"targetStatusLabel"_s);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_problems = new QLabel(this);
    m_problems->setObjectName(u"targetProblemsLabel"_s);
    m_problems->setWordWrap(true);
    m_problems->setTextFormat(Qt::PlainText);
    m_problems->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_problems->setStyleSheet(u"color: #b00020;"_s);
    m_problems->hide();

    auto *form = new QFormLayout;
    form->addRow(tr("Connection p&rofile:"), profileRow);
    static_cast<QLabel *>(form->labelForField(profileRow))->setBuddy(m_profile);
    form->addRow(tr("&Table:"), m_table);
    form->addRow(tr("M&ode:"), m_mode);
    form->addRow(tr("Match &key:"), m_matchKey);
    form->addRow(tr("&Writer:"), m_writer);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addWidget(m_problems);
    layout->addStretch(1);

    connect(m_profile, &QComboBox::activated, this,
            [this](int index) { m_document->setProfile(m_profile->itemText(index)); });
    connect(m_connect, &QPushButton::clicked, this, &TargetEditor::connectRequested);
    connect(m_table, &QComboBox::activated, this, [this](int index) {
        const QString set = m_table->itemData(index).toString();
        if (!set.isEmpty())
            m_document->setEntitySet(set);
    });
    connect(m_table->lineEdit(), &QLineEdit::editingFinished, this, &TargetEditor::chooseTableFromText);
    connect(m_mode, &QComboBox::activated, this,
            [this](int index) { m_document->setMode(SyncMode(m_mode->itemData(index).toInt())); });
    connect(m_writer, &QComboBox::activated, this,
            [this](int index) { m_document->setWriter(WriterKind(m_writer->itemData(index).toInt())); });
    connect(m_matchKey, &QComboBox::activated, this, [this](int index) {
        const QStringList columns = m_matchKey->itemData(index).toStringList();
        if (!columns.isEmpty())
            m_document->setMatchKey(columns);
    });
    connect(m_document, &MappingDocument::changed, this, &TargetEditor::syncFromDocument);
    connect(m_document, &MappingDocument::problemsChanged, this, &TargetEditor::syncProblems);
    connect(m_document, &MappingDocument::metadataChanged, this, [this] {
        syncTables();
        syncFromDocument();
    });
    syncTables();
    syncFromDocument();
    syncProblems();
}

void TargetEditor::setProfiles(const QStringList &names)
{
    m_updating = true;
    m_profile->clear();
    m_profile->addItems(names);
    m_updating = false;
    syncFromDocument();
}

void TargetEditor::chooseTableFromText()
{
    if (m_updating)
        return;
    const QString text = m_table->currentText().trimmed();
    if (text.isEmpty())
        return;
    // An item's whole text, or any of the table's names typed in full.
    for (const services::EntitySummary &table : m_document->tables()) {
        const int index = m_table->findData(table.entitySetName);
        if (text == m_table->itemText(index) || text.compare(table.entitySetName, Qt::CaseInsensitive) == 0 ||
            text.compare(table.logicalName, Qt::CaseInsensitive) == 0 ||
            text.compare(table.displayName, Qt::CaseInsensitive) == 0) {
            m_document->setEntitySet(table.entitySetName);
            syncFromDocument();
            return;
        }
    }
    if (m_document->tables().isEmpty())
        m_document->setEntitySet(text); // no table list (not connected): take the name as typed
    syncFromDocument();
}

void TargetEditor::syncTables()
{
    QStringList sets;
    for (const services::EntitySummary &table : m_document->tables())
        sets << table.entitySetName;
    if (sets == m_tableSets)
        return; // a table's metadata arrived, not a new list
    m_tableSets = sets;
    m_updating = true;
    m_table->clear();
    for (const services::EntitySummary &table : m_document->tables())
        m_table->addItem(tr("%1 — %2 (%3)").arg(table.entitySetName, table.displayName, table.logicalName),
                         table.entitySetName);
    m_updating = false;
}

void TargetEditor::syncKeys()
{
    const services::Mapping &mapping = m_document->mapping();
    m_matchKey->clear();
    const services::EntityMetadata *entity = m_document->entity();
    if (entity) {
        for (const services::AlternateKeyMetadata &key : entity->keys) {
            const QString status = key.indexStatus.isEmpty() ? tr("active") : key.indexStatus;
            m_matchKey->addItem(
                tr("%1 — alternate key %2 (%3)").arg(key.keyAttributes.join(u", "_s), key.schemaName, status),
                key.keyAttributes);
        }
        if (!entity->primaryIdAttribute.isEmpty())
            m_matchKey->addItem(tr("%1 — primary key (the record's GUID)").arg(entity->primaryIdAttribute),
                                QStringList{entity->primaryIdAttribute});
    }
    int current = -1;
    for (int i = 0; i < m_matchKey->count(); ++i) {
        QStringList a = m_matchKey->itemData(i).toStringList();
        QStringList b = mapping.target.matchKey;
        a.sort();
        b.sort();
        if (a == b)
            current = i;
    }
    if (current < 0 && !mapping.target.matchKey.isEmpty()) {
        m_matchKey->addItem(
            entity ? tr("%1 — not a key of this table").arg(mapping.target.matchKey.join(u", "_s))
                   : mapping.target.matchKey.join(u", "_s),
            mapping.target.matchKey);
        current = m_matchKey->count() - 1;
    }
    m_matchKey->setCurrentIndex(current);
}

void TargetEditor::syncProblems()
{
    QStringList lines;
    for (const services::EditorProblem &problem : m_document->problems()) {
        const QString area = problem.area();
        if (area == "target"_L1 || area == "mode"_L1 || area == "writer"_L1)
            lines << problem.message;
    }
    m_problems->setText(lines.join(u'\n'));
    m_problems->setVisible(!lines.isEmpty());
}

void TargetEditor::syncFromDocument()
{
    if (m_updating)
        return;
    m_updating = true;
    const services::Mapping &mapping = m_document->mapping();
    int profile = m_profile->findText(mapping.target.profile);
    if (profile < 0 && !mapping.target.profile.isEmpty()) {
        m_profile->addItem(mapping.target.profile); // named by the mapping, not (yet) stored
        profile = m_profile->count() - 1;
    }
    m_profile->setCurrentIndex(profile);

    const int table = m_table->findData(mapping.target.entitySet);
    if (!m_table->lineEdit()->hasFocus()) {
        if (table >= 0)
            m_table->setCurrentIndex(table);
        else
            m_table->setEditText(mapping.target.entitySet);
    }
    m_mode->setCurrentIndex(m_mode->findData(int(mapping.mode)));
    m_writer->setCurrentIndex(m_writer->findData(int(mapping.writer)));
    syncKeys();

    const services::EntityMetadata *entity = m_document->entity();
    if (mapping.target.profile.isEmpty())
        m_status->setText(tr("Choose a connection profile (or create one with Connection profiles…)."));
    else if (m_document->tables().isEmpty())
        m_status->setText(
            tr("The org's tables appear here once the profile is connected (Connect… at the top)."));
    else if (mapping.target.entitySet.isEmpty())
        m_status->setText(tr("Choose the table the rows go to."));
    else if (!entity)
        m_status->setText(tr("Reading the columns of %1…").arg(mapping.target.entitySet));
    else
        m_status->setText(tr("%1 (%2): %3 columns, alternate keys: %4%5.")
                              .arg(entity->displayName, entity->logicalName)
                              .arg(entity->attributes.size())
                              .arg(entity->keys.isEmpty() ? tr("none") : QString::number(entity->keys.size()))
                              .arg(entity->supportsBulkMessages
                                       ? (*entity->supportsBulkMessages ? tr(", bulk messages available")
                                                                        : tr(", no bulk messages: $batch"))
                                       : QString()));
    m_updating = false;
}

} // namespace d365::ui
