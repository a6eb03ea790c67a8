#pragma once

// The field mappings of a Mapping as a table: Source column → Target column, and a "Key" marker on the rows
// whose target column is part of the mapping's match key (the alternate key that addresses Dataverse rows).
//
// Read-only for now. The mapping editor makes it editable: setData() edits m_fields / m_matchKey in place and
// flags() adds Qt::ItemIsEditable; mapping() already rebuilds the Mapping from them, so the editor only has
// to save what mapping() returns.
//
// Roles: DisplayRole for people; Qt::UserRole is the raw value (column names, bool for the key column).

#include "services/mapping/mapping.h"

#include <QAbstractTableModel>

namespace d365::models {

class FieldMappingModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { SourceColumn, TargetColumn, KeyColumn, ColumnCount };

    explicit FieldMappingModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

    void setMapping(const services::Mapping &mapping);
    void clear();
    // The mapping last set, with the fields as the model holds them.
    services::Mapping mapping() const;

    bool isKeyRow(int row) const;

private:
    services::Mapping m_mapping; // everything but the fields, kept so mapping() round-trips
    QList<services::FieldMapping> m_fields;
};

} // namespace d365::models
