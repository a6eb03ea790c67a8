#include "ui/fieldoptionsdialog.h"

#include "models/fieldmappingmodel.h"
#include "ui/mappingdocument.h"
#include "ui_fieldoptionsdialog.h"

#include <QJsonDocument>
#include <QLabel>
#include <QPushButton>
#include <QTimeZone>

using namespace Qt::StringLiterals;

namespace d365::ui {

using services::FieldMapping;

namespace {

enum ConstantKind { TextConstant, NumberConstant, TrueConstant, FalseConstant, NullConstant };
const QString PerRowTable = u"*per-row*"_s;

} // namespace

FieldOptionsDialog::FieldOptionsDialog(MappingDocument *document, int row, QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::FieldOptionsDialog>())
    , m_document(document)
    , m_row(row)
    , m_field(document->mapping().fields.value(row))
{
    m_ui->setupUi(this);
    setObjectName(u"fieldOptionsDialog"_s);
    const services::AttributeMetadata *attribute =
        document->entity() ? document->entity()->attribute(m_field.target) : nullptr;
    m_ui->fieldLabel->setText(
        attribute ? tr("The field that writes %1 (%2, %3).")
                        .arg(m_field.target, attribute->displayName, attribute->typeName)
                  : tr("The field that writes %1.")
                        .arg(m_field.target.isEmpty() ? tr("(no column yet)") : m_field.target));

    // Value.
    QStringList columns = document->sourceColumns();
    if (!m_field.source.isEmpty() && !columns.contains(m_field.source))
        columns.prepend(m_field.source);
    m_ui->sourceColumnComboBox->addItems(columns);
    m_ui->sourceColumnComboBox->setCurrentIndex(m_ui->sourceColumnComboBox->findText(m_field.source));
    m_ui->constantTypeComboBox->addItem(tr("Text or choice label"), TextConstant);
    m_ui->constantTypeComboBox->addItem(tr("Number"), NumberConstant);
    m_ui->constantTypeComboBox->addItem(tr("True"), TrueConstant);
    m_ui->constantTypeComboBox->addItem(tr("False"), FalseConstant);
    m_ui->constantTypeComboBox->addItem(tr("Empty (null)"), NullConstant);
    if (m_field.hasConstant()) {
        m_ui->constantRadioButton->setChecked(true);
        const QJsonValue &value = m_field.constant;
        const int kind = value.isBool()     ? (value.toBool() ? TrueConstant : FalseConstant)
                         : value.isDouble() ? NumberConstant
                         : value.isNull()   ? NullConstant
                                            : TextConstant;
        m_ui->constantTypeComboBox->setCurrentIndex(m_ui->constantTypeComboBox->findData(kind));
        m_ui->constantLineEdit->setText(value.isString()   ? value.toString()
                                        : value.isDouble() ? models::FieldMappingModel::constantText(value)
                                                           : QString());
    }
    if (attribute && !attribute->options.isEmpty()) {
        QStringList labels;
        for (const auto &option : attribute->options)
            labels << option.label;
        m_ui->constantLineEdit->setPlaceholderText(tr("One of: %1").arg(labels.join(u", "_s)));
    }

    // Options.
    m_ui->nullPolicyComboBox->addItem(tr("Clear the Dataverse column (send null)"),
                                      int(services::NullPolicy::SendNull));
    m_ui->nullPolicyComboBox->addItem(tr("Leave the Dataverse column unchanged"),
                                      int(services::NullPolicy::LeaveUnchanged));
    m_ui->nullPolicyComboBox->setCurrentIndex(m_ui->nullPolicyComboBox->findData(int(m_field.nullPolicy)));
    m_ui->truncateCheckBox->setChecked(m_field.truncate);
    m_ui->timeZoneComboBox->addItem(QString());
    for (const QByteArray &id : QTimeZone::availableTimeZoneIds())
        m_ui->timeZoneComboBox->addItem(QString::fromLatin1(id));
    m_ui->timeZoneComboBox->setEditText(m_field.sourceTimeZone);
    const bool text = !attribute || attribute->kind == services::AttributeKind::String ||
                      attribute->kind == services::AttributeKind::Memo;
    m_ui->truncateCheckBox->setEnabled(text);
    const bool dates = !attribute || attribute->kind == services::AttributeKind::DateTime;
    m_ui->timeZoneComboBox->setEnabled(dates);

    // Lookup.
    const bool lookup = attribute && attribute->isLookup();
    m_ui->lookupGroupBox->setVisible(lookup);
    if (lookup) {
        m_ui->tableColumnComboBox->addItems(document->sourceColumns());
        fillLookupTables();
        fillKeys();
    }

    connect(m_ui->sourceRadioButton, &QRadioButton::toggled, this, &FieldOptionsDialog::updateEnabled);
    connect(m_ui->constantTypeComboBox, &QComboBox::currentIndexChanged, this,
            &FieldOptionsDialog::updateEnabled);
    connect(m_ui->lookupTableComboBox, &QComboBox::currentIndexChanged, this, [this] {
        fillKeys();
        updateEnabled();
    });
    connect(m_ui->bindByComboBox, &QComboBox::currentIndexChanged, this, &FieldOptionsDialog::fillKeySources);
    connect(m_document, &MappingDocument::metadataChanged, this, [this] {
        if (m_ui->lookupGroupBox->isVisible() && m_ui->bindByComboBox->count() <= 1)
            fillKeys();
    });
    connect(m_ui->buttonBox, &QDialogButtonBox::accepted, this, &FieldOptionsDialog::accept);
    connect(m_ui->buttonBox, &QDialogButtonBox::rejected, this, &QDialog::reject);
    m_ui->buttonBox->button(QDialogButtonBox::Ok)->setObjectName(u"fieldOptionsOkButton"_s);
    m_ui->buttonBox->button(QDialogButtonBox::Cancel)->setObjectName(u"fieldOptionsCancelButton"_s);
    updateEnabled();
}

FieldOptionsDialog::~FieldOptionsDialog() = default;

void FieldOptionsDialog::fillLookupTables()
{
    const services::AttributeMetadata *attribute = m_document->entity()->attribute(m_field.target);
    for (const QString &table : attribute->targets)
        m_ui->lookupTableComboBox->addItem(table, table);
    if (attribute->targets.size() > 1)
        m_ui->lookupTableComboBox->addItem(tr("Per row: the table named in a warehouse column"), PerRowTable);
    QString current = attribute->targets.value(0);
    if (m_field.lookup && !m_field.lookup->tableColumn.isEmpty()) {
        current = PerRowTable;
        m_ui->tableColumnComboBox->setCurrentIndex(
            m_ui->tableColumnComboBox->findText(m_field.lookup->tableColumn));
    } else if (m_field.lookup && !m_field.lookup->table.isEmpty()) {
        current = m_field.lookup->table;
    }
    m_ui->lookupTableComboBox->setCurrentIndex(m_ui->lookupTableComboBox->findData(current));
}

void FieldOptionsDialog::fillKeys()
{
    const QString table = m_ui->lookupTableComboBox->currentData().toString();
    const QStringList before = chosenKey().isEmpty() && m_field.lookup ? m_field.lookup->key : chosenKey();
    m_ui->bindByComboBox->blockSignals(true);
    m_ui->bindByComboBox->clear();
    m_ui->bindByComboBox->addItem(tr("The record's GUID"), QStringList());
    m_ui->lookupHintLabel->clear();
    if (table == PerRowTable) {
        m_ui->lookupHintLabel->setText(
            tr("With the table given per row, the warehouse column holds the record's GUID."));
    } else if (const services::EntityMetadata *target = m_document->entityByLogicalName(table)) {
        for (const services::AlternateKeyMetadata &key : target->keys) {
            m_ui->bindByComboBox->addItem(
                tr("Alternate key %1: %2 (%3)")
                    .arg(key.schemaName, key.keyAttributes.join(u", "_s),
                         key.indexStatus.isEmpty() ? tr("active") : key.indexStatus),
                key.keyAttributes);
        }
        if (target->keys.isEmpty())
            m_ui->lookupHintLabel->setText(
                tr("%1 has no alternate keys: the value must be the record's GUID.").arg(table));
    } else if (!table.isEmpty()) {
        m_ui->lookupHintLabel->setText(tr("Reading the alternate keys of %1…").arg(table));
    }
    for (int i = 0; i < m_ui->bindByComboBox->count(); ++i) {
        if (m_ui->bindByComboBox->itemData(i).toStringList() == before)
            m_ui->bindByComboBox->setCurrentIndex(i);
    }
    m_ui->bindByComboBox->blockSignals(false);
    fillKeySources();
}

QStringList FieldOptionsDialog::chosenKey() const
{
    return m_ui->bindByComboBox->currentData().toStringList();
}

void FieldOptionsDialog::fillKeySources()
{
    qDeleteAll(m_keySources);
    m_keySources.clear();
    while (m_ui->keySourcesLayout->rowCount() > 0)
        m_ui->keySourcesLayout->removeRow(0);
    const QStringList key = chosenKey();
    const QStringList columns = m_document->sourceColumns();
    QStringList current =
        m_field.lookup && m_field.lookup->key == key ? m_field.lookup->sources : QStringList();
    if (current.isEmpty() && !m_field.source.isEmpty())
        current = {m_field.source};
    for (qsizetype i = 0; i < key.size(); ++i) {
        auto *combo = new QComboBox(m_ui->keySourcesWidget);
        combo->setObjectName(u"keySource%1ComboBox"_s.arg(i));
        combo->addItems(columns);
        combo->setCurrentIndex(combo->findText(current.value(i)));
        m_ui->keySourcesLayout->addRow(tr("%1 from").arg(key.at(i)), combo);
        m_keySources.append(combo);
    }
    m_ui->keySourcesWidget->setVisible(!key.isEmpty());
}

void FieldOptionsDialog::updateEnabled()
{
    const bool constant = m_ui->constantRadioButton->isChecked();
    m_ui->sourceColumnComboBox->setEnabled(!constant);
    m_ui->constantTypeComboBox->setEnabled(constant);
    const int kind = m_ui->constantTypeComboBox->currentData().toInt();
    m_ui->constantLineEdit->setEnabled(constant && (kind == TextConstant || kind == NumberConstant));
    const bool perRow = m_ui->lookupTableComboBox->currentData().toString() == PerRowTable;
    m_ui->tableColumnComboBox->setEnabled(perRow);
    m_ui->tableColumnLabel->setEnabled(perRow);
    m_ui->bindByComboBox->setEnabled(!perRow);
}

std::optional<FieldMapping> FieldOptionsDialog::result(QString *error) const
{
    FieldMapping field = m_field;
    if (m_ui->constantRadioButton->isChecked()) {
        field.source.clear();
        switch (m_ui->constantTypeComboBox->currentData().toInt()) {
        case TextConstant:
            field.constant = m_ui->constantLineEdit->text();
            break;
        case NumberConstant: {
            bool ok = false;
            const double number = m_ui->constantLineEdit->text().trimmed().toDouble(&ok);
            if (!ok) {
                if (error)
                    *error = tr("\"%1\" is not a number; write it like 42 or 3.5.")
                                 .arg(m_ui->constantLineEdit->text());
                return std::nullopt;
            }
            field.constant = number;
            break;
        }
        case TrueConstant:
            field.constant = true;
            break;
        case FalseConstant:
            field.constant = false;
            break;
        default:
            field.constant = QJsonValue(QJsonValue::Null);
            break;
        }
    } else {
        field.constant = QJsonValue(QJsonValue::Undefined);
        field.source = m_ui->sourceColumnComboBox->currentText();
        if (field.source.isEmpty()) {
            if (error)
                *error = tr("Choose the warehouse column, or a constant.");
            return std::nullopt;
        }
    }
    field.nullPolicy = services::NullPolicy(m_ui->nullPolicyComboBox->currentData().toInt());
    field.truncate = m_ui->truncateCheckBox->isEnabled() && m_ui->truncateCheckBox->isChecked();
    field.sourceTimeZone =
        m_ui->timeZoneComboBox->isEnabled() ? m_ui->timeZoneComboBox->currentText().trimmed() : QString();

    if (m_ui->lookupGroupBox->isVisible()) {
        services::LookupSpec lookup;
        const QString table = m_ui->lookupTableComboBox->currentData().toString();
        if (table == PerRowTable) {
            lookup.tableColumn = m_ui->tableColumnComboBox->currentText();
        } else {
            // A single-target lookup needs no table; say it anyway when a key is used (clearer files).
            // (The table's metadata may have gone meanwhile: another profile was chosen.)
            const services::EntityMetadata *entity = m_document->entity();
            const services::AttributeMetadata *attribute =
                entity ? entity->attribute(m_field.target) : nullptr;
            if (!attribute || attribute->targets.size() > 1 || !chosenKey().isEmpty())
                lookup.table = table;
            lookup.key = chosenKey();
            QStringList sources;
            for (const QComboBox *combo : m_keySources)
                sources << combo->currentText();
            if (sources.contains(QString())) {
                if (error)
                    *error = tr("Choose the warehouse column of each key column.");
                return std::nullopt;
            }
            // One key column: it is the field's source. Several: they are the lookup's sources and the field
            // has no single source column.
            if (field.hasConstant()) {
                // A constant is the key value itself (or the GUID): no warehouse column.
            } else if (sources.size() == 1) {
                field.source = sources.first();
            } else if (sources.size() > 1) {
                lookup.sources = sources;
                field.source.clear();
            }
        }
        if (lookup.table.isEmpty() && lookup.tableColumn.isEmpty() && lookup.key.isEmpty() &&
            lookup.sources.isEmpty())
            field.lookup.reset();
        else
            field.lookup = lookup;
    }
    return field;
}

void FieldOptionsDialog::accept()
{
    QString error;
    const auto field = result(&error);
    if (!field) {
        m_ui->errorLabel->setText(error);
        m_ui->errorLabel->setVisible(true);
        return;
    }
    m_document->changeField(m_row, *field);
    QDialog::accept();
}

} // namespace d365::ui
