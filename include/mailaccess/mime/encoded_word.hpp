#pragma once

// RFC 2047 encoded words ("=?charset?B|Q?text?=") decoded to UTF-8, for
// Subject and display names shown to people and searched by IMAP SEARCH.
// ENVELOPE does not use this: it sends header text undecoded.

#include <mailaccess/core/api.hpp>
#include <mailaccess/mime/charset.hpp>

#include <string>
#include <string_view>

namespace mailaccess::mime {

/// How `decode_encoded_words` treats what is not a decodable encoded word.
struct encoded_word_options {
    /// Charset of the text outside encoded words. Raw 8-bit header text is
    /// UTF-8 in modern mail (RFC 6532); a host that knows its old mail is
    /// Latin-1 can say so. Invalid bytes become U+FFFD either way.
    charset raw_text_charset = charset::utf_8;
    /// An encoded word in a charset `find_charset` does not know is left as
    /// it is by default (it is still readable, and the caller can tell).
    /// With this set, its decoded bytes are taken as UTF-8 instead (invalid
    /// bytes become U+FFFD), which is what Dovecot's SEARCH does (README
    /// item 37).
    bool decode_unknown_charsets = false;
};

/// Decodes every encoded word of `text` (RFC 2047 sections 2-6) and returns
/// the whole text as valid UTF-8. Pass an unfolded value (`unfold`); a line
/// break between two encoded words is tolerated like other whitespace.
///
/// Syntax accepted, and deliberate leniencies (common clients: Thunderbird,
/// Outlook, Apple Mail; and Dovecot):
/// - `=?charset?B?text?=` and `=?charset?Q?text?=`, B/Q in either case.
///   The charset may carry an RFC 2231 section 5 language suffix
///   (`=?utf-8*pl?Q?...?=`), which is dropped; Dovecot 2.3 leaves such
///   words undecoded, we decode them as RFC 2231 intends.
/// - The encoded text may not contain SP, HTAB, CR, LF or "?" (RFC 2047
///   section 2). The 75-character limit of section 2 is not enforced:
///   longer words are common.
/// - Words are recognised anywhere: inside quoted strings
///   (`"=?utf-8?q?J=C3=B6rg?=" <j@example.com>`, which Outlook and others
///   produce and every common client decodes; the quotes stay), inside
///   comments and next to other text (`abc=?utf-8?q?x?=`). Section 5 allows
///   fewer places, but decoding more does not lose information for display
///   or search.
/// - Whitespace (SP, HTAB, CR, LF) between two adjacent decoded words is
///   dropped (section 6.2); whitespace next to ordinary text is kept.
/// - The bytes of adjacent words in the same charset are joined before
///   conversion, so a UTF-8 character split across two words (as some
///   encoders do) comes out whole.
/// - Q: "_" is a space, "=XX" a byte with either-case hex; a "=" not
///   followed by two hex digits is kept as it is. B: padding may be
///   missing; a character outside the base64 alphabet, or data after the
///   padding, makes the word invalid.
/// - A word that does not parse, whose B text is invalid, or (unless
///   `decode_unknown_charsets`) whose charset is unknown is kept as written
///   (and counts as ordinary text for the whitespace rule).
///
/// Bounded: linear time whatever the input; the output is at most 3 bytes
/// per input byte.
///
/// Thread safety: pure function.
MAILACCESS_API std::string decode_encoded_words(std::string_view text,
                                                const encoded_word_options& options = {});

}  // namespace mailaccess::mime
