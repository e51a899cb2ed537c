#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/atom.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/writer.hpp>

#include <string_view>
#include <vector>

namespace mailaccess::imap {

/// One capability name ("IMAP4rev1", "LITERAL+", "AUTH=PLAIN"): an atom
/// (RFC 3501 section 7.2.1). Capability names are case-insensitive; the
/// text keeps the case given, `is` compares ignoring case.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API capability {
public:
    /// Fails with `errc::bad_syntax` unless `name` is an atom.
    static result<capability> make(std::string_view name);

    /// The name as given.
    const std::string& str() const noexcept { return name_.str(); }
    /// True when the name equals `name` ignoring case.
    bool is(std::string_view name) const noexcept { return name_.iequals(name); }
    /// True for "AUTH=mechanism".
    bool is_auth() const noexcept;
    /// The mechanism of an "AUTH=" capability ("PLAIN"); empty otherwise.
    std::string_view auth_mechanism() const noexcept;

    friend bool operator==(const capability&, const capability&) = default;

private:
    explicit capability(atom name) : name_(std::move(name)) {}
    atom name_;
};

/// RFC 3501 section 9:
///     capability      = ("AUTH=" auth-type) / atom
///                         ; New capabilities MUST begin with "X" or be
///                         ; registered with IANA as standard or
///                         ; standards-track
///     auth-type       = atom
MAILACCESS_API result<capability> parse_capability(parse_cursor& in);

/// RFC 3501 section 9 (RFC 9051 accepts IMAP4rev2 as well):
///     capability-data = "CAPABILITY" *(SP capability) SP "IMAP4rev1"
///                       *(SP capability)
///                         ; Servers MUST implement the STARTTLS, AUTH=PLAIN,
///                         ; and LOGINDISABLED capabilities
/// Returns the capabilities after the keyword, in order.
MAILACCESS_API result<std::vector<capability>> parse_capability_data(parse_cursor& in);

/// Writes the name.
MAILACCESS_API void write(writer& out, const capability& value);
/// Writes "CAPABILITY" followed by SP and each name.
MAILACCESS_API void write(writer& out, const std::vector<capability>& list);

}  // namespace mailaccess::imap
