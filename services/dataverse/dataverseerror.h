#pragma once

// Turns what the Dataverse Web API answered (status, {"error":{"code","message"}} body, or a transport
// failure) into a typed ServiceError, and a ServiceError into a user-facing d365::Error that says what to do.
// The four troubleshooting cases of the destination spec get their own messages:
//   401                          → token expired or invalid: reconnect
//   host unreachable / TLS / 404 on the service root → organization URL incorrect: expected pattern + where
//   404 0x8006088a on an entity set → entity not found (the metadata client adds "did you mean")
//   403 0x80040220 (PrivilegeDenied) → names the missing privilege and table; Settings → Security
// The `code` field is frequently empty or "0x0" (FACTS §8): decisions key on the HTTP status first.

#include "services/common/result.h"
#include "services/dataverse/httptransport.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace d365::services {

struct ServiceError
{
    int httpStatus = 0; // 0 = no complete HTTP answer (see transport) or no request at all (see signIn)
    TransportError transport = TransportError::None; // why no answer came, when httpStatus == 0
    QString
        code; // e.g. "0x80044331"; may be empty or "0x0"; local codes: invalid-json, not-dataverse, redirect
    QString message; // server text, or what the transport said
    int retryAfterSeconds = -1;
    // The request may have been carried out although no answer says so (dropped, cut off, timed out, and not
    // sent again because it is not idempotent): its caller must find out what happened.
    bool outcomeUnknown = false;
    // No request was sent: the token provider could not give a token. Its error is already the user's
    // message.
    std::optional<Error> signIn;

    bool isTransport() const { return httpStatus == 0 && !signIn; }
    bool isThrottled() const { return httpStatus == 429; }
    bool isTransient() const; // worth retrying: 429, 502/503/504, connection dropped/refused, timeouts

    // Parses {"error":{"code":…,"message":…}}; anything else (an HTML error page, plain text) becomes a short
    // readable message: tags stripped, at most 300 characters.
    static ServiceError fromHttp(int status, const QByteArray &body, const QByteArray &contentType = {});
    // Name of the missing privilege (prvCreateContact) and the table, from a 403 message; empty when absent.
    QString missingPrivilege() const;
    QString privilegeTable() const;
};

struct ErrorContext
{
    QString profileName;
    QString orgUrl;
    QString entitySet;
    bool sandbox = false; // a local d365sync-sandbox org: URL hints talk about the sandbox, not dynamics.com
};

// Maps a ServiceError to an Error with category and an actionable message (translatable).
Error toUserError(const ServiceError &error, const ErrorContext &context);

} // namespace d365::services
