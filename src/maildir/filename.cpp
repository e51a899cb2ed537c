#include "filename.hpp"

#include <algorithm>

namespace mailaccess::maildir::detail {
namespace {

struct letter_flag {
    char letter;
    store::system_flag flag;
};
// Maildir's letters (https://cr.yp.to/proto/maildir.html); "P" (passed) has no IMAP flag.
constexpr letter_flag letters[] = {{'D', store::system_flag::draft},
                                   {'F', store::system_flag::flagged},
                                   {'R', store::system_flag::answered},
                                   {'S', store::system_flag::seen},
                                   {'T', store::system_flag::deleted}};

std::string_view info_of(std::string_view filename) {
    const std::size_t colon = filename.find(':');
    if (colon == std::string_view::npos) return {};
    std::string_view info = filename.substr(colon + 1);
    if (info.substr(0, 2) != "2,") return {};
    return info.substr(2);
}

}  // namespace

std::string_view basename_of(std::string_view filename) noexcept {
    return filename.substr(0, filename.find(':'));
}

store::flag_set flags_from_filename(std::string_view filename) {
    store::flag_set out;
    for (char c : info_of(filename))
        for (const auto& l : letters)
            if (l.letter == c) out.set(l.flag);
    return out;
}

std::string keyword_letters(std::string_view filename) {
    std::string out;
    for (char c : info_of(filename))
        if (is_keyword_letter(c)) out += c;
    return out;
}

std::string filename_with_flags(std::string_view filename, std::uint8_t system, std::string_view keywords) {
    std::string info;
    for (char c : info_of(filename))
        if (!is_keyword_letter(c) && std::none_of(std::begin(letters), std::end(letters),
                                                  [c](const letter_flag& l) { return l.letter == c; }))
            info += c;
    for (const auto& l : letters)
        if ((system & static_cast<std::uint8_t>(l.flag)) != 0) info += l.letter;
    for (char c : keywords)
        if (is_keyword_letter(c)) info += c;
    std::sort(info.begin(), info.end());
    info.erase(std::unique(info.begin(), info.end()), info.end());
    return std::string(basename_of(filename)) + ":2," + info;
}

namespace {

// The ",<key>=<digits>" field of the basename.
std::optional<std::uint64_t> size_field(std::string_view filename, std::string_view key) noexcept {
    const std::string_view base = basename_of(filename);
    const std::size_t pos = base.find(key);
    if (pos == std::string_view::npos) return std::nullopt;
    std::uint64_t v = 0;
    std::size_t i = pos + key.size();
    const std::size_t start = i;
    for (; i < base.size() && base[i] >= '0' && base[i] <= '9'; ++i) {
        if (i - start >= 19) return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(base[i] - '0');
    }
    if (i == start || (i < base.size() && base[i] != ',')) return std::nullopt;
    return v;
}

}  // namespace

std::optional<std::uint64_t> size_from_filename(std::string_view filename) noexcept {
    return size_field(filename, ",S=");
}

std::optional<std::uint64_t> crlf_size_from_filename(std::string_view filename) noexcept {
    return size_field(filename, ",W=");
}

}  // namespace mailaccess::maildir::detail
