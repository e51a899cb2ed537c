#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/writer.hpp>

#include <string>
#include <string_view>

namespace mailaccess::imap {

/// A mailbox name, held as UTF-8.
///
/// Invariants: valid UTF-8 without control characters (U+0000-U+001F,
/// U+007F-U+009F) or the line and paragraph separators U+2028/U+2029 (RFC
/// 9051 section 5.1); a name equal to "INBOX" ignoring case is stored as
/// "INBOX" (RFC 3501 section 5.1). The empty name is allowed: LIST uses it
/// as a reference.
///
/// On the wire a name is an `astring` holding modified UTF-7 (RFC 3501
/// section 5.1.3), or UTF-8 when UTF8=ACCEPT is enabled (RFC 6855 section
/// 3); `write` and `parse_mailbox` convert according to their options.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API mailbox_name {
public:
    /// The name "INBOX".
    mailbox_name() : name_("INBOX") {}

    /// Validates and normalises `utf8`; fails with `errc::bad_mailbox_name`
    /// when it breaks an invariant above.
    static result<mailbox_name> make(std::string_view utf8);

    /// The UTF-8 name.
    const std::string& str() const noexcept { return name_; }
    /// True for INBOX.
    bool is_inbox() const noexcept { return name_ == "INBOX"; }

    friend bool operator==(const mailbox_name&, const mailbox_name&) = default;

private:
    explicit mailbox_name(std::string name) : name_(std::move(name)) {}
    std::string name_;
};

/// RFC 3501 section 9:
///     mailbox         = "INBOX" / astring
///                       ; INBOX is case-insensitive.  All case variants of
///                       ; INBOX (e.g., "iNbOx") MUST be interpreted as INBOX
///                       ; not as an astring.  An astring which consists of
///                       ; the case-insensitive sequence "I" "N" "B" "O" "X"
///                       ; is considered to be INBOX and not an astring.
///                       ;  Refer to section 5.1 for further
///                       ; semantic details of mailbox names.
/// The astring is decoded from modified UTF-7, or taken as UTF-8 when
/// `options().utf8_accept`. Errors: `errc::bad_syntax` when there is no
/// astring, `errc::bad_mailbox_name` when it does not decode to a valid name.
MAILACCESS_API result<mailbox_name> parse_mailbox(parse_cursor& in);

/// Writes the name as an astring: modified UTF-7, or UTF-8 with
/// `options().utf8_accept`.
MAILACCESS_API void write(writer& out, const mailbox_name& value);

}  // namespace mailaccess::imap
