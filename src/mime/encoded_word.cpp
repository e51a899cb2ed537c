#include <mailaccess/mime/encoded_word.hpp>

#include <cstdint>
#include <optional>

namespace mailaccess::mime {
namespace {

constexpr std::size_t max_charset_length = 64;  // "ISO-8859-2*en-GB" is 16; longer is garbage

struct word {
    std::size_t end = 0;  // one past the closing "?="
    std::string_view charset_name;
    char encoding = 0;
    std::string_view text;
};

constexpr bool is_lwsp(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

int base64_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// encoded-word = "=?" charset "?" encoding "?" encoded-text "?="
// (RFC 2047 section 2), at s[p] == '=' and s[p + 1] == '?'. Each attempt
// reads up to the third '?' after `p`, so trying every "=?" is linear.
std::optional<word> parse_word(std::string_view s, std::size_t p) noexcept {
    const std::size_t n = s.size();
    std::size_t i = p + 2;
    const std::size_t cs_start = i;
    while (i < n && s[i] != '?') {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c <= 0x20 || c >= 0x7F || i - cs_start >= max_charset_length) return std::nullopt;
        ++i;
    }
    if (i + 2 >= n || i == cs_start) return std::nullopt;
    word w;
    w.charset_name = s.substr(cs_start, i - cs_start);
    w.encoding = s[i + 1];
    if (s[i + 2] != '?') return std::nullopt;
    if (w.encoding != 'B' && w.encoding != 'b' && w.encoding != 'Q' && w.encoding != 'q') return std::nullopt;
    i += 3;
    const std::size_t text_start = i;
    while (i < n && s[i] != '?') {
        if (is_lwsp(s[i])) return std::nullopt;
        ++i;
    }
    if (i + 1 >= n || s[i + 1] != '=') return std::nullopt;
    w.text = s.substr(text_start, i - text_start);
    w.end = i + 2;
    return w;
}

// RFC 2047 section 4.2.
void decode_q(std::string_view text, std::string& out) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '_') {
            out.push_back(' ');
        } else if (c == '=' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
}

// RFC 2047 section 4.1 (RFC 4648 base64); false when the text is not base64.
bool decode_b(std::string_view text, std::string& out) {
    std::uint32_t bits = 0;
    int nbits = 0;
    std::size_t i = 0;
    for (; i < text.size() && text[i] != '='; ++i) {
        const int v = base64_value(text[i]);
        if (v < 0) return false;
        bits = (bits << 6) | static_cast<std::uint32_t>(v);
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out.push_back(static_cast<char>((bits >> nbits) & 0xFF));
        }
    }
    for (; i < text.size(); ++i)
        if (text[i] != '=') return false;
    return true;
}

}  // namespace

std::string decode_encoded_words(std::string_view s, const encoded_word_options& options) {
    std::string out;
    out.reserve(s.size());
    std::string pending;  // decoded bytes of adjacent words in `pending_charset`
    charset pending_charset = charset::utf_8;
    std::string bytes;
    bool last_was_word = false;
    std::size_t text_start = 0;  // start of the text not yet written
    std::size_t pos = 0;

    const auto flush = [&] {
        if (!pending.empty()) convert_to_utf8(pending_charset, pending, out);
        pending.clear();
    };

    while (pos + 1 < s.size()) {
        const std::size_t p = s.find("=?", pos);
        if (p == std::string_view::npos) break;
        pos = p + 1;
        const auto w = parse_word(s, p);
        if (!w) continue;
        const std::string_view name = w->charset_name.substr(0, w->charset_name.find('*'));
        auto cs = find_charset(name);
        if (name.empty() || (!cs && !options.decode_unknown_charsets)) continue;
        bytes.clear();
        if (w->encoding == 'Q' || w->encoding == 'q') {
            decode_q(w->text, bytes);
        } else if (!decode_b(w->text, bytes)) {
            continue;
        }

        const std::string_view between = s.substr(text_start, p - text_start);
        bool only_lwsp = true;
        for (char c : between) only_lwsp = only_lwsp && is_lwsp(c);
        if (!(last_was_word && only_lwsp)) {
            flush();
            convert_to_utf8(options.raw_text_charset, between, out);
        }
        const charset c = cs.value_or(charset::utf_8);
        if (!pending.empty() && c != pending_charset) flush();
        pending_charset = c;
        pending.append(bytes);
        last_was_word = true;
        text_start = pos = w->end;
    }
    flush();
    convert_to_utf8(options.raw_text_charset, s.substr(text_start), out);
    return out;
}

}  // namespace mailaccess::mime
