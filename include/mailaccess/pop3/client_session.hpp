#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/input_buffer.hpp>
#include <mailaccess/core/limits.hpp>
#include <mailaccess/core/output_buffer.hpp>
#include <mailaccess/core/secret.hpp>
#include <mailaccess/pop3/actions.hpp>
#include <mailaccess/pop3/dot_stuffing.hpp>
#include <mailaccess/pop3/error.hpp>
#include <mailaccess/pop3/types.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

namespace mailaccess::pop3 {

/// Policy for one POP3 client connection.
struct client_options {
    /// `max_message_size` bounds a RETR/TOP body; response lines are capped
    /// at 512 octets (RFC 2449 section 4).
    mailaccess::limits limits;
    /// Send commands without waiting for replies from the start. Otherwise
    /// the session pipelines only after a CAPA reply listed PIPELINING
    /// (RFC 2449 section 6.6).
    bool pipelining = false;
};

/// A status line answering `command` (empty for the greeting). For
/// multi-line replies (+OK to CAPA, LIST, UIDL, RETR, TOP, bare AUTH) the
/// lines or body events follow.
struct client_status {
    std::optional<verb> command;
    status_line line;
};
/// One line of a CAPA/LIST/UIDL/AUTH listing, dot-unstuffed, without CRLF.
/// `text` is valid until the next call to `client_session::next()`.
struct client_line {
    verb command = verb::capa;
    std::string_view text;
};
/// The terminating "." of a CAPA/LIST/UIDL/AUTH listing.
struct client_lines_end {
    verb command = verb::capa;
};
/// A RETR/TOP body starts (after its +OK status).
struct body_begin {
    verb command = verb::retr;
};
/// Decoded body bytes (dot-unstuffed, CRLF line ends), valid until the next
/// call to `client_session::next()`. Never empty.
struct body_data {
    std::string_view bytes;
};
/// The body's terminating line was read.
struct body_end {};
/// The connection is unusable: `error` is `errc::line_too_long` (a reply
/// line over 512 octets), `errc::response_too_large` (a body over
/// `limits::max_message_size`), `errc::bad_syntax` (not a status line) or
/// `errc::unexpected_response` (a reply nobody asked for, or bytes after the
/// +OK to STLS before TLS). `close_connection` follows.
struct client_error {
    std::error_code error;
};

/// What a client driver must do next, or what happened.
using client_action =
    std::variant<need_input, write_ready, start_tls, close_connection, client_status, client_line,
                 client_lines_end, body_begin, body_data, body_end, client_error>;

/// A sans-I/O POP3 client connection (RFC 1939, RFC 2449, RFC 2595 STLS,
/// RFC 5034 AUTH with the PLAIN and LOGIN mechanisms).
///
/// Commands are queued with `send` (or the helpers) at any time; the
/// session writes them when allowed and matches replies to them in order.
/// Without pipelining it sends one command and waits for its complete
/// reply; with pipelining (option, or after CAPA advertised PIPELINING) it
/// sends all queued commands at once, except STLS and AUTH, which always
/// wait for an idle connection and block everything behind them until they
/// are answered (and, for STLS, until `tls_established()`). The greeting is
/// awaited before anything is sent.
///
/// Drive it with `next()`:
///  - `need_input`: read into `prepare(n)`, then `commit(bytes)`;
///  - `write_ready`: write `pending_output()`, then `consume_output(n)`;
///  - `start_tls`: after the +OK to STLS, handshake, then `tls_established()`.
///    Any byte the server sent after that +OK in plaintext is an
///    `unexpected_response` error (CVE-2011-0411);
///  - `close_connection`: after the reply to QUIT, or after `client_error`;
///  - the event types report replies in order.
///
/// AUTH continuations ("+ ") are answered internally (RFC 5034 section 4):
/// each with the next of the command's queued SASL responses (one base64
/// line each), and with "*" (cancel) once they are used up. The server must
/// then reject the AUTH with -ERR, so a further continuation is an
/// `unexpected_response` error, as is a continuation to any other command.
/// No event reports the challenges; the AUTH's `client_status` ends the
/// exchange.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API client_session {
public:
    explicit client_session(client_options options = {});

    /// Queues a command. Returns the serializer's error (`errc::bad_syntax`,
    /// `errc::line_too_long`) without queueing anything when the command
    /// cannot be sent.
    std::error_code send(const command& cmd);

    std::error_code capa() { return send_simple(verb::capa); }
    std::error_code stls() { return send_simple(verb::stls); }
    std::error_code user(std::string_view name);
    std::error_code pass(secret<> password);
    std::error_code stat() { return send_simple(verb::stat); }
    std::error_code list(std::optional<std::uint32_t> n = std::nullopt);
    std::error_code uidl(std::optional<std::uint32_t> n = std::nullopt);
    std::error_code retr(std::uint32_t n);
    std::error_code top(std::uint32_t n, std::uint32_t lines);
    std::error_code dele(std::uint32_t n);
    std::error_code rset() { return send_simple(verb::rset); }
    std::error_code noop() { return send_simple(verb::noop); }
    std::error_code quit() { return send_simple(verb::quit); }
    /// AUTH PLAIN (RFC 4616) with an empty authzid. Uses the initial-response
    /// argument when the line fits in 255 octets, else answers the server's
    /// empty challenge (RFC 5034 section 4).
    std::error_code auth_plain(std::string_view user, const secret<>& password);
    /// AUTH LOGIN (draft-murchison-sasl-login), a server-first mechanism:
    /// sends `AUTH LOGIN` without an initial response, answers the first
    /// challenge with base64(`user`), the second with base64(`password`) and
    /// any further one with "*" (RFC 5034 section 4). RFC 5034 would allow
    /// the user name as initial response, but the mechanism defines none, so
    /// servers that follow RFC 4422 section 5 may refuse it; the extra round
    /// trip is the portable choice. The challenge texts ("Username:",
    /// "Password:" or anything else) are ignored. The encoded responses are
    /// held as secrets and wiped once written (or when the AUTH completes).
    std::error_code auth_login(std::string_view user, const secret<>& password);

    /// The next thing to do or the next event; see the class comment.
    client_action next();

    /// A writable span of exactly `n` bytes for received data, valid until
    /// the next non-const call. Follow with `commit`.
    std::span<char> prepare(std::size_t n);
    /// Marks `n` bytes of the last `prepare` span as received (`n` at most its size).
    void commit(std::size_t n);
    /// Appends received bytes (tests and simple drivers).
    void feed(std::string_view bytes);

    /// Bytes to send, valid until the next non-const call.
    std::string_view pending_output() const noexcept;
    /// Releases `n` written bytes (`n <= pending_output().size()`).
    void consume_output(std::size_t n);

    /// Call after the TLS handshake that followed `start_tls` succeeded.
    void tls_established();

    /// Capability lines from the last CAPA reply, in order (at most 128 kept).
    const std::vector<std::string>& capabilities() const noexcept { return capabilities_; }

private:
    struct pending {
        std::optional<verb> kind;  // empty: the greeting
        bool multiline = false;    // multi-line if the reply is +OK
        bool barrier = false;      // STLS, AUTH, greeting: nothing else in flight
        std::string wire;
        // AUTH: base64 lines answering successive challenges, then "*".
        std::vector<secret<>> sasl;
        std::size_t next_sasl = 0;
        bool sasl_cancelled = false;  // "*" sent: only -ERR may follow
    };
    enum class mode { status, lines, body };

    std::error_code send_simple(verb v);
    std::error_code enqueue(const command& cmd, std::vector<secret<>> sasl);
    void answer_challenge(pending& front);
    void flush_queue();
    std::optional<client_action> parse_one();
    std::optional<std::string_view> take_line();
    client_action fail(std::error_code ec);

    client_options options_;
    bool pipelining_ = false;

    input_buffer input_;
    output_buffer out_;

    std::deque<pending> queue_;
    std::deque<pending> in_flight_;
    mode mode_ = mode::status;
    std::optional<dot_unstuffer> body_;
    std::string body_buf_;
    std::vector<std::string> capabilities_;
    bool capa_reset_ = false;

    std::optional<client_action> next_event_;
    bool start_tls_due_ = false;
    bool awaiting_tls_ = false;
    bool close_due_ = false;
    bool closed_ = false;
    std::error_code error_;
    bool error_reported_ = false;
};

}  // namespace mailaccess::pop3
