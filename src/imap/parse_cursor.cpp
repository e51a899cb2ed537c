#include <mailaccess/imap/parse_cursor.hpp>

namespace mailaccess::imap {
namespace {

bool is_digit(int c) noexcept { return c >= '0' && c <= '9'; }

// 1*DIGIT up to `max`; a longer run is refused before it can overflow.
result<std::uint64_t> digits(parse_cursor& in, std::uint64_t max, bool nonzero_first) {
    if (!is_digit(in.peek())) return unexpected(errc::bad_syntax);
    if (nonzero_first && in.peek() == '0') return unexpected(errc::bad_syntax);
    std::uint64_t v = 0;
    while (is_digit(in.peek())) {
        const auto d = static_cast<std::uint64_t>(in.peek() - '0');
        if (v > (max - d) / 10) return unexpected(errc::bad_syntax);
        v = v * 10 + d;
        in.advance(1);
    }
    return v;
}

}  // namespace

result<std::uint32_t> parse_number(parse_cursor& in) {
    auto v = digits(in, 0xffffffffu, false);
    if (!v) return unexpected(v.error());
    return static_cast<std::uint32_t>(*v);
}

result<std::uint32_t> parse_nz_number(parse_cursor& in) {
    auto v = digits(in, 0xffffffffu, true);
    if (!v) return unexpected(v.error());
    return static_cast<std::uint32_t>(*v);
}

result<std::uint64_t> parse_number64(parse_cursor& in) { return digits(in, max_number64, false); }

result<std::uint64_t> parse_nz_number64(parse_cursor& in) { return digits(in, max_number64, true); }

result<std::uint64_t> parse_mod_sequence_value(parse_cursor& in) {
    auto v = digits(in, max_number64, false);
    if (v && *v == 0) return unexpected(errc::bad_syntax);
    return v;
}

result<std::uint64_t> parse_mod_sequence_valzer(parse_cursor& in) { return digits(in, max_number64, false); }

}  // namespace mailaccess::imap
