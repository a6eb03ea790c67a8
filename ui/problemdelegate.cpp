#include "ui/problemdelegate.h"

#include "models/editorroles.h"

#include <QApplication>
#include <QComboBox>
#include <QCompleter>
#include <QLineEdit>
#include <QPalette>
#include <QStyle>

using namespace Qt::StringLiterals;

namespace d365::ui {

ProblemDelegate::ProblemDelegate(int iconColumn, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_iconColumn(iconColumn)
{}

void ProblemDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    const QVariant mappable = index.data(models::MappableRole);
    if (mappable.isValid() && !mappable.toBool())
        option->palette.setColor(QPalette::Text, option->palette.color(QPalette::Disabled, QPalette::Text));
    const auto severity = models::Severity(index.data(models::SeverityRole).toInt());
    if (severity == models::Severity::None)
        return;
    const bool error = severity == models::Severity::Error;
    option->backgroundBrush = error ? QColor(255, 0, 0, 40) : QColor(255, 190, 0, 55);
    if (index.column() == m_iconColumn) {
        const QStyle *style = option->widget ? option->widget->style() : QApplication::style();
        option->icon =
            style->standardIcon(error ? QStyle::SP_MessageBoxCritical : QStyle::SP_MessageBoxWarning);
        option->features |= QStyleOptionViewItem::HasDecoration;
        option->decorationSize = QSize(16, 16);
    }
}

ColumnChoiceDelegate::ColumnChoiceDelegate(int iconColumn, QObject *parent)
    : ProblemDelegate(iconColumn, parent)
{}

QWidget *ColumnChoiceDelegate::createEditor(QWidget *parent, const QStyleOptionViewItem &option,
                                            const QModelIndex &index) const
{
    if (!index.data(models::ChoicesRole).isValid())
        return ProblemDelegate::createEditor(parent, option, index);
    auto *combo = new QComboBox(parent);
    combo->setObjectName(u"columnChoiceComboBox"_s);
    combo->setEditable(true);
    combo->setInsertPolicy(QComboBox::NoInsert);
    combo->addItems(index.data(models::ChoicesRole).toStringList());
    combo->completer()->setFilterMode(Qt::MatchContains);
    combo->completer()->setCompletionMode(QCompleter::PopupCompletion);
    return combo;
}

void ColumnChoiceDelegate::setEditorData(QWidget *editor, const QModelIndex &index) const
{
    auto *combo = qobject_cast<QComboBox *>(editor);
    if (!combo) {
        ProblemDelegate::setEditorData(editor, index);
        return;
    }
    const QString value = index.data(Qt::EditRole).toString();
    const int row = combo->findText(value);
    if (row >= 0)
        combo->setCurrentIndex(row);
    else
        combo->setEditText(value);
}

void ColumnChoiceDelegate::setModelData(QWidget *editor, QAbstractItemModel *model,
                                        const QModelIndex &index) const
{
    auto *combo = qobject_cast<QComboBox *>(editor);
    if (!combo) {
        ProblemDelegate::setModelData(editor, model, index);
        return;
    }
    model->setData(index, combo->currentText().trimmed(), Qt::EditRole);
}

} // namespace d365::ui
