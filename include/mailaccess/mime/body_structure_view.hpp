#pragma once

// BODY and BODYSTRUCTURE (RFC 3501 section 7.4.2, RFC 9051 section 7.5.2)
// from a computed `message_structure`, without reading the message.

#include <mailaccess/core/api.hpp>
#include <mailaccess/imap/response.hpp>
#include <mailaccess/mime/message_structure.hpp>

#include <cstddef>

namespace mailaccess::mime {

/// The body structure of the part at `index` (0: the whole message), ready
/// for `imap::write(out, value, extended)`: BODY is `extended == false`,
/// BODYSTRUCTURE `extended == true`; the same value serves both.
///
/// - A multipart lists its children and its subtype; its extension data is
///   params, disposition, language and location (RFC 3501 section 7.4.2).
/// - A message/rfc822 part carries the encapsulated message's ENVELOPE, its
///   body structure and the part's line count.
/// - A text part carries its line count; other single parts do not.
/// - body-fld-octets and body-fld-lines count each bare LF as CRLF / as a
///   line, as the data is sent (README items 1 and 4); sizes above
///   2^32 - 1 are clamped, as `imap::body_structure` holds 32-bit numbers.
/// - Content-MD5 is sent as written or NIL; no extension data beyond
///   location is produced.
///
/// Precondition: `index < s.parts().size()`.
/// Thread safety: safe to call concurrently on a shared const structure.
MAILACCESS_API imap::body_structure make_body_structure(const message_structure& s, std::size_t index = 0);

}  // namespace mailaccess::mime
