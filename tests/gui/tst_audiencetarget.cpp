// The Target tab's audience part, driven with the keyboard and the mouse against a freshly started sandbox
// org: "Load lists" reads the org's marketing lists through the MetadataLoader (wired as the main window
// wires it), the picker shows each list's name, member type, member count and static/dynamic (a dynamic or
// locked list cannot be chosen), choosing a list makes the mode box offer the four audience modes, a mirror
// shows the safety gate's numbers before it runs, a typed name is a list by name (created when missing if the
// box is ticked), "None" goes back to records — and every choice is one undoable edit of the mapping.

#include "common/sandboxprocess.h"
#include "services/auth/tokenprovider.h"
#include "services/dataverse/metadataloader.h"
#include "ui/mappingdocument.h"
#include "ui/targeteditor.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

#include <memory>

using namespace Qt::StringLiterals;
using d365::services::AudienceMode;
using d365::services::ConnectionProfile;
using d365::testsupport::HttpResult;
using d365::testsupport::request;
using d365::testsupport::SandboxProcess;

namespace {

constexpr int Members = 10;

} // namespace

class TestAudienceTarget : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void loadLists_showsNameTypeMembersAndKind_dynamicCannotBeChosen();
    void chooseList_offersAudienceModes_mirrorShowsTheGateNumbers_undoable();
    void typedName_isAListByName_createBoxAndNoneGoBackToRecords();

private:
    QString post(const QString &path, const QJsonObject &body);
    template<typename T> T *child(const QString &name) const
    {
        T *found = m_editor->findChild<T *>(name);
        if (!found)
            qWarning("no %s named %s", T::staticMetaObject.className(), qPrintable(name));
        return found;
    }
    // Moves the combo box to the item with this data with the arrow keys, as a user would.
    bool keyTo(QComboBox *box, const QVariant &data);
    void loadLists();

    SandboxProcess m_sandbox;
    QString m_newsletter;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<d365::services::EnvironmentTokenProvider> m_tokens;
    std::unique_ptr<d365::services::MetadataLoader> m_loader;
    std::unique_ptr<d365::ui::MappingDocument> m_document;
    std::unique_ptr<d365::ui::TargetEditor> m_editor;
};

QString TestAudienceTarget::post(const QString &path, const QJsonObject &body)
{
    const HttpResult r = request("POST", m_sandbox.webApiUrl().resolved(QUrl(path)),
                                 {{"Authorization", "Bearer test"},
                                  {"Content-Type", "application/json"},
                                  {"Prefer", "return=representation"}},
                                 QJsonDocument(body).toJson(QJsonDocument::Compact));
    if (r.status >= 300) {
        qWarning() << "POST" << path << r.status << r.body;
        return {};
    }
    const QJsonObject answer = r.json().object();
    return answer.value("listid"_L1).toString(answer.value("contactid"_L1).toString(u"ok"_s));
}

void TestAudienceTarget::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    qunsetenv(d365::services::EnvironmentTokenProvider::EnvironmentVariable);
    QVERIFY2(m_sandbox.start(), "d365sync-sandbox did not start");
    // A static contact list with 10 members, a dynamic one and a locked one.
    m_newsletter = post(u"lists"_s, {{u"listname"_s, u"Newsletter"_s}, {u"createdfromcode"_s, 2}});
    QVERIFY(!m_newsletter.isEmpty());
    QJsonArray members;
    for (int i = 0; i < Members; ++i) {
        const QString id = post(u"contacts"_s, {{u"lastname"_s, u"Member %1"_s.arg(i)},
                                                {u"emailaddress1"_s, u"member%1@example.com"_s.arg(i)}});
        QVERIFY(!id.isEmpty());
        members.append(
            QJsonObject{{u"@odata.type"_s, u"Microsoft.Dynamics.CRM.contact"_s}, {u"contactid"_s, id}});
    }
    QVERIFY(!post(u"AddListMembersList"_s,
                  {{u"List"_s, QJsonObject{{u"@odata.type"_s, u"Microsoft.Dynamics.CRM.list"_s},
                                           {u"listid"_s, m_newsletter}}},
                   {u"Members"_s, members}})
                 .isEmpty());
    QVERIFY(
        !post(u"lists"_s, {{u"listname"_s, u"Query list"_s}, {u"createdfromcode"_s, 2}, {u"type"_s, true}})
             .isEmpty());
    QVERIFY(!post(u"lists"_s,
                  {{u"listname"_s, u"Frozen list"_s}, {u"createdfromcode"_s, 1}, {u"lockstatus"_s, true}})
                 .isEmpty());
}

void TestAudienceTarget::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    ConnectionProfile profile;
    profile.name = u"sandbox"_s;
    profile.kind = ConnectionProfile::Kind::Sandbox;
    profile.orgUrl = m_sandbox.baseUrl();
    m_tokens = std::make_unique<d365::services::EnvironmentTokenProvider>();
    m_loader = std::make_unique<d365::services::MetadataLoader>(m_tokens.get(), m_dir->filePath(u"cache"_s));
    m_document = std::make_unique<d365::ui::MappingDocument>();
    using d365::services::MetadataLoader;
    using d365::ui::MappingDocument;
    // As MainWindow::setMetadataLoader wires them.
    connect(m_loader.get(), &MetadataLoader::tablesLoaded, m_document.get(), &MappingDocument::setTables);
    connect(m_loader.get(), &MetadataLoader::entityLoaded, m_document.get(), &MappingDocument::setEntity);
    connect(m_loader.get(), &MetadataLoader::listsLoaded, m_document.get(),
            &MappingDocument::setMarketingLists);
    connect(m_document.get(), &MappingDocument::entityRequested, m_loader.get(),
            [this](const QString &set) { m_loader->loadEntity(set, false); });
    connect(m_document.get(), &MappingDocument::listsRequested, m_loader.get(), &MetadataLoader::loadLists);
    m_loader->setProfile(profile);
    m_document->newMapping(profile.name);
    m_editor = std::make_unique<d365::ui::TargetEditor>(m_document.get());
    m_editor->setProfiles({profile.name});
    m_editor->resize(900, 600);
    m_editor->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_editor.get()));
    m_loader->loadTables(false);
    QTRY_VERIFY(!m_document->tables().isEmpty());
    m_document->setEntitySet(u"contacts"_s);
    QTRY_VERIFY(m_document->entity() != nullptr);
}

void TestAudienceTarget::cleanup()
{
    m_editor.reset();
    m_document.reset();
    m_loader.reset();
    m_tokens.reset();
    m_dir.reset();
}

bool TestAudienceTarget::keyTo(QComboBox *box, const QVariant &data)
{
    const int target = box->findData(data);
    if (target < 0)
        return false;
    box->setFocus();
    for (int guard = 0; box->currentIndex() != target && guard < box->count() * 2; ++guard)
        QTest::keyClick(box, box->currentIndex() < target ? Qt::Key_Down : Qt::Key_Up);
    return box->currentIndex() == target;
}

void TestAudienceTarget::loadLists()
{
    auto *load = child<QPushButton>(u"loadListsButton"_s);
    QVERIFY(load);
    QTest::mouseClick(load, Qt::LeftButton);
    QTRY_COMPARE(m_document->marketingLists().size(), 3);
}

void TestAudienceTarget::loadLists_showsNameTypeMembersAndKind_dynamicCannotBeChosen()
{
    auto *lists = child<QComboBox>(u"marketingListComboBox"_s);
    QVERIFY(lists);
    QCOMPARE(lists->count(), 1); // "None" until the lists are loaded
    loadLists();
    QTRY_COMPARE(lists->count(), 4);
    const int newsletter = lists->findData(m_newsletter);
    QVERIFY(newsletter > 0);
    QCOMPARE(lists->itemText(newsletter), u"Newsletter — contact, 10 members, static"_s);
    auto *model = qobject_cast<QStandardItemModel *>(lists->model());
    QVERIFY(model);
    QVERIFY(model->item(newsletter)->isEnabled());
    for (int i = 1; i < lists->count(); ++i) {
        const QString text = lists->itemText(i);
        if (text.startsWith("Query list"_L1)) {
            QVERIFY2(text.contains("dynamic"_L1), qPrintable(text));
            QVERIFY(!model->item(i)->isEnabled());
        } else if (text.startsWith("Frozen list"_L1)) {
            QCOMPARE(text, u"Frozen list — account, 0 members, static, locked"_s);
            QVERIFY(!model->item(i)->isEnabled());
        }
    }
}

void TestAudienceTarget::chooseList_offersAudienceModes_mirrorShowsTheGateNumbers_undoable()
{
    loadLists();
    auto *lists = child<QComboBox>(u"marketingListComboBox"_s);
    auto *mode = child<QComboBox>(u"modeComboBox"_s);
    QVERIFY(lists && mode);
    QCOMPARE(mode->count(), 3); // records: upsert, insert, update
    const int undoBefore = m_document->undoStack()->index();
    QVERIFY(keyTo(lists, m_newsletter));
    QTRY_VERIFY(m_document->mapping().target.list.has_value());
    QCOMPARE(m_document->mapping().target.list->id, m_newsletter);
    QCOMPARE(m_document->mapping().target.list->name, u"Newsletter"_s);
    QCOMPARE(m_document->mapping().target.list->mode, AudienceMode::Add);
    QCOMPARE(mode->count(), 4);
    QVERIFY(mode->itemText(2).startsWith("Mirror"_L1));

    auto *info = child<QLabel>(u"audienceInfoLabel"_s);
    auto *share = child<QSpinBox>(u"maxRemovalSpinBox"_s);
    QVERIFY(info && share);
    QVERIFY(info->isVisible());
    QVERIFY(!share->isVisible()); // the gate is a mirror's
    QVERIFY(keyTo(mode, mode->itemData(2)));
    QTRY_COMPARE(m_document->mapping().target.list->mode, AudienceMode::Mirror);
    QTRY_VERIFY(share->isVisible());
    QVERIFY2(info->text().contains("A mirror may remove at most 2 of its 10 members (20 %)"_L1),
             qPrintable(info->text()));
    // Half the list may go in one run: the numbers follow.
    share->setFocus();
    share->selectAll();
    QTest::keyClicks(share, u"50"_s);
    QTRY_COMPARE(m_document->mapping().target.list->maxRemovalPercent, 50);
    QTRY_VERIFY2(info->text().contains("at most 5 of its 10 members (50 %)"_L1), qPrintable(info->text()));

    // "None" in the picker: records again; undone, the mirror is back.
    QVERIFY(keyTo(lists, QString()));
    QTRY_VERIFY(!m_document->mapping().target.list.has_value());
    QCOMPARE(mode->count(), 3);
    m_document->undoStack()->undo();
    QCOMPARE(m_document->mapping().target.list->mode, AudienceMode::Mirror);
    QTRY_COMPARE(mode->count(), 4);

    // Each choice was an edit of its own: undo walks back to records.
    while (m_document->undoStack()->index() > undoBefore)
        m_document->undoStack()->undo();
    QVERIFY(!m_document->mapping().target.list.has_value());
    QTRY_COMPARE(mode->count(), 3);
    QVERIFY(!info->isVisible());
}

void TestAudienceTarget::typedName_isAListByName_createBoxAndNoneGoBackToRecords()
{
    loadLists();
    auto *lists = child<QComboBox>(u"marketingListComboBox"_s);
    auto *create = child<QCheckBox>(u"createListCheckBox"_s);
    auto *info = child<QLabel>(u"audienceInfoLabel"_s);
    QVERIFY(lists && create && info);
    lists->setFocus();
    lists->lineEdit()->selectAll();
    QTest::keyClicks(lists->lineEdit(), u"Spring campaign"_s);
    QTest::keyClick(lists->lineEdit(), Qt::Key_Return);
    QTRY_VERIFY(m_document->mapping().target.list.has_value());
    QCOMPARE(m_document->mapping().target.list->name, u"Spring campaign"_s);
    QVERIFY(m_document->mapping().target.list->id.isEmpty());
    QVERIFY(!m_document->mapping().target.list->createIfMissing);
    QVERIFY2(info->text().contains("no list named 'Spring campaign'"_L1), qPrintable(info->text()));
    QTRY_VERIFY(create->isVisible());
    QTest::mouseClick(create, Qt::LeftButton, {}, QPoint(5, create->height() / 2));
    QTRY_VERIFY(m_document->mapping().target.list->createIfMissing);
    QVERIFY2(info->text().contains("the first run creates it"_L1), qPrintable(info->text()));

    // No list again (the text cleared): a records mapping, the audience rows hidden.
    lists->lineEdit()->selectAll();
    QTest::keyClick(lists->lineEdit(), Qt::Key_Backspace);
    QTest::keyClick(lists->lineEdit(), Qt::Key_Return);
    QTRY_VERIFY(!m_document->mapping().target.list.has_value());
    QVERIFY(!create->isVisible());
    QCOMPARE(child<QComboBox>(u"modeComboBox"_s)->count(), 3);
}

QTEST_MAIN(TestAudienceTarget)
#include "tst_audiencetarget.moc"
