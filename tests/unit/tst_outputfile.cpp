// whyNotWritable: the check made before a run for its --report file (and for the settings file when saving
// it failed) says why a path cannot be written, in words that name the folder or the OS reason, and leaves
// nothing behind.

#include "services/common/outputfile.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class TestOutputFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void whyNotWritable_writablePath_isEmptyAndLeavesNothing();
    void whyNotWritable_existingFile_isEmptyAndKeepsIt();
    void whyNotWritable_unwritable_saysWhy_data();
    void whyNotWritable_unwritable_saysWhy();

private:
    QTemporaryDir m_dir;
};

void TestOutputFile::whyNotWritable_writablePath_isEmptyAndLeavesNothing()
{
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(u"report.json"_s);
    QCOMPARE(d365::whyNotWritable(path), QString());
    QVERIFY(QDir(m_dir.path()).entryList(QDir::Files | QDir::Hidden).isEmpty());
}

void TestOutputFile::whyNotWritable_existingFile_isEmptyAndKeepsIt()
{
    const QString path = m_dir.filePath(u"old-report.json"_s);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\"kept\": true}");
    file.close();
    QCOMPARE(d365::whyNotWritable(path), QString());
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), QByteArray("{\"kept\": true}"));
    QCOMPARE(QDir(m_dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{u"old-report.json"_s});
}

void TestOutputFile::whyNotWritable_unwritable_saysWhy_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("reason");
    QTest::newRow("missing folder") << u"/proc/nope/r.json"_s << u"the folder /proc/nope does not exist"_s;
    QTest::newRow("a folder") << u"/tmp"_s << u"it is a folder"_s;
    QTest::newRow("a file as folder") << u"/proc/version/r.json"_s << u"/proc/version is not a folder"_s;
    QTest::newRow("no name") << QString() << u"no file name was given"_s;
}

void TestOutputFile::whyNotWritable_unwritable_saysWhy()
{
    QFETCH(QString, path);
    QFETCH(QString, reason);
    QCOMPARE(d365::whyNotWritable(path), reason);
}

QTEST_GUILESS_MAIN(TestOutputFile)
#include "tst_outputfile.moc"
