#include "services/common/outputfile.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

namespace d365 {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("OutputFile", text);
}
} // namespace

QString whyNotWritable(const QString &filePath)
{
    if (filePath.isEmpty())
        return tr("no file name was given");
    const QFileInfo info(filePath);
    if (info.isDir())
        return tr("it is a folder");
    const QFileInfo folder(info.absolutePath());
    if (!folder.exists())
        return tr("the folder %1 does not exist").arg(QDir::toNativeSeparators(folder.absoluteFilePath()));
    if (!folder.isDir())
        return tr("%1 is not a folder").arg(QDir::toNativeSeparators(folder.absoluteFilePath()));
    // The way the file will be written (a temporary file in the same folder, renamed over the target), so the
    // check fails exactly when the real write would; cancelled, it leaves nothing behind.
    QSaveFile probe(filePath);
    if (!probe.open(QIODevice::WriteOnly))
        return probe.errorString();
    probe.cancelWriting();
    return {};
}

} // namespace d365
