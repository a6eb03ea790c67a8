#include "models/columndrag.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMimeData>

using namespace Qt::StringLiterals;

namespace d365::models {

QMimeData *encodeColumnDrag(const ColumnDrag &drag)
{
    const QJsonObject object{
        {u"side"_s, drag.side == ColumnDrag::Side::Source ? u"source"_s : u"target"_s},
        {u"entitySet"_s, drag.entitySet},
        {u"columns"_s, QJsonArray::fromStringList(drag.columns)},
    };
    auto *data = new QMimeData;
    data->setData(QString::fromLatin1(ColumnMimeType), QJsonDocument(object).toJson(QJsonDocument::Compact));
    data->setText(drag.columns.join(u", "_s));
    return data;
}

std::optional<ColumnDrag> decodeColumnDrag(const QMimeData *data)
{
    if (!data || !data->hasFormat(QString::fromLatin1(ColumnMimeType)))
        return std::nullopt;
    const QJsonDocument document = QJsonDocument::fromJson(data->data(QString::fromLatin1(ColumnMimeType)));
    if (!document.isObject())
        return std::nullopt;
    const QJsonObject object = document.object();
    ColumnDrag drag;
    const QString side = object.value("side"_L1).toString();
    if (side == "source"_L1)
        drag.side = ColumnDrag::Side::Source;
    else if (side == "target"_L1)
        drag.side = ColumnDrag::Side::Target;
    else
        return std::nullopt;
    drag.entitySet = object.value("entitySet"_L1).toString();
    const QJsonValue columns = object.value("columns"_L1);
    if (!columns.isArray())
        return std::nullopt;
    for (const QJsonValue &column : columns.toArray()) {
        if (!column.isString() || column.toString().trimmed().isEmpty())
            return std::nullopt;
        drag.columns.append(column.toString());
    }
    if (drag.columns.isEmpty() || (drag.side == ColumnDrag::Side::Target && drag.entitySet.isEmpty()))
        return std::nullopt;
    return drag;
}

} // namespace d365::models
