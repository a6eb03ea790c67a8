#include "tlscertificates.h"

#include <QDateTime>
#include <QFile>
#include <QSslCertificate>
#include <QSslKey>

#ifdef D365_SANDBOX_HAVE_OPENSSL
#include <memory>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#endif

using namespace Qt::StringLiterals;

namespace d365::sandbox {

#ifdef D365_SANDBOX_HAVE_OPENSSL
namespace {

struct Free
{
    void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
    void operator()(X509 *p) const { X509_free(p); }
    void operator()(X509_EXTENSION *p) const { X509_EXTENSION_free(p); }
    void operator()(BIO *p) const { BIO_free(p); }
    void operator()(BIGNUM *p) const { BN_free(p); }
};
template<typename T> using Owned = std::unique_ptr<T, Free>;

// The reason of the last OpenSSL error, for messages.
QString openSslError(const char *what)
{
    char text[256] = {};
    ERR_error_string_n(ERR_get_error(), text, sizeof text);
    ERR_clear_error();
    return u"%1 failed: %2"_s.arg(QLatin1StringView(what), QString::fromLatin1(text));
}

Owned<EVP_PKEY> newKey()
{
    return Owned<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

bool addExtension(X509 *certificate, X509V3_CTX *ctx, int nid, const QByteArray &value)
{
    const Owned<X509_EXTENSION> extension(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.constData()));
    return extension && X509_add_ext(certificate, extension.get(), -1) == 1;
}

// A certificate for `key` named `commonName`, signed by issuer/issuerKey (itself when issuer is null).
Owned<X509> newCertificate(const QString &commonName, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuerKey,
                           int days, const QList<QPair<int, QByteArray>> &extensions)
{
    Owned<X509> certificate(X509_new());
    if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1)
        return nullptr;
    // A random 127-bit serial: two sandboxes started in the same second never share one (RFC 5280 §4.1.2.2).
    Owned<BIGNUM> serial(BN_new());
    if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate.get())))
        return nullptr;
    // From an hour ago, so a client whose clock is slightly behind still accepts it.
    if (!X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(certificate.get()), long(days) * 24 * 3600))
        return nullptr;
    X509_NAME *name = X509_get_subject_name(certificate.get());
    const QByteArray cn = commonName.toUtf8();
    if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char *>("D365 Sync sandbox"), -1, -1,
                                   0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char *>(cn.constData()), -1, -1, 0) != 1)
        return nullptr;
    X509 *signer = issuer ? issuer : certificate.get();
    if (X509_set_issuer_name(certificate.get(), X509_get_subject_name(signer)) != 1 ||
        X509_set_pubkey(certificate.get(), key) != 1)
        return nullptr;
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, signer, certificate.get(), nullptr, nullptr, 0);
    // The subject key identifier first: a self-signed certificate's authority key identifier is its own.
    if (!addExtension(certificate.get(), &ctx, NID_subject_key_identifier, "hash"))
        return nullptr;
    for (const auto &[nid, value] : extensions) {
        if (!addExtension(certificate.get(), &ctx, nid, value))
            return nullptr;
    }
    if (!addExtension(certificate.get(), &ctx, NID_authority_key_identifier, "keyid:always"))
        return nullptr;
    if (X509_sign(certificate.get(), issuerKey ? issuerKey : key, EVP_sha256()) <= 0)
        return nullptr;
    return certificate;
}

QByteArray pem(X509 *certificate)
{
    const Owned<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), certificate) != 1)
        return {};
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, size);
}

QByteArray pem(EVP_PKEY *key)
{
    const Owned<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return {};
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, size);
}

// Whether the PEM key is the private half of the PEM certificate's public key.
bool keyMatchesCertificate(const QByteArray &certificatePem, const QByteArray &keyPem)
{
    const Owned<BIO> certBio(BIO_new_mem_buf(certificatePem.constData(), int(certificatePem.size())));
    const Owned<BIO> keyBio(BIO_new_mem_buf(keyPem.constData(), int(keyPem.size())));
    const Owned<X509> certificate(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr));
    const Owned<EVP_PKEY> key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
    const bool match = certificate && key && X509_check_private_key(certificate.get(), key.get()) == 1;
    ERR_clear_error();
    return match;
}

} // namespace
#endif

std::optional<TlsIdentity> generateTlsIdentity(const QStringList &dnsNames,
                                               const QList<QHostAddress> &addresses, int days, QString *error)
{
#ifdef D365_SANDBOX_HAVE_OPENSSL
    const Owned<EVP_PKEY> caKey = newKey();
    const Owned<EVP_PKEY> serverKey = newKey();
    if (!caKey || !serverKey) {
        *error = openSslError("Generating an EC P-256 key");
        return std::nullopt;
    }
    // Each run's CA has its own name, so a client that still trusts an earlier run's CA file fails clearly
    // ("unable to get local issuer certificate") instead of matching the wrong issuer by name.
    const QString caName = u"D365 Sync sandbox CA %1"_s.arg(
        QDateTime::currentDateTimeUtc().toString(u"yyyy-MM-dd hh:mm:ss.zzz"_s));
    const Owned<X509> ca = newCertificate(caName, caKey.get(), nullptr, nullptr, days,
                                          {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                           {NID_key_usage, "critical,keyCertSign,cRLSign"}});
    if (!ca) {
        *error = openSslError("Creating the sandbox CA certificate");
        return std::nullopt;
    }
    QByteArrayList names;
    for (const QString &dns : dnsNames)
        names << "DNS:" + dns.toUtf8();
    for (const QHostAddress &address : addresses)
        names << "IP:" + address.toString().toLatin1();
    const Owned<X509> server =
        newCertificate(dnsNames.value(0, u"localhost"_s), serverKey.get(), ca.get(), caKey.get(), days,
                       {{NID_basic_constraints, "critical,CA:FALSE"},
                        {NID_key_usage, "critical,digitalSignature"},
                        {NID_ext_key_usage, "serverAuth"},
                        {NID_subject_alt_name, names.join(',')}});
    if (!server) {
        *error = openSslError("Creating the sandbox server certificate");
        return std::nullopt;
    }
    TlsIdentity identity{pem(ca.get()), pem(server.get()), pem(serverKey.get())};
    if (identity.caCertificatePem.isEmpty() || identity.certificateChainPem.isEmpty() ||
        identity.privateKeyPem.isEmpty()) {
        *error = openSslError("Writing the sandbox certificates as PEM");
        return std::nullopt;
    }
    return identity;
#else
    Q_UNUSED(dnsNames)
    Q_UNUSED(addresses)
    Q_UNUSED(days)
    *error = u"this d365sync-sandbox was built without OpenSSL, so it cannot make certificates; pass a "
             u"certificate and key with --tls-cert and --tls-key"_s;
    return std::nullopt;
#endif
}

std::optional<TlsIdentity> loadTlsIdentity(const QString &certificateFile, const QString &keyFile,
                                           QString *error)
{
    const auto read = [error](const QString &path, const char *what) -> std::optional<QByteArray> {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            *error =
                u"cannot read the %1 file '%2': %3"_s.arg(QLatin1StringView(what), path, file.errorString());
            return std::nullopt;
        }
        return file.readAll();
    };
    const auto chain = read(certificateFile, "--tls-cert");
    if (!chain)
        return std::nullopt;
    const auto key = read(keyFile, "--tls-key");
    if (!key)
        return std::nullopt;
    if (QSslCertificate::fromData(*chain, QSsl::Pem).isEmpty()) {
        *error = u"--tls-cert '%1' holds no PEM certificate (expected \"-----BEGIN CERTIFICATE-----\")"_s.arg(
            certificateFile);
        return std::nullopt;
    }
    return TlsIdentity{{}, *chain, *key};
}

std::optional<QSslConfiguration> serverConfiguration(const TlsIdentity &identity, QString *error)
{
    const QList<QSslCertificate> chain = QSslCertificate::fromData(identity.certificateChainPem, QSsl::Pem);
    QSslKey key(identity.privateKeyPem, QSsl::Ec, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(identity.privateKeyPem, QSsl::Rsa, QSsl::Pem);
    if (chain.isEmpty() || key.isNull()) {
        *error = chain.isEmpty() ? u"the TLS certificate chain is empty"_s
                                 : u"the TLS private key is not an unencrypted PEM RSA or EC key"_s;
        return std::nullopt;
    }
#ifdef D365_SANDBOX_HAVE_OPENSSL
    if (!keyMatchesCertificate(identity.certificateChainPem, identity.privateKeyPem)) {
        *error = u"the TLS private key does not belong to the certificate (check that --tls-key is the key "
                 u"--tls-cert was issued for)"_s;
        return std::nullopt;
    }
#endif
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setPeerVerifyMode(
        QSslSocket::VerifyNone); // a server that does not ask for client certificates
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    return configuration;
}

} // namespace d365::sandbox
