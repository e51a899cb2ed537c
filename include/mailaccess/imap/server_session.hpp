#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/limits.hpp>
#include <mailaccess/core/output_buffer.hpp>
#include <mailaccess/imap/framer.hpp>
#include <mailaccess/imap/server_actions.hpp>
#include <mailaccess/imap/writer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mailaccess::imap {

/// Policy for one IMAP server connection. Copied into the session.
struct server_options {
    /// Text of the greeting after `* OK [CAPABILITY ...] `.
    std::string greeting = "mailaccess IMAP ready";
    /// True for implicit TLS (port 993): the connection starts secure.
    bool tls_active = false;
    /// Whether STARTTLS (RFC 3501 section 6.2.1) is offered while plaintext.
    bool starttls_available = true;
    /// Allow LOGIN and AUTHENTICATE on a non-secure connection. Off by
    /// default: CAPABILITY says LOGINDISABLED and no AUTH= mechanisms, and
    /// LOGIN is refused with `NO [PRIVACYREQUIRED]` (RFC 3501 section 6.2.3,
    /// RFC 5530).
    bool allow_plaintext_auth = false;
    /// SASL mechanisms offered (`AUTH=` capabilities) and accepted; the
    /// engine runs them (see `auth::sasl_server_mechanisms()`).
    std::vector<std::string> sasl_mechanisms{"PLAIN", "LOGIN"};
    /// Capabilities added after login, next to the protocol ones the
    /// session implements itself (IMAP4rev1 LITERAL+ SASL-IR ENABLE ID
    /// IDLE NAMESPACE UNSELECT): the engine's (UIDPLUS, MOVE, CONDSTORE, ...).
    std::vector<capability> engine_capabilities;
    /// The `ID` (RFC 2971) fields the server sends; empty: `* ID NIL`.
    std::vector<std::pair<std::string, std::string>> id_fields{{"name", "mailaccess"}};
    /// The personal namespace (RFC 2342): prefix "" and this delimiter.
    char hierarchy_delimiter = '/';
    /// Wait this long before answering a failed login; the third failure
    /// closes the connection after the delay.
    std::chrono::milliseconds failed_auth_delay{2000};
    /// Autologout timer before login and while authenticated; raised to the
    /// RFC 3501 section 5.4 minimum of 30 minutes if lower.
    std::chrono::seconds idle_timeout{30 * 60};
    /// Bounds for everything the client controls: line length, nesting
    /// depth, and `max_literal_size`, the largest literal (so the largest
    /// APPEND message) accepted; a larger synchronizing literal is refused
    /// with `NO [TOOBIG]` before the client sends it (RFC 7888 section 4).
    mailaccess::limits limits;
    /// Literals above this size are streamed: APPEND data goes to the engine
    /// in `append_data_request` chunks instead of being buffered. Larger
    /// literals in any other command are refused (`NO [TOOBIG]`).
    std::size_t streaming_threshold = 64 * 1024;
};

/// A sans-I/O IMAP4rev1 server connection (RFC 3501, with LITERAL+,
/// SASL-IR, ENABLE, ID, IDLE, NAMESPACE, UNSELECT handled here and every
/// store-backed command relayed to an engine).
///
/// Bytes go in through `prepare`/`commit` (or `feed`), reply bytes come out
/// through `pending_output`/`consume_output`, and everything else is an
/// `action` from `next_action()`, with the same driver loop as
/// `pop3::server_session` (STYLE.md section 3).
///
/// What the session answers itself: the greeting, CAPABILITY, NOOP and
/// LOGOUT before login, STARTTLS, the framing of LOGIN and AUTHENTICATE
/// (the engine verifies), ENABLE, ID, NAMESPACE, IDLE/DONE, continuation
/// requests for synchronizing literals (`+ OK` or `NO [TOOBIG]`), `BAD [CLIENTBUG]` for
/// malformed commands and commands in the wrong state. Everything that
/// touches a mailbox is a `command_request`.
///
/// Ordering: commands are executed one at a time in arrival order; the
/// next command is framed only after the previous tagged reply has been
/// queued, so pipelined commands are answered in order and unilateral
/// updates are never interleaved with another command's data.
///
/// Driver contract: as for `pop3::server_session` (complete every
/// engine_request before the next `next_action`, `resume` after a delay,
/// `tls_established` after start_tls). In addition, while the session is
/// IDLE the driver calls `notify()` when the store announces a change to
/// the selected mailbox; the session then asks the engine for the updates.
/// One exception to "complete before the next `next_action`": the
/// continue_request for the next slice of a long reply has
/// `overlaps_output` set and comes before the last slice is written. A
/// driver may hold its `complete` while it performs the write_ready actions
/// that follow (`net::connection` does, see `net::overlapping_request`),
/// never during a write; the session returns `need_input` as a placeholder
/// when it has nothing to write and only waits for that reply. A simple
/// driver may complete it at once, as any other request.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API server_session {
public:
    /// Queues the greeting; the first action is `write_ready`.
    explicit server_session(server_options options);
    ~server_session();
    server_session(const server_session&) = delete;
    server_session& operator=(const server_session&) = delete;

    /// What the driver must do next. After `close_connection` it keeps
    /// returning `close_connection`.
    action next_action();

    /// A writable span of `n` bytes for the driver to read into; valid until
    /// the next non-const call. Follow with `commit`.
    std::span<char> prepare(std::size_t n);
    /// Marks the first `n` bytes of the last `prepare` span as received.
    void commit(std::size_t n);
    /// Appends `bytes` to the input (tests and simple drivers).
    void feed(std::string_view bytes);

    /// Bytes to send, valid until the next non-const call.
    std::string_view pending_output() const noexcept;
    /// Releases the first `n` bytes of `pending_output()` as written.
    void consume_output(std::size_t n);

    /// The engine's answer to the outstanding request `id`; the reply type
    /// matches the request (`login_reply` for login, `sasl_reply` for SASL,
    /// `command_reply` for command/continue, `append_reply` for
    /// append_begin/append_data, `idle_reply` for idle_poll, `done_reply`
    /// for append_abort).
    void complete(request_id id, engine_reply reply);
    /// Call after waiting out a `delay` action.
    void resume();
    /// Call when the TLS handshake after `start_tls` succeeded.
    void tls_established();
    /// While IDLE: the selected mailbox changed (or a keepalive is due);
    /// the session will ask the engine for updates. Ignored otherwise.
    void notify();

    /// The read inactivity timeout the driver applies (RFC 3501 section 5.4).
    std::chrono::seconds read_timeout() const noexcept;
    /// The RFC 3501 state.
    session_state state() const noexcept { return state_; }
    /// True while the client is in IDLE.
    bool is_idling() const noexcept { return idling_; }
    /// Whether the connection is protected by TLS.
    bool is_secure() const noexcept { return secure_; }
    /// What the client enabled.
    const enabled_extensions& enabled() const noexcept { return enabled_; }
    /// The capabilities the session advertises in its current state.
    std::vector<capability> capabilities() const;

private:
    enum class pending_kind {
        none,
        login,
        sasl,
        command,
        idle,
        append_begin_sync,     // before `+` for a synchronizing literal
        append_begin_nonsync,  // a LITERAL+ literal already arriving
        append_data,
        append_abort,
    };
    // The APPEND whose message literals are being streamed to the engine.
    struct append_state {
        std::size_t begun = 0;   // append_begin_requests that succeeded
        bool announced = false;  // begun before `+`; its literal_begin is next
        bool to_engine = false;  // literal_data goes to append_data_request
        bool error = false;      // the engine refused; the command ends in NO
        std::optional<response_code> error_code;
        std::string error_text;
    };
    // Output not yet moved into out_: response bytes, and FETCH octets read
    // from a byte_source 64 KiB at a time once out_ has been written.
    struct stream_segment {
        body_stream body;
        std::uint64_t done = 0;
    };

    bool frame_next();
    void on_message();
    void on_literal_announced(const framer::literal_announced& a);
    void on_literal_begin();
    void on_rejected(const framer::message_rejected& r);
    void end_append();
    void dispatch(command&& c);
    void dispatch_not_authenticated(command&& c);
    void start_authenticate(const std::string& tag, const cmd::authenticate& a);
    void on_sasl_line(const std::string& line);
    void end_sasl();
    void on_idle_line(const std::string& line);
    void enable(const std::string& tag, const cmd::enable& e);
    bool has_engine_capability(std::string_view name) const;
    void on_login(const login_reply& reply);
    void on_sasl(sasl_reply& reply);
    void on_command_reply(command_reply& reply);
    void on_append(pending_kind kind, append_reply& reply);
    void request(decltype(engine_request::body) body, pending_kind kind);
    void queue(std::string_view bytes);
    void pump_queue();
    void untagged(const response& r);
    void tagged(std::string_view tag, status_kind status, std::optional<response_code> code,
                std::string_view text);
    void cancelled_authentication(std::string_view tag);
    void write_untagged(std::vector<reply_data>& items);
    bool can_login() const noexcept { return secure_ || options_.allow_plaintext_auth; }

    server_options options_;
    framer framer_;
    writer_options writer_options_;
    parse_options parse_options_;
    session_state state_ = session_state::not_authenticated;
    bool secure_ = false;
    enabled_extensions enabled_;

    output_buffer out_;
    std::deque<std::variant<std::string, stream_segment>> queued_;
    // Byte sources streamed to their end. The engine made them on a store
    // thread, whose malloc arena it may be allocating from right now (an
    // overlapping request): freeing them here then waits on that arena's
    // lock, so they go when no engine call runs (complete(), or idle).
    std::vector<std::shared_ptr<byte_source>> retired_;
    // Reused for every FETCH response (recreated when the options change).
    writer reply_writer_;
    std::vector<stream_slot> reply_slots_;

    std::optional<engine_request> to_send_;
    pending_kind pending_ = pending_kind::none;
    bool overlapping_ = false;  // the outstanding request overlaps output
    request_id next_id_ = 1;
    request_id outstanding_id_ = 0;
    std::string current_tag_;  // the command waiting for the engine

    bool in_sasl_ = false;  // a challenge is out: the framer is in line mode
    bool idling_ = false;   // IDLE: the framer is in line mode, waiting for DONE
    bool idle_poll_due_ = false;
    std::string idle_tag_;
    append_state append_;

    bool delay_due_ = false;
    bool delaying_ = false;
    std::string delayed_reply_;  // the failed-login answer, sent after the delay
    bool tls_due_ = false;
    bool awaiting_tls_ = false;
    bool close_due_ = false;
    unsigned failed_logins_ = 0;
};

}  // namespace mailaccess::imap
