#include <mailaccess/mime/header_field.hpp>

#include <mailaccess/core/ascii.hpp>

#include <cstring>

namespace mailaccess::mime {
namespace {

constexpr bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }

// Index of the next '\n' at or after `from`, or `s.size()`.
std::size_t find_lf(std::string_view s, std::size_t from) noexcept {
    if (from >= s.size()) return s.size();
    const void* p = std::memchr(s.data() + from, '\n', s.size() - from);
    return p == nullptr ? s.size() : static_cast<std::size_t>(static_cast<const char*>(p) - s.data());
}

}  // namespace

header_block_end find_header_end(std::string_view data) noexcept {
    std::size_t pos = 0;
    while (pos < data.size()) {
        if (data[pos] == '\n') return {pos + 1, true, 1};
        if (data[pos] == '\r' && pos + 1 < data.size() && data[pos + 1] == '\n') return {pos + 2, true, 2};
        pos = find_lf(data, pos);
        if (pos < data.size()) ++pos;
    }
    return {data.size(), false, 0};
}

std::optional<header_field_view> next_header_field(std::string_view block, std::size_t& offset) noexcept {
    const std::size_t n = block.size();
    const std::size_t start = offset;
    if (start >= n) return std::nullopt;
    if (block[start] == '\n' || (block[start] == '\r' && start + 1 < n && block[start + 1] == '\n'))
        return std::nullopt;

    // The first line, then every continuation line (RFC 5322 section 2.2.3).
    // Only LF ends a line; a CR before it belongs to the line end, a CR
    // elsewhere is data (Dovecot does the same for bare CR).
    const std::size_t first_lf = find_lf(block, start);
    std::size_t lf = first_lf;
    while (lf < n && lf + 1 < n && is_wsp(block[lf + 1])) lf = find_lf(block, lf + 1);

    const std::size_t raw_end = lf < n ? lf + 1 : n;
    std::size_t content_end = lf;  // excludes the final line end
    if (lf < n && lf > start && block[lf - 1] == '\r') --content_end;

    header_field_view f;
    f.raw = block.substr(start, raw_end - start);
    offset = raw_end;

    const std::string_view first_line = block.substr(start, first_lf - start);
    // A continuation line here has no field before it (the block starts with
    // one); like a line without a colon it is kept but not a field.
    const std::size_t colon = is_wsp(block[start]) ? std::string_view::npos : first_line.find(':');
    std::size_t name_end = colon;
    while (colon != std::string_view::npos && name_end > 0 && is_wsp(first_line[name_end - 1])) --name_end;
    if (colon == std::string_view::npos || name_end == 0) {
        f.has_colon = false;
        f.value = block.substr(start, content_end - start);
        f.name = block.substr(start, 0);
        return f;
    }
    f.name = first_line.substr(0, name_end);
    // A CR right before the final LF may sit just after the colon ("X:\r\n").
    const std::size_t value_start = start + colon + 1;
    f.value = block.substr(value_start, content_end > value_start ? content_end - value_start : 0);
    return f;
}

std::string unfold(std::string_view value) {
    if (value.find('\n') == std::string_view::npos) return std::string(value);
    std::string out;
    out.reserve(value.size());
    const std::size_t n = value.size();
    for (std::size_t i = 0; i < n; ++i) {
        const char c = value[i];
        if (c == '\r' && i + 2 < n && value[i + 1] == '\n' && is_wsp(value[i + 2])) {
            ++i;  // skip CR and LF; the WSP is appended next round
            continue;
        }
        if (c == '\n' && i + 1 < n && is_wsp(value[i + 1])) continue;
        out.push_back(c);
    }
    return out;
}

std::string header_field_view::unfolded_value() const {
    std::size_t skip = 0;
    while (skip < value.size() && is_wsp(value[skip])) ++skip;
    return unfold(value.substr(skip));
}

std::optional<header_field_view> find_field(std::string_view block, std::string_view name) noexcept {
    std::size_t offset = 0;
    while (auto f = next_header_field(block, offset))
        if (f->has_colon && iequals(f->name, name)) return f;
    return std::nullopt;
}

std::vector<header_field_view> find_fields(std::string_view block, std::string_view name) {
    std::vector<header_field_view> out;
    std::size_t offset = 0;
    while (auto f = next_header_field(block, offset))
        if (f->has_colon && iequals(f->name, name)) out.push_back(*f);
    return out;
}

}  // namespace mailaccess::mime
