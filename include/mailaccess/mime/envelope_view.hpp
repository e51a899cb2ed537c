#pragma once

// ENVELOPE (RFC 3501 section 7.4.2) from a message's header block.

#include <mailaccess/core/api.hpp>
#include <mailaccess/imap/response.hpp>

#include <string>
#include <string_view>

namespace mailaccess::mime {

/// The ENVELOPE of the message whose header block is `header` (the top
/// level, or a message encapsulated in message/rfc822). The structure
/// parser computes it once per message root and keeps it in the
/// `message_structure`; call this directly only for a header held apart.
///
/// Follows RFC 3501 section 7.4.2 as Dovecot 2.3 applies it
/// (tests/data/mime/README.md items 27-35):
/// - strings are not decoded (encoded words stay, 8-bit stays);
/// - date, in-reply-to and message-id are the raw, unfolded field values
///   (leading whitespace dropped, comments and inner spaces kept);
/// - subject and display names are made readable: CR and LF removed, runs
///   of SP/TAB made one SP, leading/trailing whitespace removed, NUL made
///   0x80 (Dovecot's imap_append_string_for_humans);
/// - date, subject, message-id use the last such field; address fields of
///   every occurrence are concatenated; sender and reply-to default to from
///   when absent or empty; empty address lists are NIL;
/// - groups are written with RFC 3501's group markers; missing mailbox or
///   host parts become "MISSING_MAILBOX" / "MISSING_DOMAIN";
/// - each address list holds at most 10,000 entries (group markers count).
///
/// Thread safety: safe to call concurrently.
MAILACCESS_API imap::envelope make_envelope(std::string_view header);

/// Dovecot's `imap_append_string_for_humans` normalisation, as applied to
/// the subject and to display names: removes CR and LF, collapses each run
/// of SP and TAB into one SP, trims both ends and turns NUL into 0x80.
MAILACCESS_API std::string normalize_for_humans(std::string_view value);

}  // namespace mailaccess::mime
