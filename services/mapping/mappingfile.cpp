#include "services/mapping/mappingfile.h"

#include "services/common/textmatch.h"
#include "services/dataverse/connectionprofile.h"
#include "services/warehouse/warehouseconnection.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QTimeZone>
#include <QUuid>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcMappingFile, "d365.mapping.file")

namespace d365::services {

namespace {

// Mapping files are hand-edited at most a few kB; anything much larger is not a mapping file.
constexpr qint64 MaxFileSize = 4 * 1024 * 1024;

// Every user-visible text of this file is in the "MappingFile" translation context.
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(MappingFile)
};

const QStringList rootMembers = {u"$schema"_s, u"version"_s, u"name"_s,           u"source"_s, u"target"_s,
                                 u"mode"_s,    u"writer"_s,  u"sourceTimeZone"_s, u"fields"_s};
const QStringList rootRequired = {u"version"_s, u"source"_s, u"target"_s, u"fields"_s};
const QStringList sourceMembers = {u"type"_s,      u"path"_s,      u"connection"_s, u"query"_s,
                                   u"keyColumn"_s, u"delimiter"_s, u"quote"_s,      u"columnTypes"_s};
const QStringList csvOnlyMembers = {u"delimiter"_s, u"quote"_s, u"columnTypes"_s};

// The members a source of this type must have (besides type and keyColumn, which every source has).
QStringList requiredSourceMembers(const QString &type)
{
    if (type == SourceType::Sqlite)
        return {u"type"_s, u"path"_s, u"query"_s, u"keyColumn"_s};
    if (type == SourceType::PostgreSql || type == SourceType::Odbc)
        return {u"type"_s, u"connection"_s, u"query"_s, u"keyColumn"_s};
    if (type == SourceType::Csv)
        return {u"type"_s, u"path"_s, u"keyColumn"_s};
    return {u"type"_s, u"keyColumn"_s};
}
const QStringList targetMembers = {u"profile"_s, u"entitySet"_s, u"matchKey"_s};
const QStringList listMembers = {u"id"_s, u"name"_s, u"createIfMissing"_s, u"maxRemovalPercent"_s};
const QStringList fieldMembers = {u"source"_s,   u"target"_s,         u"constant"_s, u"nullPolicy"_s,
                                  u"truncate"_s, u"sourceTimeZone"_s, u"lookup"_s};
const QStringList lookupMembers = {u"table"_s, u"tableColumn"_s, u"key"_s, u"sources"_s};

// What to write when a required member is missing.
QString exampleFor(const QString &member)
{
    static const QHash<QString, QString> examples = {
        {u"version"_s, u"\"version\": 1"_s},
        {u"source"_s,
         u"\"source\": { \"type\": \"sqlite\", \"path\": \"warehouse.db\", \"query\": \"SELECT …\", "
         "\"keyColumn\": \"customer_id\" }"_s},
        {u"target"_s, u"\"target\": { \"profile\": \"sandbox\", \"entitySet\": \"contacts\", \"matchKey\": "
                      "[\"emailaddress1\"] }"_s},
        {u"fields"_s, u"\"fields\": [ { \"source\": \"email\", \"target\": \"emailaddress1\" } ]"_s},
        {u"type"_s, u"\"type\": \"sqlite\""_s},
        {u"path"_s, u"\"path\": \"warehouse.db\""_s},
        {u"connection"_s, u"\"connection\": \"dw\" (a warehouse connection: d365sync-cli warehouse list)"_s},
        {u"query"_s, u"\"query\": \"SELECT customer_id, email FROM customers ORDER BY customer_id\""_s},
        {u"keyColumn"_s, u"\"keyColumn\": \"customer_id\""_s},
        {u"profile"_s, u"\"profile\": \"sandbox\""_s},
        {u"entitySet"_s, u"\"entitySet\": \"contacts\""_s},
        {u"matchKey"_s, u"\"matchKey\": [\"emailaddress1\"]"_s},
        {u"field.source"_s, u"\"source\": \"email\""_s},
        {u"field.target"_s, u"\"target\": \"emailaddress1\""_s},
    };
    return examples.value(member);
}

QString jsonTypeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return Text::tr("null");
    case QJsonValue::Bool:
        return Text::tr("true/false");
    case QJsonValue::Double:
        return Text::tr("a number");
    case QJsonValue::String:
        return Text::tr("a string");
    case QJsonValue::Array:
        return Text::tr("an array");
    case QJsonValue::Object:
        return Text::tr("an object");
    case QJsonValue::Undefined:
        break;
    }
    return Text::tr("nothing");
}

QString memberPath(const QString &parent, const QString &key)
{
    static const QRegularExpression identifier(u"^[A-Za-z_$][A-Za-z0-9_$]*$"_s);
    if (identifier.match(key).hasMatch())
        return parent + u'.' + key;
    QString escaped = key;
    escaped.replace(u'\\', u"\\\\"_s).replace(u'"', u"\\\""_s);
    return parent + u"[\""_s + escaped + u"\"]"_s;
}

QString indexPath(const QString &parent, qsizetype index)
{
    return parent + u'[' + QString::number(index) + u']';
}

// Member names that only ever hold credentials. Compared without case, '_' and '-'.
bool isSecretName(const QString &name)
{
    QString n = name.toLower();
    n.remove(u'_').remove(u'-');
    static const QSet<QString> exact = {u"pwd"_s,          u"passwd"_s,  u"token"_s,       u"accesstoken"_s,
                                        u"refreshtoken"_s, u"idtoken"_s, u"bearertoken"_s, u"apikey"_s};
    return exact.contains(n) || n.contains("password"_L1) || n.contains("secret"_L1);
}

bool containsSecretAssignment(const QString &text)
{
    const QString lower = text.toLower();
    return lower.contains("password="_L1) || lower.contains("pwd="_L1);
}

QString noSecretsAdvice()
{
    return Text::tr("mapping files never hold secrets; store them in the keychain or environment");
}

// The first keyword of a statement, after whitespace and SQL comments.
QString firstKeyword(const QString &query)
{
    qsizetype i = 0;
    const qsizetype n = query.size();
    while (i < n) {
        if (query[i].isSpace()) {
            ++i;
        } else if (query.mid(i, 2) == "--"_L1) {
            const qsizetype end = query.indexOf(u'\n', i);
            i = end < 0 ? n : end + 1;
        } else if (query.mid(i, 2) == "/*"_L1) {
            const qsizetype end = query.indexOf("*/"_L1, i + 2);
            i = end < 0 ? n : end + 2;
        } else {
            break;
        }
    }
    qsizetype j = i;
    while (j < n && (query[j].isLetterOrNumber() || query[j] == u'_'))
        ++j;
    return query.mid(i, j - i);
}

QString resolvePath(const QString &path, const QString &baseDir)
{
    if (QDir::isAbsolutePath(path))
        return QDir::cleanPath(path);
    const QDir base(baseDir.isEmpty() ? QDir::currentPath() : baseDir);
    return QDir::cleanPath(base.absoluteFilePath(path));
}

QString pathForFile(const QString &path, const QString &baseDir)
{
    if (path.isEmpty() || baseDir.isEmpty() || QDir::isRelativePath(path))
        return path;
    const QString relative = QDir(QDir(baseDir).absolutePath()).relativeFilePath(path);
    if (relative.isEmpty() || relative == ".."_L1 || relative.startsWith("../"_L1) ||
        QDir::isAbsolutePath(relative))
        return QDir::cleanPath(path);
    return relative;
}

QString jsonString(const QString &text)
{
    QString out;
    out.reserve(text.size() + 2);
    out += u'"';
    for (const QChar c : text) {
        switch (c.unicode()) {
        case u'"':
            out += u"\\\""_s;
            break;
        case u'\\':
            out += u"\\\\"_s;
            break;
        case u'\b':
            out += u"\\b"_s;
            break;
        case u'\f':
            out += u"\\f"_s;
            break;
        case u'\n':
            out += u"\\n"_s;
            break;
        case u'\r':
            out += u"\\r"_s;
            break;
        case u'\t':
            out += u"\\t"_s;
            break;
        default:
            if (c.unicode() < 0x20)
                out += u"\\u"_s + QString::number(uint(c.unicode()), 16).rightJustified(4, u'0');
            else
                out += c;
        }
    }
    out += u'"';
    return out;
}

// Orders problems like the format reads (version, name, source, target, mode, fields; array entries by index)
// rather than by QJsonObject's alphabetical member order, so the list follows the file from top to bottom.
QList<int> problemSortKey(const QString &path)
{
    static const QStringList order = rootMembers + sourceMembers + targetMembers + fieldMembers;
    static const QRegularExpression segment(
        u"\\.([A-Za-z_$][A-Za-z0-9_$]*)|\\[(\\d+)\\]|\\[\"((?:[^\"\\\\]|\\\\.)*)\"\\]"_s);
    QList<int> key;
    auto it = segment.globalMatch(path);
    while (it.hasNext()) {
        const auto match = it.next();
        if (match.hasCaptured(2)) {
            key << match.captured(2).toInt();
        } else {
            const qsizetype index =
                order.indexOf(match.hasCaptured(1) ? match.captured(1) : match.captured(3));
            key << (index < 0 ? 1000 : int(index));
        }
    }
    return key;
}

class Parser
{
public:
    explicit Parser(QString baseDir)
        : m_baseDir(std::move(baseDir))
    {}

    MappingLoadResult run(const QByteArray &json)
    {
        MappingLoadResult result;
        Mapping mapping;
        parseDocument(json, mapping);
        std::stable_sort(m_problems.begin(), m_problems.end(),
                         [](const MappingProblem &a, const MappingProblem &b) {
                             return problemSortKey(a.path) < problemSortKey(b.path);
                         });
        if (m_problems.isEmpty())
            result.mapping = std::move(mapping);
        result.problems = m_problems;
        return result;
    }

private:
    void add(QString path, QString message)
    {
        // A NUL character (refused by findNulCharacters) is shown as JSON writes it, never printed raw.
        path.replace(QChar(0), u"\\u0000"_s);
        message.replace(QChar(0), u"\\u0000"_s);
        m_problems.append(MappingProblem{std::move(path), std::move(message)});
    }

    void parseDocument(const QByteArray &json, Mapping &mapping)
    {
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
        if (parseError.error != QJsonParseError::NoError) {
            const QByteArray before = json.left(parseError.offset);
            const qsizetype lineStart = before.lastIndexOf('\n') + 1;
            const auto line = before.count('\n') + 1;
            const auto column = QString::fromUtf8(before.mid(lineStart)).size() + 1;
            add(u"$"_s,
                Text::tr("The file is not valid JSON: %1 at line %2, column %3. Fix the syntax there (a "
                         "missing comma, quote or closing bracket is the usual cause).")
                    .arg(parseError.errorString())
                    .arg(line)
                    .arg(column));
            return;
        }
        if (!doc.isObject()) {
            add(u"$"_s, Text::tr("A mapping file must be a JSON object { … } with the members version, name, "
                                 "source, target, mode and fields; this file holds %1.")
                            .arg(doc.isArray() ? Text::tr("an array") : Text::tr("a single value")));
            return;
        }
        const QJsonObject root = doc.object();
        findSecrets(root, u"$"_s);
        findNulCharacters(root, u"$"_s);

        if (root.contains("version"_L1)) {
            const QJsonValue version = root.value("version"_L1);
            const double number = version.toDouble(-1);
            if (!version.isDouble() || number != std::floor(number)) {
                add(u"$.version"_s, Text::tr("The format version must be the whole number %1, not %2.")
                                        .arg(MappingFile::CurrentVersion)
                                        .arg(describe(version)));
            } else if (number > MappingFile::CurrentVersion) {
                // A newer format may add members this version does not know: reporting them would only bury
                // the one problem that matters.
                add(u"$.version"_s,
                    Text::tr("This mapping file has format version %1 and was made by a newer D365 "
                             "Sync; this version reads format %2. Update D365 Sync to run it.")
                        .arg(qint64(number))
                        .arg(MappingFile::CurrentVersion));
                return;
            } else if (number < 1) {
                add(u"$.version"_s, Text::tr("The format version %1 is not supported; set \"version\": %2.")
                                        .arg(qint64(number))
                                        .arg(MappingFile::CurrentVersion));
            } else {
                mapping.version = int(number);
            }
        }

        checkMembers(root, u"$"_s, rootMembers, rootRequired);

        if (root.contains("$schema"_L1) && !root.value("$schema"_L1).isString())
            wrongType(u"$.$schema"_s, root.value("$schema"_L1), Text::tr("a string (the schema URL)"));
        if (root.contains("name"_L1)) {
            if (root.value("name"_L1).isString())
                mapping.name = root.value("name"_L1).toString();
            else
                wrongType(u"$.name"_s, root.value("name"_L1), Text::tr("a string"));
        }
        if (root.contains("writer"_L1))
            parseWriter(root.value("writer"_L1), mapping);
        if (root.contains("sourceTimeZone"_L1))
            mapping.sourceTimeZone = parseTimeZone(root.value("sourceTimeZone"_L1), u"$.sourceTimeZone"_s);

        if (root.contains("source"_L1)) {
            if (const auto object = objectAt(root.value("source"_L1), u"$.source"_s))
                parseSource(*object, mapping.source);
        }
        if (root.contains("target"_L1)) {
            if (const auto object = objectAt(root.value("target"_L1), u"$.target"_s))
                parseTarget(*object, mapping.target);
        }
        // After the target: a marketing list there makes "mode" an audience mode.
        if (root.contains("mode"_L1))
            parseMode(root.value("mode"_L1), mapping);
        if (root.contains("fields"_L1))
            parseFields(root.value("fields"_L1), mapping.fields);

        // The key value of each row comes from the source column mapped to the key column: an unmapped key
        // column would address every row with an empty key. (Only checked when there are fields at all, else
        // the empty field list is the one problem to fix.)
        if (!mapping.fields.isEmpty()) {
            for (qsizetype i = 0; i < mapping.target.matchKey.size(); ++i) {
                const QString &column = mapping.target.matchKey.at(i);
                const bool mapped = std::any_of(mapping.fields.cbegin(), mapping.fields.cend(),
                                                [&](const FieldMapping &f) { return f.target == column; });
                if (!mapped) {
                    add(indexPath(u"$.target.matchKey"_s, i),
                        Text::tr(
                            "The match key column \"%1\" is not the target of any field. Add a field that "
                            "maps a "
                            "warehouse column to it, e.g. { \"source\": \"email\", \"target\": \"%1\" }: the "
                            "key value of each row comes from that column.")
                            .arg(column));
                }
            }
        }
    }

    static QString describe(const QJsonValue &value)
    {
        if (value.isString())
            return Text::tr("the string \"%1\"").arg(value.toString());
        if (value.isDouble())
            return Text::tr("the number %1").arg(value.toDouble());
        return jsonTypeName(value);
    }

    void wrongType(const QString &path, const QJsonValue &value, const QString &expected)
    {
        add(path, Text::tr("This must be %1, not %2.").arg(expected, jsonTypeName(value)));
    }

    std::optional<QJsonObject> objectAt(const QJsonValue &value, const QString &path)
    {
        if (value.isObject())
            return value.toObject();
        wrongType(path, value, Text::tr("an object { … }"));
        return std::nullopt;
    }

    // Reports members that are secrets wherever they are, and source.path / source.query values that embed a
    // password; those members are then skipped by the unknown-member check (one message per problem).
    void findSecrets(const QJsonValue &value, const QString &path)
    {
        if (value.isObject()) {
            const QJsonObject object = value.toObject();
            for (auto it = object.begin(); it != object.end(); ++it) {
                const QString childPath = memberPath(path, it.key());
                if (isSecretName(it.key())) {
                    m_secretPaths.insert(childPath);
                    add(childPath, Text::tr("\"%1\" looks like a secret: %2. Remove it; the target names a "
                                            "connection profile, which signs in on its own.")
                                       .arg(it.key(), noSecretsAdvice()));
                } else {
                    findSecrets(it.value(), childPath);
                }
            }
        } else if (value.isArray()) {
            const QJsonArray array = value.toArray();
            for (qsizetype i = 0; i < array.size(); ++i)
                findSecrets(array.at(i), indexPath(path, i));
        } else if (value.isString() && (path == "$.source.path"_L1 || path == "$.source.query"_L1) &&
                   containsSecretAssignment(value.toString())) {
            m_secretPaths.insert(path);
            add(path, Text::tr("This value contains a password (password= or pwd=): %1. Remove it from the "
                               "mapping file.")
                          .arg(noSecretsAdvice()));
        }
    }

    // Qt's parser accepts a raw NUL (and other control characters) inside a JSON string, which JSON forbids;
    // no mapping value can hold one (SQLite would cut the query there, a column name would never match).
    // It is almost always a damaged file, so it is refused where it is, escaped or not.
    void findNulCharacters(const QJsonValue &value, const QString &path)
    {
        const auto refuse = [this](const QString &where) {
            add(where,
                Text::tr("This text contains a NUL character (a zero byte), which no mapping value may "
                         "hold: the file is probably damaged or was saved by a tool that writes binary "
                         "data. Delete the character (an editor that shows invisible characters finds "
                         "it, or `tr -d '\\000'`), then check the text around it."));
        };
        if (value.isObject()) {
            const QJsonObject object = value.toObject();
            for (auto it = object.begin(); it != object.end(); ++it) {
                const QString childPath = memberPath(path, it.key());
                if (it.key().contains(QChar(0)))
                    refuse(childPath);
                findNulCharacters(it.value(), childPath);
            }
        } else if (value.isArray()) {
            const QJsonArray array = value.toArray();
            for (qsizetype i = 0; i < array.size(); ++i)
                findNulCharacters(array.at(i), indexPath(path, i));
        } else if (value.isString() && value.toString().contains(QChar(0))) {
            refuse(path);
        }
    }

    void checkMembers(const QJsonObject &object, const QString &path, const QStringList &known,
                      const QStringList &required, const QString &exampleSuffix = {})
    {
        QSet<QString> suggested;
        for (auto it = object.begin(); it != object.end(); ++it) {
            const QString &key = it.key();
            const QString childPath = memberPath(path, key);
            if (known.contains(key) || m_secretPaths.contains(childPath))
                continue;
            const QString suggestion = closestNames(key, known, 1).value(0);
            if (!suggestion.isEmpty() && !object.contains(suggestion)) {
                suggested.insert(suggestion);
                add(childPath, Text::tr("Unknown member \"%1\". Did you mean \"%2\"? Members here: %3.")
                                   .arg(key, suggestion, known.join(u", "_s)));
            } else {
                add(childPath, Text::tr("Unknown member \"%1\"; remove it. Members here: %2.")
                                   .arg(key, known.join(u", "_s)));
            }
        }
        for (const QString &member : required) {
            // A misspelt member already has a message that names it: do not report it twice.
            if (object.contains(member) || suggested.contains(member))
                continue;
            const QString example =
                exampleFor(exampleSuffix.isEmpty() ? member : exampleSuffix + u'.' + member);
            add(memberPath(path, member),
                Text::tr("The required member \"%1\" is missing. Add it, for example: %2.")
                    .arg(member, example));
        }
    }

    QString parseTimeZone(const QJsonValue &value, const QString &path)
    {
        if (!value.isString()) {
            wrongType(path, value, Text::tr("a string (an IANA time zone such as \"Europe/Berlin\")"));
            return {};
        }
        const QString id = value.toString();
        if (!QTimeZone(id.toUtf8()).isValid()) {
            add(path, Text::tr("\"%1\" is not a known time zone. Use an IANA name such as \"Europe/Berlin\", "
                               "\"America/New_York\" or \"UTC\".")
                          .arg(id));
            return {};
        }
        return id;
    }

    std::optional<QStringList> stringList(const QJsonObject &object, const QString &path, const QString &key)
    {
        const QJsonValue value = object.value(key);
        const QString childPath = memberPath(path, key);
        if (!value.isArray() || value.toArray().isEmpty()) {
            add(childPath,
                Text::tr("This must be a non-empty array of column names, e.g. [\"accountnumber\"], "
                         "not %1.")
                    .arg(value.isArray() ? Text::tr("an empty array") : jsonTypeName(value)));
            return std::nullopt;
        }
        QStringList list;
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            if (!array.at(i).isString() || array.at(i).toString().trimmed().isEmpty()) {
                add(indexPath(childPath, i), Text::tr("Each entry must be a column name, not %1.")
                                                 .arg(array.at(i).isString() ? Text::tr("an empty string")
                                                                             : jsonTypeName(array.at(i))));
                return std::nullopt;
            }
            list.append(array.at(i).toString());
        }
        return list;
    }

    std::optional<LookupSpec> parseLookup(const QJsonValue &value, const QString &path)
    {
        const auto object = objectAt(value, path);
        if (!object)
            return std::nullopt;
        checkMembers(*object, path, lookupMembers, {});
        LookupSpec lookup;
        const int problemsBefore = int(m_problems.size());
        if (const auto table = nonEmptyString(*object, path, u"table"_s,
                                              Text::tr("The table is empty; give the target table's logical "
                                                       "name, e.g. \"account\", or leave the member out.")))
            lookup.table = *table;
        if (const auto column =
                nonEmptyString(*object, path, u"tableColumn"_s,
                               Text::tr("The table column is empty; name the query column that holds the "
                                        "target table's logical name per row, or leave the member out.")))
            lookup.tableColumn = *column;
        if (!lookup.table.isEmpty() && !lookup.tableColumn.isEmpty()) {
            add(path + u".tableColumn"_s,
                Text::tr("Give either \"table\" (one target table for every row) or \"tableColumn\" (the "
                         "target table read per row), not both."));
        }
        if (object->contains("key"_L1)) {
            if (const auto key = stringList(*object, path, u"key"_s))
                lookup.key = *key;
        }
        if (object->contains("sources"_L1)) {
            if (const auto sources = stringList(*object, path, u"sources"_s)) {
                lookup.sources = *sources;
                const qsizetype parts = lookup.key.isEmpty() ? 1 : lookup.key.size();
                if (lookup.sources.size() != parts) {
                    add(path + u".sources"_s,
                        Text::tr("The lookup key has %1 column(s) but %2 source column(s) are listed; list "
                                 "one source column per key column, in the same order.")
                            .arg(parts)
                            .arg(lookup.sources.size()));
                }
            }
        }
        if (int(m_problems.size()) != problemsBefore)
            return std::nullopt;
        return lookup;
    }

    void parseMode(const QJsonValue &value, Mapping &mapping)
    {
        if (mapping.target.list) {
            const auto mode = value.isString() ? audienceModeFromName(value.toString()) : std::nullopt;
            if (!mode) {
                add(u"$.mode"_s,
                    Text::tr(
                        "An audience (a target with \"list\") takes the mode add (put the members in the "
                        "list), remove (take them out), mirror (make the list exactly the source's "
                        "members) or upsert (upsert the member records, then add them), not %1.")
                        .arg(describe(value)));
                return;
            }
            mapping.target.list->mode = *mode;
            return;
        }
        if (value.isString() && audienceModeFromName(value.toString()) &&
            !syncModeFromName(value.toString())) {
            add(u"$.mode"_s,
                Text::tr("The mode \"%1\" is for audiences: name the marketing list in the target, "
                         "e.g. \"list\": { \"name\": \"Newsletter\" }, and use a member table "
                         "(contacts, accounts or leads) as the entity set.")
                    .arg(value.toString()));
            return;
        }
        if (!value.isString()) {
            wrongType(u"$.mode"_s, value, Text::tr("a string: \"upsert\", \"insert\" or \"update\""));
            return;
        }
        const auto mode = syncModeFromName(value.toString());
        if (!mode) {
            add(u"$.mode"_s,
                Text::tr("Unknown mode \"%1\". Valid modes: upsert (create or update by the match key), "
                         "insert (create only), update (change existing rows only).")
                    .arg(value.toString()));
            return;
        }
        mapping.mode = *mode;
    }

    void parseWriter(const QJsonValue &value, Mapping &mapping)
    {
        if (!value.isString()) {
            wrongType(u"$.writer"_s, value, Text::tr("a string: \"auto\", \"bulk\" or \"batch\""));
            return;
        }
        const auto writer = writerKindFromName(value.toString());
        if (!writer) {
            add(u"$.writer"_s,
                Text::tr("Unknown writer \"%1\". Valid writers: auto (bulk messages where the table supports "
                         "them, else $batch), bulk (CreateMultiple/UpdateMultiple/UpsertMultiple), batch "
                         "($batch of single writes).")
                    .arg(value.toString()));
            return;
        }
        mapping.writer = *writer;
    }

    // A string member that must not be empty; returns nullopt (and has reported why) otherwise.
    std::optional<QString> nonEmptyString(const QJsonObject &object, const QString &path, const QString &key,
                                          const QString &whenEmpty)
    {
        if (!object.contains(key))
            return std::nullopt;
        const QString childPath = memberPath(path, key);
        if (m_secretPaths.contains(childPath))
            return std::nullopt;
        const QJsonValue value = object.value(key);
        if (!value.isString()) {
            wrongType(childPath, value, Text::tr("a string"));
            return std::nullopt;
        }
        const QString text = value.toString();
        if (text.trimmed().isEmpty()) {
            add(childPath, whenEmpty);
            return std::nullopt;
        }
        return text;
    }

    void parseSource(const QJsonObject &object, SourceSpec &source)
    {
        // The type decides which members the source needs; an unknown type still gets its other members
        // checked against what every source has.
        QString type;
        if (object.contains("type"_L1) && object.value("type"_L1).isString())
            type = object.value("type"_L1).toString().trimmed();
        const bool knownType = SourceType::All.contains(type);
        checkMembers(object, u"$.source"_s, sourceMembers,
                     requiredSourceMembers(knownType ? type : QString()));

        if (const auto typeValue = nonEmptyString(
                object, u"$.source"_s, u"type"_s,
                Text::tr("The source type is empty; use one of: %1.").arg(SourceType::All.join(u", "_s)))) {
            if (!knownType) {
                add(u"$.source.type"_s,
                    Text::tr("The source type \"%1\" is not supported. Supported types: %2.")
                        .arg(*typeValue, SourceType::All.join(u", "_s)));
            }
            source.type = *typeValue;
        }
        if (knownType)
            refuseMembersOfOtherTypes(object, type);

        if (object.contains("path"_L1) && (!knownType || SourceType::readsFile(type))) {
            const QString whenEmpty =
                type == SourceType::Csv
                    ? Text::tr("The file path is empty. Give the CSV file, relative to this mapping file's "
                               "folder (e.g. \"customers.csv\") or absolute.")
                    : Text::tr("The database path is empty. Give the SQLite file, relative to this mapping "
                               "file's folder (e.g. \"warehouse.db\") or absolute.");
            if (const auto path = nonEmptyString(object, u"$.source"_s, u"path"_s, whenEmpty))
                source.path = resolvePath(*path, m_baseDir);
        }
        if (object.contains("connection"_L1) && (!knownType || !SourceType::readsFile(type))) {
            if (const auto name =
                    nonEmptyString(object, u"$.source"_s, u"connection"_s,
                                   Text::tr("The connection is empty. Name a warehouse connection "
                                            "(d365sync-cli warehouse list shows them), e.g. "
                                            "\"dw\"."))) {
                const auto valid = WarehouseConnection::validateName(*name);
                if (!valid)
                    add(u"$.source.connection"_s, valid.error().message);
                else
                    source.connection = *valid;
            }
        }
        if (object.contains("query"_L1) && (!knownType || SourceType::hasQuery(type))) {
            if (const auto query =
                    nonEmptyString(object, u"$.source"_s, u"query"_s,
                                   Text::tr("The query is empty. Write the SELECT that reads the rows to "
                                            "sync, e.g. SELECT customer_id, email FROM customers ORDER "
                                            "BY customer_id."))) {
                const QString keyword = firstKeyword(*query);
                if (keyword.toUpper() != "SELECT"_L1 && keyword.toUpper() != "WITH"_L1) {
                    add(u"$.source.query"_s,
                        Text::tr("The query starts with \"%1\" but must be a SELECT (or "
                                 "WITH … SELECT) statement: D365 "
                                 "Sync only reads from the warehouse.")
                            .arg(keyword.isEmpty() ? query->trimmed().left(20) : keyword));
                }
                source.query = *query;
            }
        }
        if (const auto key =
                nonEmptyString(object, u"$.source"_s, u"keyColumn"_s,
                               Text::tr("The key column is empty. Name the query column that identifies "
                                        "a row, e.g. \"customer_id\"; reports and retries use it."))) {
            source.keyColumn = *key;
        }
        if (type == SourceType::Csv)
            parseCsvOptions(object, source);
    }

    // A member that belongs to another source type: one message saying what this type uses instead.
    void refuseMembersOfOtherTypes(const QJsonObject &object, const QString &type)
    {
        const auto refuse = [&](const QString &member, const QString &message) {
            if (object.contains(member))
                add(memberPath(u"$.source"_s, member), message);
        };
        if (SourceType::readsFile(type)) {
            refuse(u"connection"_s,
                   Text::tr("A %1 source reads the file in \"path\"; \"connection\" names a warehouse "
                            "connection and applies to postgresql and odbc sources only. Remove it.")
                       .arg(type));
        } else {
            refuse(u"path"_s, Text::tr("A %1 source reads through a named warehouse connection, not a file: "
                                       "remove \"path\" and name the connection in \"connection\" "
                                       "(d365sync-cli warehouse list shows them).")
                                  .arg(type));
        }
        if (!SourceType::hasQuery(type)) {
            refuse(u"query"_s,
                   Text::tr("A csv source reads every column of the file and has no query. Remove "
                            "\"query\"; the fields map the header's column names."));
        }
        if (type != SourceType::Csv) {
            for (const QString &member : csvOnlyMembers) {
                refuse(member, Text::tr("\"%1\" applies to csv sources only. Remove it.").arg(member));
            }
        }
    }

    void parseCsvOptions(const QJsonObject &object, SourceSpec &source)
    {
        const auto oneCharacter = [&](const QString &member, QString *out) {
            if (!object.contains(member))
                return;
            const QString path = memberPath(u"$.source"_s, member);
            const QJsonValue value = object.value(member);
            if (!value.isString()) {
                wrongType(path, value, Text::tr("a string of one character"));
                return;
            }
            const QString text = value.toString();
            if (text.size() != 1 || text.at(0).unicode() >= 0x80 || text == "\r"_L1 || text == "\n"_L1) {
                add(path, Text::tr("\"%1\" must be one ASCII character other than a line break (\",\", "
                                   "\";\", \"|\", \"\\t\" for a tab), not \"%2\".")
                              .arg(member, text));
                return;
            }
            *out = text;
        };
        oneCharacter(u"delimiter"_s, &source.delimiter);
        oneCharacter(u"quote"_s, &source.quote);
        if (source.delimiter == source.quote) {
            add(u"$.source.quote"_s,
                Text::tr("The quote and the delimiter are both \"%1\"; they must differ.")
                    .arg(source.delimiter));
        }
        if (object.contains("columnTypes"_L1)) {
            const auto types = objectAt(object.value("columnTypes"_L1), u"$.source.columnTypes"_s);
            if (!types)
                return;
            const QStringList names = csvColumnTypeNames();
            for (auto it = types->begin(); it != types->end(); ++it) {
                const QString path = memberPath(u"$.source.columnTypes"_s, it.key());
                const auto type = csvColumnTypeFromName(it.value().toString());
                if (!it.value().isString() || !type) {
                    const QString suggestion = closestNames(it.value().toString(), names, 1).value(0);
                    add(path,
                        Text::tr("Unknown column type %1%2. Types: %3.")
                            .arg(describe(it.value()),
                                 suggestion.isEmpty() ? QString()
                                                      : Text::tr(" (did you mean \"%1\"?)").arg(suggestion),
                                 names.join(u", "_s)));
                    continue;
                }
                source.columnTypes.insert(it.key(), *type);
            }
        }
    }

    void parseTarget(const QJsonObject &object, TargetSpec &target)
    {
        checkMembers(object, u"$.target"_s, targetMembers + QStringList{u"list"_s}, targetMembers);
        if (object.contains("list"_L1)) {
            if (const auto list = objectAt(object.value("list"_L1), u"$.target.list"_s))
                target.list = parseList(*list);
        }

        if (object.contains("profile"_L1)) {
            const QJsonValue value = object.value("profile"_L1);
            if (!value.isString()) {
                wrongType(u"$.target.profile"_s, value, Text::tr("a string (a connection profile name)"));
            } else {
                const auto name = ConnectionProfile::validateName(value.toString());
                if (!name)
                    add(u"$.target.profile"_s, name.error().message);
                else
                    target.profile = *name;
            }
        }
        if (const auto entitySet = nonEmptyString(
                object, u"$.target"_s, u"entitySet"_s,
                Text::tr("The entity set is empty: use the plural logical name, e.g. contacts."))) {
            static const QRegularExpression re(u"^[a-z][a-z0-9_]*$"_s);
            if (!re.match(*entitySet).hasMatch()) {
                add(u"$.target.entitySet"_s,
                    Text::tr(
                        "\"%1\" does not look like an entity set name: use the plural logical name, e.g. "
                        "contacts (lower case, no spaces; custom tables keep their publisher prefix, e.g. "
                        "new_projects).")
                        .arg(*entitySet));
            }
            target.entitySet = *entitySet;
        }
        if (object.contains("matchKey"_L1)) {
            const QJsonValue value = object.value("matchKey"_L1);
            if (!value.isArray()) {
                add(u"$.target.matchKey"_s, Text::tr("This must be an array of column names, e.g. "
                                                     "[\"emailaddress1\"], not %1.")
                                                .arg(jsonTypeName(value)));
            } else if (value.toArray().isEmpty()) {
                add(u"$.target.matchKey"_s,
                    Text::tr("The match key is empty. Name the Dataverse column(s) of the "
                             "alternate key that identifies a row, e.g. "
                             "[\"emailaddress1\"]."));
            } else {
                const QJsonArray array = value.toArray();
                for (qsizetype i = 0; i < array.size(); ++i) {
                    const QString path = indexPath(u"$.target.matchKey"_s, i);
                    const QJsonValue item = array.at(i);
                    if (!item.isString() || item.toString().trimmed().isEmpty()) {
                        add(path,
                            Text::tr("Each match key entry must be a column logical name such as "
                                     "\"emailaddress1\", not %1.")
                                .arg(item.isString() ? Text::tr("an empty string") : jsonTypeName(item)));
                    } else if (target.matchKey.contains(item.toString())) {
                        add(path, Text::tr("\"%1\" is listed twice in the match key; list each column once.")
                                      .arg(item.toString()));
                    } else {
                        target.matchKey.append(item.toString());
                    }
                }
            }
        }
    }

    ListSpec parseList(const QJsonObject &object)
    {
        const QString path = u"$.target.list"_s;
        checkMembers(object, path, listMembers, {});
        ListSpec list;
        if (const auto id = nonEmptyString(object, path, u"id"_s,
                                           Text::tr("The list id is empty: give the listid GUID, or "
                                                    "leave \"id\" out and name the list."))) {
            if (QUuid::fromString(*id).isNull())
                add(path + u".id"_s, Text::tr("\"%1\" is not a GUID: give the list's listid, e.g. "
                                              "\"6f1c2a4e-0d3b-4c5a-9e8f-1a2b3c4d5e6f\", or name the list.")
                                         .arg(*id));
            else
                list.id = QUuid::fromString(*id).toString(QUuid::WithoutBraces);
        }
        if (const auto name = nonEmptyString(object, path, u"name"_s,
                                             Text::tr("The list name is empty: give the marketing list's "
                                                      "name (listname), e.g. \"Newsletter\".")))
            list.name = *name;
        if (list.id.isEmpty() && list.name.isEmpty() && !object.contains("id"_L1) &&
            !object.contains("name"_L1))
            add(path, Text::tr("Name the marketing list: \"name\": \"Newsletter\" (its listname, unique in "
                               "the org) or \"id\": \"<listid>\"."));
        if (object.contains("createIfMissing"_L1)) {
            const QJsonValue value = object.value("createIfMissing"_L1);
            if (!value.isBool())
                wrongType(path + u".createIfMissing"_s, value, Text::tr("true or false"));
            else
                list.createIfMissing = value.toBool();
            if (list.createIfMissing && list.name.isEmpty())
                add(path + u".createIfMissing"_s,
                    Text::tr("A list can only be created when it has a name: add \"name\"."));
        }
        if (object.contains("maxRemovalPercent"_L1)) {
            const QJsonValue value = object.value("maxRemovalPercent"_L1);
            const double number = value.toDouble(-1);
            if (!value.isDouble() || number < 0 || number > 100 || number != std::floor(number))
                add(path + u".maxRemovalPercent"_s,
                    Text::tr("This must be a whole number from 0 to 100 (the share of the list's members a "
                             "mirror may remove in one run), not %1.")
                        .arg(describe(value)));
            else
                list.maxRemovalPercent = int(number);
        }
        return list;
    }

    void parseFields(const QJsonValue &value, QList<FieldMapping> &fields)
    {
        if (!value.isArray()) {
            wrongType(u"$.fields"_s, value, Text::tr("an array of { \"source\": …, \"target\": … } objects"));
            return;
        }
        const QJsonArray array = value.toArray();
        if (array.isEmpty()) {
            add(u"$.fields"_s,
                Text::tr("There are no fields. Map at least one warehouse column to a Dataverse "
                         "column, e.g. { \"source\": \"email\", \"target\": \"emailaddress1\" }."));
            return;
        }
        QHash<QString, qsizetype> targetIndex;
        for (qsizetype i = 0; i < array.size(); ++i) {
            const QString path = indexPath(u"$.fields"_s, i);
            const auto object = objectAt(array.at(i), path);
            if (!object)
                continue;
            // A field reads "source", or writes a "constant", or reads its lookup's "sources".
            const bool needsSource = !object->contains("constant"_L1) &&
                                     !object->value("lookup"_L1).toObject().contains("sources"_L1);
            checkMembers(*object, path, fieldMembers,
                         needsSource ? QStringList{u"source"_s, u"target"_s} : QStringList{u"target"_s},
                         u"field"_s);
            FieldMapping field;
            if (object->contains("constant"_L1)) {
                const QJsonValue constant = object->value("constant"_L1);
                if (constant.isArray() || constant.isObject()) {
                    wrongType(path + u".constant"_s, constant,
                              Text::tr("a string, number, true/false or null"));
                } else {
                    field.constant = constant;
                }
                if (object->contains("source"_L1)) {
                    add(path + u".constant"_s, Text::tr("A field has either a \"source\" column or a "
                                                        "\"constant\", not both; remove one."));
                }
            }
            if (object->contains("nullPolicy"_L1)) {
                const QJsonValue policy = object->value("nullPolicy"_L1);
                const auto parsed = nullPolicyFromName(policy.toString());
                if (!parsed) {
                    add(path + u".nullPolicy"_s,
                        Text::tr("Unknown null policy %1. Use \"send-null\" (clear the column) or "
                                 "\"leave-unchanged\" (keep what Dataverse has).")
                            .arg(policy.isString() ? u'"' + policy.toString() + u'"' : jsonTypeName(policy)));
                } else {
                    field.nullPolicy = *parsed;
                }
            }
            if (object->contains("truncate"_L1)) {
                if (!object->value("truncate"_L1).isBool())
                    wrongType(path + u".truncate"_s, object->value("truncate"_L1), Text::tr("true or false"));
                else
                    field.truncate = object->value("truncate"_L1).toBool();
            }
            if (object->contains("sourceTimeZone"_L1))
                field.sourceTimeZone =
                    parseTimeZone(object->value("sourceTimeZone"_L1), path + u".sourceTimeZone"_s);
            if (object->contains("lookup"_L1))
                field.lookup = parseLookup(object->value("lookup"_L1), path + u".lookup"_s);
            if (const auto source =
                    nonEmptyString(*object, path, u"source"_s,
                                   Text::tr("The source column is empty; name a column of the "
                                            "query, e.g. \"email\".")))
                field.source = *source;
            if (const auto target =
                    nonEmptyString(*object, path, u"target"_s,
                                   Text::tr("The target column is empty; give the Dataverse "
                                            "column's logical name, e.g. \"emailaddress1\"."))) {
                static const QRegularExpression whitespace(u"\\s"_s);
                if (target->contains(whitespace)) {
                    add(path + u".target"_s,
                        Text::tr(
                            "\"%1\" contains a space; use the column's logical name (lower case, no spaces), "
                            "e.g. \"emailaddress1\", not its display name.")
                            .arg(*target));
                } else if (const auto first = targetIndex.constFind(*target); first != targetIndex.cend()) {
                    add(path + u".target"_s,
                        Text::tr(
                            "The column \"%1\" is already the target of $.fields[%2]; a Dataverse column can "
                            "receive only one warehouse column. Remove one of the two fields.")
                            .arg(*target)
                            .arg(*first));
                } else {
                    targetIndex.insert(*target, i);
                }
                field.target = *target;
            }
            fields.append(field);
        }
    }

    QString m_baseDir;
    QList<MappingProblem> m_problems;
    QSet<QString> m_secretPaths;
};

} // namespace

QString MappingLoadResult::problemsText() const
{
    QStringList lines;
    lines.reserve(problems.size());
    for (const MappingProblem &problem : problems)
        lines << problem.path + u": "_s + problem.message;
    return lines.join(u'\n');
}

QString MappingFile::schemaUrl()
{
    return u"https://d365sync.example/schemas/mapping-v1.json"_s;
}

MappingLoadResult MappingFile::parse(const QByteArray &json, const QString &baseDir)
{
    return Parser(baseDir).run(json);
}

MappingLoadResult MappingFile::load(const QString &filePath)
{
    MappingLoadResult result;
    QFile file(filePath);
    if (!file.open(QIODevice::ReadOnly)) {
        result.problems.append(MappingProblem{
            u"$"_s,
            Text::tr("Cannot read the mapping file \"%1\": %2. Check the path and that you may read it.")
                .arg(QDir::toNativeSeparators(filePath), file.errorString())});
        return result;
    }
    if (file.size() > MaxFileSize) {
        result.problems.append(
            MappingProblem{u"$"_s, Text::tr("\"%1\" is %2 bytes long, too large to be a mapping file. Check "
                                            "that you opened the right file.")
                                       .arg(QDir::toNativeSeparators(filePath))
                                       .arg(file.size())});
        return result;
    }
    const QFileInfo info(filePath);
    result = parse(file.readAll(), info.absolutePath());
    // A hand-written file may leave out "name": the file name is the natural default.
    if (result.mapping && result.mapping->name.trimmed().isEmpty())
        result.mapping->name = info.completeBaseName();
    qCDebug(lcMappingFile) << "loaded" << filePath << "with" << result.problems.size() << "problem(s)";
    return result;
}

namespace {
QString jsonList(const QStringList &list)
{
    QStringList quoted;
    for (const QString &item : list)
        quoted << jsonString(item);
    return u'[' + quoted.join(u", "_s) + u']';
}

// One field on one line; options only when they differ from the defaults, so v1 files stay as they were.
QString fieldJson(const FieldMapping &field)
{
    QStringList members;
    if (!field.source.isEmpty() ||
        (!field.hasConstant() && !(field.lookup && !field.lookup->sources.isEmpty())))
        members << u"\"source\": "_s + jsonString(field.source);
    members << u"\"target\": "_s + jsonString(field.target);
    if (field.hasConstant()) {
        const QByteArray doc = QJsonDocument(QJsonArray{field.constant}).toJson(QJsonDocument::Compact);
        members << u"\"constant\": "_s + QString::fromUtf8(doc.mid(1, doc.size() - 2));
    }
    if (field.nullPolicy != NullPolicy::SendNull)
        members << u"\"nullPolicy\": "_s + jsonString(nullPolicyName(field.nullPolicy));
    if (field.truncate)
        members << u"\"truncate\": true"_s;
    if (!field.sourceTimeZone.isEmpty())
        members << u"\"sourceTimeZone\": "_s + jsonString(field.sourceTimeZone);
    if (field.lookup) {
        QStringList lookup;
        if (!field.lookup->table.isEmpty())
            lookup << u"\"table\": "_s + jsonString(field.lookup->table);
        if (!field.lookup->tableColumn.isEmpty())
            lookup << u"\"tableColumn\": "_s + jsonString(field.lookup->tableColumn);
        if (!field.lookup->key.isEmpty())
            lookup << u"\"key\": "_s + jsonList(field.lookup->key);
        if (!field.lookup->sources.isEmpty())
            lookup << u"\"sources\": "_s + jsonList(field.lookup->sources);
        members << u"\"lookup\": { "_s + lookup.join(u", "_s) + (lookup.isEmpty() ? u"}"_s : u" }"_s);
    }
    return members.join(u", "_s);
}
// The source's members for its type, one per line; the CSV options only when they differ from the defaults.
QString sourceJson(const SourceSpec &source, const QString &baseDir)
{
    QStringList members;
    members << u"\"type\": "_s + jsonString(source.type);
    if (SourceType::readsFile(source.type))
        members << u"\"path\": "_s + jsonString(pathForFile(source.path, baseDir));
    else
        members << u"\"connection\": "_s + jsonString(source.connection);
    if (SourceType::hasQuery(source.type))
        members << u"\"query\": "_s + jsonString(source.query);
    members << u"\"keyColumn\": "_s + jsonString(source.keyColumn);
    if (source.type == SourceType::Csv) {
        if (source.delimiter != ","_L1)
            members << u"\"delimiter\": "_s + jsonString(source.delimiter);
        if (source.quote != "\""_L1)
            members << u"\"quote\": "_s + jsonString(source.quote);
        if (!source.columnTypes.isEmpty()) {
            QStringList types;
            for (auto it = source.columnTypes.cbegin(); it != source.columnTypes.cend(); ++it)
                types << jsonString(it.key()) + u": "_s + jsonString(csvColumnTypeName(it.value()));
            members << u"\"columnTypes\": { "_s + types.join(u", "_s) + u" }"_s;
        }
    }
    return u"    "_s + members.join(u",\n    "_s);
}
} // namespace

QByteArray MappingFile::toJson(const Mapping &mapping, const QString &baseDir)
{
    // Written by hand rather than through QJsonObject, which sorts members alphabetically: the file keeps the
    // reading order of the documentation (what, from where, to where, how) and diffs stay small.
    QString out;
    out += u"{\n"_s;
    out += u"  \"$schema\": "_s + jsonString(schemaUrl()) + u",\n"_s;
    out += u"  \"version\": "_s + QString::number(CurrentVersion) + u",\n"_s;
    out += u"  \"name\": "_s + jsonString(mapping.name) + u",\n"_s;
    out += u"  \"source\": {\n"_s + sourceJson(mapping.source, baseDir) + u"\n  },\n"_s;
    out += u"  \"target\": {\n"_s;
    out += u"    \"profile\": "_s + jsonString(mapping.target.profile) + u",\n"_s;
    out += u"    \"entitySet\": "_s + jsonString(mapping.target.entitySet) + u",\n"_s;
    QStringList keys;
    for (const QString &key : mapping.target.matchKey)
        keys << jsonString(key);
    out += u"    \"matchKey\": ["_s + keys.join(u", "_s) + u"]"_s;
    if (const auto &list = mapping.target.list) {
        QStringList members;
        if (!list->id.isEmpty())
            members << u"\"id\": "_s + jsonString(list->id);
        if (!list->name.isEmpty())
            members << u"\"name\": "_s + jsonString(list->name);
        if (list->createIfMissing)
            members << u"\"createIfMissing\": true"_s;
        if (list->maxRemovalPercent != ListSpec{}.maxRemovalPercent)
            members << u"\"maxRemovalPercent\": "_s + QString::number(list->maxRemovalPercent);
        out += u",\n    \"list\": { "_s + members.join(u", "_s) + u" }"_s;
    }
    out += u"\n  },\n"_s;
    out += u"  \"mode\": "_s + jsonString(mapping.modeName()) + u",\n"_s;
    if (mapping.writer != WriterKind::Auto)
        out += u"  \"writer\": "_s + jsonString(writerKindName(mapping.writer)) + u",\n"_s;
    if (!mapping.sourceTimeZone.isEmpty())
        out += u"  \"sourceTimeZone\": "_s + jsonString(mapping.sourceTimeZone) + u",\n"_s;
    if (mapping.fields.isEmpty()) {
        out += u"  \"fields\": []\n"_s;
    } else {
        out += u"  \"fields\": [\n"_s;
        for (qsizetype i = 0; i < mapping.fields.size(); ++i) {
            const FieldMapping &field = mapping.fields.at(i);
            out += u"    { "_s + fieldJson(field) + u" }"_s +
                   (i + 1 < mapping.fields.size() ? u",\n"_s : u"\n"_s);
        }
        out += u"  ]\n"_s;
    }
    out += u"}\n"_s;
    return out.toUtf8();
}

Result<void> MappingFile::save(const Mapping &mapping, const QString &filePath)
{
    const QFileInfo info(filePath);
    QSaveFile file(filePath);
    if (!file.open(QIODevice::WriteOnly) || file.write(toJson(mapping, info.absolutePath())) < 0 ||
        !file.commit()) {
        return Error::make(
            ErrorCategory::Configuration,
            Text::tr("Could not save the mapping file \"%1\": %2. Choose a folder you can write to.")
                .arg(QDir::toNativeSeparators(filePath), file.errorString()),
            u"saving mapping file failed: "_s + file.errorString());
    }
    qCInfo(lcMappingFile) << "saved mapping" << mapping.name << "to" << filePath;
    return {};
}

} // namespace d365::services
