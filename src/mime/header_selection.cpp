#include <mailaccess/mime/header_selection.hpp>

#include <mailaccess/core/ascii.hpp>
#include <mailaccess/mime/header_field.hpp>

#include <algorithm>
#include <vector>

namespace mailaccess::mime {
namespace {

// The requested names, lowercased and sorted, so that a header with many
// fields and a long name list costs n log m, not n * m.
class name_set {
public:
    explicit name_set(std::span<const std::string> names) {
        names_.reserve(names.size());
        for (const auto& n : names) names_.push_back(lower(n));
        std::sort(names_.begin(), names_.end());
    }
    bool contains(std::string_view name) const {
        return std::binary_search(names_.begin(), names_.end(), lower(name));
    }

private:
    static std::string lower(std::string_view s) {
        std::string out(s);
        for (char& c : out) c = ascii_to_lower(c);
        return out;
    }
    std::vector<std::string> names_;
};

}  // namespace

std::string select_header_fields(std::string_view header, std::span<const std::string> names) {
    const name_set wanted(names);
    std::string out;
    for (const header_field_view& f : header_fields_view(header)) {
        if (!f.has_colon || !wanted.contains(f.name)) continue;
        out.append(f.raw);
        if (f.line_end().empty()) out.append("\r\n");
    }
    out.append("\r\n");
    return out;
}

std::string select_header_fields_not(std::string_view header, std::span<const std::string> names) {
    const name_set unwanted(names);
    std::string out;
    std::size_t offset = 0;
    while (auto f = next_header_field(header, offset))
        if (!f->has_colon || !unwanted.contains(f->name)) out.append(f->raw);
    // `offset` now points at the blank line, if there is one.
    const header_block_end end = find_header_end(header.substr(offset));
    if (end.has_blank_line && end.size == end.blank_line_size) out.append(header.substr(offset, end.size));
    return out;
}

std::optional<std::size_t> header_block_size(std::string_view message) noexcept {
    // Line by line: a line is empty when it is "\n" or "\r\n" (the parser's
    // blank line; "\r\r\n" is not one).
    for (std::size_t start = 0;;) {
        const std::size_t lf = message.find('\n', start);
        if (lf == std::string_view::npos) return std::nullopt;
        if (lf == start || (lf == start + 1 && message[start] == '\r')) return lf + 1;
        start = lf + 1;
    }
}

}  // namespace mailaccess::mime
