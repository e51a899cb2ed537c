#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/pop3/error.hpp>
#include <mailaccess/pop3/types.hpp>

#include <string>
#include <string_view>

namespace mailaccess::pop3 {

/// Serializes a command as one line with CRLF (client side).
///
/// The serializer never emits what `parse_command` rejects: names,
/// mechanisms and digests must be non-empty runs of printable non-space
/// characters, a password must not contain CR, LF or NUL or begin with
/// nothing, RETR/DELE/TOP need `message`, and the whole line must fit in 255
/// octets (RFC 2449 section 4). Otherwise returns `errc::bad_syntax` or
/// `errc::line_too_long`. The returned string contains the credential in
/// clear; callers must not log it.
///
/// Thread safety: safe to call concurrently.
MAILACCESS_API result<std::string> serialize_command(const command& cmd);

/// Serializes a server status line with CRLF: "+OK", "-ERR" or "+"
/// followed, when present, by " [code]" and " text". CR and LF inside
/// `code` or `text` are replaced by spaces so a host string can never
/// inject a second line. For `status::continuation`, `code` is ignored and
/// the line is "+ " followed by `text` (RFC 5034: an empty challenge is "+ ").
///
/// Thread safety: safe to call concurrently.
MAILACCESS_API std::string serialize_status(status kind, std::string_view code, std::string_view text);

/// Same, from a parsed `status_line`; `parse_status_line` of the result
/// without its CRLF gives back an equal value for any line it accepts.
MAILACCESS_API std::string serialize_status(const status_line& line);

}  // namespace mailaccess::pop3
