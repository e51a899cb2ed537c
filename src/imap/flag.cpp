#include <mailaccess/imap/flag.hpp>

#include <mailaccess/imap/atom.hpp>

#include <array>
#include <utility>

namespace mailaccess::imap {
namespace {

constexpr std::array<std::pair<std::string_view, flag::kind>, 6> system_names{{
    {"Answered", flag::kind::answered},
    {"Flagged", flag::kind::flagged},
    {"Deleted", flag::kind::deleted},
    {"Seen", flag::kind::seen},
    {"Draft", flag::kind::draft},
    {"Recent", flag::kind::recent},
}};

// Which of `flag`, `flag-fetch`, `flag-perm` is being parsed.
enum class rule { plain, fetch, perm };

result<flag> parse_flag_rule(parse_cursor& in, rule r) {
    const bool backslash = in.consume('\\');
    if (backslash && in.consume('*')) {
        if (r != rule::perm) return unexpected(errc::bad_syntax);
        return flag(flag::kind::wildcard);
    }
    auto name = parse_atom(in);
    if (!name) return unexpected(name.error());
    if (!backslash) return flag::make(name->str());
    auto made = flag::make("\\" + name->str());
    if (made && made->type() == flag::kind::recent && r != rule::fetch) return unexpected(errc::bad_syntax);
    return made;
}

}  // namespace

flag::flag(kind k) : kind_(k) { MAILACCESS_ASSERT(k != kind::keyword && k != kind::extension); }

result<flag> flag::make(std::string_view text) {
    if (text == "\\*") return flag(kind::wildcard);
    const bool backslash = !text.empty() && text.front() == '\\';
    const std::string_view name = backslash ? text.substr(1) : text;
    auto a = atom::make(name);
    if (!a) return unexpected(a.error());
    if (!backslash) return flag(kind::keyword, a->str());
    for (const auto& [n, k] : system_names)
        if (iequals(name, n)) return flag(k);
    return flag(kind::extension, a->str());
}

std::string flag::text() const {
    switch (kind_) {
        case kind::keyword: return name_;
        case kind::extension: return "\\" + name_;
        case kind::wildcard: return "\\*";
        default: break;
    }
    for (const auto& [n, k] : system_names)
        if (k == kind_) return "\\" + std::string(n);
    return {};
}

result<flag> parse_flag(parse_cursor& in) { return parse_flag_rule(in, rule::plain); }

result<flag> parse_flag_fetch(parse_cursor& in) { return parse_flag_rule(in, rule::fetch); }

result<flag> parse_flag_perm(parse_cursor& in) { return parse_flag_rule(in, rule::perm); }

result<std::vector<flag>> parse_flag_list(parse_cursor& in) {
    if (auto r = in.expect('('); !r) return unexpected(r.error());
    std::vector<flag> flags;
    if (in.consume(')')) return flags;
    do {
        auto f = parse_flag(in);
        if (!f) return unexpected(f.error());
        flags.push_back(std::move(*f));
    } while (in.consume(' '));
    if (auto r = in.expect(')'); !r) return unexpected(r.error());
    return flags;
}

void write(writer& out, const flag& value) { out.raw(value.text()); }

void write(writer& out, const std::vector<flag>& list) {
    out.raw('(');
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (i > 0) out.sp();
        write(out, list[i]);
    }
    out.raw(')');
}

}  // namespace mailaccess::imap
