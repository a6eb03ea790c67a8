#pragma once

// Certificates for `d365sync-sandbox --tls` (issue 16 item 5): clients that insist on https:// (MSAL,
// azure-identity, browsers) must be able to reach the sandbox, and they must do it with certificate
// verification on. So the sandbox makes its own small PKI at start:
//
//   a CA (EC P-256, self-signed, CA:TRUE, keyCertSign)  --signs-->  a server certificate (serverAuth, with
//   the names a client may dial: localhost, 127.0.0.1, ::1 and the --host address)
//
// The CA certificate is written to a file a client trusts explicitly (requests' verify=, a sandbox profile's
// CA file); the CA's private key never leaves memory, so nothing else can be signed with it after the process
// ends. Both certificates carry subject/authority key identifiers, which strict verifiers (Python 3.13's
// VERIFY_X509_STRICT) require.
//
// Or, with --tls-cert/--tls-key, the server uses a certificate and key the user made (loadTlsIdentity).

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QSslConfiguration>
#include <QString>
#include <QStringList>

#include <optional>

namespace d365::sandbox {

struct TlsIdentity
{
    QByteArray caCertificatePem;    // empty for a loaded identity: the user's CA is not ours to publish
    QByteArray certificateChainPem; // the server certificate first, then any intermediates
    QByteArray privateKeyPem;       // the server certificate's key (PKCS#8 PEM)
};

// A fresh CA and a server certificate for these names, valid from an hour ago for `days` days. nullopt and
// *error when OpenSSL fails (or the sandbox was built without it).
std::optional<TlsIdentity> generateTlsIdentity(const QStringList &dnsNames,
                                               const QList<QHostAddress> &addresses, int days,
                                               QString *error);

// Reads a PEM certificate chain and a PEM private key (RSA or EC, unencrypted). *error names the file and the
// problem.
std::optional<TlsIdentity> loadTlsIdentity(const QString &certificateFile, const QString &keyFile,
                                           QString *error);

// The server side of a TLS configuration for an identity; *error when the key does not parse or does not
// match the certificate.
std::optional<QSslConfiguration> serverConfiguration(const TlsIdentity &identity, QString *error);

} // namespace d365::sandbox
