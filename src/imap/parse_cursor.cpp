#include <mailaccess/imap/parse_cursor.hpp>

namespace mailaccess::imap {
namespace {

char to_upper(char c) noexcept { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

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

bool parse_cursor::consume_keyword(std::string_view keyword) noexcept {
    if (data_.size() - pos_ < keyword.size()) return false;
    for (std::size_t i = 0; i < keyword.size(); ++i)
        if (to_upper(data_[pos_ + i]) != to_upper(keyword[i])) return false;
    pos_ += keyword.size();
    return true;
}

std::string_view parse_cursor::word() noexcept {
    const std::size_t start = pos_;
    while (pos_ < data_.size() && data_[pos_] != '[' && is_atom_char(data_[pos_])) ++pos_;
    return data_.substr(start, pos_ - start);
}

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
