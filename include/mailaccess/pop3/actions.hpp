#pragma once

#include <mailaccess/core/byte_source.hpp>
#include <mailaccess/core/secret.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
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

/// USER/PASS, or AUTH PLAIN/LOGIN after the SASL exchange produced a
/// user and a password. The engine verifies, locks the maildrop and lists it.
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
    std::variant<login_request, apop_request, open_request, update_request> body;
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
/// Answer to open_request.
struct open_reply {
    std::error_code error;
    std::unique_ptr<byte_source> body;
};
/// Answer to update_request.
struct update_reply {
    std::error_code error;
};

using engine_reply = std::variant<login_reply, open_reply, update_reply>;

using action = std::variant<need_input, write_ready, engine_request, start_tls, close_connection, delay>;

}  // namespace mailaccess::pop3
