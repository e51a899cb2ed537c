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

// The system flag named `name` (without its backslash), case-insensitively.
const std::pair<std::string_view, flag::kind>* find_system(std::string_view name) noexcept {
    for (const auto& entry : system_names)
        if (entry.first.size() == name.size() && iequals(name, entry.first)) return &entry;
    return nullptr;
}

// "\" + name, built without operator+ (GCC 12 reports a false -Wrestrict
// at -O3 for `"\\" + std::string`).
std::string backslashed(std::string_view name) {
    std::string s;
    s.reserve(name.size() + 1);
    s += '\\';
    s += name;
    return s;
}

}  // namespace

namespace detail {

struct flag_access {
    static flag make(flag::kind k, std::string_view name) { return flag(k, std::string(name)); }
};

}  // namespace detail

namespace {

result<flag> parse_flag_rule(parse_cursor& in, rule r) {
    const bool backslash = in.consume('\\');
    if (backslash && in.consume('*')) {
        if (r != rule::perm) return unexpected(errc::bad_syntax);
        return flag(flag::kind::wildcard);
    }
    // atom = 1*ATOM-CHAR, scanned here once; the flag is built without
    // validating it again.
    const std::string_view rest = in.rest();
    std::size_t n = 0;
    while (n < rest.size() && is_atom_char(rest[n])) ++n;
    if (n == 0) return unexpected(errc::bad_syntax);
    const std::string_view name = rest.substr(0, n);
    in.advance(n);
    if (!backslash) return detail::flag_access::make(flag::kind::keyword, name);
    if (const auto* system = find_system(name)) {
        if (system->second == flag::kind::recent && r != rule::fetch) return unexpected(errc::bad_syntax);
        return flag(system->second);
    }
    return detail::flag_access::make(flag::kind::extension, name);
}

}  // namespace

flag::flag(kind k) : kind_(k) { MAILACCESS_ASSERT(k != kind::keyword && k != kind::extension); }

result<flag> flag::make(std::string_view text) {
    if (text == "\\*") return flag(kind::wildcard);
    const bool backslash = !text.empty() && text.front() == '\\';
    const std::string_view name = backslash ? text.substr(1) : text;
    if (name.empty()) return unexpected(errc::bad_syntax);
    for (const char c : name)
        if (!is_atom_char(c)) return unexpected(errc::bad_syntax);
    if (!backslash) return flag(kind::keyword, std::string(name));
    if (const auto* system = find_system(name)) return flag(system->second);
    return flag(kind::extension, std::string(name));
}

std::string flag::text() const {
    switch (kind_) {
        case kind::keyword: return name_;
        case kind::extension: return backslashed(name_);
        case kind::wildcard: return "\\*";
        default: break;
    }
    for (const auto& [n, k] : system_names)
        if (k == kind_) return backslashed(n);
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
