#pragma once

// The Source tab's Preview: the first rows of the query (SourceInspector::PreviewRows) as a table, each
// header naming the column and the type the warehouse declares for it ("email (text)").
//
// Roles: DisplayRole the value as text (SQL NULL shows as "NULL"); Qt::UserRole the raw QVariant.

#include "services/editor/sourceinspector.h"

#include <QAbstractTableModel>

namespace d365::models {

class PreviewModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    explicit PreviewModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setPreview(const services::SourcePreview &preview);
    void clear();
    const services::SourcePreview &preview() const { return m_preview; }

private:
    services::SourcePreview m_preview;
};

} // namespace d365::models
