#include "names.hpp"

#include <mailaccess/store/error.hpp>

#include <algorithm>
#include <cctype>

namespace mailaccess::store::detail {

namespace {
constexpr std::size_t max_name_length = 1024;

// ASCII only: std::tolower would follow whatever locale the host set.
char lower(char c) noexcept { return ascii_to_lower(c); }
}  // namespace

bool iless(std::string_view a, std::string_view b) noexcept {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                        [](char x, char y) { return lower(x) < lower(y); });
}

result<std::string> normalize_mailbox_name(std::string_view name) {
    if (iequals(name, "INBOX")) return std::string("INBOX");
    if (name.empty() || name.size() > max_name_length || name.front() == '/' || name.back() == '/' ||
        name.find("//") != std::string_view::npos)
        return unexpected(errc::invalid_mailbox_name);
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || c == '*' || c == '%') return unexpected(errc::invalid_mailbox_name);
    }
    return std::string(name);
}

std::error_code check_user_name(std::string_view user) {
    if (user.empty() || user.size() > 255) return errc::no_such_user;
    for (char c : user) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || c == '/') return errc::no_such_user;
    }
    return {};
}

}  // namespace mailaccess::store::detail
