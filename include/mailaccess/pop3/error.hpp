#pragma once

#include <mailaccess/core/api.hpp>

#include <system_error>

namespace mailaccess::pop3 {

/// Everything that can go wrong in the POP3 codec and sessions, plus the
/// outcomes an engine reports back to a server session.
///
/// The codec values (line_too_long .. tls_required) describe peer input; a
/// server session turns them into `-ERR` replies and keeps going, a client
/// session treats them as fatal for the connection. The outcome values
/// (auth_failed, maildrop_in_use, temporary_failure, no_such_message, and
/// for SASL sasl_aborted, sasl_malformed, unsupported_mechanism) are what
/// `engine::pop3_engine` maps store and auth failures into; the server
/// session words them, with the RFC 2449 section 8 / RFC 3206 response codes
/// `[AUTH]`, `[IN-USE]` and `[SYS/TEMP]` where one applies.
enum class errc {
    line_too_long = 1,      ///< a command over 255 octets (RFC 2449 section 4) or a response over 512
    bad_syntax,             ///< does not match the RFC 1939/2449/2595/5034 grammar
    unknown_command,        ///< a keyword the server does not know
    wrong_state,            ///< a command not valid in the current RFC 1939 state
    auth_failed,            ///< credentials rejected (`-ERR [AUTH]`)
    maildrop_in_use,        ///< another session holds the maildrop lock (`-ERR [IN-USE]`)
    temporary_failure,      ///< the store failed; the client may retry (`-ERR [SYS/TEMP]`)
    no_such_message,        ///< a message number or UID that does not exist
    message_deleted,        ///< a message number marked deleted in this session
    response_too_large,     ///< a multi-line response above `limits::max_message_size`
    unexpected_response,    ///< a server reply nobody asked for, or bytes sent before a TLS handshake
    tls_required,           ///< plaintext authentication refused on a non-secure connection
    sasl_aborted,           ///< the client answered a SASL challenge with "*" (RFC 5034 section 4)
    sasl_malformed,         ///< a SASL response violates its mechanism's grammar (e.g. RFC 4616 section 2)
    unsupported_mechanism,  ///< AUTH named a SASL mechanism the engine cannot run
};

/// The category named "mailaccess.pop3". Thread safety: safe to call concurrently.
MAILACCESS_API const std::error_category& pop3_category() noexcept;

/// Makes an error_code in `pop3_category()`; found by ADL, so
/// `std::error_code ec = pop3::errc::bad_syntax;` works.
MAILACCESS_API std::error_code make_error_code(errc e) noexcept;

}  // namespace mailaccess::pop3

template <>
struct std::is_error_code_enum<mailaccess::pop3::errc> : std::true_type {};
