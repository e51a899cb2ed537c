#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/core/secret.hpp>

#include <asio/ssl/context.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <system_error>

// OpenSSL's `SSL` type, declared here so this header does not pull in
// <openssl/ssl.h>; both BoringSSL and OpenSSL name it `struct ssl_st`.
struct ssl_st;

namespace mailaccess::net {

/// A TLS protocol version the library may negotiate. Nothing older than
/// TLS 1.2 is ever offered or accepted (RFC 8996 deprecates 1.0 and 1.1).
enum class tls_version {
    tls1_2,
    tls1_3,
};

/// How a server proves its identity. Exactly one source of certificate and
/// key must be given: PEM text (`certificate_chain_pem` + `private_key_pem`)
/// or PEM files (`certificate_chain_file` + `private_key_file`). The chain
/// lists the leaf first, then intermediates. The key may be any type the TLS
/// library supports (EC or RSA), unencrypted.
struct server_tls_options {
    std::string certificate_chain_pem;
    secret<std::string> private_key_pem;  ///< never logged; wiped when the options die
    std::string certificate_chain_file;
    std::string private_key_file;
    tls_version min_version = tls_version::tls1_2;
    tls_version max_version = tls_version::tls1_3;
};

/// How a client checks the server. Trust anchors come from `ca_pem` and/or
/// `ca_file`; when both are empty and `use_system_ca` is set, the system
/// bundle (/etc/ssl/certs/ca-certificates.crt on Debian, or the library's
/// default paths) is used.
///
/// Verification is on by default: a certificate that does not chain to a
/// trust anchor, or does not match the name passed to
/// `set_client_server_name`, fails the handshake. `insecure_skip_verify`
/// turns all of that off and exists for tests and lab setups only; it makes
/// the connection open to an active attacker.
struct client_tls_options {
    std::string ca_pem;
    std::string ca_file;
    bool use_system_ca = true;
    bool insecure_skip_verify = false;
    tls_version min_version = tls_version::tls1_2;
    tls_version max_version = tls_version::tls1_3;
};

/// Builds a server context: TLS 1.2 minimum, compression off, certificate and
/// key loaded and checked to belong together.
///
/// Errors: `errc::tls_setup_failed` for missing or conflicting sources and an
/// inconsistent version range; errors from the TLS library (bad PEM, file not
/// found) are passed through in `asio::error::get_ssl_category()`.
///
/// The context is shared: the server and every stream that uses it hold a
/// reference. Thread safety: the returned context must not be modified once
/// it is in use; using it from several connections at once is safe.
MAILACCESS_API result<std::shared_ptr<asio::ssl::context>> make_server_tls_context(
    const server_tls_options& options);

/// Builds a client context as described by `client_tls_options`. Host name
/// checking is per connection: call `set_client_server_name` on each `SSL`
/// before its handshake (net::stream::start_tls_client does). Errors as for
/// `make_server_tls_context`.
MAILACCESS_API result<std::shared_ptr<asio::ssl::context>> make_client_tls_context(
    const client_tls_options& options);

/// Prepares a client `SSL` for a handshake with `server_name`: sends SNI
/// (RFC 6066 section 3; not for IP literals, which SNI forbids) and requires
/// the peer certificate to match the name (RFC 6125; a DNS name is matched
/// against subjectAltName DNS entries, an IP literal against iPAddress
/// entries). Matching only takes effect when the context verifies peers.
///
/// Errors: `errc::tls_setup_failed` if the TLS library rejects the name.
MAILACCESS_API std::error_code set_client_server_name(ssl_st* ssl, std::string_view server_name);

/// The negotiated protocol version of an established `SSL`, or an empty
/// result (`errc::tls_setup_failed`) before the handshake or for a version
/// this library does not negotiate.
MAILACCESS_API result<tls_version> negotiated_tls_version(const ssl_st* ssl);

/// "BoringSSL" or "OpenSSL": which TLS library this build uses (chosen at
/// compile time by OPENSSL_IS_BORINGSSL). For logs and diagnostics.
MAILACCESS_API std::string_view tls_library_name() noexcept;

}  // namespace mailaccess::net
