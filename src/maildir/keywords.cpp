#include "keywords.hpp"

#include "filename.hpp"

#include "../store/flag_ops.hpp"
#include "../store/names.hpp"

#include <mailaccess/core/error.hpp>

#include <algorithm>

namespace mailaccess::maildir::detail {

namespace {

std::size_t index_of(char letter) noexcept { return static_cast<std::size_t>(letter - 'a'); }

char letter_at(std::size_t i) noexcept { return static_cast<char>('a' + i); }

// What the file format can carry; the IMAP atom rules are the engine's job.
bool is_writable_name(std::string_view name) noexcept {
    return !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f;
    });
}

}  // namespace

std::optional<char> keyword_table::letter_of(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < names.size(); ++i)
        if (!names[i].empty() && store::detail::iequals(names[i], name)) return letter_at(i);
    return std::nullopt;
}

std::vector<std::string> keyword_table::names_of(std::string_view letters) const {
    std::vector<std::string> out;
    for (char c : letters)
        if (is_keyword_letter(c) && !names[index_of(c)].empty()) out.push_back(names[index_of(c)]);
    store::detail::normalize_keywords(out);
    return out;
}

std::string keyword_table::unnamed_letters(std::string_view letters) const {
    std::string out;
    for (char c : letters)
        if (is_keyword_letter(c) && names[index_of(c)].empty()) out += c;
    return out;
}

bool keyword_table::has_all(const std::vector<std::string>& wanted) const noexcept {
    return std::all_of(wanted.begin(), wanted.end(),
                       [&](const std::string& n) { return letter_of(n).has_value(); });
}

result<std::string> keyword_table::letters_for(const std::vector<std::string>& wanted,
                                               std::string_view letters_in_use, bool& changed) {
    keyword_table next = *this;  // committed only on success
    bool gave = false;
    std::string out;
    for (const auto& name : wanted) {
        if (!is_writable_name(name)) return unexpected(mailaccess::errc::invalid_argument);
        if (auto l = next.letter_of(name)) {
            out += *l;
            continue;
        }
        auto takeable = [&](std::size_t i, bool named) {
            const char l = letter_at(i);
            return next.names[i].empty() != named && letters_in_use.find(l) == std::string_view::npos &&
                   out.find(l) == std::string::npos;
        };
        std::optional<std::size_t> slot;
        for (const bool named : {false, true}) {
            for (std::size_t i = 0; i < next.names.size() && !slot; ++i)
                if (takeable(i, named)) slot = i;
            if (slot) break;
        }
        if (!slot) return unexpected(mailaccess::errc::limit_exceeded);
        next.names[*slot] = name;
        out += letter_at(*slot);
        gave = true;
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    if (gave) {
        *this = std::move(next);
        changed = true;
    }
    return out;
}

keyword_table parse_keywords(std::string_view text) {
    keyword_table t;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const std::size_t sp = line.find(' ');
        if (sp == std::string_view::npos || sp == 0 || sp > 2) continue;
        std::size_t index = 0;
        bool digits = true;
        for (char c : line.substr(0, sp)) {
            if (c < '0' || c > '9') digits = false;
            index = index * 10 + static_cast<std::size_t>(c - '0');
        }
        const std::string_view name = line.substr(sp + 1);
        if (!digits || index >= max_keywords || name.empty()) continue;
        // A keyword is an IMAP atom: a name with a space or a control byte
        // cannot have come from us and would not survive a rewrite of the file
        // (found by maildir_keywords_fuzz), so such a line is skipped.
        bool atom = true;
        for (char c : name) {
            const auto u = static_cast<unsigned char>(c);
            if (u <= 0x20 || u == 0x7f) atom = false;
        }
        if (!atom) continue;
        t.names[index] = std::string(name);
    }
    return t;
}

std::string serialize_keywords(const keyword_table& table) {
    std::string out;
    for (std::size_t i = 0; i < table.names.size(); ++i)
        if (!table.names[i].empty()) out += std::to_string(i) + " " + table.names[i] + "\n";
    return out;
}

}  // namespace mailaccess::maildir::detail
