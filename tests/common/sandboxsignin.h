#pragma once

// Test support: an access token for one of the sandbox's test users, through the sandbox's own identity
// provider (authorization code with PKCE, as a browser sign-in would do it), so a test can call the Web API
// as that user (e.g. alice, whose Salesperson role lacks prvCreateAccount):
//
//   const QByteArray token = d365::testsupport::signInAs(sandbox, u"alice@sandbox.onmicrosoft.com"_s);
//   request("POST", ..., {{"Authorization", "Bearer " + token}}, body);
//
// Returns an empty token (and logs why with qWarning) when the sign-in fails.

#include "sandboxprocess.h"

#include <QByteArray>
#include <QString>

namespace d365::testsupport {

QByteArray signInAs(const SandboxProcess &sandbox, const QString &upn);

} // namespace d365::testsupport
