#include "services/sync/preflight.h"

#include "services/dataverse/dataverseclient.h"
#include "services/dataverse/metadataclient.h"
#include "services/mapping/mappingvalidator.h"

#include <QJsonArray>
#include <QLoggingCategory>
#include <QSet>
#include <QUrl>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcPreflight, "d365.sync.preflight")

namespace d365::services {

struct Preflight::State
{
    Mapping mapping;
    WriterKind requested = WriterKind::Auto;
    Callback done;
    std::shared_ptr<PreflightReport> report = std::make_shared<PreflightReport>();
    SourceColumns sourceColumns;
    int outstanding = 0;
    bool whoAmIDone = false;
    bool lookupsDone = false;
    bool privilegesDone = false;
    bool finished = false;
    std::optional<Result<MarketingList>> list; // an audience's list, once found
};

Preflight::Preflight(DataverseClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_metadata(new MetadataClient(client, this))
    , m_lookups(new LookupResolver(m_metadata, this))
    , m_lists(new MarketingLists(client, this))
{}

QStringList Preflight::requiredPrivileges(const Mapping &mapping, const EntityMetadata &entity,
                                          const QStringList &lookupTables, WriterKind writer)
{
    const QString table = entity.schemaName;
    QStringList names;
    if (const auto &list = mapping.target.list) {
        // An audience reads its members and the list, changes the list's membership, creates the list when
        // allowed, and in upsert mode writes the member records too.
        names << u"prvRead"_s + table << u"prvReadList"_s << u"prvWriteList"_s;
        if (list->createIfMissing) {
            names << u"prvCreateList"_s;
        }
        if (list->mode != AudienceMode::Upsert) {
            names.removeDuplicates();
            return names;
        }
    }
    switch (mapping.mode) {
    case SyncMode::Upsert:
        names << u"prvCreate"_s + table << u"prvWrite"_s + table;
        break;
    case SyncMode::Insert:
        names << u"prvCreate"_s + table;
        break;
    case SyncMode::Update:
        names << u"prvWrite"_s + table;
        // UpdateMultiple needs each record's id, read by its alternate key first.
        if (writer == WriterKind::Bulk && !(mapping.target.matchKey.size() == 1 &&
                                            mapping.target.matchKey.first() == entity.primaryIdAttribute)) {
            names << u"prvRead"_s + table;
        }
        break;
    }
    if (!lookupTables.isEmpty()) {
        names << u"prvAppend"_s + table;
        for (const QString &target : lookupTables) {
            names << u"prvAppendTo"_s + target;
        }
    }
    names.removeDuplicates();
    return names;
}

void Preflight::run(const Mapping &mapping, WriterKind requested, const SourceFactory &sources, Callback done)
{
    auto state = std::make_shared<State>();
    state->mapping = mapping;
    state->requested = requested;
    state->done = std::move(done);
    PreflightReport &report = *state->report;

    if (sources) {
        auto created = sources();
        if (!created.ok()) {
            report.problems.append({u"$.source"_s, created.error().message});
        } else if (auto opened = created.value()->open(); !opened.ok()) {
            report.problems.append({u"$.source"_s, opened.error().message});
        } else {
            report.source = std::shared_ptr<WarehouseSource>(std::move(created.value()));
            report.sourceColumns = report.source->columns();
            state->sourceColumns.names = report.sourceColumns;
            state->sourceColumns.types = report.source->columnTypes();
        }
    }

    state->outstanding = 2;
    if (mapping.target.list) {
        ++state->outstanding;
        m_lists->find(*mapping.target.list, [this, state](Result<MarketingList> list) {
            --state->outstanding;
            state->list = std::move(list);
            finish(state);
        });
    }
    m_client->send(DataverseRequest::get(u"WhoAmI"_s), this, [this, state](const DataverseResponse &r) {
        if (r.ok()) {
            state->report->userId = r.json().value("UserId"_L1).toString();
        } else {
            qCDebug(lcPreflight) << "WhoAmI failed:" << r.error->message;
        }
        state->whoAmIDone = true;
        --state->outstanding;
        checkPrivileges(state);
        finish(state);
    });
    m_metadata->fetchEntity(mapping.target.entitySet, [this, state](const Result<EntityMetadata> &entity) {
        --state->outstanding;
        if (!entity.ok()) {
            state->report->error = entity.error();
            finish(state);
            return;
        }
        state->report->entity = entity.value();
        onEntity(state);
        finish(state);
    });
}

void Preflight::onEntity(std::shared_ptr<State> state)
{
    PreflightReport &report = *state->report;
    report.problems += MappingValidator::validate(state->mapping, report.entity, state->sourceColumns);

    // The writer: bulk messages where the table has them.
    const bool bulk = report.entity.supportsBulkMessages.value_or(false);
    switch (state->requested) {
    case WriterKind::Bulk:
        if (!bulk) {
            report.problems.append(
                {u"$.writer"_s,
                 tr("the table %1 does not support the bulk messages (CreateMultiple/UpdateMultiple/"
                    "UpsertMultiple)%2; use \"writer\": \"batch\" (--writer batch) or \"auto\".")
                     .arg(report.entity.logicalName, report.entity.supportsBulkMessages
                                                         ? QString()
                                                         : tr(", or the org could not say"))});
        }
        report.writer = WriterKind::Bulk;
        break;
    case WriterKind::Batch:
        report.writer = WriterKind::Batch;
        break;
    case WriterKind::Auto:
        report.writer = bulk ? WriterKind::Bulk : WriterKind::Batch;
        break;
    }

    ++state->outstanding;
    m_lookups->resolve(state->mapping, report.entity, [this, state](const ResolvedLookups &resolved) {
        --state->outstanding;
        state->report->lookups = resolved;
        state->report->problems += resolved.problems;
        if (resolved.error) {
            state->report->problems.append({u"$.fields"_s, resolved.error->message});
        }
        state->lookupsDone = true;
        checkPrivileges(state);
        finish(state);
    });
}

void Preflight::checkPrivileges(std::shared_ptr<State> state)
{
    // Once both the caller (WhoAmI) and the lookups' target tables are known.
    if (state->privilegesDone || !state->lookupsDone || !state->whoAmIDone) {
        return;
    }
    state->privilegesDone = true;
    PreflightReport &report = *state->report;
    if (report.userId.isEmpty() || report.entity.schemaName.isEmpty()) {
        qCInfo(lcPreflight) << "privileges not checked: the caller or the table's schema name is unknown";
        return;
    }
    QStringList lookupTables = report.lookups.schemaNames.values();
    lookupTables.removeAll(QString());
    const QStringList names = requiredPrivileges(state->mapping, report.entity, lookupTables, report.writer);
    QStringList quoted;
    for (const QString &name : names) {
        quoted.append(u'"' + name + u'"');
    }
    const QString path =
        u"systemusers("_s + report.userId +
        u")/Microsoft.Dynamics.CRM.RetrieveUserSetOfPrivilegesByNames(PrivilegeNames=@p)?@p="_s +
        QString::fromLatin1(QUrl::toPercentEncoding(u'[' + quoted.join(u',') + u']'));
    ++state->outstanding;
    m_client->send(DataverseRequest::get(path), this, [this, state, names](const DataverseResponse &r) {
        --state->outstanding;
        if (!r.ok()) {
            qCDebug(lcPreflight) << "RetrieveUserSetOfPrivilegesByNames unavailable (" << r.status
                                 << "); asking one privilege at a time";
            checkPrivilegesOneByOne(state, names);
            finish(state);
            return;
        }
        QSet<QString> held;
        bool namesKnown = true;
        for (const QJsonValue &entry : r.json().value("RolePrivileges"_L1).toArray()) {
            const QString name = entry.toObject().value("PrivilegeName"_L1).toString();
            namesKnown = namesKnown && !name.isEmpty();
            held.insert(name);
        }
        if (!namesKnown) {
            checkPrivilegesOneByOne(state, names); // an org that does not name the privileges it returns
            finish(state);
            return;
        }
        state->report->privilegesChecked = true;
        for (const QString &name : names) {
            if (!held.contains(name)) {
                state->report->missingPrivileges.append(name);
            }
        }
        finish(state);
    });
}

void Preflight::checkPrivilegesOneByOne(std::shared_ptr<State> state, QStringList names)
{
    auto answered = std::make_shared<int>(0);
    auto unavailable = std::make_shared<bool>(false);
    for (const QString &name : names) {
        ++state->outstanding;
        const QString path =
            u"systemusers("_s + state->report->userId +
            u")/Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeName(PrivilegeName='"_s + name +
            u"')"_s;
        m_client->send(
            DataverseRequest::get(path), this,
            [this, state, name, answered, unavailable, total = names.size()](const DataverseResponse &r) {
                --state->outstanding;
                ++*answered;
                if (!r.ok()) {
                    *unavailable = true;
                } else if (r.json().value("RolePrivileges"_L1).toArray().isEmpty()) {
                    state->report->missingPrivileges.append(name);
                }
                if (*answered == total) {
                    state->report->privilegesChecked = !*unavailable;
                    if (*unavailable) {
                        qCInfo(lcPreflight) << "the org does not answer the privilege functions; "
                                               "privileges are not checked before the run";
                        state->report->missingPrivileges.clear();
                    }
                }
                finish(state);
            });
    }
}

void Preflight::finish(std::shared_ptr<State> state)
{
    if (state->finished || state->outstanding > 0) {
        return;
    }
    state->finished = true;
    PreflightReport &report = *state->report;
    if (!report.error && state->list) {
        if (!state->list->ok()) {
            const Error &failure = state->list->error();
            if (failure.category == ErrorCategory::Configuration) {
                report.problems.append({u"$.target.list"_s, failure.message});
            } else {
                report.error = failure;
            }
        } else {
            report.list = state->list->value();
            report.problems +=
                MarketingLists::problems(*state->mapping.target.list, report.list, report.entity);
        }
    }
    if (!report.error) {
        const bool onlyPrivileges = report.problems.isEmpty() && !report.missingPrivileges.isEmpty();
        for (const QString &privilege : std::as_const(report.missingPrivileges)) {
            report.problems.append(
                {u"$.target.entitySet"_s,
                 tr("the signed-in user (systemuserid %1) is missing the privilege %2 that %3 mode needs on "
                    "the "
                    "table %4. Ask an administrator to add it to one of the user's security roles (Power "
                    "Platform admin center → Environments → Settings → Users + permissions → Security "
                    "roles).")
                     .arg(report.userId, privilege, state->mapping.modeName(), report.entity.logicalName)});
        }
        if (!report.problems.isEmpty()) {
            const QStringList lines = MappingValidator::lines(report.problems);
            report.error =
                Error::make(onlyPrivileges ? ErrorCategory::Privilege : ErrorCategory::Configuration,
                            onlyPrivileges ? tr("Insufficient privileges: %1").arg(lines.join(u'\n'))
                                           : tr("The mapping does not fit the table %1:\n%2")
                                                 .arg(report.entity.logicalName.isEmpty()
                                                          ? state->mapping.target.entitySet
                                                          : report.entity.logicalName,
                                                      lines.join(u'\n')),
                            lines.join(u"; "_s));
        }
    }
    auto done = std::exchange(state->done, nullptr);
    if (done) {
        done(state->report);
    }
}

} // namespace d365::services
