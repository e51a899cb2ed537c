#pragma once

// Streaming, tolerant base64 decoding of MIME bodies
// (Content-Transfer-Encoding: base64, RFC 2045 section 6.8).

#include <mailaccess/core/api.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace mailaccess::mime {

/// Decodes base64 body text fed in chunks of any size.
///
/// Tolerant, as RFC 2045 section 6.8 asks ("any characters outside of the
/// base64 alphabet are to be ignored"), so that SEARCH finds text in broken
/// parts:
/// - whitespace (SP, HTAB, CR, LF) is skipped silently;
/// - other characters outside the alphabet are skipped, and the input is
///   no longer clean;
/// - decoding stops at the first "=" (padding, section 6.8: "no further
///   data"); anything after it except more "=" and whitespace is ignored
///   and makes the input unclean;
/// - a final group of 2 or 3 characters yields its 1 or 2 bytes even
///   without padding (unclean); a lone final character yields nothing
///   (unclean).
///
/// `is_clean()` after `finish()` tells whether the input kept to the
/// rules (only alphabet and whitespace, correct padding, nothing after it):
/// IMAP BINARY refuses unclean parts (RFC 3516 section 4.3, Dovecot's
/// `NO [PARSE]`, tests/data/mime/README.md item 26).
///
/// Output is produced as soon as 8 bits are available: each call appends
/// at most as many bytes as it was given (3 per 4 alphabet characters), and
/// nothing is held back, so the output does not depend on the chunking.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API base64_decoder {
public:
    /// Decodes `chunk` and appends the bytes to `out`.
    void decode(std::string_view chunk, std::string& out);
    /// Like `decode` but only counts the bytes (IMAP BINARY.SIZE).
    std::uint64_t measure(std::string_view chunk) noexcept;
    /// Ends the input and settles `is_clean()` (an incomplete final group).
    /// Appends nothing: nothing is ever held back. Use a new decoder for
    /// another part.
    void finish() noexcept;

    /// False once the input broke one of the rules above.
    bool is_clean() const noexcept { return clean_; }

private:
    template <class Sink>
    void run(std::string_view chunk, Sink& sink);

    std::uint32_t bits_ = 0;
    std::uint8_t nbits_ = 0;
    std::uint8_t quantum_ = 0;  // alphabet characters in the current group of 4
    std::uint8_t pads_ = 0;     // "=" seen (0: still decoding)
    bool clean_ = true;
};

}  // namespace mailaccess::mime
