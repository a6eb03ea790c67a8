// Value-conversion throughput: N rows (default 1,000,000) × 10 mixed columns through ValueConverter on one
// core, as the sync worker converts them (text from the warehouse, metadata-driven). Prints rows/s.
// Target (issue 5): ≥ 300,000 rows/s. Build type matters: measure the release preset.

#include "services/dataverse/valueconverter.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTextStream>

using namespace Qt::StringLiterals;
using namespace d365::services;

namespace {

AttributeMetadata make(const QString &name, AttributeKind kind)
{
    AttributeMetadata a;
    a.logicalName = name;
    a.kind = kind;
    a.typeName = attributeKindName(kind);
    a.validForCreate = a.validForUpdate = true;
    return a;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const qint64 rows = argc > 1 ? QString::fromLocal8Bit(argv[1]).toLongLong() : 1000000;

    QList<AttributeMetadata> columns;
    AttributeMetadata email = make(u"emailaddress1"_s, AttributeKind::String);
    email.maxLength = 100;
    columns << email;
    AttributeMetadata name = make(u"lastname"_s, AttributeKind::String);
    name.maxLength = 50;
    columns << name;
    AttributeMetadata age = make(u"new_age"_s, AttributeKind::Integer);
    age.minValue = 0;
    age.maxValue = 200;
    columns << age;
    AttributeMetadata money = make(u"new_lifetimevalue"_s, AttributeKind::Money);
    money.precision = 2;
    columns << money;
    columns << make(u"donotemail"_s, AttributeKind::Boolean);
    AttributeMetadata signup = make(u"new_signupdate"_s, AttributeKind::DateTime);
    signup.dateTimeBehavior = DateTimeBehavior::DateOnly;
    columns << signup;
    columns << make(u"lastcontacted"_s, AttributeKind::DateTime); // UserLocal
    AttributeMetadata source = make(u"new_leadsource"_s, AttributeKind::Picklist);
    source.options = {{100000000, u"Web"_s},           {100000001, u"Referral"_s},
                      {100000002, u"Trade Show"_s},    {100000003, u"Partner"_s},
                      {100000004, u"Advertisement"_s}, {100000005, u"Webinar"_s},
                      {100000006, u"Other"_s}};
    columns << source;
    columns << make(u"new_externalid"_s, AttributeKind::Uniqueidentifier);
    AttributeMetadata score = make(u"new_score"_s, AttributeKind::Decimal);
    score.precision = 4;
    columns << score;

    // A few distinct rows as a CSV/SQL source would hand them over (text and native values mixed).
    const QList<QVariantList> samples = {
        {u"ada@example.com"_s, u"Lovelace"_s, 36, u"1234.565"_s, u"yes"_s, u"2024-03-31"_s,
         u"2024-03-31T10:15:00Z"_s, u"trade show"_s, u"5f0c1a8e-2b4d-4e6f-9a1b-3c5d7e9f1a2b"_s, 12.34567},
        {u"alan@example.com"_s, u"Turing"_s, u"41"_s, 99.5, false, u"1912-06-23"_s,
         u"2024-11-03T01:30:00+02:00"_s, u"Web"_s, u"{0a0b0c0d-1111-2222-3333-444455556666}"_s, u"0.5"_s},
        {u"grace@example.com"_s, u"Hopper"_s, 85, u"0.07"_s, u"0"_s, u"1906-12-09"_s,
         u"2024-01-01 08:00:00"_s, 100000004, u"5f0c1a8e-2b4d-4e6f-9a1b-3c5d7e9f1a2c"_s, u"-3.14159"_s},
    };

    ConversionOptions options; // UTC source time zone
    qint64 failures = 0;
    qint64 checksum = 0;
    QElapsedTimer timer;
    timer.start();
    for (qint64 r = 0; r < rows; ++r) {
        const QVariantList &row = samples.at(r % samples.size());
        for (qsizetype c = 0; c < columns.size(); ++c) {
            const auto converted = ValueConverter::convert(row.at(c), columns.at(c), options);
            if (!converted.ok()) {
                ++failures;
            } else {
                checksum += converted.value().type();
            }
        }
    }
    const qint64 ms = std::max<qint64>(1, timer.elapsed());
    QTextStream(stdout) << "converted " << rows << " rows x " << columns.size() << " columns in " << ms
                        << " ms: " << qint64(double(rows) * 1000.0 / double(ms)) << " rows/s (" << failures
                        << " failures, checksum " << checksum << ")\n";
    return failures == 0 ? 0 : 1;
}
