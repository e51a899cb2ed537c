#include <mailaccess/imap/status_att.hpp>

#include <mailaccess/imap/atom.hpp>

#include <array>

namespace mailaccess::imap {
namespace {

constexpr std::array<std::string_view, 9> names{"MESSAGES",    "RECENT",  "UIDNEXT",
                                                "UIDVALIDITY", "UNSEEN",  "HIGHESTMODSEQ",
                                                "SIZE",        "DELETED", "DELETED-STORAGE"};

}  // namespace

std::string_view to_string(status_att value) noexcept { return names[static_cast<std::size_t>(value)]; }

result<status_att> parse_status_att(parse_cursor& in) {
    const std::string_view word = in.word();
    for (std::size_t i = 0; i < names.size(); ++i)
        if (iequals(word, names[i])) return static_cast<status_att>(i);
    return unexpected(errc::bad_syntax);
}

result<std::vector<status_att>> parse_status_att_list(parse_cursor& in) {
    if (!in.consume('(')) return unexpected(errc::bad_syntax);
    std::vector<status_att> atts;
    do {
        auto a = parse_status_att(in);
        if (!a) return unexpected(a.error());
        atts.push_back(*a);
    } while (in.consume(' '));
    if (!in.consume(')')) return unexpected(errc::bad_syntax);
    return atts;
}

void write(writer& out, status_att value) { out.raw(to_string(value)); }

void write(writer& out, const std::vector<status_att>& list) {
    MAILACCESS_ASSERT(!list.empty());
    out.raw('(');
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (i > 0) out.sp();
        write(out, list[i]);
    }
    out.raw(')');
}

}  // namespace mailaccess::imap
