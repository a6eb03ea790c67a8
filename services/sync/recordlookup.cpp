#include "services/sync/recordlookup.h"

#include "services/dataverse/batchrequest.h"
#include "services/dataverse/odata.h"
#include "services/dataverse/valueconverter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTimer>
#include <QUrl>
#include <QUuid>

#include <cstring>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcLookup, "d365.sync.recordlookup")

namespace d365::services {

namespace {

constexpr qsizetype MaxUrlCharacters = 30000;
constexpr int MaxExtraRounds = 3;

QString normalizedPart(const QVariant &value)
{
    switch (value.typeId()) {
    case QMetaType::QString:
        return value.toString().toCaseFolded();
    case QMetaType::QUuid:
        return value.toUuid().toString(QUuid::WithoutBraces);
    default:
        return odata::literal(value).toCaseFolded();
    }
}

} // namespace

RecordLookup::RecordLookup(DataverseClient *client, WriteTarget target, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_target(std::move(target))
{}

QString RecordLookup::normalizedKey(const QVariantList &values)
{
    QString key;
    for (const QVariant &value : values) {
        key += normalizedPart(value);
        key += QChar(0x1f);
    }
    return key;
}

size_t RecordLookup::keyHash(const QVariantList &values)
{
    // FNV-1a over case-folded characters for text, the number's value for numbers, the bytes of a GUID.
    quint64 hash = 14695981039346656037ull;
    const auto mix = [&hash](quint64 value) {
        hash ^= value;
        hash *= 1099511628211ull;
    };
    for (const QVariant &value : values) {
        switch (value.typeId()) {
        case QMetaType::QString: {
            const QString text = value.toString(); // shares the data: no copy of the characters
            for (const QChar c : text) {
                mix(QChar::toCaseFolded(c.unicode()));
            }
            break;
        }
        case QMetaType::QUuid: {
            const QUuid id = value.toUuid();
            mix(id.data1);
            mix((quint64(id.data2) << 16) | id.data3);
            for (const uchar b : id.data4) {
                mix(b);
            }
            break;
        }
        default:
            if (ValueConverter::isNumericType(QMetaType::Type(value.typeId()))) {
                const double number = value.toDouble();
                quint64 bits = 0;
                std::memcpy(&bits, &number, sizeof bits);
                mix(bits);
            } else {
                for (const QChar c : normalizedPart(value)) {
                    mix(c.unicode());
                }
            }
        }
        mix(0x1f);
    }
    return size_t(hash);
}

void RecordLookup::find(const QList<QVariantList> &keys, std::function<void(Answer)> done)
{
    if (keys.isEmpty()) {
        done({});
        return;
    }
    QStringList select{m_target.primaryIdAttribute};
    for (const QString &column : std::as_const(m_target.matchKey)) {
        if (!select.contains(column)) {
            select.append(column);
        }
    }
    if (m_target.hasCreatedOn) {
        select.append(u"createdon"_s);
    }
    for (const QString &column : std::as_const(m_columns)) {
        if (!select.contains(column)) {
            select.append(column);
        }
    }
    const QString prefix = m_target.entitySet + u"?$select="_s + select.join(u',') + u"&$filter="_s;

    // Groups of keys whose encoded filter keeps the URL short enough.
    QList<DataverseRequest> gets;
    QList<QVariantList> group;
    qsizetype groupLength = 0;
    const auto flush = [&] {
        if (group.isEmpty()) {
            return;
        }
        const QString filter = odata::keyFilter(m_target.matchKey, group);
        DataverseRequest get =
            DataverseRequest::get(prefix + QString::fromLatin1(QUrl::toPercentEncoding(filter, "'(),=[]")));
        get.headers.append(qMakePair(QByteArray("Prefer"), QByteArray("odata.maxpagesize=5000")));
        gets.append(get);
        group.clear();
        groupLength = 0;
    };
    for (const QVariantList &key : keys) {
        qsizetype length = 0;
        for (const QVariant &part : key) {
            // Percent-encoding can triple a character; names and operators add the rest.
            length += 3 * odata::literal(part).size() + 24;
        }
        if (groupLength + length > MaxUrlCharacters - prefix.size()) {
            flush();
        }
        group.append(key);
        groupLength += length;
    }
    flush();

    const BatchRequest batch = BatchRequest::encode(gets, m_client->profile().webApiBaseUrl());
    qCDebug(lcLookup) << "looking up" << keys.size() << "keys in" << gets.size() << "GET part(s)";
    send(batch.request, int(gets.size()), MaxExtraRounds, 0, std::move(done));
}

void RecordLookup::send(const DataverseRequest &request, int parts, int roundsLeft, int requestsSoFar,
                        std::function<void(Answer)> done)
{
    const QStringList keyColumns = m_target.matchKey;
    const QString idColumn = m_target.primaryIdAttribute;
    const bool withValues = !m_columns.isEmpty();
    m_client->send(
        request, this,
        [this, request, done, keyColumns, idColumn, withValues, parts, roundsLeft,
         requestsSoFar](const DataverseResponse &r) {
            Answer answer;
            answer.requests = requestsSoFar + r.attempts;
            if (!r.ok()) {
                // A lookup decides what happened to rows whose answer was lost: it is worth more patience
                // than a write. Transient failures start another round of the client's retries.
                const bool transient = r.error->isTransient() || r.error->httpStatus >= 500;
                if (transient && roundsLeft > 0) {
                    const int delayMs = 1000 * (MaxExtraRounds - roundsLeft + 1);
                    qCInfo(lcLookup) << "key lookup failed (" << r.error->message << "); trying again in"
                                     << delayMs << "ms";
                    QTimer::singleShot(delayMs, this, [this, request, parts, roundsLeft, answer, done] {
                        send(request, parts, roundsLeft - 1, answer.requests, done);
                    });
                    return;
                }
                answer.error = toUserError(*r.error, m_client->errorContext(m_target.entitySet));
                done(answer);
                return;
            }
            const auto decoded = BatchRequest::decode(r.header("content-type"), r.body);
            if (!decoded.ok() || decoded.value().size() != parts) {
                answer.error = Error::make(
                    ErrorCategory::Server,
                    tr("Dataverse sent an unreadable answer while looking up existing %1 records.")
                        .arg(m_target.logicalName),
                    decoded.ok() ? u"%1 parts for %2 requests"_s.arg(decoded.value().size()).arg(parts)
                                 : decoded.error().detail);
                done(answer);
                return;
            }
            for (const BatchPartResponse &part : decoded.value()) {
                if (part.status != 200) {
                    answer.error = toUserError(
                        ServiceError::fromHttp(part.status, part.body, part.headers.value("content-type")),
                        m_client->errorContext(m_target.entitySet));
                    done(answer);
                    return;
                }
                const QJsonObject page = QJsonDocument::fromJson(part.body).object();
                if (page.contains("@odata.nextLink"_L1)) {
                    qCWarning(lcLookup)
                        << "a key lookup returned more than one page; later pages are not read";
                }
                for (const QJsonValue &value : page.value("value"_L1).toArray()) {
                    const QJsonObject row = value.toObject();
                    QVariantList key;
                    for (const QString &column : keyColumns) {
                        key.append(row.value(column).toVariant());
                    }
                    Record record;
                    record.id = row.value(idColumn).toString();
                    record.createdOn =
                        QDateTime::fromString(row.value("createdon"_L1).toString(), Qt::ISODateWithMs);
                    if (withValues) {
                        record.values = row;
                    }
                    answer.byKey.insert(normalizedKey(key), record);
                }
            }
            done(answer);
        });
}

} // namespace d365::services
