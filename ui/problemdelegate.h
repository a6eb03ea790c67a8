#pragma once

// Draws what the editor's models say about a row (models/editorroles.h): a row with an error gets a red
// tint, a warning a yellow one, and the cell in the problems column (if any) the matching icon; a column
// the mode cannot write is drawn in the disabled text colour. The core has no QtGui, so colours are chosen
// here.

#include <QStyledItemDelegate>

namespace d365::ui {

class ProblemDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit ProblemDelegate(int iconColumn = -1, QObject *parent = nullptr);

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;

private:
    int m_iconColumn;
};

// The editor of a Source or Target cell of the field mapping table: a searchable combo box of the values
// the model offers for that cell (ChoicesRole); the model checks the value again in setData().
class ColumnChoiceDelegate : public ProblemDelegate
{
    Q_OBJECT
public:
    explicit ColumnChoiceDelegate(int iconColumn, QObject *parent = nullptr);

    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &option,
                          const QModelIndex &index) const override;
    void setEditorData(QWidget *editor, const QModelIndex &index) const override;
    void setModelData(QWidget *editor, QAbstractItemModel *model, const QModelIndex &index) const override;
};

} // namespace d365::ui
