#include "names.hpp"

#include <mailaccess/core/mutf7.hpp>

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
        // Core reports its own encoding errors; to a store they all mean
        // "this name cannot be a folder".
        auto enc = mailaccess::mutf7_encode(std::string_view(name).substr(start, slash - start));
        if (!enc) return unexpected(errc::invalid_mailbox_name);
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
        auto dec = mailaccess::mutf7_decode(part);
        if (!dec) return unexpected(errc::invalid_mailbox_name);
        if (!out.empty()) out += '/';
        out += *dec;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return out;
}

}  // namespace mailaccess::maildir::detail
