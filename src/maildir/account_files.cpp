#include "account_files.hpp"

#include "posix_io.hpp"

#include <mailaccess/core/mutf7.hpp>

#include <optional>
#include <string_view>

namespace mailaccess::maildir::detail {

namespace fs = std::filesystem;

namespace {

constexpr const char* special_use_name = "mailaccess-special-use";
constexpr const char* subscriptions_name = "subscriptions";
constexpr std::size_t max_small_file = 1024 * 1024;

// The non-empty lines of `text`.
std::set<std::string> non_empty_lines(std::string_view text) {
    std::set<std::string> out;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (!line.empty()) out.emplace(line);
    }
    return out;
}

std::set<std::string> read_lines(const fs::path& file) {
    auto text = read_file(file, max_small_file);
    return text ? non_empty_lines(*text) : std::set<std::string>{};
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

// Dovecot's subscriptions file, version 2 (its subscription-file.c): the
// header "V\t2\n\n", then one name a line, each hierarchy level modified
// UTF-7 (the storage names of Dovecot's default, not UTF-8), levels joined by
// a tab instead of the separator, and a level's own tab, CR, LF and \001
// written as \001 followed by 't', 'r', 'n' and '1'. A file without the header
// is version 1: one UTF-8 name a line with "/" between levels, which is also
// what this library wrote before it spoke version 2.
constexpr std::string_view subscriptions_header = "V\t2\n\n";
constexpr char tab_escape = '\001';

void append_tab_escaped(std::string& out, std::string_view level) {
    for (const char c : level) {
        switch (c) {
            case tab_escape: out += "\0011"; break;
            case '\t': out += "\001t"; break;
            case '\r': out += "\001r"; break;
            case '\n': out += "\001n"; break;
            default: out += c;
        }
    }
}

std::string tab_unescaped(std::string_view level) {
    std::string out;
    for (std::size_t i = 0; i < level.size(); ++i) {
        if (level[i] != tab_escape || i + 1 == level.size()) {
            out += level[i];
            continue;
        }
        switch (level[++i]) {
            case '1': out += tab_escape; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'n': out += '\n'; break;
            default: out += level[i];
        }
    }
    return out;
}

// A version 2 line as a UTF-8 name, or nothing when a level is not modified UTF-7.
std::optional<std::string> subscription_from_v2(std::string_view line) {
    std::string name;
    for (;;) {
        const std::size_t tab = line.find('\t');
        auto level = mailaccess::mutf7_decode(tab_unescaped(line.substr(0, tab)));
        if (!level) return std::nullopt;
        name += *level;
        if (tab == std::string_view::npos) return name;
        name += '/';
        line.remove_prefix(tab + 1);
    }
}

}  // namespace

std::set<std::string> read_subscriptions(const fs::path& maildir) {
    auto text = read_file(maildir / subscriptions_name, max_small_file);
    if (!text) return {};
    const std::string_view all = *text;
    if (all.substr(0, 2) != "V\t") return non_empty_lines(all);  // version 1
    // Version 2: header lines up to the first empty one, then the names.
    const std::size_t end = all.find("\n\n");
    if (end == std::string_view::npos) return {};
    std::set<std::string> out;
    for (const auto& line : non_empty_lines(all.substr(end + 2)))
        if (auto name = subscription_from_v2(line)) out.insert(std::move(*name));
    return out;
}

std::error_code write_subscriptions(const fs::path& maildir, const std::set<std::string>& names, bool sync) {
    std::string text(subscriptions_header);
    for (const auto& name : names) {
        std::string_view rest = name;
        for (;;) {
            const std::size_t slash = rest.find('/');
            // Subscribed names passed mailbox-name validation, so they are UTF-8;
            // one that somehow is not is kept as it is rather than dropped.
            const auto level = rest.substr(0, slash);
            auto wire = mailaccess::mutf7_encode(level);
            append_tab_escaped(text, wire ? std::string_view(*wire) : level);
            if (slash == std::string_view::npos) break;
            text += '\t';
            rest.remove_prefix(slash + 1);
        }
        text += '\n';
    }
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
