#pragma once

// Test support: hand-built $batch bodies (FACTS §6), CRLF everywhere, so the sandbox's tests can send exactly
// the parts a case needs (the client's own encoder is services/dataverse/batchrequest.h):
//
//   const QByteArray body = batchMultipart("batch_1", {batchPart("POST", "/api/data/v9.2/contacts", json),
//                                                       batchChangeSet("changeset_1", {batchPart(...)})});
//   request("POST", api.resolved(QUrl(u"$batch"_s)), {{"Content-Type", "multipart/mixed; boundary=batch_1"}},
//           body);

#include <QByteArray>
#include <QByteArrayList>

namespace d365::testsupport {

// One application/http part; `url` as it goes on the request line; a JSON body when not empty.
QByteArray batchPart(const QByteArray &method, const QByteArray &url, const QByteArray &body = {},
                     const QByteArray &contentId = {});
// Parts between delimiters of `boundary`, with the closing delimiter.
QByteArray batchMultipart(const QByteArray &boundary, const QByteArrayList &parts);
// A change set, ready to be one part of the outer multipart.
QByteArray batchChangeSet(const QByteArray &boundary, const QByteArrayList &parts);

} // namespace d365::testsupport
