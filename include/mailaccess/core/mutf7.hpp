#pragma once

// IMAP's modified UTF-7 (RFC 3501 section 5.1.3), the one copy in the
// project: the IMAP codec uses it for mailbox names on the wire (unless
// UTF8=ACCEPT is enabled, RFC 6855), and the maildir store for Maildir++
// folder names on disk, as Dovecot does by default.

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>

#include <string>
#include <string_view>

namespace mailaccess {

/// True when `text` is well-formed UTF-8 as RFC 3629 section 4 defines it:
/// no overlong forms, no surrogates (U+D800..U+DFFF), nothing above
/// U+10FFFF, no truncated sequences. The empty string is valid.
///
/// Thread safety: safe to call concurrently.
MAILACCESS_API bool is_valid_utf8(std::string_view text) noexcept;

/// Encodes UTF-8 text as modified UTF-7: printable US-ASCII (0x20-0x7e)
/// stays as is, "&" becomes "&-", every other run of characters becomes
/// "&" + modified base64 of its UTF-16BE form + "-". The output is the
/// canonical form (shortest, runs maximal), so `mutf7_encode(mutf7_decode(x))`
/// equals `x` for every canonical `x`.
///
/// Errors: `errc::bad_utf8` when `utf8` is not well-formed UTF-8 (see
/// `is_valid_utf8`).
///
/// Thread safety: safe to call concurrently.
MAILACCESS_API result<std::string> mutf7_encode(std::string_view utf8);

/// Decodes modified UTF-7 to UTF-8.
///
/// Errors: `errc::bad_mutf7` on anything RFC 3501 section 5.1.3 does not
/// allow: a raw character outside 0x20-0x7e, an unterminated or malformed
/// base64 run, an odd number of UTF-16 bytes, unpaired surrogates, non-zero
/// pad bits, and anything that is not the canonical form `mutf7_encode`
/// produces (a base64 run that encodes printable ASCII, two adjacent runs),
/// which RFC 3501 forbids and Dovecot refuses: one name has one spelling.
///
/// Thread safety: safe to call concurrently.
MAILACCESS_API result<std::string> mutf7_decode(std::string_view mutf7);

}  // namespace mailaccess
