#pragma once

// The string rules of RFC 3501 section 9 (and RFC 3516 / RFC 9051 literal8).
// Their values are plain std::string: every octet string without NUL has a
// `string` form, and `writer::astring` / `string` / `nstring` pick the form.

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/parse_cursor.hpp>

#include <optional>
#include <string>

namespace mailaccess::imap {

/// RFC 3501 section 9 (with RFC 9051 / RFC 6855 UTF-8 when
/// `options().utf8_accept`):
///     quoted          = DQUOTE *QUOTED-CHAR DQUOTE
///     QUOTED-CHAR     = <any TEXT-CHAR except quoted-specials> /
///                       "\" quoted-specials
///     QUOTED-CHAR     =/ UTF8-2 / UTF8-3 / UTF8-4      ; RFC 9051
/// Returns the unescaped contents.
MAILACCESS_API result<std::string> parse_quoted(parse_cursor& in);

/// RFC 3501 section 9, with the RFC 7888 non-synchronizing form:
///     literal         = "{" number64 ["+"] "}" CRLF *CHAR8
///                       ; Number represents the number of CHAR8s
///     CHAR8           = %x01-ff
/// The octets must be present in the message (the framer put them there).
MAILACCESS_API result<std::string> parse_literal(parse_cursor& in);

/// RFC 9051 section 9 (RFC 3516 section 4.2, RFC 4466 section 4):
///     literal8        = "~{" number64 "}" CRLF *OCTET
/// The "+" of RFC 7888 is accepted too. NUL octets are allowed.
MAILACCESS_API result<std::string> parse_literal8(parse_cursor& in);

/// RFC 3501 section 9:
///     string          = quoted / literal
MAILACCESS_API result<std::string> parse_string(parse_cursor& in);

/// RFC 3501 section 9:
///     astring         = 1*ASTRING-CHAR / string
MAILACCESS_API result<std::string> parse_astring(parse_cursor& in);

/// RFC 3501 section 9:
///     nstring         = string / nil
///     nil             = "NIL"
/// Returns std::nullopt for NIL.
MAILACCESS_API result<std::optional<std::string>> parse_nstring(parse_cursor& in);

}  // namespace mailaccess::imap
