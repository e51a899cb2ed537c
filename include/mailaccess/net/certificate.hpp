#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/core/secret.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::net {

/// A certificate and its private key, both PEM-encoded. Feed them to
/// `server_tls_options` (server) and the certificate to
/// `client_tls_options::ca_pem` (a client that should trust it).
struct self_signed_certificate {
    std::string certificate_pem;          ///< "-----BEGIN CERTIFICATE-----" ...
    secret<std::string> private_key_pem;  ///< PKCS#8 "-----BEGIN PRIVATE KEY-----" ...
};

/// Makes a fresh self-signed X.509 v3 certificate in code, for the reference
/// server's embedded default and for tests: an EC P-256 key, signed with
/// ECDSA-SHA256, subject and issuer CN = `common_name`, valid from now for
/// `days` days, a random 63-bit serial, and a subjectAltName listing every
/// entry of `subject_alt_names` (an entry that parses as an IPv4 or IPv6
/// address becomes an iPAddress name, anything else a dNSName). Clients match
/// host names against the SAN only (RFC 6125 section 6.4.4), so list every
/// name the server is reached by, e.g. {"localhost", "127.0.0.1", "::1"}.
///
/// Errors: `mailaccess::errc::invalid_argument` for an empty or overlong
/// `common_name`, an empty SAN entry or `days` outside 1..36500;
/// `net::errc::certificate_failed` if the TLS library fails.
///
/// Thread safety: safe to call concurrently.
MAILACCESS_API result<self_signed_certificate> make_self_signed_certificate(
    std::string_view common_name, const std::vector<std::string>& subject_alt_names, int days);

}  // namespace mailaccess::net
