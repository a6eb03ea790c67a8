#include "services/warehouse/sourcespec.h"

#include <QCoreApplication>

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {

struct TypeName
{
    CsvColumnType type;
    QLatin1StringView name;
    QMetaType::Type metaType;
};

constexpr TypeName typeNames[] = {
    {CsvColumnType::Text, "text"_L1, QMetaType::QString},
    {CsvColumnType::Integer, "integer"_L1, QMetaType::LongLong},
    {CsvColumnType::Decimal, "decimal"_L1, QMetaType::Double},
    {CsvColumnType::Boolean, "boolean"_L1, QMetaType::Bool},
    {CsvColumnType::Date, "date"_L1, QMetaType::QDate},
    {CsvColumnType::DateTime, "datetime"_L1, QMetaType::QDateTime},
};

} // namespace

QStringList csvColumnTypeNames()
{
    QStringList names;
    for (const TypeName &t : typeNames)
        names << QString(t.name);
    return names;
}

std::optional<CsvColumnType> csvColumnTypeFromName(const QString &name)
{
    for (const TypeName &t : typeNames) {
        if (name == t.name)
            return t.type;
    }
    return std::nullopt;
}

QString csvColumnTypeName(CsvColumnType type)
{
    for (const TypeName &t : typeNames) {
        if (t.type == type)
            return QString(t.name);
    }
    return u"text"_s;
}

QMetaType::Type csvColumnMetaType(CsvColumnType type)
{
    for (const TypeName &t : typeNames) {
        if (t.type == type)
            return t.metaType;
    }
    return QMetaType::QString;
}

QString SourceSpec::displayName() const
{
    if (readsFile())
        return path;
    const QString kind = type == SourceType::PostgreSql ? u"PostgreSQL"_s : u"ODBC"_s;
    return QCoreApplication::translate("d365::services::SourceSpec", "%1 connection \"%2\"")
        .arg(kind, connection);
}

} // namespace d365::services
