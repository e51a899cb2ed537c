#pragma once

// Charset conversion to UTF-8 for the charsets mail is commonly written in
// (RFC 2045 section 5.1 `charset` parameter, RFC 2047 encoded words). The
// single-byte tables are generated from Python's codecs module (see
// src/mime/charset.cpp for the exact command).
//
// ISO-2022-JP is the one multi-byte charset included: Japanese mail still
// uses it, and its JIS X 0208 table comes from the same Python codecs.
// Out of scope: Shift_JIS, EUC-*, GB2312/GBK, Big5, UTF-16, UTF-7.
// `find_charset` does not know them, and the caller treats such text as
// UTF-8 on a best-effort basis, as Dovecot does for charsets iconv does not
// have (tests/data/mime/README.md item 37).

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailaccess::mime {

/// A charset this module converts to UTF-8.
enum class charset : std::uint8_t {
    utf_8,
    /// US-ASCII is converted as UTF-8: text labelled us-ascii (or unlabelled,
    /// which defaults to us-ascii, RFC 2045 section 5.2) very often holds
    /// UTF-8 in practice, and UTF-8 is a superset; invalid bytes become
    /// U+FFFD either way.
    us_ascii,
    iso_8859_1,
    iso_8859_2,
    iso_8859_15,
    windows_1250,
    windows_1251,
    windows_1252,
    koi8_r,
    koi8_u,
    /// RFC 1468, with the common extensions: ESC $ B and ESC $ @ (JIS X
    /// 0208), ESC ( B (ASCII), ESC ( J (JIS X 0201 Roman: 0x5C is the yen
    /// sign, 0x7E the overline) and ESC ( I (half-width katakana). Control
    /// characters pass in every mode; 8-bit bytes, unknown escapes and
    /// unassigned JIS codes become U+FFFD.
    iso_2022_jp,
};

/// The charset a name denotes, or nullopt when it is not one of the above.
///
/// Matching ignores ASCII case and every character that is not a letter or
/// a digit, so "UTF-8", "utf8", "Utf_8" and "ISO_8859-2:1987" all match
/// (the approach of Python's codec lookup and of WHATWG label matching,
/// narrowed to our charsets). Known aliases, from the IANA registry plus
/// common real-world labels:
/// - UTF-8: utf-8, utf8, unicode-1-1-utf-8
/// - US-ASCII: us-ascii, ascii, us, ansi_x3.4-1968, ansi_x3.4-1986,
///   iso646-us, iso_646.irv:1991, iso-ir-6, cp367, ibm367, csascii
/// - ISO-8859-1: iso-8859-1, iso_8859-1:1987, latin1, l1, iso-ir-100,
///   cp819, ibm819, csisolatin1
/// - ISO-8859-2: iso-8859-2, iso_8859-2:1987, latin2, l2, iso-ir-101,
///   csisolatin2
/// - ISO-8859-15: iso-8859-15, iso_8859-15:1998, latin9, latin-9, l9, latin0,
///   csisolatin9
/// - windows-1250/1251/1252: windows-125x, cp125x, x-cp125x
/// - KOI8-R: koi8-r, koi8r, koi8, cskoi8r; KOI8-U: koi8-u, koi8u, koi8-ru
/// - ISO-2022-JP: iso-2022-jp, csiso2022jp
///
/// Surrounding whitespace and double quotes are ignored. Thread safety:
/// pure function.
MAILACCESS_API std::optional<charset> find_charset(std::string_view name) noexcept;

/// The preferred MIME name (IANA): "UTF-8", "US-ASCII", "ISO-8859-2",
/// "windows-1250", "KOI8-R", ...
MAILACCESS_API std::string_view charset_name(charset c) noexcept;

/// Streaming conversion of bytes in one charset to UTF-8.
///
/// Input is fed in chunks of any size; a UTF-8 sequence (or an ISO-2022-JP
/// escape sequence or double-byte character) split between chunks is kept
/// (at most 3 bytes) until the next chunk completes it, so the output does
/// not depend on the chunking. Invalid input never fails:
/// each invalid UTF-8 sequence and each byte a single-byte charset does not
/// define (e.g. 0x81 in windows-1252) becomes U+FFFD.
///
/// Output is at most 3 bytes per input byte, plus 3 for `finish()`.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API charset_decoder {
public:
    explicit charset_decoder(charset from) noexcept : from_(from) {}

    /// Converts `bytes` and appends the UTF-8 to `out`.
    void decode(std::string_view bytes, std::string& out);

    /// Ends the input: a sequence left incomplete becomes U+FFFD. The
    /// decoder is then ready for a new text (`replacements()` is kept).
    void finish(std::string& out);

    /// How many U+FFFD were written for invalid input so far.
    std::uint64_t replacements() const noexcept { return replacements_; }

    charset source() const noexcept { return from_; }

private:
    void decode_iso_2022_jp(std::string_view bytes, std::string& out);
    void iso_2022_jp_byte(unsigned char b, std::string& out);

    charset from_;
    std::uint8_t pending_size_ = 0;  // bytes of an incomplete sequence
    std::uint8_t mode_ = 0;          // ISO-2022-JP: the designated character set
    char pending_[4] = {};
    std::uint64_t replacements_ = 0;
};

/// Converts a whole text: `charset_decoder(from)`, `decode`, `finish`.
/// Appends to `out`; returns the number of replacements made.
MAILACCESS_API std::size_t convert_to_utf8(charset from, std::string_view bytes, std::string& out);

/// Converts a whole text whose charset is given by name. Fails with
/// `errc::unknown_charset` when `find_charset(name)` does not know it; the
/// caller then usually falls back to `sanitize_utf8(bytes)`.
MAILACCESS_API result<std::string> convert_to_utf8(std::string_view charset_name, std::string_view bytes);

}  // namespace mailaccess::mime
