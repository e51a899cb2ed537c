#include "html_tokenizer.hpp"

#include <mailaccess/mime/utf8.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

namespace webmail {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

bool is_raw_text_element(std::string_view name) {
    static constexpr std::array<std::string_view, 10> names = {"script",   "style",    "textarea", "title",
                                                               "xmp",      "iframe",   "noembed",  "noframes",
                                                               "noscript", "plaintext"};
    return std::find(names.begin(), names.end(), name) != names.end();
}

// A character reference's code point as UTF-8; NUL, surrogates and values
// past U+10FFFF become U+FFFD (HTML's rules; the library's encoder does the
// last two).
void append_utf8(std::uint32_t cp, std::string& out) {
    mailaccess::mime::append_utf8(out, cp == 0 ? mailaccess::mime::replacement_character : char32_t{cp});
}

// The named references that matter for the checks the sanitizer makes on
// URLs (":" hidden as &colon;, tabs that split "java&Tab;script") and the
// usual ones in mail.
struct named_reference {
    std::string_view name;
    std::uint32_t code_point;
};
constexpr std::array<named_reference, 12> named_references = {{{"amp", '&'},
                                                               {"lt", '<'},
                                                               {"gt", '>'},
                                                               {"quot", '"'},
                                                               {"apos", '\''},
                                                               {"nbsp", 0xA0},
                                                               {"colon", ':'},
                                                               {"Tab", '\t'},
                                                               {"NewLine", '\n'},
                                                               {"sol", '/'},
                                                               {"lpar", '('},
                                                               {"rpar", ')'}}};

}  // namespace

std::string decode_character_references(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == '\0') {  // as browsers read attribute values (WHATWG 13.2.5.36)
            append_utf8(0xFFFD, out);
            ++i;
            continue;
        }
        if (text[i] != '&') {
            out.push_back(text[i++]);
            continue;
        }
        std::size_t j = i + 1;
        if (j < text.size() && text[j] == '#') {
            ++j;
            const bool hex = j < text.size() && (text[j] == 'x' || text[j] == 'X');
            if (hex) ++j;
            std::uint32_t cp = 0;
            std::size_t digits = 0;
            for (; j < text.size(); ++j, ++digits) {
                const char c = text[j];
                std::uint32_t d;
                if (c >= '0' && c <= '9')
                    d = static_cast<std::uint32_t>(c - '0');
                else if (hex && lower(c) >= 'a' && lower(c) <= 'f')
                    d = static_cast<std::uint32_t>(lower(c) - 'a' + 10);
                else
                    break;
                cp = std::min<std::uint32_t>(cp * (hex ? 16 : 10) + d, 0x110000);
            }
            if (digits == 0) {
                out.push_back(text[i++]);
                continue;
            }
            if (j < text.size() && text[j] == ';') ++j;  // optional, as browsers read it
            append_utf8(cp, out);
            i = j;
            continue;
        }
        bool found = false;
        for (const auto& r : named_references) {
            if (text.substr(j, r.name.size()) == r.name && j + r.name.size() < text.size() + 1) {
                std::size_t end = j + r.name.size();
                if (end < text.size() && text[end] == ';') ++end;
                append_utf8(r.code_point, out);
                i = end;
                found = true;
                break;
            }
        }
        if (!found) out.push_back(text[i++]);
    }
    return out;
}

bool html_tokenizer::next(html_token& token) {
    token = html_token{};
    if (pos_ >= in_.size()) return false;
    if (!raw_text_end_.empty()) {
        lex_raw_text(token);
        return true;
    }
    const std::size_t start = pos_;
    if (in_[pos_] == '<' && pos_ + 1 < in_.size()) {
        const char c = in_[pos_ + 1];
        if (is_alpha(c)) {
            if (lex_tag(token, false)) return true;
        } else if (c == '/' && pos_ + 2 < in_.size() && is_alpha(in_[pos_ + 2])) {
            if (lex_tag(token, true)) return true;
        } else if (in_.substr(pos_, 4) == "<!--") {
            // A comment ends at the first "-->" (or "<!-->" at once).
            std::size_t end = in_.find("-->", pos_ + 2);
            token.type = html_token::kind::comment;
            pos_ = end == std::string_view::npos ? in_.size() : end + 3;
            if (end == std::string_view::npos) token.type = html_token::kind::other;
            token.raw = in_.substr(start, pos_ - start);
            return true;
        } else if (c == '!' || c == '?' || c == '/') {
            // Doctype, CDATA, processing instruction or "</" + non-letter:
            // a bogus comment up to the next ">".
            std::size_t end = in_.find('>', pos_ + 1);
            token.type = html_token::kind::other;
            pos_ = end == std::string_view::npos ? in_.size() : end + 1;
            token.raw = in_.substr(start, pos_ - start);
            return true;
        }
        if (pos_ >= in_.size()) {  // an unterminated tag swallowed the rest
            token.type = html_token::kind::other;
            token.raw = in_.substr(start);
            return true;
        }
    }
    // Text up to the next "<" (a lone "<" that starts nothing is text).
    std::size_t end = in_.find('<', pos_ + 1);
    if (end == std::string_view::npos) end = in_.size();
    token.type = html_token::kind::text;
    token.raw = in_.substr(start, end - start);
    pos_ = end;
    return true;
}

bool html_tokenizer::lex_tag(html_token& token, bool end_tag) {
    const std::size_t start = pos_;
    std::size_t p = pos_ + (end_tag ? 2 : 1);
    const std::size_t name_start = p;
    while (p < in_.size() && !is_space(in_[p]) && in_[p] != '/' && in_[p] != '>') ++p;
    token.name = lowered(in_.substr(name_start, p - name_start));
    token.type = end_tag ? html_token::kind::end_tag : html_token::kind::start_tag;
    pos_ = p;
    lex_attributes(token);
    if (pos_ >= in_.size()) {  // EOF inside a tag: browsers drop it
        token = html_token{};
        token.type = html_token::kind::other;
        token.raw = in_.substr(start);
        return true;
    }
    ++pos_;  // '>'
    token.raw = in_.substr(start, pos_ - start);
    if (end_tag) {
        token.attributes.clear();
        token.self_closing = false;
    } else if (is_raw_text_element(token.name)) {
        raw_text_end_ = token.name;
    }
    return true;
}

// Attributes up to (not including) the closing ">"; leaves pos_ on it, or at
// the end of the input.
void html_tokenizer::lex_attributes(html_token& token) {
    std::size_t& p = pos_;
    while (p < in_.size()) {
        while (p < in_.size() && is_space(in_[p])) ++p;
        if (p >= in_.size() || in_[p] == '>') return;
        if (in_[p] == '/') {
            ++p;
            token.self_closing = p < in_.size() && in_[p] == '>';
            continue;
        }
        const std::size_t name_start = p;
        ++p;  // the first character may be "=" (WHATWG 13.2.5.32)
        while (p < in_.size() && !is_space(in_[p]) && in_[p] != '/' && in_[p] != '>' && in_[p] != '=') ++p;
        std::string name = lowered(in_.substr(name_start, p - name_start));
        while (p < in_.size() && is_space(in_[p])) ++p;
        std::string_view value;
        if (p < in_.size() && in_[p] == '=') {
            ++p;
            while (p < in_.size() && is_space(in_[p])) ++p;
            if (p < in_.size() && (in_[p] == '"' || in_[p] == '\'')) {
                const char quote = in_[p++];
                const std::size_t value_start = p;
                const std::size_t end = in_.find(quote, p);
                p = end == std::string_view::npos ? in_.size() : end;
                value = in_.substr(value_start, p - value_start);
                if (p < in_.size()) ++p;
            } else {
                const std::size_t value_start = p;
                while (p < in_.size() && !is_space(in_[p]) && in_[p] != '>') ++p;
                value = in_.substr(value_start, p - value_start);
            }
        }
        const bool repeated = std::any_of(token.attributes.begin(), token.attributes.end(),
                                          [&](const auto& a) { return a.first == name; });
        if (!repeated && token.attributes.size() < html_tokenizer::max_attributes)
            token.attributes.emplace_back(std::move(name), decode_character_references(value));
    }
}

// Raw text runs to "</name" followed by a space, "/" or ">", any case.
void html_tokenizer::lex_raw_text(html_token& token) {
    const std::size_t start = pos_;
    std::size_t end = in_.size();
    if (raw_text_end_ != "plaintext") {
        for (std::size_t p = in_.find("</", pos_); p != std::string_view::npos; p = in_.find("</", p + 2)) {
            const std::size_t after = p + 2 + raw_text_end_.size();
            if (after > in_.size() || lowered(in_.substr(p + 2, raw_text_end_.size())) != raw_text_end_)
                continue;
            if (after == in_.size() || is_space(in_[after]) || in_[after] == '/' || in_[after] == '>') {
                end = p;
                break;
            }
        }
    }
    raw_text_end_.clear();
    token.type = html_token::kind::text;
    token.raw = in_.substr(start, end - start);
    pos_ = end;
}

}  // namespace webmail
