#include <mailaccess/net/certificate.hpp>

#include <mailaccess/core/error.hpp>
#include <mailaccess/net/error.hpp>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>

namespace mailaccess::net {
namespace {

template <class T, void (*Free)(T*)>
struct deleter {
    void operator()(T* p) const noexcept { Free(p); }
};
template <class T, void (*Free)(T*)>
using owned = std::unique_ptr<T, deleter<T, Free>>;

using pkey_ptr = owned<EVP_PKEY, ::EVP_PKEY_free>;
using pkey_ctx_ptr = owned<EVP_PKEY_CTX, ::EVP_PKEY_CTX_free>;
using x509_ptr = owned<X509, ::X509_free>;
using names_ptr = owned<GENERAL_NAMES, ::GENERAL_NAMES_free>;
using bio_ptr = owned<BIO, ::BIO_free_all>;

pkey_ptr make_p256_key() {
    pkey_ctx_ptr kctx(::EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
    if (!kctx || ::EVP_PKEY_keygen_init(kctx.get()) != 1 ||
        ::EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kctx.get(), NID_X9_62_prime256v1) != 1)
        return nullptr;
    EVP_PKEY* raw = nullptr;
    if (::EVP_PKEY_keygen(kctx.get(), &raw) != 1) return nullptr;
    return pkey_ptr(raw);
}

// One GENERAL_NAME per entry: IP literals as iPAddress (matched by
// X509_VERIFY_PARAM_set1_ip_asc), everything else as dNSName.
bool add_subject_alt_names(X509* cert, const std::vector<std::string>& entries) {
    if (entries.empty()) return true;
    names_ptr names(::GENERAL_NAMES_new());
    if (!names) return false;
    for (const std::string& entry : entries) {
        GENERAL_NAME* gn = ::GENERAL_NAME_new();
        if (gn == nullptr) return false;
        if (ASN1_OCTET_STRING* ip = ::a2i_IPADDRESS(entry.c_str())) {
            ::GENERAL_NAME_set0_value(gn, GEN_IPADD, ip);
        } else {
            ASN1_IA5STRING* dns = ::ASN1_IA5STRING_new();
            if (dns == nullptr || ::ASN1_STRING_set(dns, entry.data(), static_cast<int>(entry.size())) != 1) {
                ::ASN1_IA5STRING_free(dns);
                ::GENERAL_NAME_free(gn);
                return false;
            }
            ::GENERAL_NAME_set0_value(gn, GEN_DNS, dns);
        }
        if (::sk_GENERAL_NAME_push(names.get(), gn) == 0) {
            ::GENERAL_NAME_free(gn);
            return false;
        }
    }
    return ::X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) == 1;
}

bool to_pem(bio_ptr& bio, std::string& out) {
    char* data = nullptr;
    long len = ::BIO_get_mem_data(bio.get(), &data);
    if (len <= 0 || data == nullptr) return false;
    out.assign(data, static_cast<std::size_t>(len));
    return true;
}

}  // namespace

result<self_signed_certificate> make_self_signed_certificate(
    std::string_view common_name, const std::vector<std::string>& subject_alt_names, int days) {
    // X.520 ub-common-name is 64 characters.
    if (common_name.empty() || common_name.size() > 64 || days < 1 || days > 36500)
        return unexpected(mailaccess::errc::invalid_argument);
    for (const std::string& e : subject_alt_names)
        if (e.empty() || e.size() > 253) return unexpected(mailaccess::errc::invalid_argument);

    const auto fail = [] {
        ::ERR_clear_error();
        return unexpected(errc::certificate_failed);
    };

    pkey_ptr key = make_p256_key();
    x509_ptr cert(::X509_new());
    if (!key || !cert) return fail();

    // Random positive serial (RFC 5280 section 4.1.2.2: unique per issuer).
    std::uint64_t serial = 0;
    if (::RAND_bytes(reinterpret_cast<std::uint8_t*>(&serial), sizeof serial) != 1) return fail();
    serial = (serial >> 1) | 1u;

    X509_NAME* name = ::X509_get_subject_name(cert.get());
    const std::string cn(common_name);
    if (::X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
        ::ASN1_INTEGER_set_uint64(::X509_get_serialNumber(cert.get()), serial) != 1 ||
        ::X509_gmtime_adj(::X509_getm_notBefore(cert.get()), 0) == nullptr ||
        ::X509_gmtime_adj(::X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400L) == nullptr ||
        ::X509_set_pubkey(cert.get(), key.get()) != 1 ||
        ::X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(cn.data()),
                                     static_cast<int>(cn.size()), -1, 0) != 1 ||
        ::X509_set_issuer_name(cert.get(), name) != 1 ||
        !add_subject_alt_names(cert.get(), subject_alt_names) ||
        ::X509_sign(cert.get(), key.get(), ::EVP_sha256()) == 0)
        return fail();

    bio_ptr cert_bio(::BIO_new(::BIO_s_mem()));
    bio_ptr key_bio(::BIO_new(::BIO_s_mem()));
    if (!cert_bio || !key_bio || ::PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
        ::PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return fail();

    self_signed_certificate out;
    std::string key_pem;
    if (!to_pem(cert_bio, out.certificate_pem) || !to_pem(key_bio, key_pem)) return fail();
    out.private_key_pem = secret<std::string>(std::move(key_pem));
    // The BIO's copy of the key is freed without wiping; acceptable for a
    // test/default key, and BIO_free of a mem BIO does OPENSSL_free, which
    // BoringSSL zeroes anyway.
    return out;
}

}  // namespace mailaccess::net
