#pragma once

// OData URL text for the Web API (FACTS §3, §10): literals for key segments and $filter values, key
// segments, and the filter that selects rows by a list of key values. Pure functions; no I/O.

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <QVariantList>

namespace d365::services::odata {

// A literal: strings single-quoted with '' escaping, numbers and booleans bare, GUIDs unquoted, null.
QString literal(const QVariant &value);

// "emailaddress1='a@b.com'" or "k1='x',k2=2" — percent-encoded for use in a URL path (FACTS §3).
QString keySegment(const QStringList &names, const QVariantList &values);
// The same, appended to a byte buffer (plain ASCII: it can go into JSON text unescaped); the bulk writer
// builds a thousand of these per request.
void appendKeySegment(QByteArray &out, const QStringList &names, const QVariantList &values);

// A $filter (not yet percent-encoded) matching rows whose key columns equal one of the given value tuples:
// Microsoft.Dynamics.CRM.In(PropertyName='k',PropertyValues=['a','b']) for a one-column key,
// (k1 eq 'a' and k2 eq 2) or (…) for a composite one.
QString keyFilter(const QStringList &names, const QList<QVariantList> &tuples);

} // namespace d365::services::odata
