#include <mailaccess/imap/tag.hpp>

namespace mailaccess::imap {
namespace {

bool is_tag_char(char c) noexcept { return c != '+' && is_astring_char(c); }

}  // namespace

namespace detail {

struct tag_access {
    static tag make(std::string_view text) { return tag(std::string(text)); }
};

}  // namespace detail

result<tag> tag::make(std::string_view text) {
    if (text.empty()) return unexpected(errc::bad_syntax);
    for (char c : text)
        if (!is_tag_char(c)) return unexpected(errc::bad_syntax);
    return tag(std::string(text));
}

result<tag> parse_tag(parse_cursor& in) {
    const std::string_view rest = in.rest();
    std::size_t n = 0;
    while (n < rest.size() && is_tag_char(rest[n])) ++n;
    if (n == 0) return unexpected(errc::bad_syntax);
    in.advance(n);
    return detail::tag_access::make(rest.substr(0, n));  // validated just above
}

void write(writer& out, const tag& value) { out.raw(value.str()); }

}  // namespace mailaccess::imap
