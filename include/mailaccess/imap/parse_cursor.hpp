#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/ascii.hpp>
#include <mailaccess/core/assert.hpp>
#include <mailaccess/core/limits.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mailaccess::imap {

/// What the grammar parser accepts beyond RFC 3501. Taken by value into a
/// `parse_cursor`.
struct parse_options {
    /// Deepest nesting of parenthesised search keys (and other recursive
    /// rules) accepted; deeper input fails with `errc::nesting_too_deep`.
    /// Bounds the parser's recursion, so the stack, on hostile input.
    std::size_t max_depth = limits{}.max_depth;
    /// UTF8=ACCEPT is enabled (RFC 6855 section 3, RFC 9051): quoted
    /// strings may carry UTF-8 (`QUOTED-CHAR =/ UTF8-2 / UTF8-3 / UTF8-4`)
    /// and mailbox names are UTF-8 on the wire instead of modified UTF-7.
    bool utf8_accept = false;

    /// The options a codec built with `lim` uses (`max_depth` from `lim`).
    static parse_options from(const limits& lim) noexcept {
        parse_options o;
        o.max_depth = lim.max_depth;
        return o;
    }
};

namespace detail {
// ATOM-CHAR by byte value (see is_atom_char).
constexpr std::array<bool, 256> make_atom_char_table() noexcept {
    std::array<bool, 256> t{};
    for (int c = 0x21; c < 0x7f; ++c) {
        switch (c) {
            case '(':
            case ')':
            case '{':
            case '%':
            case '*':
            case '"':
            case '\\':
            case ']': break;
            default: t[static_cast<std::size_t>(c)] = true;
        }
    }
    return t;
}
inline constexpr std::array<bool, 256> atom_char_table = make_atom_char_table();
}  // namespace detail

/// True for RFC 3501 ATOM-CHAR: any CHAR (%x01-7F) except atom-specials
/// ("(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]").
constexpr bool is_atom_char(char c) noexcept {
    return detail::atom_char_table[static_cast<unsigned char>(c)];
}

/// A read position in the bytes of one complete IMAP message (a command or
/// a response, literals inline as the framer delivered them: `{N}` CRLF
/// followed by N octets).
///
/// The `parse_*` functions of the `imap` module take a cursor, consume the
/// bytes of their ABNF rule on success and return the value. On failure
/// they return an error (`errc::bad_syntax` unless stated) and leave the
/// cursor somewhere inside the failed rule: a caller that wants to try an
/// alternative saves `position()` first and calls `set_position()`.
///
/// Lifetime: the cursor views `message`, which must outlive it; views it
/// hands out (`rest()`, `word()`) are valid as long as `message`.
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API parse_cursor {
public:
    explicit parse_cursor(std::string_view message, parse_options options = {}) noexcept
        : data_(message), options_(options) {}

    /// The options given at construction.
    const parse_options& options() const noexcept { return options_; }
    /// Offset of the next unread byte from the start of the message.
    std::size_t position() const noexcept { return pos_; }
    /// Moves back (or forward) to a position from `position()`.
    /// Precondition: `pos <= message.size()`.
    void set_position(std::size_t pos) noexcept {
        MAILACCESS_ASSERT(pos <= data_.size());
        pos_ = pos;
    }
    /// The unread bytes.
    std::string_view rest() const noexcept { return data_.substr(pos_); }
    /// True when every byte has been consumed.
    bool at_end() const noexcept { return pos_ == data_.size(); }
    /// The next byte as 0-255, or -1 at the end.
    int peek() const noexcept { return at_end() ? -1 : static_cast<unsigned char>(data_[pos_]); }
    /// True when the next byte is `c`.
    bool next_is(char c) const noexcept { return !at_end() && data_[pos_] == c; }
    /// Skips `n` bytes. Precondition: at least `n` remain.
    void advance(std::size_t n) noexcept {
        MAILACCESS_ASSERT(n <= data_.size() - pos_);
        pos_ += n;
    }
    /// Consumes `c` if it is next; returns whether it did.
    bool consume(char c) noexcept {
        if (!next_is(c)) return false;
        ++pos_;
        return true;
    }
    /// Consumes `keyword` if the next bytes equal it ignoring ASCII case
    /// (RFC 3501 section 9: keywords are case-insensitive). A prefix match:
    /// the caller checks what follows.
    bool consume_keyword(std::string_view keyword) noexcept {
        if (data_.size() - pos_ < keyword.size()) return false;
        for (std::size_t i = 0; i < keyword.size(); ++i)
            if (ascii_to_upper(data_[pos_ + i]) != ascii_to_upper(keyword[i])) return false;
        pos_ += keyword.size();
        return true;
    }
    /// Consumes `c` or fails with `errc::bad_syntax`.
    result<void> expect(char c) noexcept {
        if (consume(c)) return {};
        return unexpected(errc::bad_syntax);
    }
    /// Consumes and returns the longest run of ATOM-CHARs other than "["
    /// (possibly empty): the keywords of fetch attributes and search keys
    /// ("BODY.PEEK", "RFC822.SIZE", "UNSEEN"), which "[" may follow.
    std::string_view word() noexcept {
        const std::size_t start = pos_;
        while (pos_ < data_.size() && data_[pos_] != '[' && is_atom_char(data_[pos_])) ++pos_;
        return data_.substr(start, pos_ - start);
    }

    /// Enters one level of nesting; fails with `errc::nesting_too_deep`
    /// beyond `options().max_depth`. Pair every success with `leave()`.
    result<void> enter() noexcept {
        if (depth_ >= options_.max_depth) return unexpected(errc::nesting_too_deep);
        ++depth_;
        return {};
    }
    /// Leaves a level entered with `enter()`.
    void leave() noexcept {
        MAILACCESS_ASSERT(depth_ > 0);
        --depth_;
    }

private:
    std::string_view data_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;
    parse_options options_;
};

/// True for RFC 3501 ASTRING-CHAR: ATOM-CHAR or resp-specials ("]").
constexpr bool is_astring_char(char c) noexcept { return c == ']' || is_atom_char(c); }

/// The largest value of RFC 9051 `number64` (and RFC 7162
/// `mod-sequence-value`): 2^63 - 1.
inline constexpr std::uint64_t max_number64 = 9223372036854775807ull;

/// RFC 3501 section 9:
///     number          = 1*DIGIT
///                         ; Unsigned 32-bit integer
///                         ; (0 <= n < 4,294,967,296)
MAILACCESS_API result<std::uint32_t> parse_number(parse_cursor& in);

/// RFC 3501 section 9:
///     nz-number       = digit-nz *DIGIT
///                         ; Non-zero unsigned 32-bit integer
///                         ; (0 < n < 4,294,967,296)
MAILACCESS_API result<std::uint32_t> parse_nz_number(parse_cursor& in);

/// RFC 9051 section 9:
///     number64        = 1*DIGIT
///                         ; Unsigned 63-bit integer
///                         ; (0 <= n <= 9,223,372,036,854,775,807)
MAILACCESS_API result<std::uint64_t> parse_number64(parse_cursor& in);

/// RFC 9051 section 9:
///     nz-number64     = digit-nz *DIGIT
MAILACCESS_API result<std::uint64_t> parse_nz_number64(parse_cursor& in);

/// RFC 7162 section 7:
///     mod-sequence-value  = 1*DIGIT
///                            ;; Positive unsigned 63-bit integer
///                            ;; (1 <= n <= 9,223,372,036,854,775,807).
MAILACCESS_API result<std::uint64_t> parse_mod_sequence_value(parse_cursor& in);

/// RFC 7162 section 7:
///     mod-sequence-valzer = "0" / mod-sequence-value
MAILACCESS_API result<std::uint64_t> parse_mod_sequence_valzer(parse_cursor& in);

}  // namespace mailaccess::imap
