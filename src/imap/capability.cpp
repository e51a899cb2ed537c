#include <mailaccess/imap/capability.hpp>

namespace mailaccess::imap {

result<capability> capability::make(std::string_view name) {
    auto a = atom::make(name);
    if (!a) return unexpected(a.error());
    return capability(std::move(*a));
}

bool capability::is_auth() const noexcept {
    return str().size() > 5 && iequals(std::string_view(str()).substr(0, 5), "AUTH=");
}

std::string_view capability::auth_mechanism() const noexcept {
    return is_auth() ? std::string_view(str()).substr(5) : std::string_view();
}

result<capability> parse_capability(parse_cursor& in) {
    auto a = parse_atom(in);
    if (!a) return unexpected(a.error());
    return capability::make(a->str());
}

result<std::vector<capability>> parse_capability_data(parse_cursor& in) {
    if (!in.consume_keyword("CAPABILITY")) return unexpected(errc::bad_syntax);
    std::vector<capability> caps;
    bool has_rev = false;
    while (in.consume(' ')) {
        auto c = parse_capability(in);
        if (!c) return unexpected(c.error());
        has_rev = has_rev || c->is("IMAP4rev1") || c->is("IMAP4rev2");
        caps.push_back(std::move(*c));
    }
    if (!has_rev) return unexpected(errc::bad_syntax);
    return caps;
}

void write(writer& out, const capability& value) { out.raw(value.str()); }

void write(writer& out, const std::vector<capability>& list) {
    out.raw("CAPABILITY");
    for (const auto& c : list) {
        out.sp();
        write(out, c);
    }
}

}  // namespace mailaccess::imap
