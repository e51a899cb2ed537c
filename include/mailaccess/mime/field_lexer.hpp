#pragma once

// The lexical tokens of structured header field bodies: atoms, quoted
// strings, comments, domain literals and specials (RFC 5322 section 3.2,
// RFC 2045 section 5.1 for MIME's `token`/`tspecials`). The address-list
// and Content-Type parsers are built on it; Content-Language lists,
// Message-ID and In-Reply-To can be read with it too.

#include <mailaccess/core/api.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mailaccess::mime {

/// Which characters end an atom.
enum class lexer_grammar : std::uint8_t {
    /// RFC 5322 section 3.2.3: specials are `()<>[]:;@\,."`; "[" starts a
    /// domain literal.
    rfc5322,
    /// RFC 2045 section 5.1: tspecials are `()<>@,;:\"/[]?=`; "." is an
    /// ordinary token character and there are no domain literals.
    mime,
};

enum class token_kind : std::uint8_t {
    atom,            ///< a run of atext/token characters (8-bit bytes included, RFC 6532)
    quoted_string,   ///< "..." with quoted-pairs
    comment,         ///< (...) with nesting and quoted-pairs
    domain_literal,  ///< [...] (rfc5322 grammar only)
    special,         ///< one special character, including a stray ")", "]" or "\"
    end,             ///< no more input
};

/// One token. `raw` points into the lexer's input.
struct field_token {
    token_kind kind = token_kind::end;
    /// The exact bytes, delimiters included: `"a\"b"`, `(c)`, `[1.2.3.4]`.
    std::string_view raw;
    /// Whitespace (SP, HTAB, CR, LF) came right before this token.
    bool space_before = false;
    /// False when the input ended inside a quoted string, comment or domain
    /// literal; the token then runs to the end of the input.
    bool is_terminated = true;

    /// The special character, or '\0' for other kinds.
    char special() const noexcept { return kind == token_kind::special ? raw.front() : '\0'; }
    bool is_special(char c) const noexcept { return kind == token_kind::special && raw.front() == c; }

    /// The content: delimiters removed (the outer parentheses of a comment,
    /// nested ones kept), quoted-pairs resolved (`\x` is `x`), CR and LF
    /// removed (unfolding, RFC 5322 section 3.2.4). For an atom or a
    /// special, `raw` itself.
    std::string text() const;
};

/// Splits a field body into tokens. Whitespace between tokens is skipped
/// (and reported as `space_before`); comments are returned as tokens, since
/// some uses need them (a comment can name an address, RFC 5322 section
/// 3.4 and Dovecot), and callers that do not skip them.
///
/// Tolerant: control characters count as atom characters, a quoted string,
/// comment or domain literal without its closing delimiter runs to the end
/// of the input, and comment nesting has no depth limit (only a counter is
/// kept). Linear time; no allocation.
///
/// A non-owning view over `text`, which must outlive the lexer and its
/// tokens. Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API field_lexer {
public:
    field_lexer(std::string_view text, lexer_grammar grammar) noexcept : text_(text), grammar_(grammar) {}

    /// The next token, comments included; `token_kind::end` at the end.
    field_token next() noexcept;
    /// The next token that is not a comment. `space_before` is also true
    /// when a skipped comment came before it (a comment separates like
    /// whitespace, RFC 5322 CFWS).
    field_token next_non_comment() noexcept;
    /// The token `next()` would return, without consuming it.
    field_token peek() const noexcept;
    /// The token `next_non_comment()` would return, without consuming it.
    field_token peek_non_comment() const noexcept;

    /// Offset of the next unread byte in the input.
    std::size_t offset() const noexcept { return pos_; }
    /// Continues reading at `offset` (<= input size), e.g. after a caller
    /// read a value by hand.
    void seek(std::size_t offset) noexcept { pos_ = offset < text_.size() ? offset : text_.size(); }
    std::string_view input() const noexcept { return text_; }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
    lexer_grammar grammar_;
};

/// True for a byte that an atom in `grammar` may contain (not whitespace,
/// CR, LF or a special of that grammar).
MAILACCESS_API bool is_atom_char(char c, lexer_grammar grammar) noexcept;

}  // namespace mailaccess::mime
