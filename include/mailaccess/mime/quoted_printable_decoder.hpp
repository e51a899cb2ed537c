#pragma once

// Streaming quoted-printable decoding of MIME bodies
// (Content-Transfer-Encoding: quoted-printable, RFC 2045 section 6.7).

#include <mailaccess/core/api.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mailaccess::mime {

/// Decodes quoted-printable body text fed in chunks of any size.
///
/// Rules (RFC 2045 section 6.7), with the tolerance RFC 2045 asks of
/// decoders and Dovecot's qp-decoder behaviour:
/// - "=XX" with two hex digits, upper or lower case, is that byte;
/// - "=" followed by optional SP/HTAB and a line end (CRLF or bare LF) is a
///   soft line break: all of it disappears (rule 5, and the transport
///   padding note of section 6.7);
/// - SP/HTAB at the end of a line, or at the end of the input, are dropped
///   (rule 3: trailing whitespace was added in transport);
/// - an invalid "=" sequence (`=ZZ`, `=4`, "=" then whitespace then text, a
///   final "=") is kept literally and makes the input unclean; so is a CR
///   not followed by LF;
/// - all other bytes, 8-bit included, pass through.
///
/// Line ends: hard line breaks are passed through as written (CRLF stays
/// CRLF, a bare LF stays LF), so the output is never longer than the
/// input. With `crlf_line_ends` every hard line break is written as CRLF,
/// the canonical form of rule 4 and what Dovecot's BINARY returns; a bare
/// LF then grows by one byte.
///
/// To decide what trailing whitespace is, the decoder holds back a run of
/// SP/HTAB (and "=", "=X", a CR) until it sees what follows. The run held
/// is bounded: after `max_held_whitespace` bytes the rest of the run is
/// counted, not stored, and is lost (unclean) if text follows it; Dovecot
/// does the same after 76. So cumulative output never exceeds cumulative
/// input (without `crlf_line_ends`), but one call may return held bytes
/// from earlier calls.
///
/// `is_clean()` after `finish()`: false when the input had any invalid
/// sequence above. IMAP BINARY refuses unclean parts (RFC 3516 section 4.3,
/// Dovecot's `NO [PARSE]`, tests/data/mime/README.md item 26).
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API quoted_printable_decoder {
public:
    static constexpr std::size_t max_held_whitespace = 998;  // RFC 5322 section 2.1.1 line limit

    explicit quoted_printable_decoder(bool crlf_line_ends = false) noexcept : crlf_(crlf_line_ends) {}

    /// Decodes `chunk` and appends the bytes to `out`.
    void decode(std::string_view chunk, std::string& out);
    /// Like `decode` but only counts the bytes (IMAP BINARY.SIZE).
    std::uint64_t measure(std::string_view chunk);
    /// Ends the input: flushes what was held back (an incomplete "=" sequence
    /// is kept literally, trailing whitespace is dropped) and settles
    /// `is_clean()`. Use a new decoder for another part.
    void finish(std::string& out);
    /// Like `finish` but only counts the bytes.
    std::uint64_t finish_measure();

    bool is_clean() const noexcept { return clean_; }

private:
    enum class state : std::uint8_t {
        text,          // nothing held
        whitespace,    // a run of SP/HTAB in held_
        equals,        // "="
        hex,           // "=" and one hex digit in hex_
        equals_space,  // "=" then SP/HTAB in held_
        cr,            // held_ whitespace, then CR
        soft_cr,       // "=", held_ whitespace, then CR
    };
    template <class Sink>
    void run(std::string_view chunk, Sink& sink);
    template <class Sink>
    void flush_invalid(Sink& sink);
    template <class Sink>
    void line_break(Sink& sink, bool had_cr);

    bool crlf_;
    bool clean_ = true;
    state state_ = state::text;
    char hex_ = 0;
    std::string held_;           // SP/HTAB held back, at most max_held_whitespace
    std::uint64_t dropped_ = 0;  // SP/HTAB beyond that
};

}  // namespace mailaccess::mime
