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

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::pop3 {

/// Policy for one POP3 server connection. Copied into the session.
struct server_options {
    /// Text after "+OK " in the greeting. CR/LF are replaced by spaces.
    std::string greeting = "mailaccess POP3 ready";
    /// Host name used in the APOP timestamp `<a.b@hostname>`.
    std::string hostname = "localhost";
    /// True for implicit TLS (port 995): the connection starts secure.
    bool tls_active = false;
    /// Whether STLS (RFC 2595) is offered while the connection is plaintext.
    bool stls_available = true;
    /// Allow USER/PASS and AUTH on a non-secure connection. Off by default:
    /// credentials in clear are refused with `-ERR [AUTH]` (Dovecot's
    /// disable_plaintext_auth).
    bool allow_plaintext_auth = false;
    /// Offer APOP (RFC 1939 section 7): the greeting carries a timestamp and
    /// APOP becomes an engine `apop_request`. APOP sends no clear password,
    /// so it is allowed on plaintext connections.
    bool apop_enabled = false;
    /// The APOP timestamp to put in the greeting, brackets included
    /// ("<1896.697170952@dbc.mtview.ca.us>"). Empty: the session makes a
    /// unique one from a process-wide counter and the clock. The host should
    /// supply a random one when it has a random source (pop3 has no crypto).
    std::string apop_timestamp;
    /// Wait this long before answering a failed login (and before closing
    /// after the third one), to slow down password guessing.
    std::chrono::milliseconds failed_auth_delay{2000};
    /// Inactivity autologout timer; raised to 10 minutes if lower (RFC 1939 section 3).
    std::chrono::seconds idle_timeout{600};
    /// Value of the CAPA "IMPLEMENTATION" line (RFC 2449 section 6.9); empty: not sent.
    std::string implementation = "mailaccess";
    /// Bounds for everything the client controls. Command lines are further
    /// capped at 255 octets (RFC 2449 section 4); SASL response lines at
    /// `limits.max_line_length`.
    mailaccess::limits limits;
    /// SASL mechanisms offered by CAPA (and a bare AUTH) and accepted by
    /// AUTH, compared case-insensitively. The session only frames the
    /// exchange; the engine runs the mechanism, so the host lists what its
    /// engine supports, e.g. from `auth::sasl_server_mechanisms()`. The
    /// default is that list for the auth module as it is today.
    std::vector<std::string> sasl_mechanisms{"PLAIN", "LOGIN"};
};

/// The RFC 1939 state of a session.
enum class state {
    authorization,  ///< before a successful login
    transaction,    ///< logged in, maildrop locked and listed
    update,         ///< after QUIT in TRANSACTION, waiting for the engine to delete
    closed,         ///< `close_connection` was returned; the driver closes
};

/// A sans-I/O POP3 server connection (RFC 1939, RFC 2449 CAPA/PIPELINING/
/// RESP-CODES, RFC 2595 STLS, RFC 5034 AUTH, RFC 3206 response codes).
///
/// The session never touches a socket, a timer, the store or a password
/// database: bytes go in through `prepare`/`commit` (or `feed`), reply bytes
/// come out through `pending_output`/`consume_output`, and everything else is
/// an `action` from `next_action()` (STYLE.md section 3):
///
/// ```
/// for (;;) {
///     auto act = session.next_action();
///     if (holds<need_input>)         { read into session.prepare(4096); session.commit(n); }
///     else if (holds<write_ready>)   { session.consume_output(write(session.pending_output())); }
///     else if (engine_request* r)    { session.complete(r->id, engine.handle(std::move(*r))); }
///     else if (delay* d)             { sleep(d->duration); session.resume(); }
///     else if (holds<start_tls>)     { handshake; session.tls_established(); }
///     else /* close_connection */    { break; }
/// }
/// ```
///
/// Driver contract:
///  - After an `engine_request`, call `complete(id, reply)` before calling
///    `next_action()` again; after a `delay`, call `resume()`; after
///    `start_tls`, call `tls_established()` (or drop the connection). Until
///    then the session has nothing else to do: commands pipelined behind the
///    current one stay buffered, in order.
///  - `need_input` is returned only when every earlier reply has been
///    written and no complete command is buffered, so the input buffer stays
///    below one command line plus one `prepare` size: reading pauses
///    naturally while replies or a RETR body are pending.
///  - Dropping the connection at any point is safe: the session never asks
///    for `update_request` unless the client sent QUIT in TRANSACTION state
///    (RFC 1939 section 6), so a dropped connection deletes nothing.
///
/// What the session answers itself: the greeting, CAPA, STLS, USER, the
/// RFC 5034 framing of AUTH, STAT/LIST/UIDL/DELE/RSET/NOOP from the login
/// snapshot, syntax and state errors. What goes to the engine: login
/// (USER+PASS, APOP), every step of a SASL exchange, opening a message for
/// RETR/TOP, and UPDATE.
///
/// SASL (RFC 5034): the session checks the mechanism against
/// `server_options::sasl_mechanisms`, decodes the base64 of the initial
/// response (`=` is the empty one) and of each continuation line, answers a
/// `*` itself (`-ERR`, exchange over), and relays every decoded response as
/// `sasl_start_request` / `sasl_step_request`. The engine's `sasl_reply`
/// is either a challenge, sent as `+ <base64>`, or the outcome, handled like
/// a USER/PASS login. Mechanisms live only in `auth` (one implementation
/// for POP3 and IMAP), so pop3 depends on nothing but core. Continuation
/// lines may be up to `limits.max_line_length` octets.
///
/// Message bodies are streamed: after `open_reply`, the session reads the
/// `byte_source` 64 KiB at a time and only when pending output has been
/// consumed, dot-stuffing as it goes, so no message is ever held whole.
///
/// Thread safety: distinct objects safe, shared objects unsafe. A session
/// belongs to one connection and is driven from one strand.
class MAILACCESS_API server_session {
public:
    /// Queues the greeting (`+OK <greeting>` plus the APOP timestamp when
    /// enabled). The first action is therefore `write_ready`.
    explicit server_session(server_options options);
    ~server_session();
    server_session(const server_session&) = delete;
    server_session& operator=(const server_session&) = delete;

    /// What the driver must do next; see the class comment for the contract.
    /// After `close_connection` it keeps returning `close_connection`.
    action next_action();

    /// A writable span of exactly `n` bytes at the end of the input buffer,
    /// valid until the next non-const call. Follow with `commit`.
    std::span<char> prepare(std::size_t n);
    /// Marks the first `n` bytes of the last `prepare` span as received.
    /// Precondition: `n` is at most the size passed to `prepare`.
    void commit(std::size_t n);
    /// Appends `bytes` to the input (tests and simple drivers).
    void feed(std::string_view bytes);

    /// Bytes to send, valid until the next non-const call. Empty when
    /// nothing is pending.
    std::string_view pending_output() const noexcept;
    /// Releases the first `n` bytes of `pending_output()` as written.
    /// Precondition: `n <= pending_output().size()`.
    void consume_output(std::size_t n);

    /// The engine's answer to the request with this `id`. The reply type must
    /// match the request: `login_reply` for login/apop, `sasl_reply` for
    /// sasl_start/sasl_step, `open_reply` for open, `update_reply` for update. Precondition: `id` is the
    /// outstanding request.
    void complete(request_id id, engine_reply reply);

    /// Call after waiting out a `delay` action.
    void resume();

    /// Call when the TLS handshake after `start_tls` has succeeded: the
    /// session becomes secure (CAPA drops STLS and offers USER and SASL) and
    /// discards any bytes that arrived before the handshake.
    void tls_established();

    /// The inactivity timeout the driver should apply to reads (at least
    /// 10 minutes, RFC 1939 section 3).
    std::chrono::seconds read_timeout() const noexcept;

    /// The current RFC 1939 state.
    pop3::state current_state() const noexcept { return state_; }

    /// Whether the connection is protected by TLS (implicit or after STLS).
    bool is_secure() const noexcept { return secure_; }

    /// The APOP timestamp sent in the greeting (empty when APOP is off).
    const std::string& apop_timestamp() const noexcept { return timestamp_; }

private:
    struct stream_state {
        std::unique_ptr<byte_source> source;
        std::uint64_t offset = 0;
        dot_stuffer encoder;
    };
    enum class pending_kind { none, login, sasl, open, update };

    bool process_line();
    void handle_command(const command& cmd);
    void handle_sasl_response(std::string_view line);
    void handle_authorization(const command& cmd);
    void handle_transaction(const command& cmd);
    void start_auth(const command& cmd);
    void fail_login();
    void request(decltype(engine_request::body) body, pending_kind kind);
    void on_login(login_reply& reply);
    void on_sasl(sasl_reply& reply);
    void on_open(open_reply& reply);
    void on_update(const update_reply& reply);
    void fill_stream();
    void reply_ok(std::string_view text);
    void reply_err(std::string_view code, std::string_view text);
    void send_capa();
    bool can_auth() const noexcept;
    const maildrop_entry* message_for(std::uint32_t n, bool allow_deleted);

    server_options options_;
    std::string timestamp_;
    pop3::state state_ = state::authorization;
    bool secure_ = false;

    input_buffer input_;
    bool discarding_ = false;

    output_buffer out_;

    std::optional<engine_request> to_send_;
    pending_kind pending_ = pending_kind::none;
    request_id next_id_ = 1;
    request_id outstanding_id_ = 0;
    std::uint32_t pending_message_ = 0;
    std::optional<std::uint32_t> pending_top_lines_;

    bool delay_due_ = false;
    bool delaying_ = false;
    bool stls_due_ = false;
    bool awaiting_tls_ = false;
    bool close_due_ = false;

    std::string user_;
    bool in_sasl_ = false;  // a `+ ` challenge is out; the next line answers it
    unsigned failed_logins_ = 0;

    std::vector<maildrop_entry> messages_;
    std::vector<bool> deleted_;
    std::uint32_t uidvalidity_ = 0;
    std::optional<stream_state> stream_;
    std::string read_buf_;
};

}  // namespace mailaccess::pop3
