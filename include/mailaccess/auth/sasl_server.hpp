#pragma once

#include <mailaccess/auth/authenticator.hpp>
#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/core/secret.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace mailaccess::auth {

/// The server must send `data` as a challenge and wait for the next client
/// response. `data` is raw bytes; the protocol layer base64-encodes it
/// (`+ <base64>` in POP3 AUTH and IMAP AUTHENTICATE; an empty challenge is
/// sent as `+ ` with nothing after the space, RFC 5034 section 4).
struct sasl_challenge {
    std::string data;
};

/// The exchange finished and produced credentials. The mechanism does not
/// check them: the caller passes `user` and `password` to an
/// `authenticator::verify`, which decides.
struct sasl_done {
    std::string user;  ///< the authentication identity (authcid)
    secret<> password;
};

/// One step of a server-side SASL exchange (RFC 4422 section 3).
using sasl_step = std::variant<sasl_challenge, sasl_done>;

/// Longest *encoded* client response line `decode_sasl_response` and
/// `decode_sasl_initial_response` accept; enough for a PLAIN message with a
/// 255-octet authzid and authcid and a `max_password_length` password.
inline constexpr std::size_t max_sasl_response_length = 4096;

/// Server side of one SASL mechanism for one authentication attempt
/// (RFC 4422). Sans-I/O: it never touches the network or an authenticator.
/// It consumes *decoded* client responses (the protocol layer removes base64
/// with `decode_sasl_response`) and produces raw challenges.
///
/// Protocol: call `start` exactly once, with the initial response if the
/// client sent one (SASL-IR, RFC 4959; POP3 `AUTH PLAIN <ir>`, RFC 5034).
/// While the result is a `sasl_challenge`, send it and feed the client's next
/// response to `step`. A `sasl_done` or an error ends the exchange; calling
/// `start` or `step` after that, or `step` before `start`, is a bug
/// (`MAILACCESS_ASSERT`). To retry, make a new object.
///
/// Errors (each ends the exchange; answer `-ERR` / `NO`):
/// - `errc::malformed_response`: the response violates the mechanism's grammar
///   (e.g. a PLAIN message without two NULs, an empty user or password, a NUL
///   in a LOGIN user name);
/// - `errc::authorization_denied`: PLAIN with an authzid different from the
///   authcid (proxy authorization is not supported);
/// - `mailaccess::errc::limit_exceeded`: a user name above
///   `max_user_name_length` or a password above `max_password_length`.
///
/// A client's `*` cancel (RFC 4422 section 3.5) never reaches the mechanism:
/// `decode_sasl_response` turns it into `errc::aborted`.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API sasl_server {
public:
    virtual ~sasl_server() = default;

    /// The mechanism's canonical upper-case name ("PLAIN", "LOGIN").
    virtual std::string_view mechanism() const noexcept = 0;

    /// Begins the exchange. `initial_response` is nullopt when the client
    /// sent none and an empty view for the zero-length initial response
    /// (`=` on the wire).
    ///
    /// PLAIN (RFC 4616): without an initial response returns an empty
    /// challenge; with one, parses it as the message.
    /// LOGIN (draft-murchison-sasl-login): without an initial response returns
    /// the challenge "Username:"; an initial response, which some clients
    /// send, is taken as the user name and answered with "Password:".
    virtual result<sasl_step> start(std::optional<std::string_view> initial_response) = 0;

    /// Feeds the decoded client response to the last challenge. The view
    /// need only be valid during the call.
    virtual result<sasl_step> step(std::string_view response) = 0;
};

/// Makes the server side of `mechanism`, matched case-insensitively
/// ("PLAIN", "LOGIN"). Returns `errc::unsupported_mechanism` for any other.
MAILACCESS_API result<std::unique_ptr<sasl_server>> make_sasl_server(std::string_view mechanism);

/// The mechanism names `make_sasl_server` accepts, in order of preference, for
/// CAPA `SASL` and CAPABILITY `AUTH=`. Static storage. The protocol layer
/// should offer them only over TLS (both send the password in clear).
MAILACCESS_API std::span<const std::string_view> sasl_server_mechanisms() noexcept;

/// Decodes a client's continuation response line (without CRLF): `*` gives
/// `errc::aborted` (RFC 4422 section 3.5, RFC 5034 section 4), an empty
/// line the empty response, anything else must be base64 (RFC 4648 section
/// 4; `mailaccess::errc::bad_base64` otherwise). Lines longer than
/// `max_sasl_response_length` give `mailaccess::errc::limit_exceeded`.
/// The decoded bytes may hold a password, hence `secret<>`.
MAILACCESS_API result<secret<>> decode_sasl_response(std::string_view line);

/// Decodes an initial response argument (`AUTH PLAIN <ir>`, IMAP SASL-IR):
/// `=` is the zero-length response (RFC 5034 section 4, RFC 4959 section 3);
/// otherwise as `decode_sasl_response`, except that `*` is not special
/// (it is invalid base64 there).
MAILACCESS_API result<secret<>> decode_sasl_initial_response(std::string_view argument);

}  // namespace mailaccess::auth
