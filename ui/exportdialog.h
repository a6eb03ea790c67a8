#pragma once

// After File → Export for automation… has written the mapping file: the exact command a scheduler runs
// (d365sync-cli run <file>, with --settings when this app uses its own settings file), a Copy button, and
// how to give the scheduler an application user (client credentials) with the privileges the mapping's
// mode needs on its table, instead of a person's browser sign-in.

#include "services/dataverse/connectionprofile.h"
#include "services/dataverse/entitymetadata.h"
#include "services/mapping/mapping.h"

#include <QDialog>

#include <memory>
#include <optional>

namespace Ui {
class ExportDialog;
}

namespace d365::ui {

class ExportDialog : public QDialog
{
    Q_OBJECT
public:
    // entity: the target table's metadata when known (names the privileges); profile: when it exists.
    ExportDialog(const services::Mapping &mapping, const QString &filePath, const QString &settingsFile,
                 const std::optional<services::ConnectionProfile> &profile,
                 const services::EntityMetadata *entity, QWidget *parent = nullptr);
    ~ExportDialog() override;

    QString command() const;
    // The command line that runs the mapping file (arguments quoted for a POSIX shell where needed).
    static QString runCommand(const QString &filePath, const QString &settingsFile);

private:
    std::unique_ptr<Ui::ExportDialog> m_ui;
};

} // namespace d365::ui
