#pragma once

#include <mailaccess/core/secret.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace mailaccess::pop3 {

/// RFC 2449 section 4: a command line is at most 255 octets, CRLF included.
inline constexpr std::size_t max_command_line = 255;
/// RFC 2449 section 4: a response line is at most 512 octets, CRLF included.
inline constexpr std::size_t max_response_line = 512;

/// The POP3 command keywords this library speaks: RFC 1939 (USER, PASS,
/// APOP, STAT, LIST, RETR, DELE, NOOP, RSET, QUIT, TOP, UIDL), RFC 2449
/// (CAPA), RFC 2595 (STLS) and RFC 5034 (AUTH).
enum class verb { user, pass, apop, stat, list, retr, dele, noop, rset, quit, top, uidl, capa, stls, auth };

/// The keyword as sent on the wire, upper case ("RETR"). The view is static.
const char* to_string(verb v) noexcept;

/// One parsed POP3 command. Which fields are meaningful depends on `kind`;
/// the others stay empty, so two commands compare equal exactly when they
/// would serialize to the same line:
///
///  - USER name          -> `name`
///  - PASS password      -> `credential` (the rest of the line, spaces included, RFC 1939 section 7)
///  - APOP name digest   -> `name`, `digest` (32 lower-case hex digits)
///  - LIST [n], UIDL [n] -> `message` (optional)
///  - RETR n, DELE n     -> `message`
///  - TOP n m            -> `message`, `lines`
///  - AUTH [mech [ir]]   -> `name` (mechanism, upper-cased; empty for a bare AUTH),
///                          `credential` (the initial response as sent: base64, or "=" for empty)
///  - STAT NOOP RSET QUIT CAPA STLS -> nothing
///
/// Thread safety: distinct objects safe, shared objects unsafe.
struct command {
    verb kind = verb::noop;
    std::string name;
    std::string digest;
    secret<> credential;
    std::optional<std::uint32_t> message;
    std::uint32_t lines = 0;
    /// True when AUTH carried an initial-response argument (which may be "=").
    bool has_initial_response = false;

    /// Field-wise equality; the credential is compared in constant time.
    friend bool operator==(const command& a, const command& b) noexcept {
        return a.kind == b.kind && a.name == b.name && a.digest == b.digest && a.message == b.message &&
               a.lines == b.lines && a.has_initial_response == b.has_initial_response &&
               constant_time_equal(a.credential.reveal(), b.credential.reveal());
    }
};

/// The status indicator that starts every server reply line.
enum class status {
    ok,            ///< "+OK"
    err,           ///< "-ERR"
    continuation,  ///< "+ " (a SASL challenge, RFC 5034 section 4)
};

/// A parsed server status line: `+OK [CODE] text`, `-ERR [CODE] text`, or a
/// SASL continuation `+ base64`. `code` is the RFC 2449 section 8 response
/// code without brackets ("SYS/TEMP"), empty when absent; for a continuation
/// `text` holds the base64 challenge.
struct status_line {
    pop3::status kind = status::ok;
    std::string code;
    std::string text;

    friend bool operator==(const status_line&, const status_line&) = default;
};

}  // namespace mailaccess::pop3
