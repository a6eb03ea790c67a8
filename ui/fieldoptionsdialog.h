#pragma once

// Field options… (Ctrl+E, or double-click the Options cell): everything a field can say besides its two
// columns — the value (a warehouse column or a constant), what an empty value does (send null or leave the
// column unchanged), truncation, the source time zone, and for lookup columns how the record is found: the
// target table (for customer and owner lookups: one table, or per row from a warehouse column), by GUID or
// by an alternate key of that table, and which warehouse columns give the key's values.
//
// OK turns the whole dialog into one edit of the MappingDocument (one undo step); Cancel changes nothing.
// The lookup target's keys come from the document's metadata cache; when they are not there yet the dialog
// asks for them and fills the list when they arrive.

#include "services/mapping/mapping.h"

#include <QDialog>

#include <memory>

class QComboBox;

namespace Ui {
class FieldOptionsDialog;
}

namespace d365::ui {

class MappingDocument;

class FieldOptionsDialog : public QDialog
{
    Q_OBJECT
public:
    FieldOptionsDialog(MappingDocument *document, int row, QWidget *parent = nullptr);
    ~FieldOptionsDialog() override;

    int row() const { return m_row; }
    // The field as the dialog would write it, or an error message.
    std::optional<services::FieldMapping> result(QString *error = nullptr) const;

    void accept() override;

private:
    void fillLookupTables();
    void fillKeys();
    void fillKeySources();
    void updateEnabled();
    QStringList chosenKey() const;

    std::unique_ptr<Ui::FieldOptionsDialog> m_ui;
    MappingDocument *m_document;
    int m_row;
    services::FieldMapping m_field;
    QList<QComboBox *> m_keySources;
};

} // namespace d365::ui
