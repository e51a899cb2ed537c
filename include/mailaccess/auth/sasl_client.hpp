#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/core/secret.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mailaccess::auth {

/// Client side of the PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login)
/// mechanisms, for our POP3 and IMAP clients. Sans-I/O: it produces *raw*
/// responses that the protocol layer base64-encodes (an empty initial
/// response is sent as `=`, RFC 5034 section 4), and consumes decoded server
/// challenges.
///
/// Use: `make`, then either send `initial_response()` with the AUTH command
/// when the server supports SASL-IR (and the mechanism has one), or send the
/// bare AUTH command; then answer each server challenge (`+ ...`) with
/// `respond`. PLAIN sends `NUL user NUL password` (no authzid); LOGIN answers
/// its first challenge with the user name and the second with the password,
/// whatever the challenge text says (servers vary: "Username:", "User Name").
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API sasl_client {
public:
    /// Prepares an exchange. `mechanism` is matched case-insensitively.
    /// Errors: `errc::unsupported_mechanism` for mechanisms other than PLAIN
    /// and LOGIN; `mailaccess::errc::invalid_argument` for an empty user, a
    /// user above `max_user_name_length` or a password above
    /// `max_password_length`, or a NUL in either (PLAIN could not encode it);
    /// for LOGIN also a CR or LF in the user name.
    static result<sasl_client> make(std::string_view mechanism, std::string user, secret<> password);

    /// Canonical upper-case mechanism name, for the AUTH command.
    std::string_view mechanism() const noexcept;

    /// The initial response for SASL-IR, or nullopt if the mechanism has none
    /// (LOGIN). Calling it counts as having sent it: a following PLAIN
    /// challenge is then a server error. Call at most once, before `respond`.
    std::optional<secret<>> initial_response();

    /// The response to the decoded server challenge `challenge`.
    /// Errors: `errc::malformed_response` when the server sends more
    /// challenges than the mechanism has steps (PLAIN: one, none after an
    /// initial response; LOGIN: two), or a non-empty challenge to PLAIN.
    result<secret<>> respond(std::string_view challenge);

private:
    enum class kind { plain, login };
    sasl_client(kind k, std::string user, secret<> password);

    kind kind_;
    std::string user_;
    secret<> password_;
    std::size_t steps_ = 0;  // responses produced so far (initial included)
};

}  // namespace mailaccess::auth
