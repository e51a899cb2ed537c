#pragma once

#include <mailaccess/core/byte_source.hpp>
#include <mailaccess/core/secret.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

namespace mailaccess::pop3 {

/// What a sans-I/O POP3 server session asks its driver to do next
/// (STYLE.md section 3). The driver (net::server, a POSIX loop, a test)
/// calls `server_session::next_action()` and acts on the result until it
/// gets `need_input`, then reads.

/// Read more bytes: call `prepare()`, read into the span, then `commit(n)`.
struct need_input {};
/// Write `pending_output()`, then call `consume_output(n)`.
struct write_ready {};
/// All output up to here (the +OK to STLS) has been written: start the TLS
/// handshake now. The session has already discarded input pipelined behind
/// the STLS line (RFC 2595 section 3.1, CVE-2011-0411).
struct start_tls {};
/// Write nothing more; close the connection.
struct close_connection {};
/// Wait `duration` (the delay after a failed login), then call `resume()`.
struct delay {
    std::chrono::milliseconds duration{0};
};

using request_id = std::uint64_t;

/// USER name then PASS password. The engine verifies, locks the maildrop
/// and lists it.
struct login_request {
    std::string user;
    secret<> password;
};
/// APOP name digest (RFC 1939 section 7). `timestamp` is the one the
/// session put in its greeting.
struct apop_request {
    std::string user;
    std::string timestamp;
    std::string digest;
};
/// AUTH mechanism [initial-response] (RFC 5034): begin a SASL exchange.
/// The session only frames it: it checked that `mechanism` is one of
/// `server_options::sasl_mechanisms` and removed the base64. The engine runs
/// the mechanism (`auth::sasl_server`), keeps its state until the exchange
/// ends, and answers with a `sasl_reply`. A later `sasl_start_request`
/// replaces any exchange the client abandoned with `*`.
struct sasl_start_request {
    /// Upper case, as offered in CAPA ("PLAIN").
    std::string mechanism;
    /// The decoded initial response; nullopt when the client sent none, an
    /// empty secret for `=` (the zero-length response, RFC 5034 section 4).
    std::optional<secret<>> initial_response;
};
/// The client's decoded answer to the last `+ ` challenge of the running
/// exchange. Sent only after a `sasl_reply` with a challenge; a `*` abort
/// is answered by the session itself and never sent.
struct sasl_step_request {
    secret<> response;
};
/// RETR or TOP: open the message with this UID for streaming.
struct open_request {
    std::uint32_t uid = 0;
};
/// QUIT in TRANSACTION state: enter UPDATE, remove these UIDs for good
/// (RFC 1939 section 6). The session answers +OK only after the engine
/// confirms, so nothing is acknowledged before it is durable.
struct update_request {
    std::vector<std::uint32_t> uids_to_delete;
};

/// Work the session cannot do itself; answer it with `complete(id, reply)`.
/// The driver may run the engine on another thread (the store executor),
/// but must call `complete` on the session's own strand.
struct engine_request {
    request_id id = 0;
    std::variant<login_request, apop_request, sasl_start_request, sasl_step_request, open_request,
                 update_request>
        body;
};

/// One message of the maildrop snapshot taken at login.
struct maildrop_entry {
    std::uint32_t uid = 0;
    std::uint64_t size = 0;
};

/// Answer to login_request and apop_request. On failure `error` is a
/// `pop3::errc` outcome (auth_failed, maildrop_in_use, temporary_failure)
/// that the session turns into -ERR with the RFC 2449/3206 response code.
struct login_reply {
    std::error_code error;
    std::vector<maildrop_entry> messages;  ///< ascending UID; message n is messages[n-1]
    std::uint32_t uidvalidity = 0;         ///< folded into UIDL so values never repeat
};
/// Answer to sasl_start_request and sasl_step_request: either the next
/// challenge or the end of the exchange.
struct sasl_reply {
    /// Set while the exchange goes on: the raw challenge bytes, which the
    /// session sends base64-encoded as `+ <base64>` (an empty challenge as
    /// `+ `) and whose answer becomes a `sasl_step_request`.
    std::optional<std::string> challenge;
    /// When `challenge` is empty, the outcome, exactly as for login_request.
    /// Besides the login_reply errors, `error` may be `sasl_malformed` (the
    /// response broke the mechanism's grammar: -ERR, no delay),
    /// `unsupported_mechanism` or `sasl_aborted`.
    login_reply outcome;
};
/// Answer to open_request.
struct open_reply {
    std::error_code error;
    std::unique_ptr<byte_source> body;
};
/// Answer to update_request.
struct update_reply {
    std::error_code error;
};

using engine_reply = std::variant<login_reply, sasl_reply, open_reply, update_reply>;

using action = std::variant<need_input, write_ready, engine_request, start_tls, close_connection, delay>;

}  // namespace mailaccess::pop3
