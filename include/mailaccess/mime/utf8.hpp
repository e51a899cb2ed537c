#pragma once

// Small UTF-8 primitives shared by the charset converters, the RFC 2047
// decoder and the search matcher. Everything the module produces as text is
// well-formed UTF-8 (RFC 3629): bytes that are not become U+FFFD, so a
// caller can hand the result to anything that requires valid UTF-8.

#include <mailaccess/core/api.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mailaccess::mime {

/// U+FFFD REPLACEMENT CHARACTER: what invalid input becomes.
inline constexpr char32_t replacement_character = 0xFFFD;

/// The result of decoding one UTF-8 sequence at the start of a byte string.
struct utf8_step {
    char32_t code_point = replacement_character;
    /// Bytes consumed: at least 1 for non-empty input. For invalid input this
    /// is the "maximal subpart" (Unicode 14 section 3.9, U+FFFD substitution
    /// of maximal subparts), so each broken sequence yields one U+FFFD, the
    /// practice of browsers and ICU.
    std::size_t length = 0;
    bool is_valid = false;
    /// The input ended inside a sequence that was valid so far: a streaming
    /// caller keeps these `length` bytes and retries with more input.
    bool is_incomplete = false;
};

/// Decodes the sequence at the start of `in`. Precondition: `in` is not empty.
/// Rejects overlong forms, surrogates and values above U+10FFFF.
constexpr utf8_step decode_utf8(std::string_view in) noexcept {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(in[i]); };
    const unsigned char b0 = byte(0);
    if (b0 < 0x80) return {b0, 1, true, false};
    std::size_t need = 0;
    char32_t cp = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
        cp = b0 & 0x1Fu;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        cp = b0 & 0x0Fu;
        if (b0 == 0xE0) lo = 0xA0;  // overlong
        if (b0 == 0xED) hi = 0x9F;  // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        cp = b0 & 0x07u;
        if (b0 == 0xF0) lo = 0x90;  // overlong
        if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
        return {replacement_character, 1, false, false};
    }
    for (std::size_t i = 1; i <= need; ++i) {
        if (i >= in.size()) return {replacement_character, i, false, true};
        const unsigned char b = byte(i);
        const unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xBF;
        if (b < min || b > max) return {replacement_character, i, false, false};
        cp = (cp << 6) | (b & 0x3Fu);
    }
    return {cp, need + 1, true, false};
}

/// Appends the UTF-8 form of `cp`; surrogates and values above U+10FFFF are
/// written as U+FFFD.
inline void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = replacement_character;
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp <= 0x10FFFF) {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        append_utf8(out, replacement_character);
    }
}

/// Appends `bytes` to `out`, replacing every invalid or truncated sequence
/// with U+FFFD (see `utf8_step::length`). Returns the number of
/// replacements made. Output is at most 3 bytes per input byte.
MAILACCESS_API std::size_t append_sanitized_utf8(std::string& out, std::string_view bytes);

/// `bytes` with every invalid sequence replaced by U+FFFD.
MAILACCESS_API std::string sanitize_utf8(std::string_view bytes);

}  // namespace mailaccess::mime
