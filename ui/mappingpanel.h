#pragma once

// The centre of the main window: what the loaded mapping does. Name, source (file, query, key column), target
// (entity set, match key, mode) and the field mappings in a table. Read-only; the mapping editor issue
// replaces the table with an editable, drag-and-drop one on the same FieldMappingModel.

#include "services/mapping/mapping.h"

#include <QWidget>

class QLabel;
class QStackedWidget;
class QTableView;

namespace d365::models {
class FieldMappingModel;
}

namespace d365::ui {

class MappingPanel : public QWidget
{
    Q_OBJECT
public:
    explicit MappingPanel(QWidget *parent = nullptr);

    void setMapping(const services::Mapping &mapping, const QString &filePath);
    void clear();

    models::FieldMappingModel *fieldMappingModel() const { return m_model; }

private:
    models::FieldMappingModel *m_model = nullptr;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_nameLabel = nullptr;
    QLabel *m_fileLabel = nullptr;
    QLabel *m_sourcePathLabel = nullptr;
    QLabel *m_sourceQueryLabel = nullptr;
    QLabel *m_sourceKeyLabel = nullptr;
    QLabel *m_entitySetLabel = nullptr;
    QLabel *m_matchKeyLabel = nullptr;
    QLabel *m_modeLabel = nullptr;
    QTableView *m_fieldView = nullptr;
};

} // namespace d365::ui
