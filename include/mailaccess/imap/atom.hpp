#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/ascii.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/writer.hpp>

#include <string>
#include <string_view>

namespace mailaccess::imap {

namespace detail {
struct atom_access;
}  // namespace detail

/// An RFC 3501 atom: one or more ATOM-CHARs (printable US-ASCII except
/// `( ) { SP % * " \ ]`). Only valid atoms can be built, so writing one
/// never needs quoting. Comparison is byte-wise (case-sensitive); callers
/// that compare keywords use `iequals`.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API atom {
public:
    /// Validates `text`; fails with `errc::bad_syntax` if it is empty or has
    /// a character outside ATOM-CHAR.
    static result<atom> make(std::string_view text);

    /// The characters, as given.
    const std::string& str() const noexcept { return text_; }
    /// True when equal to `other` ignoring ASCII case.
    bool iequals(std::string_view other) const noexcept;

    friend bool operator==(const atom&, const atom&) = default;

private:
    friend struct detail::atom_access;  // the grammar parser skips re-validation
    explicit atom(std::string text) : text_(std::move(text)) {}
    std::string text_;
};

/// True when `a` and `b` are equal ignoring ASCII case (core's, shared by
/// every module).
using mailaccess::iequals;

/// RFC 3501 section 9:
///     atom            = 1*ATOM-CHAR
MAILACCESS_API result<atom> parse_atom(parse_cursor& in);

/// Writes the atom as is.
MAILACCESS_API void write(writer& out, const atom& value);

}  // namespace mailaccess::imap
