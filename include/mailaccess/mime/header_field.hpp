#pragma once

// The fields of an RFC 5322 header block (section 2.2), as they are written:
// iteration, lookup by name, unfolding and the end of the block. Nothing is
// copied; every view points into the caller's bytes.
//
// Real mail is tolerated the way Dovecot's message-header-parser does:
// - a line ends with LF, with or without a CR before it (bare LF); a CR not
//   followed by LF is an ordinary byte of the line;
// - a line that starts with SP or HTAB continues the field before it
//   (folding, section 2.2.3), also when it holds only whitespace
//   (obs-FWS, section 4.2);
// - whitespace between the name and the colon is allowed (obs-optional,
//   section 4.5) and is not part of the name;
// - bytes >= 0x80 and control characters are kept as they are;
// - a line without a colon, and continuation lines at the very start of the
//   block, are not fields. They are still reported (as `header_field_view`
//   with `has_colon == false`) so that HEADER.FIELDS.NOT and BODY[HEADER]
//   can reproduce the header byte for byte, but lookups never match them.
//
// Cost: every function here is linear in the bytes it looks at, whatever
// the input (a 100 MB line is one memchr), and allocates only its result.

#include <mailaccess/core/api.hpp>

#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::mime {

/// Where a header block ends in a buffer that starts with it.
struct header_block_end {
    /// Bytes of the header block: up to and including the blank line (CRLF
    /// CRLF or LF LF, or a blank line at the very start), or the whole
    /// buffer when there is no blank line.
    std::size_t size = 0;
    /// True when the block ends with a blank line; false when the data ends
    /// first (a message that is all header, RFC 3501 section 6.4.5).
    bool has_blank_line = false;
    /// Bytes of the blank line itself: 2 (CRLF), 1 (LF) or 0.
    std::size_t blank_line_size = 0;
};

/// Finds the end of the header block at the start of `data`. A "blank line"
/// is an empty line: "\r\n" or "\n" right after a line end (or at offset 0).
/// A line of only whitespace is not blank; it is a continuation (obs-FWS).
///
/// `data` may extend past the header (a whole message): only the header is
/// scanned. Thread safety: pure function.
MAILACCESS_API header_block_end find_header_end(std::string_view data) noexcept;

/// One header field, or one malformed line, of a header block. Views point
/// into the block passed to the iterator and live as long as it does.
struct header_field_view {
    /// The field name as written, without trailing whitespace before the
    /// colon ("Subject : x" has name "Subject"). Empty when `!has_colon`.
    std::string_view name;
    /// Every byte of the field: name, colon, value, folding and the final
    /// line end ("\r\n", "\n", or nothing when the block ends without one).
    /// Concatenating `raw` over all entries gives back the block without its
    /// blank line.
    std::string_view raw;
    /// The bytes after the colon up to, not including, the final line end:
    /// leading whitespace and folding line ends kept. For a malformed line
    /// (`!has_colon`): the whole line(s) without the final line end.
    std::string_view value;
    /// False for a line without a colon, or a continuation line with no
    /// field before it (see the file comment).
    bool has_colon = true;

    /// The final line end: "\r\n", "\n", or "" when the block ended first.
    std::string_view line_end() const noexcept { return raw.substr(name_and_value_size()); }

    /// The value unfolded (RFC 5322 section 2.2.3): whitespace right after
    /// the colon is dropped, then every line break inside the value is
    /// removed, keeping the whitespace that follows it. Trailing whitespace,
    /// runs of spaces and comments stay: this is what IMAP ENVELOPE sends
    /// for Date, Message-ID and In-Reply-To, and what unstructured fields
    /// (Subject) mean.
    std::string unfolded_value() const;

private:
    std::size_t name_and_value_size() const noexcept {
        return static_cast<std::size_t>(value.data() + value.size() - raw.data());
    }
};

/// Reads the field that starts at `offset` in `block` and advances `offset`
/// past it. Returns nullopt, leaving `offset` unchanged, at the blank line
/// that ends the block or at the end of `block`. The low-level form of
/// `header_fields_view`.
MAILACCESS_API std::optional<header_field_view> next_header_field(std::string_view block,
                                                                  std::size_t& offset) noexcept;

/// Removes every line break (CRLF or bare LF) that is followed by SP or HTAB
/// (RFC 5322 section 2.2.3); other bytes, including a lone CR, are kept.
MAILACCESS_API std::string unfold(std::string_view value);

/// The fields of a header block as a forward range, in message order,
/// malformed lines included (check `has_colon`):
///
///     for (const header_field_view& f : header_fields_view(block)) ...
///
/// `block` is a header block with or without its blank line; bytes after
/// the blank line are ignored. A non-owning view: `block` must outlive it
/// and every `header_field_view` it yields.
///
/// Thread safety: distinct objects safe; a shared view is safe to iterate
/// concurrently (iteration does not modify it).
class header_fields_view {
public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = header_field_view;
        using difference_type = std::ptrdiff_t;
        using pointer = const header_field_view*;
        using reference = const header_field_view&;

        iterator() = default;
        reference operator*() const noexcept { return field_; }
        pointer operator->() const noexcept { return &field_; }
        iterator& operator++() noexcept {
            advance();
            return *this;
        }
        iterator operator++(int) noexcept {
            iterator old = *this;
            advance();
            return old;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept {
            return a.offset_ == b.offset_;
        }

    private:
        friend class header_fields_view;
        static constexpr std::size_t end_offset = static_cast<std::size_t>(-1);
        explicit iterator(std::string_view block) noexcept : block_(block) { advance(); }
        void advance() noexcept {
            auto f = next_header_field(block_, next_);
            if (f) {
                field_ = *f;
                offset_ = static_cast<std::size_t>(f->raw.data() - block_.data());
            } else {
                offset_ = end_offset;
            }
        }

        std::string_view block_;
        std::size_t next_ = 0;
        std::size_t offset_ = end_offset;
        header_field_view field_;
    };

    explicit header_fields_view(std::string_view block) noexcept : block_(block) {}
    iterator begin() const noexcept { return iterator(block_); }
    iterator end() const noexcept { return iterator(); }

private:
    std::string_view block_;
};

/// The first field named `name` (ASCII case-insensitive, RFC 5322 section
/// 1.2.2), or nullopt. Malformed lines never match.
MAILACCESS_API std::optional<header_field_view> find_field(std::string_view block,
                                                           std::string_view name) noexcept;

/// Every field named `name`, in message order.
MAILACCESS_API std::vector<header_field_view> find_fields(std::string_view block, std::string_view name);

}  // namespace mailaccess::mime
