#pragma once

// Scanners shared by the grammar parsers of the imap module (string.cpp,
// response_parser.cpp, fetch_view.cpp, ...): they validate a rule and
// return where its bytes are, without building a value. Not installed.

#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/parse_cursor.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#if defined(__SSE2__) && !defined(MAILACCESS_IMAP_SCALAR_SCAN)
#include <emmintrin.h>
#endif

namespace mailaccess::imap::detail {

/// A validated quoted string: the bytes between the quotes, escapes kept.
struct quoted_span {
    std::string_view raw;
    bool escaped = false;  ///< raw holds at least one "\" escape
};

/// The general case of `scan_quoted`: escapes, other stop bytes, UTF-8,
/// strings near the end of the message.
bool scan_quoted_slow(parse_cursor& in, quoted_span& out) noexcept;

/// RFC 3501 section 9 `quoted` (UTF-8 with `options().utf8_accept`) into
/// `out`; false (a syntax error) when it does not match. Out-parameters
/// rather than result<>: these run for every string of a response, and a
/// small struct returned through a variant costs a store-forwarding stall.
inline bool scan_quoted(parse_cursor& in, quoted_span& out) noexcept {
#if defined(__SSE2__) && !defined(MAILACCESS_IMAP_SCALAR_SCAN)
    // Most strings of a response (names, addresses, dates, message IDs) are
    // plain ASCII and shorter than 32 bytes: one look at 32 bytes finds the
    // closing quote with well-predicted branches.
    const std::string_view rest = in.rest();
    if (rest.size() >= 33 && rest[0] == '"') {
        const char* p = rest.data() + 1;
        const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
        const __m128i quote = _mm_set1_epi8('"');
        const __m128i backslash = _mm_set1_epi8('\\');
        const __m128i low = _mm_set1_epi8(0x0e);  // signed: 8-bit bytes too
        auto stops = [&](__m128i v) {
            return static_cast<std::uint32_t>(_mm_movemask_epi8(
                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                             _mm_cmplt_epi8(v, low))));
        };
        const std::uint32_t mask = stops(lo) | stops(hi) << 16;
        if (mask != 0) {
            const auto i = static_cast<std::size_t>(__builtin_ctz(mask));
            if (p[i] == '"') {
                out.raw = std::string_view(p, i);
                out.escaped = false;
                in.advance(i + 2);
                return true;
            }
        }
    }
#endif
    return scan_quoted_slow(in, out);
}

/// `literal` (`binary` false: no NUL) or the part of `literal8` after "~":
/// "{" number64 ["+"] "}" CRLF and the octets, which must be in the
/// message; their bytes into `out`. False on a syntax error.
bool scan_literal(parse_cursor& in, bool binary, std::string_view& out) noexcept;

/// Appends `raw` (validated quoted contents) without its escapes.
void append_unescaped(std::string& out, std::string_view raw);

/// Assigns a quoted string's value to `out`.
inline void assign_quoted(std::string& out, const quoted_span& q) {
    if (!q.escaped) {
        out.assign(q.raw);
    } else {
        out.clear();
        append_unescaped(out, q.raw);
    }
}

/// `string` into `out` (its capacity reused).
result<void> parse_string_into(parse_cursor& in, std::string& out);

/// `nstring` into `out`: nullopt for NIL.
result<void> parse_nstring_into(parse_cursor& in, std::optional<std::string>& out);

/// Consumes "NIL" (any case) when it is next, as `nstring` does; what
/// follows is the caller's business.
inline bool consume_nil(parse_cursor& in) noexcept {
    const std::string_view rest = in.rest();
    if (rest.size() < 3 || (rest[0] | 0x20) != 'n' || (rest[1] | 0x20) != 'i' || (rest[2] | 0x20) != 'l')
        return false;
    in.advance(3);
    return true;
}

/// Consumes `keyword` (upper case, any case in the input) only when a
/// non-atom character or the end follows it, so that "EXISTS" does not
/// match a prefix of "EXISTSX"; otherwise leaves `in` alone.
inline bool consume_word(parse_cursor& in, std::string_view keyword) {
    if (ascii_to_upper(static_cast<char>(in.peek())) != keyword.front()) return false;  // the usual miss
    const auto start = in.position();
    if (!in.consume_keyword(keyword)) return false;
    if (!in.at_end() && is_atom_char(static_cast<char>(in.peek()))) {
        in.set_position(start);
        return false;
    }
    return true;
}

/// One decimal digit `c` more of a `number64` (RFC 9051 section 9) being
/// accumulated in `value`; past the largest number64 `value` stops growing
/// and `overflow` is set.
inline void push_number64_digit(std::uint64_t& value, bool& overflow, char c) noexcept {
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (overflow || value > (max_number64 - d) / 10)
        overflow = true;
    else
        value = value * 10 + d;
}

/// Which bytes end a run of ATOM-CHARs (RFC 3501 section 9 atom-specials,
/// and 8-bit bytes), with extra stops: "]" for an atom, "[" for a fetch
/// attribute's keyword (`parse_cursor::word`), none for an astring.
enum class run_stop : std::uint8_t { astring, atom, word };

#if defined(__SSE2__) && !defined(MAILACCESS_IMAP_SCALAR_SCAN)
/// The bytes of the 16 at `p` that end a run, one bit each.
inline unsigned run_stops16(const char* p, run_stop extra) noexcept {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    auto eq = [&](char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
    // Signed: CTL, SP and 8-bit bytes are all below "!".
    __m128i stop = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8('!')), eq('\x7f'));
    stop = _mm_or_si128(stop, _mm_or_si128(eq('('), eq(')')));
    stop = _mm_or_si128(stop, _mm_or_si128(eq('{'), eq('%')));
    stop = _mm_or_si128(stop, _mm_or_si128(eq('*'), eq('"')));
    stop = _mm_or_si128(stop, eq('\\'));
    if (extra != run_stop::astring) stop = _mm_or_si128(stop, eq(']'));
    if (extra == run_stop::word) stop = _mm_or_si128(stop, eq('['));
    return static_cast<unsigned>(_mm_movemask_epi8(stop));
}
#endif

/// The length of the run at the start of `s` that `extra` allows. Runs are
/// short and of varied length; 16 bytes at a time the end is found without
/// a branch per byte.
inline std::size_t char_run(std::string_view s, run_stop extra) noexcept {
    std::size_t n = 0;
#if defined(__SSE2__) && !defined(MAILACCESS_IMAP_SCALAR_SCAN)
    for (; n + 16 <= s.size(); n += 16) {
        const unsigned stops = run_stops16(s.data() + n, extra);
        if (stops != 0) return n + static_cast<std::size_t>(__builtin_ctz(stops));
    }
#endif
    for (; n < s.size(); ++n) {
        const char c = s[n];
        const bool in_run = extra == run_stop::astring ? is_astring_char(c)
                            : extra == run_stop::atom  ? is_atom_char(c)
                                                       : c != '[' && is_atom_char(c);
        if (!in_run) break;
    }
    return n;
}

/// The length of the run of ATOM-CHARs at the start of `s`.
inline std::size_t atom_run(std::string_view s) noexcept { return char_run(s, run_stop::atom); }

/// The length of the run of ASTRING-CHARs at the start of `s`.
inline std::size_t astring_run(std::string_view s) noexcept { return char_run(s, run_stop::astring); }

}  // namespace mailaccess::imap::detail
