#pragma once

#include <mailaccess/core/api.hpp>

#include <system_error>

namespace mailaccess::mime {

/// Everything the message-model utilities report as a failure: one enum for
/// the whole module (STYLE.md section 5), so a caller compares with
/// `ec == mime::errc::x` whichever function produced it.
///
/// Most of the module never fails: real mail is broken in every way, and the
/// parsers return a best-effort result instead (an address list always
/// parses, a quoted-printable decoder always produces bytes). These values
/// are for the few places where the caller must choose a fallback: a Date
/// that yields no date at all, a charset the module cannot convert, a
/// Content-Type without a type/subtype. New values are appended at the end;
/// the numeric values of existing ones never change.
enum class errc {
    bad_syntax = 1,   ///< a structured value is too broken to recover (e.g. Content-Type without a subtype)
    bad_date,         ///< no date and time could be found in a Date value (RFC 5322 section 3.3)
    unknown_charset,  ///< a charset name the module has no converter for (see `find_charset`)
    unknown_transfer_encoding,  ///< a Content-Transfer-Encoding other than
                                ///< 7bit/8bit/binary/base64/quoted-printable
    bad_encoded_data,  ///< base64 or quoted-printable data that had to be repaired (IMAP BINARY refuses it)
};

/// The category named "mailaccess.mime". Thread safety: safe to call concurrently.
MAILACCESS_API const std::error_category& mime_category() noexcept;

/// Makes an error_code in `mime_category()`; found by ADL, so
/// `std::error_code ec = mime::errc::bad_date;` works.
MAILACCESS_API std::error_code make_error_code(errc e) noexcept;

}  // namespace mailaccess::mime

template <>
struct std::is_error_code_enum<mailaccess::mime::errc> : std::true_type {};
