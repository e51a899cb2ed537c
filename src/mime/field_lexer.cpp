#include <mailaccess/mime/field_lexer.hpp>

namespace mailaccess::mime {
namespace {

constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Index one past the delimited token that starts at `start` (text[start] is
// `open`), or text.size() when it is not closed. Quoted-pairs are skipped;
// `nests` counts nested openers (comments).
std::size_t delimited_end(std::string_view text, std::size_t start, char open, char close, bool nests,
                          bool& terminated) noexcept {
    std::size_t depth = 1;
    for (std::size_t i = start + 1; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\\') {
            ++i;
        } else if (nests && c == open) {
            ++depth;
        } else if (c == close && --depth == 0) {
            terminated = true;
            return i + 1;
        }
    }
    terminated = false;
    return text.size();
}

}  // namespace

// Control characters and 8-bit bytes count as atom characters: rejecting
// them would split real-world names in odd places, and RFC 6532 allows
// UTF-8 in atoms anyway.
bool is_atom_char(char c, lexer_grammar grammar) noexcept {
    if (is_space(c)) return false;
    switch (c) {
        case '(':
        case ')':
        case '<':
        case '>':
        case '[':
        case ']':
        case ':':
        case ';':
        case '@':
        case '\\':
        case ',':
        case '"': return false;
        case '.': return grammar == lexer_grammar::mime;
        case '/':
        case '?':
        case '=': return grammar == lexer_grammar::rfc5322;
        default: return true;
    }
}

field_token field_lexer::peek() const noexcept {
    field_lexer copy = *this;
    return copy.next();
}

field_token field_lexer::peek_non_comment() const noexcept {
    field_lexer copy = *this;
    return copy.next_non_comment();
}

field_token field_lexer::next_non_comment() noexcept {
    bool space = false;
    for (;;) {
        field_token t = next();
        if (t.kind != token_kind::comment) {
            t.space_before = t.space_before || space;
            return t;
        }
        space = true;
    }
}

field_token field_lexer::next() noexcept {
    field_token t;
    const std::size_t n = text_.size();
    while (pos_ < n && is_space(text_[pos_])) {
        ++pos_;
        t.space_before = true;
    }
    if (pos_ >= n) {
        t.raw = text_.substr(n);
        return t;
    }
    const std::size_t start = pos_;
    const char c = text_[start];
    std::size_t end = start + 1;
    if (c == '"') {
        t.kind = token_kind::quoted_string;
        end = delimited_end(text_, start, '"', '"', false, t.is_terminated);
    } else if (c == '(') {
        t.kind = token_kind::comment;
        end = delimited_end(text_, start, '(', ')', true, t.is_terminated);
    } else if (c == '[' && grammar_ == lexer_grammar::rfc5322) {
        t.kind = token_kind::domain_literal;
        end = delimited_end(text_, start, '[', ']', false, t.is_terminated);
    } else if (is_atom_char(c, grammar_)) {
        t.kind = token_kind::atom;
        while (end < n && is_atom_char(text_[end], grammar_)) ++end;
    } else {
        t.kind = token_kind::special;
    }
    if (end > n) end = n;  // a trailing backslash inside a quoted string
    t.raw = text_.substr(start, end - start);
    pos_ = end;
    return t;
}

std::string field_token::text() const {
    if (kind == token_kind::atom || kind == token_kind::special || kind == token_kind::end)
        return std::string(raw);
    // Strip the opening delimiter and, when present, the closing one.
    std::string_view inner = raw.substr(1);
    if (is_terminated && !inner.empty()) inner.remove_suffix(1);
    std::string out;
    out.reserve(inner.size());
    for (std::size_t i = 0; i < inner.size(); ++i) {
        char c = inner[i];
        if (c == '\\' && i + 1 < inner.size()) c = inner[++i];
        // Line breaks go, even escaped ones (obs-qp): they are folding.
        if (c != '\r' && c != '\n') out.push_back(c);
    }
    return out;
}

}  // namespace mailaccess::mime
