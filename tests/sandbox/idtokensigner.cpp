#include "idtokensigner.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

#ifdef D365_SANDBOX_HAVE_OPENSSL
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#endif

Q_LOGGING_CATEGORY(lcSigner, "d365.sandbox.idtokensigner")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

namespace {
QByteArray base64Url(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}
} // namespace

struct IdTokenSigner::Key
{
#ifdef D365_SANDBOX_HAVE_OPENSSL
    EVP_PKEY *pkey = nullptr;
    ~Key()
    {
        EVP_PKEY_free(pkey);
    }
#endif
    QString kid;
    QJsonObject jwk;
};

IdTokenSigner::IdTokenSigner() = default;
IdTokenSigner::~IdTokenSigner() = default;

bool IdTokenSigner::ensureKey()
{
    if (m_tried)
        return m_key != nullptr;
    m_tried = true;
#ifdef D365_SANDBOX_HAVE_OPENSSL
    auto key = std::make_unique<Key>();
    key->pkey = EVP_RSA_gen(2048);
    BIGNUM *n = nullptr;
    BIGNUM *e = nullptr;
    if (!key->pkey || EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
        EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
        char text[256] = {};
        ERR_error_string_n(ERR_get_error(), text, sizeof text);
        qCWarning(lcSigner) << "cannot make the ID-token signing key; tokens stay unsigned:" << text;
        BN_free(n);
        BN_free(e);
        return false;
    }
    const auto bytes = [](const BIGNUM *number) {
        QByteArray out(BN_num_bytes(number), Qt::Uninitialized);
        BN_bn2bin(number, reinterpret_cast<unsigned char *>(out.data()));
        return out;
    };
    const QByteArray modulus = bytes(n);
    const QByteArray exponent = bytes(e);
    BN_free(n);
    BN_free(e);
    // A kid derived from the key, like Entra's thumbprint-shaped ones.
    key->kid = QString::fromLatin1(
        base64Url(QCryptographicHash::hash(QByteArray(modulus + exponent), QCryptographicHash::Sha1)));
    key->jwk = QJsonObject{{u"kty"_s, u"RSA"_s},
                           {u"use"_s, u"sig"_s},
                           {u"alg"_s, u"RS256"_s},
                           {u"kid"_s, key->kid},
                           {u"n"_s, QString::fromLatin1(base64Url(modulus))},
                           {u"e"_s, QString::fromLatin1(base64Url(exponent))}};
    m_key = std::move(key);
    qCInfo(lcSigner) << "ID tokens are signed with RS256, key" << m_key->kid;
    return true;
#else
    return false;
#endif
}

QString IdTokenSigner::algorithm()
{
    return ensureKey() ? u"RS256"_s : u"none"_s;
}

QJsonObject IdTokenSigner::keySet()
{
    QJsonArray keys;
    if (ensureKey())
        keys.append(m_key->jwk);
    return QJsonObject{{u"keys"_s, keys}};
}

QByteArray IdTokenSigner::sign(const QJsonObject &claims)
{
    const bool signing = ensureKey();
    QJsonObject header{{u"typ"_s, u"JWT"_s}, {u"alg"_s, signing ? u"RS256"_s : u"none"_s}};
    if (signing)
        header.insert(u"kid"_s, m_key->kid);
    const QByteArray input = base64Url(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.' +
                             base64Url(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    if (!signing)
        return input + '.';
#ifdef D365_SANDBOX_HAVE_OPENSSL
    QByteArray signature;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    size_t length = 0;
    if (context && EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, m_key->pkey) == 1 &&
        EVP_DigestSign(context, nullptr, &length, reinterpret_cast<const unsigned char *>(input.constData()),
                       size_t(input.size())) == 1) {
        signature.resize(qsizetype(length));
        if (EVP_DigestSign(context, reinterpret_cast<unsigned char *>(signature.data()), &length,
                           reinterpret_cast<const unsigned char *>(input.constData()),
                           size_t(input.size())) == 1)
            signature.resize(qsizetype(length));
        else
            signature.clear();
    }
    EVP_MD_CTX_free(context);
    if (signature.isEmpty()) {
        qCWarning(lcSigner) << "signing an ID token failed";
        ERR_clear_error();
    }
    return input + '.' + base64Url(signature);
#else
    return input + '.';
#endif
}

} // namespace d365::sandbox
