#include "services/common/durationtext.h"

#include <QCoreApplication>

namespace d365 {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("DurationText", text);
}

QString seconds(qint64 n)
{
    return n == 1 ? tr("1 second") : tr("%1 seconds").arg(n);
}

QString minutes(qint64 n)
{
    return n == 1 ? tr("1 minute") : tr("%1 minutes").arg(n);
}
} // namespace

QString durationText(qint64 totalSeconds)
{
    const qint64 s = qMax<qint64>(0, totalSeconds);
    if (s < 60)
        return seconds(s);
    if (s % 60 == 0)
        return minutes(s / 60);
    return tr("%1 %2").arg(minutes(s / 60), seconds(s % 60));
}

} // namespace d365
