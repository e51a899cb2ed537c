#include <mailaccess/net/tls_context.hpp>

#include <mailaccess/net/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <asio/ip/address.hpp>

#include <filesystem>
#include <string>

// The single place that tells BoringSSL from OpenSSL. Everything below sticks
// to the API subset both provide (TOOLCHAIN.md), so an OpenSSL build compiles.
#if defined(OPENSSL_IS_BORINGSSL)
#define MAILACCESS_TLS_LIBRARY "BoringSSL"
#else
#define MAILACCESS_TLS_LIBRARY "OpenSSL"
#endif

namespace mailaccess::net {
namespace {

int protocol_number(tls_version v) { return v == tls_version::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION; }

std::error_code last_ssl_error() {
    unsigned long e = ::ERR_get_error();
    ::ERR_clear_error();
    if (e == 0) return errc::tls_setup_failed;
    return {static_cast<int>(e), asio::error::get_ssl_category()};
}

// Common hardening for both roles: version floor, no renegotiation-era
// features (compression is already absent from BoringSSL; OpenSSL needs the
// option).
std::error_code apply_common(asio::ssl::context& ctx, tls_version min, tls_version max) {
    if (protocol_number(min) > protocol_number(max)) return errc::tls_setup_failed;
    SSL_CTX* native = ctx.native_handle();
    if (::SSL_CTX_set_min_proto_version(native, static_cast<std::uint16_t>(protocol_number(min))) != 1 ||
        ::SSL_CTX_set_max_proto_version(native, static_cast<std::uint16_t>(protocol_number(max))) != 1) {
        return last_ssl_error();
    }
    ::SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    return {};
}

}  // namespace

result<std::shared_ptr<asio::ssl::context>> make_server_tls_context(const server_tls_options& options) {
    const bool from_pem = !options.certificate_chain_pem.empty() || !options.private_key_pem.empty();
    const bool from_file = !options.certificate_chain_file.empty() || !options.private_key_file.empty();
    if (from_pem == from_file) return unexpected(errc::tls_setup_failed);

    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    if (auto ec = apply_common(*ctx, options.min_version, options.max_version)) return unexpected(ec);

    std::error_code ec;
    if (from_pem) {
        if (options.certificate_chain_pem.empty() || options.private_key_pem.empty())
            return unexpected(errc::tls_setup_failed);
        const std::string_view key = options.private_key_pem.reveal();
        ctx->use_certificate_chain(asio::buffer(options.certificate_chain_pem), ec);
        if (!ec) ctx->use_private_key(asio::buffer(key.data(), key.size()), asio::ssl::context::pem, ec);
    } else {
        if (options.certificate_chain_file.empty() || options.private_key_file.empty())
            return unexpected(errc::tls_setup_failed);
        ctx->use_certificate_chain_file(options.certificate_chain_file, ec);
        if (!ec) ctx->use_private_key_file(options.private_key_file, asio::ssl::context::pem, ec);
    }
    if (ec) return unexpected(ec);
    if (::SSL_CTX_check_private_key(ctx->native_handle()) != 1) return unexpected(last_ssl_error());
    return ctx;
}

result<std::shared_ptr<asio::ssl::context>> make_client_tls_context(const client_tls_options& options) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    if (auto ec = apply_common(*ctx, options.min_version, options.max_version)) return unexpected(ec);

    std::error_code ec;
    if (options.insecure_skip_verify) {
        ctx->set_verify_mode(asio::ssl::verify_none, ec);
        if (ec) return unexpected(ec);
        return ctx;
    }
    ctx->set_verify_mode(asio::ssl::verify_peer, ec);
    if (!ec && !options.ca_pem.empty()) ctx->add_certificate_authority(asio::buffer(options.ca_pem), ec);
    if (!ec && !options.ca_file.empty()) ctx->load_verify_file(options.ca_file, ec);
    if (!ec && options.ca_pem.empty() && options.ca_file.empty()) {
        if (!options.use_system_ca) return unexpected(errc::tls_setup_failed);
        // Debian's bundle first: BoringSSL's compiled-in default paths point
        // at Android locations.
        static constexpr const char* debian_bundle = "/etc/ssl/certs/ca-certificates.crt";
        std::error_code fs_ec;
        if (std::filesystem::exists(debian_bundle, fs_ec))
            ctx->load_verify_file(debian_bundle, ec);
        else
            ctx->set_default_verify_paths(ec);
    }
    if (ec) return unexpected(ec);
    return ctx;
}

std::error_code set_client_server_name(ssl_st* ssl, std::string_view server_name) {
    if (ssl == nullptr || server_name.empty()) return errc::tls_setup_failed;
    const std::string name(server_name);
    X509_VERIFY_PARAM* param = ::SSL_get0_param(ssl);
    std::error_code addr_ec;
    (void)asio::ip::make_address(name, addr_ec);
    if (!addr_ec) {
        // RFC 6066 section 3: literal IP addresses are not sent as SNI.
        if (::X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1) return last_ssl_error();
        return {};
    }
    if (::SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) return last_ssl_error();
    ::X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (::X509_VERIFY_PARAM_set1_host(param, name.data(), name.size()) != 1) return last_ssl_error();
    return {};
}

result<tls_version> negotiated_tls_version(const ssl_st* ssl) {
    if (ssl == nullptr) return unexpected(errc::tls_setup_failed);
    switch (::SSL_version(ssl)) {
        case TLS1_2_VERSION: return tls_version::tls1_2;
        case TLS1_3_VERSION: return tls_version::tls1_3;
        default: return unexpected(errc::tls_setup_failed);
    }
}

std::string_view tls_library_name() noexcept { return MAILACCESS_TLS_LIBRARY; }

}  // namespace mailaccess::net
