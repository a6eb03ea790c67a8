#pragma once

// Logging: one QLoggingCategory per source file, named d365.<layer>.<unit>, declared at the top of the .cpp:
//   Q_LOGGING_CATEGORY(lcClient, "d365.dataverse.client")
// Enable with QT_LOGGING_RULES="d365.*.debug=true" (the CLI's --verbose does that). Never log a secret:
// tokens, client secrets and Authorization headers are redacted before anything reaches a log line.

#include <QByteArray>
#include <QString>

namespace d365 {

// "Bearer eyJ..." → "Bearer <redacted 1234 chars>"; any value → "<redacted N chars>".
QString redactSecret(const QByteArray &secret);

} // namespace d365
