#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/core/secret.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

namespace mailaccess::auth {

/// Failures of authentication and of the user database.
enum class errc {
    invalid_credentials = 1,  ///< unknown user or wrong password (never say which)
    unsupported_scheme,       ///< the stored hash uses a scheme we cannot verify
    bad_user_database,        ///< a passwd-file line is malformed
    unsupported_mechanism,    ///< a SASL mechanism we do not offer
    malformed_response,       ///< a SASL client response violates its mechanism's grammar
    aborted,                  ///< the client sent "*" to cancel (RFC 4422 3.5)
    temporary_failure,        ///< the database could not be read right now
    authorization_denied,     ///< SASL authzid differs from authcid (no proxy login, RFC 4616 2)
};

/// Longest user name any authenticator or SASL mechanism accepts, in octets.
/// Longer names are rejected before any lookup or hashing (RFC 4616 section 2
/// requires servers to accept at least 255 octets).
inline constexpr std::size_t max_user_name_length = 255;

/// Longest password accepted, in octets. Longer passwords are rejected
/// without hashing, so a client cannot make the server hash megabytes.
inline constexpr std::size_t max_password_length = 1024;

MAILACCESS_API const std::error_category& auth_category() noexcept;
MAILACCESS_API std::error_code make_error_code(errc e) noexcept;

/// Verifies credentials against a user database. Implementations compare
/// secrets in constant time and do not reveal whether the user exists
/// (unknown users cost the same hash work as wrong passwords). They do not
/// sleep after a failure: the protocol session delays its answer instead, so
/// a failed login does not hold a store-executor thread.
///
/// Thread safety: implementations are safe to call concurrently.
class authenticator {
public:
    virtual ~authenticator() = default;

    /// Checks `password` for `user`. Returns the canonical user name (the key
    /// of the user's mail store) on success, `errc::invalid_credentials` on
    /// any mismatch.
    virtual result<std::string> verify(std::string_view user, const secret<>& password) = 0;

    /// Checks a POP3 APOP digest (RFC 1939 section 7): `digest_hex` must be
    /// the lowercase hex MD5 of `timestamp` followed by the user's plaintext
    /// password. Only users stored with a reversible scheme ({PLAIN}) can use
    /// APOP; others get `errc::invalid_credentials`.
    virtual result<std::string> verify_apop(std::string_view user, std::string_view timestamp,
                                            std::string_view digest_hex) = 0;
};

}  // namespace mailaccess::auth

template <>
struct std::is_error_code_enum<mailaccess::auth::errc> : std::true_type {};
