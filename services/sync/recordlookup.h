#pragma once

// Finds the existing records of many rows at once, by their match key: UpdateMultiple needs each record's
// id (it does not take alternate keys, FACTS §7), and a create whose answer was lost needs to know whether
// the record now exists and when it was created.
//
//   find(key tuples, done)
//     → the keys split into groups whose GET URL stays under 30,000 characters; all groups go as GET parts of
//       one $batch (a GET inside $batch may have a URL of up to 64 KB, FACTS §6)
//       GET <set>?$select=<id>,<key columns>,createdon&$filter=<the group's keys>
//     → done({normalized key → (id, createdon)}) or done(error)
//
// Keys are compared as Dataverse compares them: strings case-insensitively.

#include "services/common/result.h"
#include "services/sync/writer.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QObject>

#include <functional>

namespace d365::services {

class RecordLookup : public QObject
{
    Q_OBJECT
public:
    struct Record
    {
        QString id;
        QDateTime createdOn; // invalid when the table has no createdon
        QJsonObject values;  // the columns asked for with setColumns(), as the Web API returned them
    };
    struct Answer
    {
        QHash<QString, Record> byKey; // normalizedKey() → record
        std::optional<Error> error;
        int requests = 0;
    };

    RecordLookup(DataverseClient *client, WriteTarget target, QObject *parent = nullptr);
    void find(const QList<QVariantList> &keys, std::function<void(Answer)> done);
    // Also read these columns of each record (a dry run compares them); by default only id and createdon.
    void setColumns(const QStringList &columns) { m_columns = columns; }

    static QString normalizedKey(const QVariantList &values);
    // A hash that is equal for keys whose normalizedKey() is equal, without building it (the engine hashes
    // every row's key to find duplicates).
    static size_t keyHash(const QVariantList &values);

private:
    void send(const DataverseRequest &request, int parts, int roundsLeft, int requestsSoFar,
              std::function<void(Answer)> done);

    DataverseClient *m_client;
    WriteTarget m_target;
    QStringList m_columns;
};

} // namespace d365::services
