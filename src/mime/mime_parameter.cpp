#include <mailaccess/mime/mime_parameter.hpp>

#include <mailaccess/core/ascii.hpp>
#include <mailaccess/mime/charset.hpp>
#include <mailaccess/mime/encoded_word.hpp>
#include <mailaccess/mime/field_lexer.hpp>
#include <mailaccess/mime/utf8.hpp>

#include <algorithm>
#include <map>

namespace mailaccess::mime {
namespace {

constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_attribute_char(char c) noexcept { return is_atom_char(c, lexer_grammar::mime); }

// Index one past a comment that starts at s[i] == '(' (nested, with
// quoted-pairs), or s.size().
std::size_t skip_comment(std::string_view s, std::size_t i) noexcept {
    std::size_t depth = 0;
    for (; i < s.size(); ++i) {
        if (s[i] == '\\') {
            ++i;
        } else if (s[i] == '(') {
            ++depth;
        } else if (s[i] == ')' && --depth == 0) {
            return i + 1;
        }
    }
    return s.size();
}

// CFWS (RFC 5322 section 3.2.2).
std::size_t skip_cfws(std::string_view s, std::size_t i) noexcept {
    while (i < s.size()) {
        if (is_space(s[i])) {
            ++i;
        } else if (s[i] == '(') {
            i = skip_comment(s, i);
        } else {
            break;
        }
    }
    return i < s.size() ? i : s.size();
}

// The next ';' outside quoted strings and comments, or s.size().
std::size_t skip_to_semicolon(std::string_view s, std::size_t i) noexcept {
    while (i < s.size() && s[i] != ';') {
        if (s[i] == '(') {
            i = skip_comment(s, i);
        } else if (s[i] == '"') {
            for (++i; i < s.size() && s[i] != '"'; ++i)
                if (s[i] == '\\') ++i;
            if (i < s.size()) ++i;
        } else {
            ++i;
        }
    }
    return i < s.size() ? i : s.size();
}

// `attribute *WSP "="` at s[i]: the start of another parameter.
bool looks_like_attribute(std::string_view s, std::size_t i) noexcept {
    const std::size_t start = i;
    while (i < s.size() && is_attribute_char(s[i])) ++i;
    if (i == start) return false;
    while (i < s.size() && is_space(s[i])) ++i;
    return i < s.size() && s[i] == '=';
}

struct segment {
    std::string_view base;  // the attribute without section and "*" markers
    int section = -1;       // -1: not a continuation segment
    bool extended = false;
    std::string raw;  // the value, unquoted
};

segment split_attribute(std::string_view attr) {
    segment seg;
    if (attr.size() > 1 && attr.back() == '*') {
        seg.extended = true;
        attr.remove_suffix(1);
    }
    const std::size_t star = attr.rfind('*');
    if (star != std::string_view::npos && star > 0 && star + 1 < attr.size() && attr.size() - star - 1 <= 3) {
        int n = 0;
        bool digits = true;
        for (char c : attr.substr(star + 1)) {
            digits = digits && c >= '0' && c <= '9';
            n = n * 10 + (c - '0');
        }
        if (digits) {
            seg.section = n;
            attr = attr.substr(0, star);
        }
    }
    seg.base = attr;
    return seg;
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// RFC 2231 section 4: %XX escapes; a '%' without two hex digits stays.
void percent_decode(std::string_view in, std::string& out) {
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
            i += 2;
        } else {
            out.push_back(in[i]);
        }
    }
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = ascii_to_lower(c);
    return out;
}

// Builds one parameter from its segments, already in section order.
mime_parameter make_parameter(const std::vector<const segment*>& segs, bool continued) {
    mime_parameter p;
    p.name = std::string(segs.front()->base);
    p.is_continued = continued;
    for (const segment* s : segs) {
        p.wire_value += s->raw;
        p.is_extended = p.is_extended || s->extended;
    }
    if (!p.is_extended) {
        p.value = decode_encoded_words(p.wire_value);
        return p;
    }
    std::string bytes;
    for (const segment* s : segs) {
        std::string_view raw = s->raw;
        if (!s->extended) {
            bytes += raw;
            continue;
        }
        // The first segment of an extended value starts with
        // charset "'" language "'" (RFC 2231 sections 3 and 4).
        if (s == segs.front() && s->section <= 0) {
            const std::size_t q1 = raw.find('\'');
            const std::size_t q2 = q1 == std::string_view::npos ? q1 : raw.find('\'', q1 + 1);
            if (q2 != std::string_view::npos) {
                p.charset = std::string(raw.substr(0, q1));
                p.language = std::string(raw.substr(q1 + 1, q2 - q1 - 1));
                raw = raw.substr(q2 + 1);
            }
        }
        percent_decode(raw, bytes);
    }
    const auto cs = find_charset(p.charset);
    if (cs) {
        convert_to_utf8(*cs, bytes, p.value);
    } else {
        p.value = sanitize_utf8(bytes);
    }
    return p;
}

}  // namespace

std::vector<mime_parameter> parse_parameters(std::string_view s) {
    std::vector<segment> segs;
    std::size_t i = 0;
    while (i < s.size() && segs.size() < max_parameters) {
        i = skip_cfws(s, i);
        if (i >= s.size()) break;
        if (s[i] == ';') {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < s.size() && is_attribute_char(s[j])) ++j;
        if (j == i) {  // not an attribute: skip to the next parameter
            i = skip_to_semicolon(s, i);
            continue;
        }
        const std::string_view attr = s.substr(i, j - i);
        std::size_t k = skip_cfws(s, j);
        if (k >= s.size() || s[k] != '=') {
            i = skip_to_semicolon(s, k);
            continue;
        }
        k = skip_cfws(s, k + 1);
        segment seg = split_attribute(attr);
        if (k < s.size() && s[k] == '"') {
            for (++k; k < s.size() && s[k] != '"'; ++k) {
                char c = s[k];
                if (c == '\\' && k + 1 < s.size()) c = s[++k];
                // Line breaks go, even escaped ones (obs-qp): they are folding.
                if (c != '\r' && c != '\n') seg.raw.push_back(c);
            }
            if (k < s.size()) ++k;  // the closing quote
            k = skip_cfws(s, k);
            if (k < s.size() && s[k] != ';' && !looks_like_attribute(s, k)) k = skip_to_semicolon(s, k);
        } else {
            // An unquoted value: a token by the RFC, in practice anything up
            // to ";" (boundaries with "=", names with spaces).
            for (;;) {
                std::size_t r = k;
                while (r < s.size() && s[r] != ';' && s[r] != '(' && !is_space(s[r])) ++r;
                seg.raw.append(s.substr(k, r - k));
                const std::size_t t = skip_cfws(s, r);
                if (t >= s.size() || s[t] == ';' || looks_like_attribute(s, t)) {
                    k = t;
                    break;
                }
                const std::string_view gap = s.substr(r, t - r);
                if (gap.find('(') != std::string_view::npos) {
                    seg.raw.push_back(' ');
                } else {
                    for (char c : gap)
                        if (c != '\r' && c != '\n') seg.raw.push_back(c);
                }
                k = t;
            }
        }
        segs.push_back(std::move(seg));
        i = k;
    }

    // Group continuation segments by attribute; other segments stand alone.
    // `slots` holds, per output parameter in order of first appearance, the
    // segments that make it up.
    std::vector<std::vector<const segment*>> slots;
    std::vector<bool> continued;
    std::map<std::string, std::size_t> by_name;
    for (const segment& seg : segs) {
        if (seg.section < 0) {
            slots.push_back({&seg});
            continued.push_back(false);
            continue;
        }
        auto [it, inserted] = by_name.try_emplace(lower(seg.base), slots.size());
        if (inserted) {
            slots.emplace_back();
            continued.push_back(true);
        }
        slots[it->second].push_back(&seg);
    }

    std::vector<mime_parameter> out;
    out.reserve(slots.size());
    for (std::size_t n = 0; n < slots.size(); ++n) {
        auto& group = slots[n];
        if (continued[n]) {
            std::stable_sort(group.begin(), group.end(),
                             [](const segment* a, const segment* b) { return a->section < b->section; });
            group.erase(
                std::unique(group.begin(), group.end(),
                            [](const segment* a, const segment* b) { return a->section == b->section; }),
                group.end());
        }
        out.push_back(make_parameter(group, continued[n]));
    }
    return out;
}

const mime_parameter* find_parameter(const std::vector<mime_parameter>& params,
                                     std::string_view name) noexcept {
    const mime_parameter* first = nullptr;
    for (const mime_parameter& p : params) {
        if (!iequals(p.name, name)) continue;
        if (p.is_extended) return &p;
        if (first == nullptr) first = &p;
    }
    return first;
}

}  // namespace mailaccess::mime
