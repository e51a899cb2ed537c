#include <mailaccess/imap/atom.hpp>

namespace mailaccess::imap {

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
        if (x != y) return false;
    }
    return true;
}

result<atom> atom::make(std::string_view text) {
    if (text.empty()) return unexpected(errc::bad_syntax);
    for (char c : text)
        if (!is_atom_char(c)) return unexpected(errc::bad_syntax);
    return atom(std::string(text));
}

bool atom::iequals(std::string_view other) const noexcept { return imap::iequals(text_, other); }

result<atom> parse_atom(parse_cursor& in) {
    const std::string_view rest = in.rest();
    std::size_t n = 0;
    while (n < rest.size() && is_atom_char(rest[n])) ++n;
    if (n == 0) return unexpected(errc::bad_syntax);
    in.advance(n);
    return atom::make(rest.substr(0, n));
}

void write(writer& out, const atom& value) { out.raw(value.str()); }

}  // namespace mailaccess::imap
