#pragma once

#include <mailaccess/auth/authenticator.hpp>
#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/core/secret.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace mailaccess::auth {

/// The password storage schemes this library can verify and produce.
///
/// Stored passwords use Dovecot's notation, `{SCHEME}data`, so a Dovecot
/// passwd-file can be used unchanged for the schemes listed here. Scheme names
/// are matched case-insensitively, as Dovecot does.
///
/// | enumerator      | `{NAME}` (aliases)     | data after the `{NAME}` prefix                       |
/// |-----------------|------------------------|------------------------------------------------------|
/// | `plain`         | `PLAIN` (`CLEARTEXT`)  | the password itself (reversible; needed for APOP)    |
/// | `sha256_crypt`  | `SHA256-CRYPT`         | `$5$[rounds=N$]salt$hash`, as crypt(3) writes it     |
/// | `sha512_crypt`  | `SHA512-CRYPT`         | `$6$[rounds=N$]salt$hash`, as crypt(3) writes it     |
/// | `pbkdf2_sha1`   | `PBKDF2`               | Dovecot's `$1$<salt>$<rounds>$<40 hex digits>`       |
/// | `pbkdf2_sha512` | `PBKDF2-SHA512`        | `$<rounds>$<base64 salt>$<base64 key>` (ours, below) |
///
/// `{PBKDF2}` is Dovecot's PBKDF2-HMAC-SHA1 with a 20-byte key; the salt is
/// used as the ASCII text between the `$` signs (not decoded), exactly as
/// Dovecot's password-scheme-pbkdf2.c does.
///
/// `{PBKDF2-SHA512}` is this library's recommended scheme (and
/// `default_password_scheme`): PBKDF2-HMAC-SHA512 (RFC 8018 section 5.2)
/// with a random 16-byte salt and a 64-byte derived key, both in padded
/// base64 (RFC 4648 section 4), and 210000 rounds by default (the OWASP 2023
/// recommendation; at least 100000). Dovecot does not know this scheme.
/// Example: `{PBKDF2-SHA512}$210000$AAECAwQFBgcICQoLDA0ODw==$8ltl...jA==`.
///
/// The SHA-crypt schemes are computed by libxcrypt's `crypt_r` (Debian package
/// libcrypt-dev), never by code of our own; PBKDF2 and MD5 come from
/// BoringSSL's libcrypto.
enum class password_scheme {
    plain,
    sha256_crypt,
    sha512_crypt,
    pbkdf2_sha1,
    pbkdf2_sha512,
};

/// The scheme `hash_password` uses when the host has no preference.
inline constexpr password_scheme default_password_scheme = password_scheme::pbkdf2_sha512;

/// Most rounds accepted in a stored hash or a `hash_options`. A database entry
/// above this is treated as malformed rather than hashed for minutes.
inline constexpr std::uint32_t max_hash_rounds = 10'000'000;

/// Looks a scheme up by name, without braces, case-insensitively ("plain",
/// "CLEARTEXT", "SHA512-CRYPT", "PBKDF2", "PBKDF2-SHA512").
/// Returns `errc::unsupported_scheme` for any other name, including Dovecot
/// schemes we do not implement (`SSHA`, `ARGON2I`, `BLF-CRYPT`, ...) and
/// encoding suffixes such as `PLAIN.b64`.
MAILACCESS_API result<password_scheme> parse_password_scheme(std::string_view name);

/// The canonical name of `s`, as written between the braces of a stored hash
/// ("PLAIN", "SHA256-CRYPT", "SHA512-CRYPT", "PBKDF2", "PBKDF2-SHA512").
/// The view refers to static storage.
MAILACCESS_API std::string_view password_scheme_name(password_scheme s) noexcept;

/// Tuning for `hash_password`.
struct hash_options {
    /// Work factor. 0 picks the scheme's default: the crypt(3) default (5000)
    /// for the SHA-crypt schemes, 100000 for `{PBKDF2}` and 210000 for
    /// `{PBKDF2-SHA512}`. Ignored by `{PLAIN}`. Values above
    /// `max_hash_rounds` are rejected. Tests use small values to stay fast;
    /// production code should leave this at 0.
    std::uint32_t rounds = 0;
};

/// Hashes `password` with `scheme` and a fresh random salt (BoringSSL
/// `RAND_bytes`), returning the complete stored form `{SCHEME}data` that a
/// passwd-file holds. This backs the reference server's `hash-password`
/// subcommand.
///
/// Errors: `mailaccess::errc::invalid_argument` if the password is longer than
/// `max_password_length`, contains a NUL byte (crypt(3) and Dovecot stop at
/// NUL), or `{PLAIN}` is asked for a password containing ':' or a line break
/// (it could not be stored in a passwd-file line); also for rounds above
/// `max_hash_rounds`. `errc::temporary_failure` if the random generator or
/// crypt(3) fails.
///
/// Thread safety: safe to call concurrently.
MAILACCESS_API result<std::string> hash_password(password_scheme scheme, const secret<>& password,
                                                 hash_options options = {});

/// As above, with the scheme given by name (see `parse_password_scheme`);
/// `errc::unsupported_scheme` for unknown names.
MAILACCESS_API result<std::string> hash_password(std::string_view scheme_name, const secret<>& password,
                                                 hash_options options = {});

/// Checks the shape of a stored password (`{SCHEME}data`) without hashing
/// anything, and returns its scheme. A passwd-file runs this at load time so
/// that a broken entry is reported once, with its line number, instead of on
/// every login.
///
/// A value without a `{SCHEME}` prefix is accepted when it starts with `$5$`
/// or `$6$` (Dovecot's passwd-file default scheme is CRYPT) and is otherwise
/// `errc::unsupported_scheme`: guessing PLAIN would be unsafe.
///
/// Errors: `errc::unsupported_scheme` for an unknown scheme,
/// `errc::bad_user_database` when the data does not match the scheme's format
/// (wrong prefix, bad hex or base64, rounds of 0 or above `max_hash_rounds`).
MAILACCESS_API result<password_scheme> stored_password_scheme(std::string_view stored);

/// Verifies `password` against the stored form `stored`.
///
/// Returns an empty error_code on a match and `errc::invalid_credentials` on a
/// mismatch, or when the password is longer than `max_password_length` (then
/// without hashing) or contains a NUL byte. Errors of
/// `stored_password_scheme` are returned as they are. Every comparison of
/// secret bytes is constant-time (`CRYPTO_memcmp`).
///
/// Thread safety: safe to call concurrently.
MAILACCESS_API std::error_code verify_password(std::string_view stored, const secret<>& password);

}  // namespace mailaccess::auth
