#pragma once

// The editor's Validate action: the preflight of `d365sync-cli validate` and `run` (services/sync/
// preflight.h), against the org, for the mapping as it is in the editor. The preflight does network I/O, so
// it runs the way MetadataLoader reads metadata: on a thread this object owns, with a DataverseClient made
// there for the check's profile, and the result comes back by a queued signal on this object's thread:
//
//   check(mapping, profile) → id … finished(result with that id)
//
// A newer check does not cancel an older one; the caller shows the result whose id it asked for last. The
// warehouse is opened on the check's thread (Qt SQL connections are thread-bound) and closed there before
// the result leaves it.

#include "services/dataverse/connectionprofile.h"
#include "services/mapping/mapping.h"
#include "services/mapping/mappingfile.h"

#include <QMetaType>
#include <QObject>

class QThread;

namespace d365::services {

class TokenProvider;

struct OrgCheckResult
{
    int id = 0;
    bool ok = false;                // nothing to fix: a run would start
    QList<MappingProblem> problems; // each with its JSON path
    QString error;                  // why the run could not start (the problems summarised, or sign-in, …)
    QString tableName;              // the table's logical name, when the org knows it
    WriterKind writer = WriterKind::Batch;
    bool privilegesChecked = false;
};

class MappingOrgCheck : public QObject
{
    Q_OBJECT
public:
    // tokenProvider is used on the check's thread and must be thread-safe (ConnectionSession is).
    explicit MappingOrgCheck(TokenProvider *tokenProvider, QObject *parent = nullptr);
    ~MappingOrgCheck() override;

    int check(const Mapping &mapping, const ConnectionProfile &profile);

Q_SIGNALS:
    void finished(const d365::services::OrgCheckResult &result);

private:
    TokenProvider *m_tokenProvider;
    QThread *m_thread;
    QObject *m_context; // lives on m_thread; the parent of each check's client
    int m_lastId = 0;
};

} // namespace d365::services

Q_DECLARE_METATYPE(d365::services::OrgCheckResult)
