#include "models/fieldmappingmodel.h"

#include "models/columndrag.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMimeData>

using namespace Qt::StringLiterals;

namespace d365::models {

using services::EditorProblem;
using services::FieldMapping;
using services::Mapping;

namespace {

bool sameField(const FieldMapping &a, const FieldMapping &b)
{
    return a.source == b.source && a.target == b.target && a.constant == b.constant &&
           a.nullPolicy == b.nullPolicy && a.truncate == b.truncate && a.sourceTimeZone == b.sourceTimeZone &&
           a.lookup == b.lookup;
}

} // namespace

FieldMappingModel::FieldMappingModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

int FieldMappingModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_fields.size());
}

int FieldMappingModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString FieldMappingModel::constantText(const QJsonValue &constant)
{
    const QByteArray json = QJsonDocument(QJsonArray{constant}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(json.mid(1, json.size() - 2));
}

QString FieldMappingModel::optionsSummary(const FieldMapping &field)
{
    QStringList parts;
    if (field.hasConstant())
        parts << tr("constant");
    if (field.nullPolicy == services::NullPolicy::LeaveUnchanged)
        parts << tr("null leaves it unchanged");
    if (field.truncate)
        parts << tr("truncate");
    if (!field.sourceTimeZone.isEmpty())
        parts << tr("time zone %1").arg(field.sourceTimeZone);
    if (field.lookup) {
        const services::LookupSpec &lookup = *field.lookup;
        const QString table = !lookup.table.isEmpty()         ? lookup.table
                              : !lookup.tableColumn.isEmpty() ? tr("the table in %1").arg(lookup.tableColumn)
                                                              : tr("its table");
        parts << (lookup.key.isEmpty() ? tr("lookup %1 by GUID").arg(table)
                                       : tr("lookup %1 by %2").arg(table, lookup.key.join(u", "_s)));
    }
    return parts.join(u", "_s);
}

Severity FieldMappingModel::severityOf(int row) const
{
    Severity severity = Severity::None;
    for (const EditorProblem &problem : m_problems.value(row)) {
        if (problem.severity == EditorProblem::Severity::Error)
            return Severity::Error;
        severity = Severity::Warning;
    }
    return severity;
}

QVariant FieldMappingModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const FieldMapping &field = m_fields.at(index.row());
    const bool key = isKeyRow(index.row());
    const QList<EditorProblem> problems = m_problems.value(index.row());

    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case SourceColumn:
            if (field.hasConstant())
                return QString(u"= "_s + constantText(field.constant));
            if (field.lookup && !field.lookup->sources.isEmpty())
                return field.lookup->sources.join(u" + "_s);
            return field.source;
        case TargetColumn:
            return field.target;
        case KeyColumn:
            return key ? tr("Key") : QString();
        case OptionsColumn:
            return optionsSummary(field);
        case ProblemColumn:
            return problems.isEmpty() ? QString() : problems.first().message;
        }
        break;
    case Qt::EditRole:
        if (index.column() == SourceColumn)
            return field.source;
        if (index.column() == TargetColumn)
            return field.target;
        break;
    case Qt::ToolTipRole: {
        QString text;
        if (index.column() == KeyColumn && key)
            text = tr("%1 is part of the match key: rows are found in Dataverse by this column.")
                       .arg(field.target);
        else if (index.column() == SourceColumn)
            text = field.hasConstant()
                       ? tr("The constant %1 is written on every row.").arg(constantText(field.constant))
                   : field.source.isEmpty()
                       ? tr("No warehouse column yet: press F2 to choose one, or drag one here.")
                       : tr("Warehouse column %1").arg(field.source);
        else if (index.column() == TargetColumn)
            text = field.target.isEmpty()
                       ? tr("No table column yet: press F2 to choose one, or drag one here.")
                       : tr("Dataverse column %1").arg(field.target);
        else if (index.column() == OptionsColumn)
            text = tr("Options: %1. Field options… (Ctrl+E) changes them.")
                       .arg(optionsSummary(field).isEmpty() ? tr("defaults") : optionsSummary(field));
        QStringList lines;
        for (const EditorProblem &problem : problems)
            lines << (problem.severity == EditorProblem::Severity::Error ? tr("Error: %1")
                                                                         : tr("Warning: %1"))
                         .arg(problem.message);
        if (!lines.isEmpty())
            text = text.isEmpty() ? lines.join(u'\n') : text + u'\n' + lines.join(u'\n');
        return text;
    }
    case Qt::UserRole:
        switch (index.column()) {
        case SourceColumn:
            return field.source;
        case TargetColumn:
            return field.target;
        case KeyColumn:
            return key;
        }
        break;
    case SeverityRole:
        return int(severityOf(index.row()));
    case ProblemsRole: {
        QStringList lines;
        for (const EditorProblem &problem : problems)
            lines << problem.message;
        return lines.join(u'\n');
    }
    case ChoicesRole:
        if (index.column() == SourceColumn)
            return m_sourceColumns;
        if (index.column() == TargetColumn) {
            QStringList free;
            for (const QString &target : m_mappableTargets) {
                if (!targetTakenByOtherRow(target, index.row()))
                    free << target;
            }
            return free;
        }
        break;
    }
    return {};
}

std::optional<FieldMapping> FieldMappingModel::changedBy(int row, const QString &value, int column) const
{
    if (row < 0 || row >= m_fields.size() || value.trimmed().isEmpty())
        return std::nullopt;
    FieldMapping field = m_fields.at(row);
    if (column == SourceColumn) {
        if (!m_sourceColumns.contains(value))
            return std::nullopt;
        field.source = value;
        field.constant = QJsonValue(QJsonValue::Undefined); // a warehouse column replaces the constant
        if (field.lookup)
            field.lookup->sources.clear(); // the key values come from the new column
        return field;
    }
    if (column == TargetColumn) {
        if (!m_mappableTargets.contains(value) || targetTakenByOtherRow(value, row))
            return std::nullopt;
        if (field.target != value)
            field.lookup.reset(); // a lookup spec belongs to its column
        field.target = value;
        return field;
    }
    return std::nullopt;
}

bool FieldMappingModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (role != Qt::EditRole ||
        !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return false;
    const auto field = changedBy(index.row(), value.toString(), index.column());
    if (!field)
        return false;
    if (!sameField(*field, m_fields.at(index.row())))
        Q_EMIT fieldChangeRequested(index.row(), *field);
    return true;
}

QVariant FieldMappingModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case SourceColumn:
        return tr("Source column");
    case TargetColumn:
        return tr("Target column");
    case KeyColumn:
        return tr("Key");
    case OptionsColumn:
        return tr("Options");
    case ProblemColumn:
        return tr("Problems");
    }
    return {};
}

Qt::ItemFlags FieldMappingModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::ItemIsDropEnabled; // drops below the last row add fields
    Qt::ItemFlags flags =
        Qt::ItemIsSelectable | Qt::ItemIsEnabled | Qt::ItemNeverHasChildren | Qt::ItemIsDropEnabled;
    if (index.column() == SourceColumn || index.column() == TargetColumn)
        flags |= Qt::ItemIsEditable;
    return flags;
}

QStringList FieldMappingModel::mimeTypes() const
{
    return {QString::fromLatin1(ColumnMimeType)};
}

Qt::DropActions FieldMappingModel::supportedDropActions() const
{
    return Qt::CopyAction;
}

bool FieldMappingModel::targetTakenByOtherRow(const QString &target, int row) const
{
    for (qsizetype i = 0; i < m_fields.size(); ++i) {
        if (i != row && m_fields.at(i).target.compare(target, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

bool FieldMappingModel::canDropMimeData(const QMimeData *data, Qt::DropAction action, int row, int column,
                                        const QModelIndex &parent) const
{
    Q_UNUSED(row)
    Q_UNUSED(column)
    if (action != Qt::CopyAction)
        return false;
    const auto drag = decodeColumnDrag(data);
    if (!drag)
        return false;
    const bool onRow = checkIndex(parent, CheckIndexOption::IndexIsValid);
    if (onRow && drag->columns.size() != 1)
        return false;
    if (drag->side == ColumnDrag::Side::Source) {
        for (const QString &name : drag->columns) {
            if (!m_sourceColumns.contains(name))
                return false;
        }
        return true;
    }
    if (m_entitySet.isEmpty() || drag->entitySet != m_entitySet)
        return false;
    for (const QString &name : drag->columns) {
        if (!m_mappableTargets.contains(name) || targetTakenByOtherRow(name, onRow ? parent.row() : -1))
            return false;
    }
    return true;
}

bool FieldMappingModel::dropMimeData(const QMimeData *data, Qt::DropAction action, int row, int column,
                                     const QModelIndex &parent)
{
    if (!canDropMimeData(data, action, row, column, parent))
        return false;
    const ColumnDrag drag = *decodeColumnDrag(data);
    const bool source = drag.side == ColumnDrag::Side::Source;
    if (checkIndex(parent, CheckIndexOption::IndexIsValid)) {
        const auto field =
            changedBy(parent.row(), drag.columns.first(), source ? SourceColumn : TargetColumn);
        if (!field)
            return false;
        if (!sameField(*field, m_fields.at(parent.row())))
            Q_EMIT fieldChangeRequested(parent.row(), *field);
        return true;
    }
    QList<FieldMapping> fields;
    for (const QString &name : drag.columns)
        fields.append(source ? FieldMapping{name, QString()} : FieldMapping{QString(), name});
    Q_EMIT fieldsAddRequested(fields, row >= 0 && row <= m_fields.size() ? row : int(m_fields.size()));
    return true;
}

void FieldMappingModel::setMapping(const Mapping &mapping)
{
    beginResetModel();
    m_mapping = mapping;
    m_fields = mapping.fields;
    m_mapping.fields.clear();
    m_problems.clear();
    endResetModel();
}

void FieldMappingModel::clear()
{
    setMapping(Mapping{});
}

Mapping FieldMappingModel::mapping() const
{
    Mapping result = m_mapping;
    result.fields = m_fields;
    return result;
}

void FieldMappingModel::setFields(const QList<FieldMapping> &fields)
{
    const qsizetype oldSize = m_fields.size();
    const qsizetype newSize = fields.size();
    qsizetype prefix = 0;
    while (prefix < oldSize && prefix < newSize && sameField(m_fields.at(prefix), fields.at(prefix)))
        ++prefix;
    qsizetype suffix = 0;
    while (suffix < oldSize - prefix && suffix < newSize - prefix &&
           sameField(m_fields.at(oldSize - 1 - suffix), fields.at(newSize - 1 - suffix)))
        ++suffix;
    const qsizetype oldMiddle = oldSize - prefix - suffix;
    const qsizetype newMiddle = newSize - prefix - suffix;
    const qsizetype common = std::min(oldMiddle, newMiddle);

    // The rows that exist before and after: changed in place.
    for (qsizetype i = 0; i < common; ++i)
        m_fields[prefix + i] = fields.at(prefix + i);
    if (common > 0)
        Q_EMIT dataChanged(index(int(prefix), 0), index(int(prefix + common - 1), ColumnCount - 1));
    if (newMiddle > oldMiddle) {
        const int first = int(prefix + common);
        beginInsertRows({}, first, int(first + newMiddle - oldMiddle - 1));
        for (qsizetype i = common; i < newMiddle; ++i)
            m_fields.insert(prefix + i, fields.at(prefix + i));
        endInsertRows();
    } else if (oldMiddle > newMiddle) {
        const int first = int(prefix + common);
        beginRemoveRows({}, first, int(first + oldMiddle - newMiddle - 1));
        m_fields.remove(first, oldMiddle - newMiddle);
        endRemoveRows();
    }
    Q_ASSERT(m_fields.size() == fields.size());
}

void FieldMappingModel::setMatchKey(const QStringList &matchKey)
{
    if (matchKey == m_mapping.target.matchKey)
        return;
    m_mapping.target.matchKey = matchKey;
    if (!m_fields.isEmpty())
        Q_EMIT dataChanged(index(0, KeyColumn), index(int(m_fields.size()) - 1, KeyColumn));
}

void FieldMappingModel::setProblems(const QList<EditorProblem> &problems)
{
    QHash<int, QList<EditorProblem>> byRow;
    for (const EditorProblem &problem : problems) {
        if (const int row = problem.fieldRow(); row >= 0 && row < m_fields.size())
            byRow[row].append(problem);
    }
    // Errors first: the Problems column shows the first one.
    for (auto &list : byRow) {
        std::stable_sort(list.begin(), list.end(), [](const EditorProblem &a, const EditorProblem &b) {
            return a.severity == EditorProblem::Severity::Error &&
                   b.severity != EditorProblem::Severity::Error;
        });
    }
    if (byRow == m_problems)
        return;
    m_problems = byRow;
    if (!m_fields.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_fields.size()) - 1, ColumnCount - 1));
}

void FieldMappingModel::setContext(const QStringList &sourceColumns, const QString &entitySet,
                                   const QStringList &mappableTargets)
{
    m_sourceColumns = sourceColumns;
    m_entitySet = entitySet;
    m_mappableTargets = mappableTargets;
}

int FieldMappingModel::rowOfTarget(const QString &target) const
{
    for (qsizetype i = 0; i < m_fields.size(); ++i) {
        if (m_fields.at(i).target.compare(target, Qt::CaseInsensitive) == 0)
            return int(i);
    }
    return -1;
}

bool FieldMappingModel::isKeyRow(int row) const
{
    if (row < 0 || row >= m_fields.size())
        return false;
    // Dataverse logical names are lower case, but a hand-written mapping file may not be: compare like the
    // service does.
    return m_mapping.target.matchKey.contains(m_fields.at(row).target, Qt::CaseInsensitive);
}

} // namespace d365::models
