#pragma once

// Test support: the metadata of the sandbox org's contact and account tables as the editor sees it (a subset
// of tests/sandbox/data/org.json: names, types, required levels, create/update validity, lengths, keys), for
// tests of the mapping editor's logic that need no org. Header-only, so unit tests can use it without the
// test support library.

#include "services/dataverse/entitymetadata.h"

namespace d365::testsupport {

inline services::AttributeMetadata sampleAttribute(const QString &logicalName, const QString &displayName,
                                                   services::AttributeKind kind, const QString &typeName,
                                                   const QString &requiredLevel = QStringLiteral("None"),
                                                   bool create = true, bool update = true,
                                                   std::optional<int> maxLength = std::nullopt,
                                                   bool custom = false)
{
    services::AttributeMetadata a;
    a.logicalName = logicalName;
    a.displayName = displayName;
    a.kind = kind;
    a.typeName = typeName;
    a.requiredLevel = requiredLevel;
    a.validForCreate = create;
    a.validForUpdate = update;
    a.validForRead = true;
    a.maxLength = maxLength;
    a.isCustom = custom;
    return a;
}

inline services::EntityMetadata sampleContactEntity()
{
    using services::AttributeKind;
    services::EntityMetadata e;
    e.logicalName = QStringLiteral("contact");
    e.entitySetName = QStringLiteral("contacts");
    e.displayName = QStringLiteral("Contact");
    e.schemaName = QStringLiteral("Contact");
    e.primaryIdAttribute = QStringLiteral("contactid");
    e.primaryNameAttribute = QStringLiteral("fullname");
    e.supportsBulkMessages = true;
    const QString s = QStringLiteral("StringType");
    e.attributes = {
        sampleAttribute(QStringLiteral("contactid"), QStringLiteral("Contact"),
                        AttributeKind::Uniqueidentifier, QStringLiteral("UniqueidentifierType"),
                        QStringLiteral("SystemRequired"), true, false),
        sampleAttribute(QStringLiteral("firstname"), QStringLiteral("First Name"), AttributeKind::String, s,
                        QStringLiteral("Recommended"), true, true, 50),
        sampleAttribute(QStringLiteral("lastname"), QStringLiteral("Last Name"), AttributeKind::String, s,
                        QStringLiteral("ApplicationRequired"), true, true, 50),
        sampleAttribute(QStringLiteral("fullname"), QStringLiteral("Full Name"), AttributeKind::String, s,
                        QStringLiteral("None"), false, false, 160),
        sampleAttribute(QStringLiteral("emailaddress1"), QStringLiteral("Email"), AttributeKind::String, s,
                        QStringLiteral("None"), true, true, 100),
        sampleAttribute(QStringLiteral("telephone1"), QStringLiteral("Business Phone"), AttributeKind::String,
                        s, QStringLiteral("None"), true, true, 50),
        sampleAttribute(QStringLiteral("mobilephone"), QStringLiteral("Mobile Phone"), AttributeKind::String,
                        s, QStringLiteral("None"), true, true, 50),
        sampleAttribute(QStringLiteral("jobtitle"), QStringLiteral("Job Title"), AttributeKind::String, s,
                        QStringLiteral("None"), true, true, 100),
        sampleAttribute(QStringLiteral("address1_city"), QStringLiteral("Address 1: City"),
                        AttributeKind::String, s, QStringLiteral("None"), true, true, 80),
        sampleAttribute(QStringLiteral("birthdate"), QStringLiteral("Birthday"), AttributeKind::DateTime,
                        QStringLiteral("DateTimeType")),
        sampleAttribute(QStringLiteral("parentcustomerid"), QStringLiteral("Company Name"),
                        AttributeKind::Customer, QStringLiteral("CustomerType")),
        sampleAttribute(QStringLiteral("parentcustomeridname"), QString(), AttributeKind::String, s,
                        QStringLiteral("None"), false, false, 160),
        sampleAttribute(QStringLiteral("ownerid"), QStringLiteral("Owner"), AttributeKind::Owner,
                        QStringLiteral("OwnerType"), QStringLiteral("SystemRequired")),
        sampleAttribute(QStringLiteral("statecode"), QStringLiteral("Status"), AttributeKind::State,
                        QStringLiteral("StateType"), QStringLiteral("SystemRequired"), false, true),
        sampleAttribute(QStringLiteral("createdon"), QStringLiteral("Created On"), AttributeKind::DateTime,
                        QStringLiteral("DateTimeType"), QStringLiteral("None"), false, false),
        sampleAttribute(QStringLiteral("new_companyname"), QStringLiteral("Company (Warehouse)"),
                        AttributeKind::String, s, QStringLiteral("None"), true, true, 100, true),
        sampleAttribute(QStringLiteral("new_lifetimevalue"), QStringLiteral("Lifetime Value"),
                        AttributeKind::Money, QStringLiteral("MoneyType"), QStringLiteral("None"), true, true,
                        std::nullopt, true),
        sampleAttribute(QStringLiteral("new_leadsource"), QStringLiteral("Lead Source"),
                        AttributeKind::Picklist, QStringLiteral("PicklistType"), QStringLiteral("None"), true,
                        true, std::nullopt, true),
        sampleAttribute(QStringLiteral("new_signupdate"), QStringLiteral("Signup Date"),
                        AttributeKind::DateTime, QStringLiteral("DateTimeType"), QStringLiteral("None"), true,
                        true, std::nullopt, true),
    };
    e.attributes[11].attributeOf = QStringLiteral("parentcustomerid");
    e.attributes[10].targets = {QStringLiteral("account"), QStringLiteral("contact")};
    e.attributes[12].targets = {QStringLiteral("systemuser"), QStringLiteral("team")};
    e.attributes[17].options = {{100000000, QStringLiteral("Web")},
                                {100000001, QStringLiteral("Referral")},
                                {100000002, QStringLiteral("Trade Show")}};
    e.keys = {{QStringLiteral("new_EmailKey"), {QStringLiteral("emailaddress1")}, QStringLiteral("Active")}};
    return e;
}

// The sample warehouse's customers table: its columns in query order.
inline QStringList sampleCustomerColumns()
{
    return {QStringLiteral("customer_id"), QStringLiteral("first_name"), QStringLiteral("last_name"),
            QStringLiteral("email"),       QStringLiteral("phone"),      QStringLiteral("company"),
            QStringLiteral("job_title"),   QStringLiteral("city"),       QStringLiteral("lifetime_value"),
            QStringLiteral("lead_source"), QStringLiteral("signup_date")};
}

} // namespace d365::testsupport
