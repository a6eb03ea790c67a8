#include "services/sync/failedrowsexport.h"

#include "services/warehouse/sourcespec.h"
#include "services/warehouse/warehousesource.h"

#include <QDateTime>
#include <QHash>

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {

const QStringList ErrorColumns{u"failed_source_row"_s, u"failed_http_status"_s, u"failed_code"_s,
                               u"failed_message"_s};

QString sourceText(const QVariant &value)
{
    if (value.isNull()) {
        return {};
    }
    switch (value.typeId()) {
    case QMetaType::QDateTime:
        return value.toDateTime().toString(Qt::ISODateWithMs);
    case QMetaType::QDate:
        return value.toDate().toString(Qt::ISODate);
    case QMetaType::QByteArray:
        return QString::fromUtf8(value.toByteArray());
    default:
        return value.toString();
    }
}

void appendErrorFields(QByteArray &line, const StateStore::FailedRow &row)
{
    line += csvField(QString::number(row.sourceRow + 1)) + ',' +
            csvField(row.httpStatus > 0 ? QString::number(row.httpStatus) : QString()) + ',' +
            csvField(row.code) + ',' + csvField(row.message) + "\r\n";
}

Result<void> writeAll(QIODevice *out, const QByteArray &bytes)
{
    if (out->write(bytes) != bytes.size()) {
        return Error::make(ErrorCategory::Configuration,
                           QObject::tr("The failed rows could not be written: %1").arg(out->errorString()));
    }
    return {};
}

} // namespace

QByteArray csvField(const QString &text)
{
    const bool quote = text.contains(u',') || text.contains(u'"') || text.contains(u'\n') ||
                       text.contains(u'\r') || text.startsWith(u' ') || text.endsWith(u' ');
    if (!quote) {
        return text.toUtf8();
    }
    QString quoted = text;
    quoted.replace(u'"', u"\"\""_s);
    return '"' + quoted.toUtf8() + '"';
}

Result<FailedRowsExport> exportFailedRows(const SourceSpec &spec, const QList<StateStore::FailedRow> &failed,
                                          QIODevice *out, bool withSource)
{
    FailedRowsExport result;
    std::unique_ptr<WarehouseSource> source;
    int keyIndex = -1;
    if (withSource) {
        auto created = WarehouseSource::create(spec);
        if (!created.ok()) {
            return created.error();
        }
        source = std::move(created.value());
        if (auto opened = source->open(); !opened.ok()) {
            return opened.error();
        }
        keyIndex = int(source->columns().indexOf(spec.keyColumn));
        if (keyIndex < 0) {
            return Error::make(ErrorCategory::Configuration,
                               QObject::tr("The source query returns no column named %1 (the mapping's key "
                                           "column), so its failed rows cannot be found. It returns: %2.")
                                   .arg(spec.keyColumn, source->columns().join(u", "_s)));
        }
    }
    const QStringList columns = source ? source->columns() : QStringList{spec.keyColumn};
    QByteArray line;
    for (const QString &name : columns + ErrorColumns) {
        line += (line.isEmpty() ? QByteArray() : QByteArray(",")) + csvField(name);
    }
    line += "\r\n";
    if (auto written = writeAll(out, line); !written.ok()) {
        return written.error();
    }

    // Each failed row once: by its key, preferring the source row it had in the run when a key repeats.
    QHash<QString, QList<qsizetype>> byKey;
    for (qsizetype i = 0; i < failed.size(); ++i) {
        byKey[failed.at(i).sourceKey].append(i);
    }
    QList<bool> done(failed.size(), false);
    const auto emptyFields = [&columns](qsizetype keyIndexInColumns, const QString &key) {
        QByteArray fields;
        for (qsizetype c = 0; c < columns.size(); ++c) {
            fields += csvField(c == keyIndexInColumns ? key : QString()) + ',';
        }
        return fields;
    };

    if (source) {
        SourceRow row;
        QByteArray buffer;
        while (source->next(row)) {
            // The key as the converter names it (RowConverter: the value's text).
            const auto found = byKey.find(row.values.at(keyIndex).toString());
            if (found == byKey.end() || found->isEmpty()) {
                continue;
            }
            qsizetype pick = 0;
            for (qsizetype i = 0; i < found->size(); ++i) {
                if (failed.at(found->at(i)).sourceRow == row.index) {
                    pick = i;
                    break;
                }
            }
            const qsizetype index = found->takeAt(pick);
            done[index] = true;
            for (const QVariant &value : std::as_const(row.values)) {
                buffer += csvField(sourceText(value)) + ',';
            }
            appendErrorFields(buffer, failed.at(index));
            ++result.written;
            if (buffer.size() > (1 << 20)) {
                if (auto written = writeAll(out, std::exchange(buffer, {})); !written.ok()) {
                    return written.error();
                }
            }
        }
        if (const auto failure = source->lastError()) {
            return *failure;
        }
        if (auto written = writeAll(out, buffer); !written.ok()) {
            return written.error();
        }
        result.sourceColumns = true;
    }
    QByteArray rest;
    for (qsizetype i = 0; i < failed.size(); ++i) {
        if (done.at(i)) {
            continue;
        }
        rest += emptyFields(source ? keyIndex : 0, failed.at(i).sourceKey);
        appendErrorFields(rest, failed.at(i));
        ++result.written;
        if (source) {
            ++result.notInSource;
        }
    }
    if (auto written = writeAll(out, rest); !written.ok()) {
        return written.error();
    }
    return result;
}

} // namespace d365::services
