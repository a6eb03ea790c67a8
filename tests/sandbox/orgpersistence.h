#pragma once

// --data FILE: the org's rows in a SQLite database, so they survive a restart of the sandbox.
//
//   OrgPersistence persistence(server.store());
//   if (!persistence.open(path, &error)) -> exit 2 with the message
//   server.setWriteBarrier(...barrier())    a write's response waits until its rows are in the file
//   ... serve ...
//   persistence.close(&error);              on clean shutdown: writes the rest, waits, unlocks the file
//
// The in-memory OrgStore stays the structure that serves requests (speed). Durability is a group commit:
//
//   request (server thread)        OrgStore commit -> markDirty: row marked dirty, mark number + 1
//                                  response gets a hold (barrier) on that mark number; reads get none
//   flush (server thread, as soon  copies of the dirty rows (cheap: implicitly shared) and the counters go to
//   as the event loop is free)     the writer thread -- unless a flush is still being written: then
//                                  everything that accumulated goes in the next one, right after it
//   writer thread                  one SQLite transaction (WAL, synchronous=NORMAL), committed
//   written (server thread)        marks up to the flush's are durable: their held responses go out
//
// So a 2xx to a write leaves the process only after the transaction holding its rows has committed; WAL
// with synchronous=NORMAL keeps committed transactions through a kill -9 (only a power loss may lose the
// last ones). Reads are never held. Rolled-back change-set and bulk writes never reach the observer, so
// they never reach the file. If the file cannot be written (disk full), the writer retries every second
// and the held responses wait.
//
// open() on a new (missing or empty) file creates the schema and writes the store's current rows (seed rows
// of the org definition, if any). On an existing file it replaces the store's rows with the file's: seed
// rows are inserted only into a new file. Rows of a table the org definition lacks are skipped (left in the
// file); values of unknown columns are dropped; both with a warning. The file is locked exclusively while
// the sandbox runs (SQLite EXCLUSIVE locking mode): a second sandbox on the same file is refused.

#include "httpresponse.h"
#include "orgstore.h"

#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <deque>
#include <functional>
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

    explicit OrgPersistence(OrgStore &store, QObject *parent = nullptr);
    ~OrgPersistence() override; // close()

    // Opens or creates `path` and loads it (blocking). False with *error (naming the file and the fix) when
    // the file is not a sandbox data file, was written by a newer schema, is in use by another sandbox, or
    // cannot be written.
    bool open(const QString &path, QString *error);
    // Hands the rows changed since the last flush to the writer thread, unless a flush is being written
    // (then written() starts the next one). Runs from a zero timer after each commit.
    void flush();
    // For the response of a request that committed writes: holds it until everything committed so far is
    // in the file. Empty when that is already the case (or no file is open).
    HttpResponse::Hold barrier();
    // Flushes, waits until the writer has written everything, and closes the file. False with *error when
    // some changes could not be written (the error names the file and the cause).
    bool close(QString *error = nullptr);

private:
    friend class PersistenceWriter;
    void markDirty(const TableDef &table, const QUuid &id);
    // From the writer thread (queued): the flush holding the marks up to `upTo` is committed to the file.
    void written(quint64 upTo);

    OrgStore &m_store;
    std::unique_ptr<QThread> m_thread;
    PersistenceWriter *m_writer = nullptr; // lives on m_thread
    QSet<std::pair<const TableDef *, QUuid>> m_dirty;
    OrgStore::Counters m_flushedCounters{};
    QTimer m_timer;         // zero interval: flush once the current request is done
    quint64 m_marked = 0;   // running number of the rows marked dirty (a row written twice counts twice)
    quint64 m_durable = 0;  // marks up to this number are in the file
    bool m_writing = false; // a flush is on the writer thread
    struct Waiter
    {
        quint64 upTo;
        std::function<void()> release;
    };
    std::deque<Waiter> m_waiters; // in commit order
};

} // namespace d365::sandbox
