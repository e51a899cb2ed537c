#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/writer.hpp>

#include <string>
#include <string_view>

namespace mailaccess::imap {

namespace detail {
struct tag_access;
}  // namespace detail

/// A command tag (RFC 3501 section 2.2.1): one or more ASTRING-CHARs other
/// than "+". Only valid tags can be built. Tags compare byte-wise.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API tag {
public:
    /// Validates `text`; fails with `errc::bad_syntax` when it is empty or
    /// has a character outside the `tag` rule.
    static result<tag> make(std::string_view text);

    /// The characters, as given.
    const std::string& str() const noexcept { return text_; }

    friend bool operator==(const tag&, const tag&) = default;

private:
    friend struct detail::tag_access;  // the grammar parser skips re-validation
    explicit tag(std::string text) : text_(std::move(text)) {}
    std::string text_;
};

/// RFC 3501 section 9:
///     tag             = 1*<any ASTRING-CHAR except "+">
MAILACCESS_API result<tag> parse_tag(parse_cursor& in);

/// Writes the tag as is.
MAILACCESS_API void write(writer& out, const tag& value);

}  // namespace mailaccess::imap
