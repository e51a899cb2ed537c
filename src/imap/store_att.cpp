#include <mailaccess/imap/store_att.hpp>

#include <mailaccess/imap/atom.hpp>

namespace mailaccess::imap {

result<store_att> store_att::make(store_mode mode, bool silent, std::vector<flag> flags) {
    for (const auto& f : flags)
        if (f.type() == flag::kind::recent || f.type() == flag::kind::wildcard)
            return unexpected(errc::bad_syntax);
    store_att s;
    s.mode_ = mode;
    s.silent_ = silent;
    s.flags_ = std::move(flags);
    return s;
}

result<store_att> parse_store_att_flags(parse_cursor& in) {
    store_mode mode = store_mode::replace;
    if (in.consume('+'))
        mode = store_mode::add;
    else if (in.consume('-'))
        mode = store_mode::remove;
    const std::string_view name = in.word();
    bool silent = false;
    if (iequals(name, "FLAGS.SILENT"))
        silent = true;
    else if (!iequals(name, "FLAGS"))
        return unexpected(errc::bad_syntax);
    if (!in.consume(' ')) return unexpected(errc::bad_syntax);
    std::vector<flag> flags;
    if (in.next_is('(')) {
        auto list = parse_flag_list(in);
        if (!list) return unexpected(list.error());
        flags = std::move(*list);
    } else {
        do {
            auto f = parse_flag(in);
            if (!f) return unexpected(f.error());
            flags.push_back(std::move(*f));
        } while (in.consume(' '));
    }
    return store_att::make(mode, silent, std::move(flags));
}

void write(writer& out, const store_att& value) {
    if (value.mode() == store_mode::add) out.raw('+');
    if (value.mode() == store_mode::remove) out.raw('-');
    out.raw(value.is_silent() ? "FLAGS.SILENT " : "FLAGS ");
    write(out, value.flags());
}

}  // namespace mailaccess::imap
