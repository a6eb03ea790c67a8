#include "privilegeapi.h"

#include "recordapi.h"
#include "security.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

#include <algorithm>
#include <optional>

Q_LOGGING_CATEGORY(lcPrivileges, "d365.sandbox.privileges")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

namespace {

const QString Namespace = u"Microsoft.Dynamics.CRM."_s;
const QString AllPrivileges = u"RetrieveUserPrivileges"_s;
const QString ByName = u"RetrieveUserPrivilegeByPrivilegeName"_s;
const QString ByNames = u"RetrieveUserSetOfPrivilegesByNames"_s;

// One function: its parameters, in the documented order, with their EDM types.
struct FunctionDef
{
    QString name;
    QList<std::pair<QString, QString>> parameters; // name, type
    QString required;                              // the parameter that must be given (empty: none)
    QString example;                               // how to call it, for error messages
};

const FunctionDef *functionDef(QStringView name)
{
    static const QList<FunctionDef> functions{
        {AllPrivileges, {}, {}, u"RetrieveUserPrivileges()"_s},
        {ByName,
         {{u"PrivilegeName"_s, u"Edm.String"_s}},
         u"PrivilegeName"_s,
         u"RetrieveUserPrivilegeByPrivilegeName(PrivilegeName='prvReadAccount')"_s},
        {ByNames,
         {{u"PrivilegeNames"_s, u"Collection(Edm.String)"_s}, {u"ExcludeTeamBasic"_s, u"Edm.Boolean"_s}},
         u"PrivilegeNames"_s,
         u"RetrieveUserSetOfPrivilegesByNames(PrivilegeNames=@p1)?@p1=[\"prvReadAccount\",\"prvWriteAccount\"]"_s},
    };
    for (const FunctionDef &f : functions) {
        if (f.name == name)
            return &f;
    }
    return nullptr;
}

// Splits "a=1,b=['x,y']" on the commas that are outside quotes and brackets.
QStringList splitTopLevel(QStringView text)
{
    QStringList parts;
    QChar quote;
    int depth = 0;
    qsizetype start = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (!quote.isNull()) {
            if (c == u'\\' && quote == u'"')
                ++i; // JSON escape: skip the escaped character
            else if (c == quote)
                quote = QChar(); // a doubled '' closes and reopens: the same result
            continue;
        }
        if (c == u'\'' || c == u'"')
            quote = c;
        else if (c == u'[' || c == u'(')
            ++depth;
        else if (c == u']' || c == u')')
            --depth;
        else if (c == u',' && depth == 0) {
            parts.append(text.sliced(start, i - start).toString());
            start = i + 1;
        }
    }
    parts.append(text.sliced(start).toString());
    return parts;
}

// 'text' with '' for a quote (OData string literal).
std::optional<QString> singleQuoted(QStringView text)
{
    if (text.size() < 2 || !text.startsWith(u'\'') || !text.endsWith(u'\''))
        return std::nullopt;
    QString out;
    const QStringView inner = text.sliced(1, text.size() - 2);
    for (qsizetype i = 0; i < inner.size(); ++i) {
        if (inner[i] == u'\'') {
            if (i + 1 >= inner.size() || inner[i + 1] != u'\'')
                return std::nullopt; // a lone quote inside
            ++i;
        }
        out += inner[i];
    }
    return out;
}

// ["a","b"] (JSON, as the docs' @p1 examples write collections) or ['a','b'] (OData literals); [] is empty.
std::optional<QStringList> stringCollection(QStringView text)
{
    text = text.trimmed();
    if (text.size() < 2 || !text.startsWith(u'[') || !text.endsWith(u']'))
        return std::nullopt;
    QStringList out;
    if (text.sliced(1, text.size() - 2).trimmed().isEmpty())
        return out;
    for (const QString &part : splitTopLevel(text.sliced(1, text.size() - 2))) {
        const QString item = part.trimmed();
        if (item.startsWith(u'"')) {
            const QJsonDocument doc = QJsonDocument::fromJson(QString(u'[' + item + u']').toUtf8());
            if (!doc.isArray() || doc.array().size() != 1 || !doc.array().first().isString())
                return std::nullopt;
            out.append(doc.array().first().toString());
        } else if (const auto s = singleQuoted(item)) {
            out.append(*s);
        } else {
            return std::nullopt;
        }
    }
    return out;
}

HttpResponse parameterError(const FunctionDef &f, const QString &message)
{
    return badRequest(message + u" Call it as "_s + Namespace + f.example + u'.');
}

} // namespace

PrivilegeApi::PrivilegeApi(const OrgStore &store, RecordApi &records)
    : m_store(store)
    , m_records(records)
{}

bool PrivilegeApi::handles(const TableDef &table, const QList<PathSegment> &segments) const
{
    return table.logicalName == u"systemuser"_s && segments.size() >= 2 && segments.first().hasKey &&
           segments.at(1).name.startsWith(Namespace) &&
           functionDef(QStringView(segments.at(1).name).sliced(Namespace.size()));
}

HttpResponse PrivilegeApi::handle(const HttpRequest &request, const ServiceContext &context,
                                  const TableDef &table, const QList<PathSegment> &segments)
{
    const PathSegment &call = segments.at(1);
    const FunctionDef &f = *functionDef(QStringView(call.name).sliced(Namespace.size()));
    // FACTS §8: a function answers GET only; any other method finds "no HTTP resource".
    if (request.method != "GET" && request.method != "HEAD")
        return noHttpResource(context);
    if (segments.size() > 2)
        return resourceNotFound(segments.at(2).name);

    // Parameters: Name=value or Name=@alias (value in the query string, as the docs recommend).
    QHash<QString, QString> given;
    if (call.hasKey && !call.keyText.trimmed().isEmpty()) {
        for (const QString &part : splitTopLevel(call.keyText)) {
            const qsizetype eq = part.indexOf(u'=');
            const QString name = part.left(eq).trimmed();
            if (eq <= 0 || name.isEmpty())
                return parameterError(f,
                                      u"Syntax error in the parameters of the function '%1%2': '%3' is not "
                                      u"Name=value."_s.arg(Namespace, f.name, part.trimmed()));
            const auto known = std::find_if(f.parameters.cbegin(), f.parameters.cend(),
                                            [&](const auto &p) { return p.first == name; });
            if (known == f.parameters.cend()) {
                QStringList names;
                for (const auto &p : f.parameters)
                    names.append(u"%1 (%2)"_s.arg(p.first, p.second));
                return parameterError(f,
                                      u"The function '%1%2' has no parameter '%3'; %4."_s.arg(
                                          Namespace, f.name, name,
                                          names.isEmpty() ? u"it takes no parameters"_s
                                                          : u"its parameters are "_s + names.join(u", "_s)));
            }
            if (given.contains(name))
                return parameterError(f, u"The parameter '%1' is given twice."_s.arg(name));
            QString value = part.mid(eq + 1).trimmed();
            if (value.startsWith(u'@')) {
                if (!request.hasQuery(value))
                    return parameterError(f,
                                          u"The parameter alias '%1' of the parameter '%2' has no value in "
                                          u"the query string (add ?%1=...)."_s.arg(value, name));
                value = request.queryValue(value).trimmed();
            }
            given.insert(name, value);
        }
    }
    if (!f.required.isEmpty() && !given.contains(f.required))
        return parameterError(
            f, u"The function '%1%2' needs the parameter '%3'."_s.arg(Namespace, f.name, f.required));
    QStringList wanted; // privilege names asked for; empty list + all = every privilege
    const bool all = f.name == AllPrivileges;
    if (f.name == ByName) {
        const auto name = singleQuoted(given.value(u"PrivilegeName"_s));
        if (!name)
            return parameterError(
                f, u"The value '%1' of the parameter 'PrivilegeName' is not an Edm.String "
                   u"literal such as 'prvReadAccount'."_s.arg(given.value(u"PrivilegeName"_s)));
        wanted = {*name};
    } else if (f.name == ByNames) {
        const auto names = stringCollection(given.value(u"PrivilegeNames"_s));
        if (!names)
            return parameterError(
                f,
                u"The value '%1' of the parameter 'PrivilegeNames' is not a Collection(Edm.String) such as "
                u"[\"prvReadAccount\",\"prvWriteAccount\"] or ['prvReadAccount','prvWriteAccount']."_s.arg(
                    given.value(u"PrivilegeNames"_s)));
        wanted = *names;
        // ExcludeTeamBasic only drops Basic-depth privileges inherited from teams; the sandbox has neither.
        if (given.contains(u"ExcludeTeamBasic"_s)) {
            const QString v = given.value(u"ExcludeTeamBasic"_s);
            if (v != u"true"_s && v != u"false"_s)
                return parameterError(f, u"The value '%1' of the parameter 'ExcludeTeamBasic' is not an "
                                         u"Edm.Boolean (true or false)."_s.arg(v));
        }
    }

    // The addressed user must exist (systemusers(<guid>) or an alternate key of systemuser).
    RecordApi::ResolvedKey key;
    if (auto error = m_records.resolveKey(table, segments.first().keyText, &key))
        return *error;
    if (!key.found)
        return m_records.notFound(table, key);
    const SecurityModel *model = context.access ? context.access->model : nullptr;
    if (!model)
        return errorResponse(501, u"0x0"_s,
                             u"The sandbox runs without a security model, so it cannot tell privileges."_s);

    // The user's own rights (their roles), whoever asks: the caller needs only to be authenticated.
    const std::vector<bool> held = model->privilegesOf(key.id);
    QList<int> listed;
    if (all) {
        for (size_t p = 0; p < held.size(); ++p) {
            if (held[p])
                listed.append(int(p));
        }
    } else {
        // In the order asked, each once; names match case-insensitively (our choice, README).
        for (const QString &name : std::as_const(wanted)) {
            int index = model->privilegeIndex(name);
            if (index < 0) {
                const auto &privileges = model->privileges();
                for (size_t p = 0; p < privileges.size() && index < 0; ++p) {
                    if (privileges[p].name.compare(name, Qt::CaseInsensitive) == 0)
                        index = int(p);
                }
            }
            if (index >= 0 && held[size_t(index)] && !listed.contains(index))
                listed.append(index);
        }
    }
    const QString businessUnit =
        m_store.definition().organization().businessUnitId.toString(QUuid::WithoutBraces);
    QJsonArray rolePrivileges;
    for (int index : std::as_const(listed)) {
        const SecurityModel::Privilege &p = model->privilege(index);
        rolePrivileges.append(QJsonObject{{u"Depth"_s, u"Global"_s},
                                          {u"PrivilegeId"_s, p.id.toString(QUuid::WithoutBraces)},
                                          {u"BusinessUnitId"_s, businessUnit},
                                          {u"PrivilegeName"_s, p.name},
                                          {u"RecordFilterId"_s, QJsonValue::Null},
                                          {u"RecordFilterUniqueName"_s, QJsonValue::Null}});
    }
    qCDebug(lcPrivileges) << f.name << "for" << key.id << "->" << rolePrivileges.size() << "privileges";
    return jsonResponse(200, QJsonObject{{u"@odata.context"_s, QString(context.serviceRoot + u"$metadata#"_s +
                                                                       Namespace + f.name + u"Response"_s)},
                                         {u"RolePrivileges"_s, rolePrivileges}});
}

} // namespace d365::sandbox
