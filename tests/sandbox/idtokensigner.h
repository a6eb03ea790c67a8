#pragma once

// Signs the identity provider's ID tokens as Entra does: RS256 (RSASSA-PKCS1-v1_5 with SHA-256) with an RSA
// key whose public half the tenant's JWKS document publishes (`/{tenant}/discovery/v2.0/keys`, named by `kid`
// in the token header), so a client that verifies ID tokens — a generic OpenID Connect library, PyJWT with
// the JWKS — can. The 2048-bit key is made on first use (a sandbox that never issues an ID token never pays
// for it) and lives only in memory: tokens of an earlier run do not verify.
//
// Without OpenSSL (a build without its headers) tokens are unsigned ("alg": "none") and the key set is empty.

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <memory>

namespace d365::sandbox {

class IdTokenSigner
{
public:
    IdTokenSigner();
    ~IdTokenSigner();
    IdTokenSigner(const IdTokenSigner &) = delete;
    IdTokenSigner &operator=(const IdTokenSigner &) = delete;

    // The compact JWT: header (typ, alg, kid) . claims . signature, all base64url.
    QByteArray sign(const QJsonObject &claims);
    // {"keys": [the public key as a JWK]} (empty when tokens are unsigned).
    QJsonObject keySet();
    // "RS256", or "none" without OpenSSL or when the key could not be made.
    QString algorithm();

private:
    struct Key;
    bool ensureKey();
    std::unique_ptr<Key> m_key;
    bool m_tried = false;
};

} // namespace d365::sandbox
