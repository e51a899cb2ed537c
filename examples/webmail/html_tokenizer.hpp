#pragma once
// A small HTML tokenizer for the sanitizer: it splits mail HTML into text,
// tags and the rest the way a browser's tokenizer would (WHATWG HTML section
// 13.2.5, simplified), so that what the sanitizer keeps is re-serialised in a
// form the browser reads back the same way. It builds no tree.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace webmail {

/// One token. Views point into the tokenizer's input (valid while it is).
struct html_token {
    enum class kind { text, start_tag, end_tag, comment, other };
    html_token::kind type = kind::text;
    std::string_view raw;  ///< the token's bytes as written
    std::string name;      ///< tags: the lower-cased tag name
    bool self_closing = false;
    /// Start tags: (lower-cased name, value with character references
    /// decoded). A repeated attribute keeps its first value, as browsers do.
    std::vector<std::pair<std::string, std::string>> attributes;
};

/// Tokenizes `input` from the start. After a start tag of a raw-text element
/// (script, style, textarea, title, xmp, iframe, noembed, noframes,
/// noscript, plaintext) the element's content is one text token up to the
/// matching end tag, as a browser reads it.
///
/// Bounds: linear time; at most `max_attributes` attributes are kept per tag
/// (the rest are dropped); an unterminated tag or comment at the end of the
/// input is returned as `other`.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class html_tokenizer {
public:
    static constexpr std::size_t max_attributes = 64;

    explicit html_tokenizer(std::string_view input) : in_(input) {}

    /// The next token; false at the end of the input.
    bool next(html_token& token);

private:
    bool lex_tag(html_token& token, bool end_tag);
    void lex_attributes(html_token& token);
    void lex_raw_text(html_token& token);

    std::string_view in_;
    std::size_t pos_ = 0;
    std::string raw_text_end_;  // set after a raw-text start tag: its name
};

/// Decodes character references (`&amp;`, `&#x41;`, `&#65;` and the common
/// named ones) in `text`; unknown or malformed references stay as written.
/// Invalid code points and NUL bytes become U+FFFD. Pure function.
std::string decode_character_references(std::string_view text);

}  // namespace webmail
