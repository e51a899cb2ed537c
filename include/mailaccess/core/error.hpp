#pragma once

#include <mailaccess/core/api.hpp>

#include <system_error>

namespace mailaccess {

/// Errors shared by every module: malformed encodings and exceeded limits.
/// Module-specific failures have their own `errc` in their own namespace
/// (`pop3::errc`, `store::errc`, `auth::errc`, ...); all of them are
/// std::error_code values, so a host compares them with `ec == errc::x`.
enum class errc {
    invalid_argument = 1,  ///< a value outside its documented domain
    limit_exceeded,        ///< a size the network controls exceeded a `limits` bound
    bad_base64,            ///< input is not valid base64 (RFC 4648 section 4)
    need_more,             ///< not an error: a parser needs more input (see STYLE.md 2)
    io_error,              ///< an operating-system call failed; see the message
    bad_utf8,              ///< input is not well-formed UTF-8 (RFC 3629 section 4)
    bad_mutf7,             ///< input is not valid modified UTF-7 (RFC 3501 section 5.1.3)
};

/// The category named "mailaccess.core". Thread safety: safe to call concurrently.
MAILACCESS_API const std::error_category& core_category() noexcept;

/// Makes an error_code in `core_category()`. Found by ADL for `std::error_code ec = errc::x`.
MAILACCESS_API std::error_code make_error_code(errc e) noexcept;

}  // namespace mailaccess

template <>
struct std::is_error_code_enum<mailaccess::errc> : std::true_type {};
