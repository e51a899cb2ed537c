#pragma once

// What a sans-I/O IMAP server session asks its driver to do next, and the
// requests and replies it exchanges with the engine that answers from a store
// (STYLE.md section 3). The six actions have the layout `net::session_traits`
// expects, so the same connection driver runs POP3 and IMAP sessions.

#include <mailaccess/core/byte_source.hpp>
#include <mailaccess/core/secret.hpp>
#include <mailaccess/imap/capability.hpp>
#include <mailaccess/imap/command.hpp>
#include <mailaccess/imap/response.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

namespace mailaccess::imap {

/// Read more bytes: call `prepare()`, read into the span, then `commit(n)`.
struct need_input {};
/// Write `pending_output()`, then call `consume_output(n)`.
struct write_ready {};
/// Everything up to the tagged OK of STARTTLS has been written: run the TLS
/// handshake now, then call `tls_established()`. Input pipelined behind the
/// STARTTLS line has been discarded (RFC 3501 section 6.2.1, CVE-2011-0411).
struct start_tls {};
/// Write nothing more; close the connection.
struct close_connection {};
/// Wait `duration` (the delay after a failed login), then call `resume()`.
struct delay {
    std::chrono::milliseconds duration{0};
};

using request_id = std::uint64_t;

/// The RFC 3501 section 3 connection states.
enum class session_state {
    not_authenticated,
    authenticated,
    selected,
    logout,
};

/// Extensions the client turned on with ENABLE (RFC 5161) or implicitly
/// (RFC 7162 section 3.1: any CONDSTORE-using command enables CONDSTORE).
/// The engine needs them to shape replies (MODSEQ in FETCH, VANISHED instead
/// of EXPUNGE, UTF-8 mailbox names).
struct enabled_extensions {
    bool condstore = false;
    bool qresync = false;
    bool utf8_accept = false;
    friend bool operator==(const enabled_extensions&, const enabled_extensions&) = default;
};

/// LOGIN user password: verify and open the account.
struct login_request {
    std::string user;
    secret<> password;
};
/// AUTHENTICATE mechanism [initial-response] (RFC 3501 section 6.2.2, RFC
/// 4959): begin a SASL exchange. The session checked the mechanism against
/// `server_options::sasl_mechanisms` and decoded the base64; the engine runs
/// the mechanism (`auth::sasl_server`, shared with POP3).
struct sasl_start_request {
    std::string mechanism;                     ///< upper case, as advertised
    std::optional<secret<>> initial_response;  ///< nullopt: none; empty: `=`
};
/// The client's decoded answer to the last challenge.
struct sasl_step_request {
    secret<> response;
};

/// A command the engine answers from the store: every command of the
/// authenticated and selected states except those the session answers
/// itself (CAPABILITY, NOOP before login, LOGOUT, STARTTLS, LOGIN,
/// AUTHENTICATE, ENABLE, ID, NAMESPACE, IDLE). The session checked the
/// state (a selected-state command arrives only while a mailbox is
/// selected). APPEND arrives here with its messages inline, or with
/// `streamed` messages whose octets already went through `append_data_request`.
struct command_request {
    imap::command command;
    enabled_extensions enabled;
};
/// Write the next slice of a `command_reply` with `more` set (a FETCH of
/// 100,000 messages is answered in slices, so memory stays bounded and
/// the client sees data early).
struct continue_request {};

/// A message literal of an APPEND is being streamed (it is larger than the
/// framer's streaming threshold). `mailbox`, `flags` and `internal_date`
/// come from the part of the command already received. Answered with an
/// `append_reply`; when it fails the session refuses the rest of the
/// command and the following `append_data_request`s are not sent.
struct append_begin_request {
    mailbox_name mailbox;
    std::vector<flag> flags;
    std::optional<date_time> internal_date;
    std::uint64_t size = 0;
    std::size_t literal_index = 0;  ///< which literal of the command (MULTIAPPEND)
};
/// Octets of the streamed message, in order, at most 64 KiB at a time.
struct append_data_request {
    std::string bytes;
};
/// The whole command was refused or the connection is closing: discard every
/// message begun for it.
struct append_abort_request {};

/// While IDLE (RFC 2177): the store announced a change, or the driver's
/// keepalive timer fired; return the unilateral updates due now.
struct idle_poll_request {};

/// Work the session cannot do itself; answer with `complete(id, reply)`.
/// The driver may run the engine on another thread (the store executor)
/// but calls `complete` on the session's strand.
struct engine_request {
    request_id id = 0;
    std::variant<login_request, sasl_start_request, sasl_step_request, command_request, continue_request,
                 append_begin_request, append_data_request, append_abort_request, idle_poll_request>
        body;
    /// The driver may run it while it writes the output queued before it
    /// (`net::overlapping_request`): set for the continue_request of a reply
    /// in slices, so the engine builds the next slice while the last one is
    /// sent. The session asks nothing else until `complete`.
    bool overlaps_output = false;
};

/// Answer to login_request. `error` empty: the user is logged in. Otherwise
/// an `imap::errc` outcome the session maps to a tagged NO with its RFC 5530
/// code (`authentication_failed` -> [AUTHENTICATIONFAILED] after the delay,
/// `temporary_failure` -> [UNAVAILABLE]).
struct login_reply {
    std::error_code error;
};
/// Answer to the SASL requests: a challenge (sent as `+ base64`), or the
/// outcome, as for LOGIN (plus `sasl_malformed`, `sasl_aborted` ->
/// BAD, `unsupported_mechanism` -> NO).
struct sasl_reply {
    std::optional<std::string> challenge;
    login_reply outcome;
};

/// The octets for one streamed FETCH item: `size` octets of `source` from
/// `offset`, in the order of the `stream_slot`s of the reply's responses.
struct body_stream {
    std::shared_ptr<byte_source> source;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
};

/// One untagged response of a command_reply, with the octets of its
/// streamed `fetch_body_section`s (one `body_stream` per item with
/// `streamed_size`, in item order).
struct reply_data {
    response data;
    std::vector<body_stream> streams;
};

/// Answer to command_request and continue_request. The session writes
/// `untagged` in order; with `more` it asks for the next slice with a
/// `continue_request` once they are written. The final slice carries the
/// tagged status (the session adds the tag) and the state change.
struct command_reply {
    std::vector<reply_data> untagged;
    bool more = false;
    status_kind status = status_kind::ok;  ///< ok, no or bad
    std::optional<response_code> code;
    std::string text;
    /// SELECT/EXAMINE success -> selected; CLOSE, UNSELECT, a failed SELECT
    /// -> authenticated (RFC 3501 section 6.3.1: a failed SELECT deselects).
    std::optional<session_state> new_state;
};

/// Answer to append_begin_request and append_data_request: `error` empty on
/// success; otherwise the APPEND fails with a tagged NO carrying `code` and
/// `text` (the engine maps store errors: over quota -> [OVERQUOTA], too big
/// -> [TOOBIG], no such mailbox -> [TRYCREATE]).
struct append_reply {
    std::error_code error;
    std::optional<response_code> code;
    std::string text;
};
/// Answer to idle_poll_request: the untagged updates to send now.
struct idle_reply {
    std::vector<reply_data> untagged;
};
/// Answer to append_abort_request.
struct done_reply {};

using engine_reply =
    std::variant<login_reply, sasl_reply, command_reply, append_reply, idle_reply, done_reply>;

using action = std::variant<need_input, write_ready, engine_request, start_tls, close_connection, delay>;

}  // namespace mailaccess::imap
