#include <mailaccess/imap/string.hpp>

#include "scan.hpp"

#include <mailaccess/core/mutf7.hpp>

#include <array>
#include <cstring>

#if defined(__SSE2__) && !defined(MAILACCESS_IMAP_SCALAR_SCAN)
#include <emmintrin.h>
#define MAILACCESS_IMAP_SSE2 1
#endif

namespace mailaccess::imap {
namespace detail {
namespace {

// QUOTED-CHAR bytes that need no further look: %x0E-7F except DQUOTE and
// "\". The others stop the fast scan: the specials, CR, LF, NUL, 8-bit
// (UTF-8 or an error), and %x01-0D other than CR and LF (legal, rare).
constexpr std::array<bool, 256> plain_quoted = [] {
    std::array<bool, 256> t{};
    for (int c = 0x0e; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return t;
}();

// The length of the run of plain quoted bytes at `p`.
std::size_t plain_run(const char* p, std::size_t n) noexcept {
    std::size_t i = 0;
#ifdef MAILACCESS_IMAP_SSE2
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i low = _mm_set1_epi8(0x0e);
    for (; i + 16 <= n; i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        // Signed: 8-bit bytes are negative, so below 0x0e too.
        const __m128i stop = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), _mm_cmplt_epi8(v, low));
        const auto mask = static_cast<unsigned>(_mm_movemask_epi8(stop));
        if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
    }
#endif
    while (i < n && plain_quoted[static_cast<unsigned char>(p[i])]) ++i;
    return i;
}

// Length of the UTF-8 sequence that starts with `lead`, 0 if none does.
std::size_t utf8_length(unsigned char lead) noexcept {
    if ((lead & 0xe0) == 0xc0) return 2;
    if ((lead & 0xf0) == 0xe0) return 3;
    if ((lead & 0xf8) == 0xf0) return 4;
    return 0;
}

}  // namespace

bool scan_quoted_slow(parse_cursor& in, quoted_span& out) noexcept {
    if (!in.next_is('"')) return false;
    const std::string_view rest = in.rest();
    const char* const begin = rest.data() + 1;
    const std::size_t n = rest.size() - 1;
    bool escaped = false;
    std::size_t i = 0;
    for (;;) {
        i += plain_run(begin + i, n - i);
        if (i == n) return false;
        const auto c = static_cast<unsigned char>(begin[i]);
        if (c == '"') break;
        if (c == '\\') {
            // Only quoted-specials may be escaped (RFC 3501 section 9).
            if (i + 1 == n || (begin[i + 1] != '"' && begin[i + 1] != '\\')) return false;
            escaped = true;
            i += 2;
        } else if (c == 0 || c == '\r' || c == '\n') {
            return false;
        } else if (c < 0x80) {
            ++i;  // another CTL: a TEXT-CHAR
        } else {
            // 8-bit: only whole UTF-8 characters, and only with UTF8=ACCEPT.
            const std::size_t len = utf8_length(c);
            if (!in.options().utf8_accept || len == 0 || len > n - i ||
                !is_valid_utf8(std::string_view(begin + i, len)))
                return false;
            i += len;
        }
    }
    in.advance(i + 2);
    out.raw = std::string_view(begin, i);
    out.escaped = escaped;
    return true;
}

bool scan_literal(parse_cursor& in, bool binary, std::string_view& out) noexcept {
    if (!in.consume('{')) return false;
    auto size = parse_number64(in);
    if (!size) return false;
    in.consume('+');
    if (!in.consume('}') || !in.consume('\r') || !in.consume('\n')) return false;
    const std::string_view rest = in.rest();
    if (*size > rest.size()) return false;
    const std::string_view body = rest.substr(0, static_cast<std::size_t>(*size));
    if (!binary && std::memchr(body.data(), 0, body.size()) != nullptr) return false;
    in.advance(body.size());
    out = body;
    return true;
}

void append_unescaped(std::string& out, std::string_view raw) {
    // Validated: every "\" is followed by the character it escapes.
    std::size_t from = 0;
    for (std::size_t i = raw.find('\\'); i != std::string_view::npos; i = raw.find('\\', from)) {
        out.append(raw.data() + from, i - from);
        out += raw[i + 1];
        from = i + 2;
    }
    out.append(raw.data() + from, raw.size() - from);
}

result<void> parse_string_into(parse_cursor& in, std::string& out) {
    if (in.next_is('"')) {
        quoted_span q;
        if (!scan_quoted(in, q)) return unexpected(errc::bad_syntax);
        assign_quoted(out, q);
        return {};
    }
    if (in.next_is('{')) {
        std::string_view l;
        if (!scan_literal(in, false, l)) return unexpected(errc::bad_syntax);
        out.assign(l);
        return {};
    }
    return unexpected(errc::bad_syntax);
}

result<void> parse_nstring_into(parse_cursor& in, std::optional<std::string>& out) {
    switch (in.peek()) {
        case '"':
        case '{': {
            if (!out) out.emplace();
            return parse_string_into(in, *out);
        }
        case 'N':
        case 'n':
            if (consume_nil(in)) {
                out.reset();
                return {};
            }
            break;
        default: break;
    }
    return unexpected(errc::bad_syntax);
}

}  // namespace detail

result<std::string> parse_quoted(parse_cursor& in) {
    detail::quoted_span q;
    if (!detail::scan_quoted(in, q)) return unexpected(errc::bad_syntax);
    std::string out;
    detail::assign_quoted(out, q);
    return out;
}

result<std::string> parse_literal(parse_cursor& in) {
    std::string_view l;
    if (!detail::scan_literal(in, false, l)) return unexpected(errc::bad_syntax);
    return std::string(l);
}

result<std::string> parse_literal8(parse_cursor& in) {
    if (auto r = in.expect('~'); !r) return unexpected(r.error());
    std::string_view l;
    if (!detail::scan_literal(in, true, l)) return unexpected(errc::bad_syntax);
    return std::string(l);
}

result<std::string> parse_string(parse_cursor& in) {
    std::string out;
    if (auto r = detail::parse_string_into(in, out); !r) return unexpected(r.error());
    return out;
}

result<std::string> parse_astring(parse_cursor& in) {
    if (in.next_is('"') || in.next_is('{')) return parse_string(in);
    const std::string_view rest = in.rest();
    const std::size_t n = detail::astring_run(rest);
    if (n == 0) return unexpected(errc::bad_syntax);
    in.advance(n);
    return std::string(rest.substr(0, n));
}

result<std::optional<std::string>> parse_nstring(parse_cursor& in) {
    std::optional<std::string> out;
    if (auto r = detail::parse_nstring_into(in, out); !r) return unexpected(r.error());
    return out;
}

}  // namespace mailaccess::imap
