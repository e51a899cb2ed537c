#include "account_files.hpp"

#include "posix_io.hpp"

#include <string_view>

namespace mailaccess::maildir::detail {

namespace fs = std::filesystem;

namespace {

constexpr const char* special_use_name = "mailaccess-special-use";
constexpr const char* subscriptions_name = "subscriptions";
constexpr std::size_t max_small_file = 1024 * 1024;

std::set<std::string> read_lines(const fs::path& file) {
    std::set<std::string> out;
    auto text = read_file(file, max_small_file);
    if (!text) return out;
    std::string_view rest = *text;
    while (!rest.empty()) {
        const std::size_t nl = rest.find('\n');
        const std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        if (!line.empty() && line.substr(0, 2) != "V\t") out.emplace(line);
    }
    return out;
}

const char* special_use_word(store::special_use u) {
    switch (u) {
        case store::special_use::drafts: return "drafts";
        case store::special_use::sent: return "sent";
        case store::special_use::trash: return "trash";
        case store::special_use::junk: return "junk";
        case store::special_use::archive: return "archive";
        case store::special_use::none: break;
    }
    return "";
}

store::special_use special_use_from(std::string_view w) {
    for (auto u : {store::special_use::drafts, store::special_use::sent, store::special_use::trash,
                   store::special_use::junk, store::special_use::archive})
        if (w == special_use_word(u)) return u;
    return store::special_use::none;
}

}  // namespace

std::set<std::string> read_subscriptions(const fs::path& maildir) {
    return read_lines(maildir / subscriptions_name);
}

std::error_code write_subscriptions(const fs::path& maildir, const std::set<std::string>& names, bool sync) {
    std::string text;
    for (const auto& s : names) text += s + "\n";
    return replace_file(maildir / subscriptions_name, text, sync);
}

special_use_map read_special_use(const fs::path& maildir) {
    special_use_map out;
    for (const auto& line : read_lines(maildir / special_use_name)) {
        const std::size_t tab = line.find('\t');
        if (tab == std::string::npos) continue;
        const auto use = special_use_from(std::string_view(line).substr(0, tab));
        if (use != store::special_use::none) out[line.substr(tab + 1)] = use;
    }
    return out;
}

std::error_code write_special_use(const fs::path& maildir, const special_use_map& uses, bool sync) {
    std::string text;
    for (const auto& [name, use] : uses) text += std::string(special_use_word(use)) + "\t" + name + "\n";
    return replace_file(maildir / special_use_name, text, sync);
}

}  // namespace mailaccess::maildir::detail
