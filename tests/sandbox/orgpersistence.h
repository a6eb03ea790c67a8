#pragma once

// --data FILE: the org's rows in a SQLite database, so they survive a restart of the sandbox.
//
//   OrgPersistence persistence(server.store());
//   if (!persistence.open(path, &error)) -> exit 2 with the message
//   ... serve ...                           committed writes are flushed every FlushIntervalMs
//   persistence.close(&error);              on clean shutdown: writes the rest, waits, unlocks the file
//
// The in-memory OrgStore stays the structure that serves requests (speed). Its commit observer marks each
// committed row dirty; every FlushIntervalMs a timer hands copies of the dirty rows (cheap: implicitly
// shared) and the counters to a writer thread, which writes them in one SQLite transaction (WAL mode), so
// serialising and writing never hold up a request. Rolled-back change-set and bulk writes never reach the
// observer, so they never reach the file. A kill -9 loses at most the writes of the last FlushIntervalMs
// plus the transaction being written at that moment.
//
// open() on a new (missing or empty) file creates the schema and writes the store's current rows (seed rows
// of the org definition, if any). On an existing file it replaces the store's rows with the file's: seed
// rows are inserted only into a new file. Rows of a table the org definition lacks are skipped (left in the
// file); values of unknown columns are dropped; both with a warning. The file is locked exclusively while
// the sandbox runs (SQLite EXCLUSIVE locking mode): a second sandbox on the same file is refused.

#include "orgstore.h"

#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <memory>
#include <utility>

class QThread;

namespace d365::sandbox {

class PersistenceWriter; // orgpersistence.cpp: owns the SQLite connection, on the writer thread

class OrgPersistence : public QObject
{
    Q_OBJECT

public:
    static constexpr int SchemaVersion = 1;
    static constexpr int FlushIntervalMs = 50;

    explicit OrgPersistence(OrgStore &store, QObject *parent = nullptr);
    ~OrgPersistence() override; // close()

    // Opens or creates `path` and loads it (blocking). False with *error (naming the file and the fix) when
    // the file is not a sandbox data file, was written by a newer schema, is in use by another sandbox, or
    // cannot be written.
    bool open(const QString &path, QString *error);
    // Hands the rows changed since the last flush to the writer thread (the timer calls it).
    void flush();
    // Flushes, waits until the writer has written everything, and closes the file. False with *error when
    // some changes could not be written (the error names the file and the cause).
    bool close(QString *error = nullptr);

private:
    void markDirty(const TableDef &table, const QUuid &id);

    OrgStore &m_store;
    std::unique_ptr<QThread> m_thread;
    PersistenceWriter *m_writer = nullptr; // lives on m_thread
    QSet<std::pair<const TableDef *, QUuid>> m_dirty;
    OrgStore::Counters m_flushedCounters{};
    QTimer m_timer;
};

} // namespace d365::sandbox
