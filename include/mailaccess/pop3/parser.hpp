#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/pop3/error.hpp>
#include <mailaccess/pop3/types.hpp>

#include <string_view>

namespace mailaccess::pop3 {

/// Parses one complete client command line (server side).
///
/// `line` is the line without its CRLF (a trailing CR is tolerated and
/// ignored). Keywords are case-insensitive (RFC 1939 section 3). Arguments
/// are separated by one or more spaces, except for PASS, whose argument is
/// the rest of the line after the single space that follows the keyword,
/// spaces included (RFC 1939 section 7). Message numbers and TOP line counts
/// are decimal without sign and must fit in 32 bits.
///
/// Errors: `errc::line_too_long` when the line plus CRLF exceeds 255 octets
/// (RFC 2449 section 4), `errc::unknown_command` for an unknown keyword,
/// `errc::bad_syntax` for missing, extra or malformed arguments or control
/// characters. The function is pure and never reads past `line`.
///
/// Thread safety: safe to call concurrently.
MAILACCESS_API result<command> parse_command(std::string_view line);

/// Parses one server status line (client side): `"+OK" [SP text]`,
/// `"-ERR" [SP text]` with an optional RFC 2449 section 8 response code
/// `[resp-level *("/" resp-level)]` at the start of the text, or a SASL
/// continuation `"+" SP base64` (RFC 5034 section 4). `line` excludes CRLF.
///
/// Errors: `errc::line_too_long` beyond 512 octets with CRLF (RFC 2449
/// section 4), `errc::bad_syntax` for anything else that is not a status line.
///
/// Thread safety: safe to call concurrently.
MAILACCESS_API result<status_line> parse_status_line(std::string_view line);

}  // namespace mailaccess::pop3
