#include "services/editor/sourceinspector.h"

#include "services/warehouse/warehousesource.h"

#include <QCoreApplication>
#include <QFutureWatcher>
#include <QLoggingCategory>
#include <QPointer>
#include <QRegularExpression>
#include <QtConcurrent>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcSourceInspector, "d365.editor.sourceinspector")

namespace d365::services {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(SourceInspector)
};

bool isPlainIdentifier(const QString &name)
{
    static const QRegularExpression plain(u"^[A-Za-z_][A-Za-z0-9_]*$"_s);
    return plain.match(name).hasMatch();
}

} // namespace

QHash<QString, int> SourcePreview::longestText() const
{
    QHash<QString, int> longest;
    for (const QVariantList &row : rows) {
        for (qsizetype i = 0; i < row.size() && i < columns.size(); ++i) {
            if (row.at(i).isNull())
                continue;
            const int length = int(row.at(i).toString().size());
            int &known = longest[columns.at(i)];
            known = std::max(known, length);
        }
    }
    return longest;
}

QString SourcePreview::typeName(QMetaType::Type type)
{
    switch (type) {
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Short:
    case QMetaType::UShort:
        return Text::tr("integer");
    case QMetaType::Double:
    case QMetaType::Float:
        return Text::tr("number");
    case QMetaType::QString:
        return Text::tr("text");
    case QMetaType::QDate:
        return Text::tr("date");
    case QMetaType::QDateTime:
        return Text::tr("date-time");
    case QMetaType::QTime:
        return Text::tr("time");
    case QMetaType::Bool:
        return Text::tr("true/false");
    case QMetaType::QByteArray:
        return Text::tr("binary");
    default:
        return Text::tr("any");
    }
}

SourceInspector::SourceInspector(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<SourcePreview>();
}

SourceInspector::~SourceInspector() = default;

QString SourceInspector::queryForTable(const QString &table)
{
    const QString name =
        isPlainIdentifier(table) ? table : u'"' + QString(table).replace(u'"', u"\"\""_s) + u'"';
    return u"SELECT * FROM "_s + name;
}

QString SourceInspector::tableOfQuery(const QString &query)
{
    static const QRegularExpression generated(
        u"^SELECT \\* FROM (?:([A-Za-z_][A-Za-z0-9_]*)|\"((?:[^\"]|\"\")*)\")$"_s);
    const QRegularExpressionMatch match = generated.match(query.trimmed());
    if (!match.hasMatch())
        return {};
    return match.captured(1).isEmpty() ? match.captured(2).replace(u"\"\""_s, u"\""_s) : match.captured(1);
}

Result<QStringList> SourceInspector::tables(const SourceSpec &spec)
{
    if (spec.type != "sqlite"_L1)
        return QStringList(); // other kinds: the user writes the query
    SourceSpec listing = spec;
    listing.query = u"SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE "
                    u"'sqlite_%' ORDER BY name"_s;
    auto created = WarehouseSource::create(listing);
    if (!created.ok())
        return created.error();
    WarehouseSource &source = *created.value();
    if (auto opened = source.open(); !opened.ok())
        return opened.error();
    QStringList names;
    SourceRow row;
    while (source.next(row))
        names.append(row.values.value(0).toString());
    if (const auto error = source.lastError())
        return *error;
    return names;
}

SourcePreview SourceInspector::preview(const SourceSpec &spec, int maxRows)
{
    SourcePreview preview;
    preview.spec = spec;
    auto created = WarehouseSource::create(spec);
    if (!created.ok()) {
        preview.error = created.error();
        return preview;
    }
    WarehouseSource &source = *created.value();
    if (auto opened = source.open(); !opened.ok()) {
        preview.error = opened.error();
        return preview;
    }
    preview.columns = source.columns();
    preview.types = source.columnTypes();
    SourceRow row;
    while (source.next(row)) {
        if (preview.rows.size() >= maxRows) {
            preview.more = true;
            break; // the rest of the result is never read
        }
        preview.rows.append(row.values);
    }
    if (!preview.more) {
        if (const auto error = source.lastError())
            preview.error = *error;
    }
    return preview;
}

void SourceInspector::requestTables(const SourceSpec &spec)
{
    const quint64 generation = ++m_tablesGeneration;
    auto *watcher = new QFutureWatcher<Result<QStringList>>(this);
    connect(watcher, &QFutureWatcher<Result<QStringList>>::finished, this, [this, watcher, generation, spec] {
        watcher->deleteLater();
        if (generation != m_tablesGeneration)
            return; // a newer request is on its way
        const Result<QStringList> result = watcher->result();
        if (result.ok())
            Q_EMIT tablesReady(spec.path, result.value(), QString());
        else
            Q_EMIT tablesReady(spec.path, {}, result.error().message);
    });
    watcher->setFuture(QtConcurrent::run([spec] { return tables(spec); }));
}

void SourceInspector::requestPreview(const SourceSpec &spec, int maxRows)
{
    const quint64 generation = ++m_previewGeneration;
    qCDebug(lcSourceInspector) << "preview of" << spec.path << "requested";
    auto *watcher = new QFutureWatcher<SourcePreview>(this);
    connect(watcher, &QFutureWatcher<SourcePreview>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != m_previewGeneration)
            return;
        Q_EMIT previewReady(watcher->result());
    });
    watcher->setFuture(QtConcurrent::run([spec, maxRows] { return preview(spec, maxRows); }));
}

} // namespace d365::services
