#include <mailaccess/imap/atom.hpp>

namespace mailaccess::imap {

namespace detail {

struct atom_access {
    static atom make(std::string_view text) { return atom(std::string(text)); }
};

}  // namespace detail

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
    return detail::atom_access::make(rest.substr(0, n));  // validated just above
}

void write(writer& out, const atom& value) { out.raw(value.str()); }

}  // namespace mailaccess::imap
