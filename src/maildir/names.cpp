#include "names.hpp"

#include "mutf7.hpp"

#include "../store/names.hpp"

#include <mailaccess/store/error.hpp>

namespace mailaccess::maildir::detail {

using store::errc;

std::error_code check_user(std::string_view user) {
    if (auto ec = store::detail::check_user_name(user)) return ec;
    if (user[0] == '.') return errc::no_such_user;
    return {};
}

result<std::string> normalize_name(std::string_view name) {
    auto n = store::detail::normalize_mailbox_name(name);
    if (n && n->find('.') != std::string::npos) return unexpected(errc::invalid_mailbox_name);
    return n;
}

result<std::string> disk_name(const std::string& name) {
    std::string out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t slash = name.find('/', start);
        auto enc = mutf7_encode(std::string_view(name).substr(start, slash - start));
        if (!enc) return unexpected(enc.error());
        out += '.';
        out += *enc;
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    if (out.size() > 255) return unexpected(errc::invalid_mailbox_name);
    return out;
}

result<std::string> name_from_disk(std::string_view dir) {
    if (dir.size() < 2 || dir[0] != '.') return unexpected(errc::invalid_mailbox_name);
    std::string out;
    std::size_t start = 1;
    for (;;) {
        const std::size_t dot = dir.find('.', start);
        const std::string_view part = dir.substr(start, dot - start);
        if (part.empty()) return unexpected(errc::invalid_mailbox_name);
        auto dec = mutf7_decode(part);
        if (!dec) return unexpected(dec.error());
        if (!out.empty()) out += '/';
        out += *dec;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return out;
}

}  // namespace mailaccess::maildir::detail
