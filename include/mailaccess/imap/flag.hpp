#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/writer.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::imap {

namespace detail {
struct flag_access;
}  // namespace detail

/// A message flag (RFC 3501 section 2.3.2): a system flag, a keyword
/// (`$Forwarded`), an extension flag (`\Foo`), `\Recent` (only in FETCH
/// responses, RFC 3501 `flag-fetch`) or `\*` (only in PERMANENTFLAGS,
/// `flag-perm`). Only valid flags can be built.
///
/// System flag names are case-insensitive and stored in their canonical
/// case (`\seen` -> `\Seen`); keywords and extensions keep the case given.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API flag {
public:
    enum class kind { answered, flagged, deleted, seen, draft, recent, wildcard, keyword, extension };

    /// A system flag, `\Recent` or `\*`. Precondition: `k` is neither
    /// `keyword` nor `extension` (use `make`).
    explicit flag(kind k);

    /// Parses the wire text of a flag: `\Seen` (any case), `\*`, `$Label`,
    /// `\Ext`. Fails with `errc::bad_syntax` when it is not `"\" atom`,
    /// `"\*"` or an atom.
    static result<flag> make(std::string_view text);

    /// Which flag this is.
    flag::kind type() const noexcept { return kind_; }
    /// True for the five system flags that STORE may set (not `\Recent`, `\*`).
    bool is_system() const noexcept { return kind_ <= kind::draft; }
    /// The wire text, backslash included ("\Seen", "$Forwarded", "\*").
    std::string text() const;

    friend bool operator==(const flag&, const flag&) = default;

private:
    // The grammar parser builds flags it has already validated.
    friend struct detail::flag_access;
    flag(kind k, std::string name) : kind_(k), name_(std::move(name)) {}
    flag::kind kind_;
    std::string name_;  // the atom, for keyword and extension
};

/// RFC 3501 section 9:
///     flag            = "\Answered" / "\Flagged" / "\Deleted" /
///                       "\Seen" / "\Draft" / flag-keyword / flag-extension
///                         ; Does not include "\Recent"
///     flag-extension  = "\" atom
///                         ; Future expansion.  Client implementations
///                         ; MUST accept flag-extension flags.  Server
///                         ; implementations MUST NOT generate
///                         ; flag-extension flags except as defined by
///                         ; future standard or standards-track
///                         ; revisions of this specification.
///     flag-keyword    = atom
MAILACCESS_API result<flag> parse_flag(parse_cursor& in);

/// RFC 3501 section 9:
///     flag-fetch      = flag / "\Recent"
MAILACCESS_API result<flag> parse_flag_fetch(parse_cursor& in);

/// RFC 3501 section 9:
///     flag-perm       = flag / "\*"
MAILACCESS_API result<flag> parse_flag_perm(parse_cursor& in);

/// RFC 3501 section 9:
///     flag-list       = "(" [flag *(SP flag)] ")"
MAILACCESS_API result<std::vector<flag>> parse_flag_list(parse_cursor& in);

/// Writes the flag's wire text.
MAILACCESS_API void write(writer& out, const flag& value);
/// Writes a parenthesised, space-separated list: `(\Seen $Label)`.
MAILACCESS_API void write(writer& out, const std::vector<flag>& list);

}  // namespace mailaccess::imap
