#pragma once

// Internal to the maildir module (and its tests and fuzzers): IMAP's
// modified UTF-7 (RFC 3501 section 5.1.3), which Dovecot uses by default for
// Maildir++ folder names on disk.

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>

#include <string>
#include <string_view>

namespace mailaccess::maildir::detail {

/// Encodes UTF-8 text as modified UTF-7. Fails with `store::errc::
/// invalid_mailbox_name` on malformed UTF-8 (overlong forms, surrogates,
/// code points above U+10FFFF, truncated sequences).
MAILACCESS_API result<std::string> mutf7_encode(std::string_view utf8);

/// Decodes modified UTF-7 to UTF-8. Fails with `store::errc::
/// invalid_mailbox_name` on anything RFC 3501 5.1.3 does not allow: a raw
/// character outside 0x20-0x7e, an unterminated or malformed base64 run,
/// an odd number of UTF-16 bytes, unpaired surrogates, non-zero pad bits.
MAILACCESS_API result<std::string> mutf7_decode(std::string_view mutf7);

}  // namespace mailaccess::maildir::detail
