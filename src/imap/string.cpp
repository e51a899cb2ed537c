#include <mailaccess/imap/string.hpp>

#include <mailaccess/core/mutf7.hpp>

namespace mailaccess::imap {
namespace {

// "{" number64 ["+"] "}" CRLF, then the octets; `binary` allows NUL.
result<std::string> literal_body(parse_cursor& in, bool binary) {
    if (auto r = in.expect('{'); !r) return unexpected(r.error());
    auto size = parse_number64(in);
    if (!size) return unexpected(size.error());
    in.consume('+');
    if (!in.consume('}') || !in.consume('\r') || !in.consume('\n')) return unexpected(errc::bad_syntax);
    const std::string_view rest = in.rest();
    if (*size > rest.size()) return unexpected(errc::bad_syntax);
    const std::string_view body = rest.substr(0, static_cast<std::size_t>(*size));
    if (!binary && body.find('\0') != std::string_view::npos) return unexpected(errc::bad_syntax);
    in.advance(body.size());
    return std::string(body);
}

// Length of the UTF-8 sequence that starts with `lead`, 0 if none does.
std::size_t utf8_length(unsigned char lead) noexcept {
    if ((lead & 0xe0) == 0xc0) return 2;
    if ((lead & 0xf0) == 0xe0) return 3;
    if ((lead & 0xf8) == 0xf0) return 4;
    return 0;
}

}  // namespace

result<std::string> parse_quoted(parse_cursor& in) {
    if (auto r = in.expect('"'); !r) return unexpected(r.error());
    std::string out;
    for (;;) {
        const int c = in.peek();
        if (c < 0 || c == 0 || c == '\r' || c == '\n') return unexpected(errc::bad_syntax);
        if (c == '"') {
            in.advance(1);
            return out;
        }
        if (c == '\\') {
            in.advance(1);
            // Only quoted-specials may be escaped (RFC 3501 section 9).
            if (!in.next_is('"') && !in.next_is('\\')) return unexpected(errc::bad_syntax);
            out += static_cast<char>(in.peek());
            in.advance(1);
            continue;
        }
        if (c < 0x80) {
            out += static_cast<char>(c);
            in.advance(1);
            continue;
        }
        // 8-bit: only whole UTF-8 characters, and only with UTF8=ACCEPT.
        const std::size_t len = utf8_length(static_cast<unsigned char>(c));
        const std::string_view rest = in.rest();
        if (!in.options().utf8_accept || len == 0 || len > rest.size() || !is_valid_utf8(rest.substr(0, len)))
            return unexpected(errc::bad_syntax);
        out += rest.substr(0, len);
        in.advance(len);
    }
}

result<std::string> parse_literal(parse_cursor& in) { return literal_body(in, false); }

result<std::string> parse_literal8(parse_cursor& in) {
    if (auto r = in.expect('~'); !r) return unexpected(r.error());
    return literal_body(in, true);
}

result<std::string> parse_string(parse_cursor& in) {
    if (in.next_is('"')) return parse_quoted(in);
    if (in.next_is('{')) return parse_literal(in);
    return unexpected(errc::bad_syntax);
}

result<std::string> parse_astring(parse_cursor& in) {
    if (in.next_is('"') || in.next_is('{')) return parse_string(in);
    const std::string_view rest = in.rest();
    std::size_t n = 0;
    while (n < rest.size() && is_astring_char(rest[n])) ++n;
    if (n == 0) return unexpected(errc::bad_syntax);
    in.advance(n);
    return std::string(rest.substr(0, n));
}

result<std::optional<std::string>> parse_nstring(parse_cursor& in) {
    if (in.consume_keyword("NIL")) return std::optional<std::string>();
    auto s = parse_string(in);
    if (!s) return unexpected(s.error());
    return std::optional<std::string>(std::move(*s));
}

}  // namespace mailaccess::imap
