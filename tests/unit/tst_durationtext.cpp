// durationText: the timeouts in user-visible sentences ("did not complete within 5 seconds").

#include "services/common/durationtext.h"

#include <QTest>

using namespace Qt::StringLiterals;

class TestDurationText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void durationText_readsAsEnglish_data();
    void durationText_readsAsEnglish();
};

void TestDurationText::durationText_readsAsEnglish_data()
{
    QTest::addColumn<qint64>("seconds");
    QTest::addColumn<QString>("text");
    QTest::newRow("1 s") << qint64(1) << u"1 second"_s;
    QTest::newRow("5 s (auth login --timeout 5)") << qint64(5) << u"5 seconds"_s;
    QTest::newRow("59 s") << qint64(59) << u"59 seconds"_s;
    QTest::newRow("60 s") << qint64(60) << u"1 minute"_s;
    QTest::newRow("90 s") << qint64(90) << u"1 minute 30 seconds"_s;
    QTest::newRow("121 s") << qint64(121) << u"2 minutes 1 second"_s;
    QTest::newRow("300 s (the default)") << qint64(300) << u"5 minutes"_s;
}

void TestDurationText::durationText_readsAsEnglish()
{
    QFETCH(qint64, seconds);
    QFETCH(QString, text);
    QCOMPARE(d365::durationText(seconds), text);
}

QTEST_GUILESS_MAIN(TestDurationText)
#include "tst_durationtext.moc"
