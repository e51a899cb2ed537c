#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/limits.hpp>
#include <mailaccess/core/output_buffer.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/core/secret.hpp>
#include <mailaccess/imap/capability.hpp>
#include <mailaccess/imap/command.hpp>
#include <mailaccess/imap/error.hpp>
#include <mailaccess/imap/framer.hpp>
#include <mailaccess/imap/response.hpp>
#include <mailaccess/imap/server_actions.hpp>
#include <mailaccess/imap/tag.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace mailaccess::imap {

/// Policy for one IMAP client connection. Every field bounds something the
/// server controls (STYLE.md section 2); they become the framer's options.
struct client_options {
    /// `max_line_length` bounds each response line segment, `max_message_size`
    /// each literal the server announces (a larger one is an error before any
    /// of its octets is read), `max_depth` the parenthesis nesting of a
    /// response. A client reads longer lines than a server: a SEARCH answer
    /// for a 100,000-message mailbox is ~700 KB, so the default line bound
    /// here is 1 MiB rather than the server's 8192.
    mailaccess::limits limits = [] {
        mailaccess::limits l;
        l.max_line_length = 1024 * 1024;
        return l;
    }();
    /// Literals larger than this (a FETCH BODY[]) are streamed as
    /// `body_begin` / `body_data` / `body_end` instead of being buffered.
    std::size_t streaming_threshold = 64 * 1024;
    /// Largest `body_data` chunk.
    std::size_t max_chunk_size = 64 * 1024;
    /// Largest buffered response: line bytes plus inline literals.
    std::size_t max_buffered_size = 1024 * 1024;
    /// Use non-synchronizing literals `{N+}` when the server advertises
    /// LITERAL+ (any size) or LITERAL- (up to 4096 octets) (RFC 7888).
    bool use_non_sync_literals = true;
    /// Generated tags are this prefix followed by a counter ("A1", "A2"...).
    /// Precondition: a valid tag prefix (ASTRING-CHARs other than "+").
    std::string tag_prefix = "A";
};

/// A server response that is not a tagged status: untagged data and status
/// responses (`* OK`, `* BYE`, `* 3 EXISTS`, `* 1 FETCH (FLAGS ...)`, the
/// greeting), in the order received, solicited or not. A FETCH item whose
/// literal was streamed has `streamed_size` set and no data (its octets
/// came as body events before this event).
struct untagged {
    response data;
};

/// A `+` continuation request the session did not answer itself: only
/// during an AUTHENTICATE sent with `send` (a SASL challenge). `text` is
/// the text after "+ " as sent (base64 for SASL), without CRLF. Answer it
/// with `client_session::send_continuation`.
struct continuation {
    std::string text;
};

/// A command completed: its tagged status response arrived.
struct completed {
    imap::tag tag;
    /// The command name ("LOGIN", "UID FETCH"); static storage.
    std::string_view command;
    /// The tagged response (`status` is ok, no or bad).
    status_response status;
};

/// The server accepted IDLE with `+` (RFC 2177 section 3): untagged
/// updates follow until `client_session::done()`.
struct idling {
    imap::tag tag;
};

/// A FETCH message text item whose literal is streamed starts (RFC 3501
/// section 7.4.2). `item` names it (form, section, origin) with
/// `streamed_size == size`, `literal_index` set and no data.
struct body_begin {
    std::uint32_t seq = 0;
    fetch_body_section item;
    std::uint64_t size = 0;
};

/// Consecutive octets of the streamed item, never empty, at most
/// `client_options::max_chunk_size` long. Valid until the next call to
/// `next()`, `prepare()`, `commit()` or `feed()`.
struct body_data {
    std::string_view bytes;
};

/// The streamed item is complete (all `size` octets were delivered). The
/// FETCH response carrying it follows as `untagged` once it is complete.
struct body_end {};

/// An APPEND message marked `streamed` is due: write its `size` octets with
/// `client_session::send_literal_data` (in as many calls as suits the
/// driver; the session writes nothing else meanwhile). `message` is its
/// index in the command's `messages`. Reported once the announcement is
/// out and, for a synchronizing literal, the server's `+` arrived; never
/// when the server refused the literal (the command completes instead).
struct literal_request {
    imap::tag tag;
    std::size_t message = 0;
    std::uint64_t size = 0;
};

/// The server broke the protocol and the connection is unusable;
/// `close_connection` follows. `error` is an `imap::errc`:
/// - `line_too_long`, `literal_too_large` (e.g. a 1 GiB announcement,
///   reported before any of its octets), `message_too_large`,
///   `too_many_literals`, `bad_literal`, `nesting_too_deep`: a framer bound;
/// - `bad_syntax` (or another parser error): an unparsable response;
/// - `unknown_tag`: a tagged response for no command in flight;
/// - `unexpected_response`: no greeting first, a `+` nobody waits for, or
///   plaintext bytes after the OK to STARTTLS (CVE-2011-0411).
/// A `client_error` after `body_begin` means the body is incomplete.
struct client_error {
    std::error_code error;
};

/// What a client driver must do next, or what happened.
using client_event =
    std::variant<need_input, write_ready, start_tls, close_connection, untagged, continuation, completed,
                 idling, body_begin, body_data, body_end, literal_request, client_error>;

/// A sans-I/O IMAP4rev1 client connection (RFC 3501), the mirror of
/// `server_session` and the sibling of `pop3::client_session`.
///
/// **Commands.** `send` queues a command and returns its tag. Commands are
/// written in the order queued, as early as RFC 3501 section 5.5 allows
/// ("the client MAY send another command without waiting for the
/// completion result response"), except:
/// - nothing is written before the server's greeting (RFC 3501 section 7.1);
/// - a synchronizing literal `{N}` waits for the server's `+` before its
///   octets, and nothing else is written meanwhile ("any command
///   continuation request responses and command continuations MUST be
///   negotiated before any subsequent command is initiated", section 5.5).
///   With LITERAL+ the session writes `{N+}` and sends at once; with
///   LITERAL- only literals up to 4096 octets (RFC 7888 sections 3-4). If
///   the server answers a literal with a tagged NO or BAD instead of `+`,
///   the command completes with it and the literal is never sent;
/// - barriers: STARTTLS, AUTHENTICATE, LOGIN, IDLE, SELECT, EXAMINE, CLOSE,
///   UNSELECT, LOGOUT and COMPRESS change the connection or the selected
///   state, so they are written only when nothing is in flight and nothing
///   is written behind them until they complete (for STARTTLS, until
///   `tls_established()`);
/// - a command using message sequence numbers (FETCH, STORE, SEARCH, COPY,
///   MOVE without UID) is written only when every command in flight is a
///   FETCH, STORE or SEARCH: any other command permits an untagged EXPUNGE
///   that would renumber the messages (RFC 3501 section 5.5, "COPY + COPY"
///   and "CHECK + FETCH" are invalid non-waiting sequences). Other
///   ambiguities (a FETCH of flags and a STORE of the same messages) are
///   the caller's to avoid.
///
/// The literal form is chosen when the command is written, from the
/// capabilities known then.
///
/// **Driving it** with `next()`:
///  - `need_input`: read into `prepare(n)`, then `commit(bytes)`;
///  - `write_ready`: write `pending_output()`, then `consume_output(n)`;
///  - `start_tls`: after the tagged OK to STARTTLS (reported first as
///    `completed`): run the handshake, then call `tls_established()`;
///    `next()` returns `start_tls` until then;
///  - `close_connection`: after the tagged response to LOGOUT, after an
///    untagged BYE outside LOGOUT (RFC 3501 section 7.1.5), or after a
///    `client_error`; returned forever after;
///  - the event types report what the server sent, in order.
///
/// **Capabilities** are taken from the greeting's `[CAPABILITY ...]` code,
/// from `* CAPABILITY` responses and from any status response carrying the
/// code. They are forgotten after the OK to STARTTLS (RFC 3501 section
/// 6.2.1) and after a successful LOGIN or AUTHENTICATE unless the server
/// sent them again while it was in flight (RFC 9051 section 6.2.3: a server
/// MAY include them in the tagged OK). Send CAPABILITY to learn them again.
///
/// **Protocol state** (`state()`) follows the tagged responses: PREAUTH
/// greeting, LOGIN/AUTHENTICATE OK -> authenticated; SELECT/EXAMINE OK ->
/// selected, their NO -> authenticated (RFC 3501 section 6.3.1); CLOSE and
/// UNSELECT OK -> authenticated; BYE -> logout. The session does not refuse
/// commands for the state; the server answers BAD.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API client_session {
public:
    explicit client_session(client_options options = {});

    /// Queues `body` with a generated tag (`tag_prefix` and a counter,
    /// skipping tags in use) and returns the tag. Errors, with nothing
    /// queued: `errc::not_allowed` after `close_connection` or an error;
    /// `errc::login_disabled` for LOGIN when LOGINDISABLED is advertised;
    /// `errc::bad_syntax` for an APPEND message marked `streamed` without
    /// its `size` or with data (see `literal_request`).
    result<imap::tag> send(command::body_type body);
    /// Queues `cmd` with the caller's tag; as above, plus
    /// `errc::tag_in_use` when a queued or in-flight command has that tag.
    result<imap::tag> send(command cmd);

    /// `LOGIN user password` (RFC 3501 section 6.2.3). Fails with
    /// `errc::login_disabled` when LOGINDISABLED is advertised.
    result<imap::tag> login(std::string_view user, const secret<>& password);
    /// `AUTHENTICATE PLAIN` (RFC 4616) with an empty authorization identity:
    /// with the credentials as initial response when SASL-IR is advertised
    /// (RFC 4959 section 3), otherwise in answer to the server's `+`. A
    /// further challenge is answered with "*" (cancel, RFC 3501 section
    /// 6.2.2). No `continuation` event is reported.
    result<imap::tag> authenticate_plain(std::string_view user, const secret<>& password);
    /// `AUTHENTICATE LOGIN` (draft-murchison-sasl-login): the user name and
    /// the password answer the first two `+` challenges, "*" any further.
    result<imap::tag> authenticate_login(std::string_view user, const secret<>& password);
    /// `IDLE` (RFC 2177). `idling` is reported when the server's `+`
    /// arrives; untagged updates follow; `done()` ends it.
    result<imap::tag> idle() { return send(cmd::idle{}); }
    /// Sends `DONE` for the queued or running IDLE, at once when its `+`
    /// arrived, otherwise as soon as it arrives (RFC 2177 section 3: DONE
    /// follows the continuation). `errc::not_allowed` without an IDLE.
    std::error_code done();
    /// Writes the next octets of the streamed APPEND message that a
    /// `literal_request` asked for. Errors: `errc::not_allowed` when no
    /// request is open, `errc::bad_syntax` when `bytes` goes beyond its size
    /// (nothing is written then).
    std::error_code send_literal_data(std::string_view bytes);
    /// Octets the open `literal_request` still needs (0 when none is open).
    std::uint64_t literal_remaining() const noexcept;

    /// Answers the `continuation` of an AUTHENTICATE sent with `send`:
    /// writes `line` and CRLF (base64, or "*" to cancel; RFC 3501 section
    /// 6.2.2). `errc::not_allowed` when no challenge waits for an answer,
    /// `errc::bad_syntax` when `line` holds CR or LF.
    std::error_code send_continuation(std::string_view line);

    /// The next thing to do or the next event; see the class comment.
    client_event next();

    /// A writable span of exactly `n` bytes for received data, valid until
    /// the next non-const call. Follow with `commit`.
    std::span<char> prepare(std::size_t n) { return framer_.prepare(n); }
    /// Marks `n` bytes of the last `prepare` span as received.
    void commit(std::size_t n) { framer_.commit(n); }
    /// Appends received bytes (tests and simple drivers).
    void feed(std::string_view bytes) { framer_.feed(bytes); }
    /// Bytes received and not yet processed (bounded by the framer's limits
    /// while the driver reads only after `need_input`).
    std::size_t buffered() const noexcept { return framer_.buffered(); }

    /// Bytes to send, valid until the next non-const call.
    std::string_view pending_output() const noexcept { return out_.pending(); }
    /// Releases `n` written bytes (`n <= pending_output().size()`).
    void consume_output(std::size_t n) { out_.consume(n); }

    /// Call after the TLS handshake that followed `start_tls` succeeded.
    /// Any byte received in between is an `unexpected_response` error.
    void tls_established();

    /// The server's capabilities as last announced; empty while unknown.
    const std::vector<capability>& capabilities() const noexcept { return capabilities_; }
    /// True when the capabilities were announced and not forgotten since.
    bool capabilities_known() const noexcept { return capabilities_known_; }
    /// True when `name` is among `capabilities()` (case-insensitive).
    bool has_capability(std::string_view name) const noexcept;

    /// True once the server answered `ENABLED UTF8=ACCEPT` (RFC 6855 section
    /// 3): from then on responses may carry UTF-8 in quoted strings and
    /// mailbox names, and commands written send mailbox names and strings as
    /// UTF-8 instead of modified UTF-7 or literals.
    bool utf8_enabled() const noexcept { return utf8_enabled_; }

    /// The RFC 3501 section 3 state as the responses so far imply it.
    session_state state() const noexcept { return state_; }
    /// True once the greeting arrived.
    bool has_greeting() const noexcept { return greeting_seen_; }
    /// Commands written (or being written) and not yet completed.
    std::size_t in_flight() const noexcept { return in_flight_.size(); }
    /// Commands queued and not yet written.
    std::size_t queued() const noexcept { return queue_.size(); }

private:
    enum class kind : std::uint8_t {
        other,
        starttls,
        login,  // LOGIN or AUTHENTICATE
        select,
        unselect,  // CLOSE, UNSELECT
        logout,
        idle,
    };
    struct outgoing {
        explicit outgoing(command c) : cmd(std::move(c)) {}
        command cmd;
        std::string_view name;
        kind type = kind::other;
        bool barrier = false;
        bool uses_seq = false;        // uses message sequence numbers
        bool allows_expunge = false;  // not FETCH, STORE or SEARCH
        bool authenticate = false;
        // Written form: text, waits for "+" before synchronizing literals,
        // and the streamed literals the host supplies.
        struct step {
            enum class kind : std::uint8_t { text, wait_plus, stream };
            kind type = kind::text;
            secret<> text;
            std::uint64_t size = 0;   // stream
            std::size_t message = 0;  // stream: the APPEND message index
        };
        std::vector<step> steps;
        std::size_t next_step = 0;
        std::uint64_t stream_left = 0;  // octets of the open literal_request
        bool written() const noexcept { return next_step >= steps.size() && stream_left == 0; }
        // Session-driven SASL responses (base64 lines) for the helpers.
        bool sasl_internal = false;
        std::vector<secret<>> sasl;
        std::size_t next_sasl = 0;
        bool awaiting_host = false;  // a `continuation` waits for send_continuation
        bool plus_seen = false;      // IDLE: the server's "+" arrived
        bool done_requested = false;
        std::uint64_t capability_epoch = 0;
    };

    std::error_code refusal(const command::body_type& body) const;
    result<imap::tag> enqueue(command cmd, std::vector<secret<>> sasl, bool sasl_internal);
    bool tag_in_use(std::string_view t) const noexcept;
    void flush_queue();
    void write_command(outgoing& c);
    void write_steps(outgoing& c);
    imap::tag generate_tag();
    bool step();
    void on_message();
    void on_continuation(std::string text);
    void on_tagged(status_response st);
    void on_untagged(response r);
    void on_literal_begin(const framer::literal_begin& b);
    void set_capabilities(std::vector<capability> caps);
    parse_options response_options() const noexcept;
    void forget_capabilities();
    void fail(std::error_code ec);
    void fail(errc e) { fail(make_error_code(e)); }

    client_options options_;
    framer framer_;
    output_buffer out_;
    std::deque<outgoing> queue_;
    std::deque<outgoing> in_flight_;
    std::deque<client_event> events_;
    std::uint64_t next_tag_ = 1;

    std::vector<capability> capabilities_;
    bool capabilities_known_ = false;
    std::uint64_t capability_epoch_ = 0;
    session_state state_ = session_state::not_authenticated;
    bool utf8_enabled_ = false;

    bool greeting_seen_ = false;
    bool start_tls_due_ = false;
    bool awaiting_tls_ = false;
    bool close_due_ = false;
    bool closed_ = false;
    std::error_code error_;
    bool error_reported_ = false;
};

}  // namespace mailaccess::imap
