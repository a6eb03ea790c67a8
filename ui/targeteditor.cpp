#include "ui/targeteditor.h"

#include "ui/mappingdocument.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace d365::ui {

using services::AudienceMode;
using services::ListSpec;
using services::MarketingList;
using services::SyncMode;

namespace {
constexpr int AudienceModeBase = 100; // mode box data: SyncMode as is, AudienceMode + 100
} // namespace
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

    m_list = new QComboBox(this);
    m_list->setObjectName(u"marketingListComboBox"_s);
    m_list->setEditable(true);
    m_list->setInsertPolicy(QComboBox::NoInsert);
    m_list->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_list->setMinimumContentsLength(28);
    m_list->lineEdit()->setPlaceholderText(tr("None: sync records. Pick or type a list for an audience"));
    m_list->setToolTip(tr("An audience: the static marketing list whose members the rows become. The table "
                          "above is then its member table (contacts, accounts or leads)."));
    m_loadLists = new QPushButton(tr("&Load lists"), this);
    m_loadLists->setObjectName(u"loadListsButton"_s);
    m_loadLists->setToolTip(
        tr("Read the org's marketing lists: name, member type, members, static or dynamic."));
    auto *listRow = new QHBoxLayout;
    listRow->addWidget(m_list, 1);
    listRow->addWidget(m_loadLists);
    m_createList = new QCheckBox(tr("&Create a static list of this name when the org has none"), this);
    m_createList->setObjectName(u"createListCheckBox"_s);
    m_maxRemoval = new QSpinBox(this);
    m_maxRemoval->setObjectName(u"maxRemovalSpinBox"_s);
    m_maxRemoval->setRange(0, 100);
    m_maxRemoval->setSuffix(tr(" %"));
    m_maxRemoval->setToolTip(tr("Mirror safety gate: a mirror that would remove more than this share of the "
                                "list's members is refused before anything is written."));
    m_audience = new QLabel(this);
    m_audience->setObjectName(u"audienceInfoLabel"_s);
    m_audience->setWordWrap(true);
    m_audience->setTextInteractionFlags(Qt::TextSelectableByMouse);

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
    m_form = form;
    form->addRow(tr("Connection p&rofile:"), profileRow);
    static_cast<QLabel *>(form->labelForField(profileRow))->setBuddy(m_profile);
    form->addRow(tr("&Table:"), m_table);
    form->addRow(tr("Marketing &list:"), listRow);
    static_cast<QLabel *>(form->labelForField(listRow))->setBuddy(m_list);
    form->addRow(QString(), m_createList);
    form->addRow(tr("M&ode:"), m_mode);
    form->addRow(tr("Mirror removes at &most:"), m_maxRemoval);
    form->addRow(QString(), m_audience);
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
    connect(m_mode, &QComboBox::activated, this, [this](int index) {
        const int mode = m_mode->itemData(index).toInt();
        if (mode >= AudienceModeBase)
            editList([mode](ListSpec &list) { list.mode = AudienceMode(mode - AudienceModeBase); });
        else
            m_document->setMode(SyncMode(mode));
    });
    connect(m_list, &QComboBox::activated, this, &TargetEditor::chooseList);
    connect(m_list->lineEdit(), &QLineEdit::editingFinished, this, &TargetEditor::chooseListFromText);
    connect(m_loadLists, &QPushButton::clicked, m_document, &MappingDocument::requestLists);
    connect(m_createList, &QCheckBox::toggled, this, [this](bool on) {
        if (!m_updating)
            editList([on](ListSpec &list) { list.createIfMissing = on; });
    });
    connect(m_maxRemoval, &QSpinBox::valueChanged, this, [this](int percent) {
        if (!m_updating)
            editList([percent](ListSpec &list) { list.maxRemovalPercent = percent; });
    });
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
        syncLists();
        syncFromDocument();
    });
    syncTables();
    syncLists();
    syncFromDocument();
    syncProblems();
}

TargetEditor::~TargetEditor()
{
    // A line edit that has the focus when the editor goes finishes its editing while QWidget's destructor
    // runs, after this class's part is gone: its handlers must not run then.
    m_table->lineEdit()->disconnect(this);
    m_list->lineEdit()->disconnect(this);
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

template<typename Edit> void TargetEditor::editList(Edit edit)
{
    if (m_updating || !m_document->mapping().target.list)
        return;
    ListSpec list = *m_document->mapping().target.list;
    edit(list);
    m_document->setList(list);
}

void TargetEditor::chooseList(int index)
{
    if (m_updating)
        return;
    if (index == 0) {
        m_document->setList(std::nullopt);
        return;
    }
    const QString id = m_list->itemData(index).toString();
    for (const MarketingList &known : m_document->marketingLists()) {
        if (known.id != id)
            continue;
        ListSpec list = m_document->mapping().target.list.value_or(ListSpec{});
        list.id = known.id;
        list.name = known.name;
        list.createIfMissing = false;
        m_document->setList(list);
        // The list's member table is the target table.
        const QString members = MarketingList::memberTableName(known.createdFromCode);
        for (const services::EntitySummary &table : m_document->tables()) {
            if (table.logicalName == members && table.entitySetName != m_document->mapping().target.entitySet)
                m_document->setEntitySet(table.entitySetName);
        }
        return;
    }
}

void TargetEditor::chooseListFromText()
{
    if (m_updating)
        return;
    const QString text = m_list->currentText().trimmed();
    const auto &current = m_document->mapping().target.list;
    if (text.isEmpty()) {
        if (current)
            m_document->setList(std::nullopt);
        return;
    }
    if (m_list->findText(text) >= 0)
        return; // an item's text: chosen through activated
    for (const MarketingList &known : m_document->marketingLists()) {
        if (known.name.compare(text, Qt::CaseInsensitive) == 0) {
            chooseList(m_list->findData(known.id));
            return;
        }
    }
    // A name the org does not have (or lists not loaded): the list by name.
    ListSpec list = current.value_or(ListSpec{});
    if (list.name == text && list.id.isEmpty())
        return;
    list.id.clear();
    list.name = text;
    m_document->setList(list);
}

static QString listText(const MarketingList &list)
{
    const QString members = MarketingList::memberTableName(list.createdFromCode);
    return TargetEditor::tr("%1 — %2, %3 members, %4%5")
        .arg(list.name, members.isEmpty() ? TargetEditor::tr("unknown member type") : members,
             QLocale().toString(list.memberCount),
             list.dynamic ? TargetEditor::tr("dynamic") : TargetEditor::tr("static"),
             list.locked ? TargetEditor::tr(", locked") : QString());
}

void TargetEditor::syncLists()
{
    m_updating = true;
    m_list->clear();
    m_list->addItem(tr("None — sync records into the table"), QString());
    for (const MarketingList &list : m_document->marketingLists()) {
        m_list->addItem(listText(list), list.id);
        // A dynamic or locked list cannot take members: shown, not chosen.
        if (list.dynamic || list.locked || list.stateCode != 0) {
            if (auto *model = qobject_cast<QStandardItemModel *>(m_list->model()))
                model->item(m_list->count() - 1)->setEnabled(false);
        }
    }
    m_updating = false;
}

void TargetEditor::syncModes()
{
    const services::Mapping &mapping = m_document->mapping();
    const bool audience = mapping.isAudience();
    const bool shown = m_mode->count() > 0 && (m_mode->itemData(0).toInt() >= AudienceModeBase) == audience;
    if (!shown) {
        m_mode->clear();
        if (audience) {
            m_mode->addItem(tr("Add — put the rows' members in the list"),
                            AudienceModeBase + int(AudienceMode::Add));
            m_mode->addItem(tr("Remove — take the rows' members out of the list"),
                            AudienceModeBase + int(AudienceMode::Remove));
            m_mode->addItem(tr("Mirror — the list becomes exactly the rows' members"),
                            AudienceModeBase + int(AudienceMode::Mirror));
            m_mode->addItem(tr("Upsert — write the member records, then add them"),
                            AudienceModeBase + int(AudienceMode::Upsert));
        } else {
            m_mode->addItem(tr("Upsert — create new rows, update existing ones"), int(SyncMode::Upsert));
            m_mode->addItem(tr("Insert — create new rows only"), int(SyncMode::Insert));
            m_mode->addItem(tr("Update — update existing rows only"), int(SyncMode::Update));
        }
    }
    m_mode->setCurrentIndex(
        m_mode->findData(audience ? AudienceModeBase + int(mapping.target.list->mode) : int(mapping.mode)));
}

void TargetEditor::syncAudience()
{
    const auto &list = m_document->mapping().target.list;
    m_form->setRowVisible(m_maxRemoval, list && list->mode == AudienceMode::Mirror);
    m_form->setRowVisible(m_createList, list.has_value());
    m_form->setRowVisible(m_audience, list.has_value());
    m_writer->setEnabled(!list);
    if (!list) {
        if (!m_list->lineEdit()->hasFocus())
            m_list->setCurrentIndex(0);
        return;
    }
    m_createList->setChecked(list->createIfMissing);
    m_createList->setEnabled(list->id.isEmpty());
    m_maxRemoval->setValue(list->maxRemovalPercent);
    const MarketingList *known = nullptr;
    for (const MarketingList &candidate : m_document->marketingLists()) {
        if ((!list->id.isEmpty() && candidate.id.compare(list->id, Qt::CaseInsensitive) == 0) ||
            (list->id.isEmpty() && candidate.name.compare(list->name, Qt::CaseInsensitive) == 0))
            known = &candidate;
    }
    if (!m_list->lineEdit()->hasFocus()) {
        const int index = known ? m_list->findData(known->id) : -1;
        if (index >= 0)
            m_list->setCurrentIndex(index);
        else
            m_list->setEditText(list->name.isEmpty() ? list->id : list->name);
    }
    QString text;
    if (!known) {
        text = m_document->marketingLists().isEmpty()
                   ? tr("Load lists to see the list's member type and members.")
               : list->createIfMissing
                   ? tr("The org has no list named '%1': the first run creates it.").arg(list->name)
                   : tr("The org has no list named '%1': tick the box to create it, or "
                        "pick another.")
                         .arg(list->name);
    } else {
        text = listText(*known) + u'.';
        if (list->mode == AudienceMode::Mirror && known->memberCount >= 0) {
            // The gate as the run applies it: more than percent × members removed is refused.
            const qint64 allowed = known->memberCount * list->maxRemovalPercent / 100;
            text += u' ' + tr("A mirror may remove at most %1 of its %2 members (%3 %) in one run; a larger "
                              "removal, or a source with no rows, is refused before anything is written.")
                               .arg(QLocale().toString(allowed), QLocale().toString(known->memberCount))
                               .arg(list->maxRemovalPercent);
        }
    }
    m_audience->setText(text);
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
        if (area == "target"_L1 || area == "mode"_L1 || area == "writer"_L1 || area == "list"_L1)
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
    syncModes();
    m_writer->setCurrentIndex(m_writer->findData(int(mapping.writer)));
    syncKeys();
    syncAudience();

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
