#include <mailaccess/imap/mailbox_name.hpp>

#include <mailaccess/core/mutf7.hpp>
#include <mailaccess/imap/atom.hpp>
#include <mailaccess/imap/string.hpp>

namespace mailaccess::imap {

result<mailbox_name> mailbox_name::make(std::string_view utf8) {
    if (!is_valid_utf8(utf8)) return unexpected(errc::bad_mailbox_name);
    // RFC 9051 section 5.1: no C0/C1 controls, DEL, U+2028 or U+2029.
    for (std::size_t i = 0; i < utf8.size(); ++i) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        if (c < 0x20 || c == 0x7f) return unexpected(errc::bad_mailbox_name);
        // U+0080-U+009F is C2 80 .. C2 9F.
        if (c == 0xc2 && i + 1 < utf8.size() && static_cast<unsigned char>(utf8[i + 1]) <= 0x9f)
            return unexpected(errc::bad_mailbox_name);
        // U+2028 / U+2029 are E2 80 A8 / E2 80 A9.
        if (c == 0xe2 && utf8.substr(i, 3) >= "\xe2\x80\xa8" && utf8.substr(i, 3) <= "\xe2\x80\xa9")
            return unexpected(errc::bad_mailbox_name);
    }
    if (iequals(utf8, "INBOX")) return mailbox_name();
    return mailbox_name(std::string(utf8));
}

result<mailbox_name> parse_mailbox(parse_cursor& in) {
    auto wire = parse_astring(in);
    if (!wire) return unexpected(wire.error());
    if (in.options().utf8_accept) return mailbox_name::make(*wire);
    auto utf8 = mutf7_decode(*wire);
    if (!utf8) return unexpected(errc::bad_mailbox_name);
    return mailbox_name::make(*utf8);
}

void write(writer& out, const mailbox_name& value) {
    if (out.options().utf8_accept) {
        out.astring(value.str());
        return;
    }
    // A valid mailbox_name is valid UTF-8, so encoding cannot fail.
    auto wire = mutf7_encode(value.str());
    MAILACCESS_ASSERT(wire.has_value());
    out.astring(*wire);
}

}  // namespace mailaccess::imap
