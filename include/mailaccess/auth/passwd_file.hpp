#pragma once

#include <mailaccess/auth/authenticator.hpp>
#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/core/secret.hpp>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace mailaccess::auth {

/// An `authenticator` backed by a Dovecot passwd-file.
///
/// Format (one user per line, Dovecot's passwd-file):
///
///     user:{SCHEME}password:uid:gid:gecos:home:shell:extra_fields
///
/// Only the user and password fields are used; all fields after the password
/// are optional and ignored, and a line may stop after the password. Lines are
/// separated by LF (a trailing CR is removed). Empty lines, lines of only
/// spaces/tabs and lines starting with `#` are skipped. The password is any
/// form `verify_password` accepts (see password_hash.hpp); since ':' separates
/// fields, a `{PLAIN}` password cannot contain ':'.
///
/// **Malformed lines do not stop the others from loading.** A line with no
/// password field, an empty user or password, a user longer than
/// `max_user_name_length`, a password field longer than 4096 octets, a stored
/// password of an unknown scheme or with malformed data, or a repeated user
/// name is skipped and recorded in `problems()` with its 1-based line number.
/// This mirrors Dovecot, which logs such lines and serves the rest: one typo
/// should not lock every user out. Hosts should log `problems()` after
/// `load()` and `reload()`.
///
/// User names match exactly and case-sensitively; the first occurrence of a
/// duplicated name wins.
///
/// **Reloading.** An object made by `load()` remembers the path; every
/// `verify` and `verify_apop` first `stat`s the file and re-reads it when its
/// modification time, size or inode changed, so an administrator can add
/// users (or replace the file by rename) without a restart. If the file cannot
/// be read at that moment (e.g. it is being replaced), the previous contents
/// keep serving and the next call tries again.
///
/// **Timing.** An unknown user is verified against a stand-in hash taken from
/// the database (the first non-PLAIN entry, else the first entry), so it costs
/// the same hash work as a wrong password for a typical user; the result of
/// that work is discarded. Over-long user names or passwords are refused
/// before any lookup or hashing.
///
/// Thread safety: all member functions may be called concurrently on one
/// object; lookups share a snapshot of the database and hashing runs outside
/// any lock. Moving an object is not thread-safe, and a moved-from object may
/// only be destroyed or assigned to.
class MAILACCESS_API passwd_file final : public authenticator {
public:
    /// One skipped line of the file.
    struct problem {
        std::size_t line = 0;   ///< 1-based line number
        std::error_code error;  ///< `errc::bad_user_database` or `errc::unsupported_scheme`
        std::string reason;     ///< short human-readable cause; never contains a password
    };

    /// Largest file `load()` and `reload()` read; bigger files are refused
    /// with `errc::bad_user_database`.
    static constexpr std::size_t max_file_size = 64u * 1024 * 1024;

    /// Reads the passwd-file at `path` and keeps watching it (see Reloading).
    /// Errors: `errc::temporary_failure` if the file cannot be opened or read,
    /// `errc::bad_user_database` if it exceeds `max_file_size`. Malformed lines
    /// are not errors; see `problems()`.
    static result<passwd_file> load(const std::filesystem::path& path);

    /// Parses `contents` as a passwd-file that never reloads (tests, hosts
    /// that keep users elsewhere). Never fails; see `problems()`.
    static passwd_file parse(std::string_view contents);

    passwd_file(passwd_file&&) noexcept;
    passwd_file& operator=(passwd_file&&) noexcept;
    ~passwd_file() override;

    /// See `authenticator::verify`. Returns the user name as stored on
    /// success; `errc::invalid_credentials` for an unknown user, a wrong
    /// password, an empty or over-long user name, or a password longer than
    /// `max_password_length`.
    result<std::string> verify(std::string_view user, const secret<>& password) override;

    /// See `authenticator::verify_apop`. `timestamp` is the greeting's
    /// `<...>` token including the angle brackets (at most 1024 octets);
    /// `digest_hex` is compared case-insensitively to the 32-digit MD5 hex.
    /// Only `{PLAIN}` users can succeed.
    result<std::string> verify_apop(std::string_view user, std::string_view timestamp,
                                    std::string_view digest_hex) override;

    /// Re-reads the file now, whether or not it changed. Returns the same
    /// errors as `load()` and keeps the previous contents on error. Objects
    /// made by `parse()` have no file: returns an empty error_code.
    std::error_code reload();

    /// Number of users currently loaded.
    std::size_t size() const;

    /// Lines skipped by the most recent successful load, in file order.
    /// Returned by value: a concurrent reload cannot invalidate it.
    std::vector<problem> problems() const;

private:
    struct state;
    explicit passwd_file(std::unique_ptr<state> s);
    std::unique_ptr<state> state_;
};

}  // namespace mailaccess::auth
