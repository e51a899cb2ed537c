#pragma once

// The typed model of IMAP client commands (RFC 3501 section 6, RFC 9051
// section 6 and the extensions cited on each struct), the server-side
// grammar parser `parse_command` and the client-side serializer `write`.

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/core/secret.hpp>
#include <mailaccess/imap/framer.hpp>
#include <mailaccess/imap/types.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace mailaccess::imap {

/// One struct per command. Field types come from the typed model, so a
/// value can always be written. Structs compare with `==` (credentials in
/// constant time).
namespace cmd {

// --- Any state (RFC 3501 section 6.1) ---

/// `CAPABILITY`
struct capability {
    friend bool operator==(const capability&, const capability&) = default;
};
/// `NOOP`
struct noop {
    friend bool operator==(const noop&, const noop&) = default;
};
/// `LOGOUT`
struct logout {
    friend bool operator==(const logout&, const logout&) = default;
};

// --- Not authenticated (RFC 3501 section 6.2) ---

/// `STARTTLS`
struct starttls {
    friend bool operator==(const starttls&, const starttls&) = default;
};

/// `AUTHENTICATE mech [SP initial-response]` (RFC 3501 section 6.2.2,
/// RFC 4959 SASL-IR). `initial_response` holds the base64 text as sent,
/// not decoded; the empty string stands for `=` (an empty response).
struct authenticate {
    atom mechanism;
    std::optional<secret<std::string>> initial_response;
    MAILACCESS_API friend bool operator==(const authenticate& a, const authenticate& b) noexcept;
};

/// `LOGIN userid password` (RFC 3501 section 6.2.3). Both astrings.
struct login {
    std::string username;
    secret<std::string> password;
    MAILACCESS_API friend bool operator==(const login& a, const login& b) noexcept;
};

// --- Authenticated (RFC 3501 section 6.3 and extensions) ---

/// RFC 7162 section 3.2.5 `QRESYNC (uidvalidity modseq [known-uids]
/// [(known-sequence-set known-uid-set)])`.
struct qresync_params {
    std::uint32_t uidvalidity = 1;           ///< nz-number
    std::uint64_t modseq = 1;                ///< mod-sequence-value
    std::optional<sequence_set> known_uids;  ///< `sequence-set`
    /// seq-match-data: known message sequence numbers and their UIDs.
    std::optional<std::pair<sequence_set, sequence_set>> seq_match;
    friend bool operator==(const qresync_params&, const qresync_params&) = default;
};

/// `SELECT` / `EXAMINE` with the optional RFC 7162 parameters
/// `(CONDSTORE)` and `(QRESYNC (...))` (either or both).
struct select_params {
    mailbox_name mailbox;
    bool condstore = false;
    std::optional<qresync_params> qresync;
    friend bool operator==(const select_params&, const select_params&) = default;
};
/// `SELECT mailbox [params]` (RFC 3501 section 6.3.1).
struct select : select_params {};
/// `EXAMINE mailbox [params]` (RFC 3501 section 6.3.2).
struct examine : select_params {};

/// `CREATE mailbox` (RFC 3501 section 6.3.3).
struct create {
    mailbox_name mailbox;
    friend bool operator==(const create&, const create&) = default;
};
/// `DELETE mailbox` (RFC 3501 section 6.3.4).
struct delete_ {
    mailbox_name mailbox;
    friend bool operator==(const delete_&, const delete_&) = default;
};
/// `RENAME from to` (RFC 3501 section 6.3.5).
struct rename {
    mailbox_name from;
    mailbox_name to;
    friend bool operator==(const rename&, const rename&) = default;
};
/// `SUBSCRIBE mailbox` (RFC 3501 section 6.3.6).
struct subscribe {
    mailbox_name mailbox;
    friend bool operator==(const subscribe&, const subscribe&) = default;
};
/// `UNSUBSCRIBE mailbox` (RFC 3501 section 6.3.7).
struct unsubscribe {
    mailbox_name mailbox;
    friend bool operator==(const unsubscribe&, const unsubscribe&) = default;
};

/// `LIST [(select-opts)] reference patterns [RETURN (return-opts)]`
/// (RFC 3501 section 6.3.8, RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS,
/// RFC 6154 SPECIAL-USE).
///
/// `patterns` hold the `list-mailbox` strings as they were on the wire
/// (modified UTF-7 or UTF-8, with `%` and `*` wildcards), not decoded: a
/// pattern is matched, not named. One pattern is written bare, several as
/// a parenthesised list. Options are kept as atoms (`SUBSCRIBED`, `REMOTE`,
/// `RECURSIVEMATCH`, `SPECIAL-USE`, `CHILDREN`, ...), compared by the
/// session with `atom::iequals`; `STATUS (...)` in the return options is
/// `return_status`. An empty `()` option list is the same as none.
struct list {
    std::vector<atom> selection;
    mailbox_name reference;
    std::vector<std::string> patterns;  ///< at least one
    std::vector<atom> return_options;
    std::optional<std::vector<status_att>> return_status;  ///< `RETURN (STATUS (...))`
    list() : reference(*mailbox_name::make("")) {}
    friend bool operator==(const list&, const list&) = default;
};
/// `LSUB reference pattern` (RFC 3501 section 6.3.9); `pattern` as in `list`.
struct lsub {
    mailbox_name reference;
    std::string pattern;
    lsub() : reference(*mailbox_name::make("")) {}
    friend bool operator==(const lsub&, const lsub&) = default;
};
/// `STATUS mailbox (atts)` (RFC 3501 section 6.3.10).
struct status {
    mailbox_name mailbox;
    std::vector<status_att> atts;  ///< at least one
    friend bool operator==(const status&, const status&) = default;
};

/// One message of APPEND (RFC 3501 section 6.3.11, RFC 3502 MULTIAPPEND,
/// RFC 3516 literal8 via `binary`).
///
/// A message literal larger than the framer's streaming threshold is
/// `streamed`: its octets went through `framer::literal_begin` (with index
/// `literal_index`) / `literal_data` / `literal_end`, and `data` is empty.
/// Otherwise `data` holds the octets. `size` is the announced size either way
/// (set by the parser). `write` announces `data.size()`, or `size` for a
/// `streamed` message, whose octets the client then sends itself
/// (`client_session::send_literal_data`).
struct append_message {
    std::vector<flag> flags;  ///< empty: no flag list (an empty `()` is the same)
    std::optional<date_time> internal_date;
    std::string data;
    std::uint64_t size = 0;
    bool binary = false;
    bool streamed = false;
    std::size_t literal_index = 0;  ///< index into the framer's `literals()`
    friend bool operator==(const append_message&, const append_message&) = default;
};
/// `APPEND mailbox 1*append-message`.
struct append {
    mailbox_name mailbox;
    std::vector<append_message> messages;  ///< at least one
    friend bool operator==(const append&, const append&) = default;
};

/// `ENABLE 1*capability` (RFC 5161).
struct enable {
    std::vector<imap::capability> capabilities;  ///< at least one
    friend bool operator==(const enable&, const enable&) = default;
};
/// `ID NIL` / `ID ("field" "value" ...)` (RFC 2971); nullopt is NIL, a
/// nullopt value is a NIL value.
struct id {
    std::optional<std::vector<std::pair<std::string, std::optional<std::string>>>> params;
    friend bool operator==(const id&, const id&) = default;
};
/// `NAMESPACE` (RFC 2342).
struct namespace_ {
    friend bool operator==(const namespace_&, const namespace_&) = default;
};
/// `COMPRESS algorithm` (RFC 4978 section 3); DEFLATE is the only one defined.
/// After the tagged OK both sides compress everything that follows.
struct compress {
    atom algorithm;
    friend bool operator==(const compress&, const compress&) = default;
};
/// `IDLE` (RFC 2177); the session then waits for the `DONE` line.
struct idle {
    friend bool operator==(const idle&, const idle&) = default;
};
/// `GETQUOTA root` (RFC 9208 section 4.2); `root` is an astring.
struct getquota {
    std::string root;
    friend bool operator==(const getquota&, const getquota&) = default;
};
/// `GETQUOTAROOT mailbox` (RFC 9208 section 4.3).
struct getquotaroot {
    mailbox_name mailbox;
    friend bool operator==(const getquotaroot&, const getquotaroot&) = default;
};
/// `SETQUOTA root (resource limit ...)` (RFC 9208 section 4.1); resources
/// are atoms such as `STORAGE` or `MESSAGE`, limits number64.
struct setquota {
    std::string root;
    std::vector<std::pair<atom, std::uint64_t>> limits;
    friend bool operator==(const setquota&, const setquota&) = default;
};

// --- Selected (RFC 3501 section 6.4) ---

/// `CHECK`
struct check {
    friend bool operator==(const check&, const check&) = default;
};
/// `CLOSE`
struct close {
    friend bool operator==(const close&, const close&) = default;
};
/// `UNSELECT` (RFC 3691)
struct unselect {
    friend bool operator==(const unselect&, const unselect&) = default;
};
/// `EXPUNGE`
struct expunge {
    friend bool operator==(const expunge&, const expunge&) = default;
};
/// `UID EXPUNGE uid-set` (RFC 4315 UIDPLUS).
struct uid_expunge {
    sequence_set uids;
    friend bool operator==(const uid_expunge&, const uid_expunge&) = default;
};

/// `[UID] SEARCH [RETURN (opts)] [CHARSET charset] 1*search-key`
/// (RFC 3501 section 6.4.4, RFC 4731 ESEARCH). `return_options`
/// (`MIN`, `MAX`, `ALL`, `COUNT`, `SAVE`) are atoms; nullopt when absent.
struct search {
    bool uid = false;
    std::optional<std::vector<atom>> return_options;
    std::optional<std::string> charset;  ///< an astring
    std::vector<search_key> keys;        ///< at least one; all must match
    friend bool operator==(const search&, const search&) = default;
};
/// `[UID] FETCH set atts [(CHANGEDSINCE modseq [VANISHED])]`
/// (RFC 3501 section 6.4.5, RFC 7162 sections 3.1.4 and 3.2.6).
struct fetch {
    bool uid = false;
    sequence_set set = sequence_set::single(1);
    fetch_att_list atts{fetch_macro::fast};
    std::optional<std::uint64_t> changedsince;  ///< mod-sequence-value
    bool vanished = false;                      ///< only with `uid` and `changedsince`
    friend bool operator==(const fetch&, const fetch&) = default;
};
/// `[UID] STORE set [(UNCHANGEDSINCE modseq)] store-att-flags`
/// (RFC 3501 section 6.4.6, RFC 7162 section 3.1.3).
struct store {
    bool uid = false;
    sequence_set set = sequence_set::single(1);
    std::optional<std::uint64_t> unchangedsince;  ///< mod-sequence-valzer
    store_att action = *store_att::make(store_mode::add, false, {});
    friend bool operator==(const store&, const store&) = default;
};
/// `[UID] COPY set mailbox` (RFC 3501 section 6.4.7).
struct copy {
    bool uid = false;
    sequence_set set = sequence_set::single(1);
    mailbox_name mailbox;
    friend bool operator==(const copy&, const copy&) = default;
};
/// `[UID] MOVE set mailbox` (RFC 6851).
struct move {
    bool uid = false;
    sequence_set set = sequence_set::single(1);
    mailbox_name mailbox;
    friend bool operator==(const move&, const move&) = default;
};

}  // namespace cmd

/// A client command: its tag and one of the `cmd` structs.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
struct command {
    using body_type =
        std::variant<cmd::capability, cmd::noop, cmd::logout, cmd::starttls, cmd::authenticate, cmd::login,
                     cmd::select, cmd::examine, cmd::create, cmd::delete_, cmd::rename, cmd::subscribe,
                     cmd::unsubscribe, cmd::list, cmd::lsub, cmd::status, cmd::append, cmd::enable, cmd::id,
                     cmd::namespace_, cmd::idle, cmd::getquota, cmd::getquotaroot, cmd::setquota, cmd::check,
                     cmd::close, cmd::unselect, cmd::expunge, cmd::uid_expunge, cmd::search, cmd::fetch,
                     cmd::store, cmd::copy, cmd::move, cmd::compress>;

    imap::tag tag;
    body_type body;

    friend bool operator==(const command&, const command&) = default;
};

/// Parses one complete client command as the framer delivered it
/// (server side, STYLE.md section 2 stage 2):
///
///     command         = tag SP (command-any / command-auth / command-nonauth /
///                       command-select) CRLF
///
/// `message` is `framer::message()` (CRLF or bare LF at the end), `literals`
/// is `framer::literals()`. Only APPEND message data may be a streamed
/// literal; a streamed literal anywhere else is `errc::bad_syntax`. Command
/// names and keywords are case-insensitive. The command is not checked
/// against the session state; that is the session's job.
///
/// Errors: `errc::unknown_command` when the tag is valid but the command
/// name is not one of the commands above (the session answers `BAD`);
/// `errc::bad_syntax`, `errc::bad_mailbox_name`, `errc::nesting_too_deep`,
/// `errc::too_many_ranges` for malformed arguments.
///
/// Lifetime: the result owns its data (copies of `message`).
/// Thread safety: safe to call concurrently.
MAILACCESS_API result<command> parse_command(std::string_view message,
                                             std::span<const framer::literal_info> literals,
                                             parse_options options = {});

/// The arguments of an APPEND received before one of its message literals,
/// for a server that opens the mailbox (and checks quota and size) before it
/// accepts the literal (RFC 3501 section 6.3.11, RFC 3502, RFC 7888).
struct append_prefix {
    imap::tag tag;
    mailbox_name mailbox;
    /// Flags, date, announced size and literal form of the message whose
    /// literal comes next; `data` is empty and `streamed` is false.
    cmd::append_message message;
    std::size_t message_index = 0;  ///< 0 for the first message (MULTIAPPEND)
    std::size_t literal_index = 0;  ///< index the literal has in the framer's `literals()`
};

/// Parses `framer::received()` when it ends with a literal announcement
/// (after `literal_announced` or `literal_begin`) as the start of an APPEND
/// command, with the same grammar and errors as `parse_command`.
/// `literals` is the framer's `literals()` at that point (the literals
/// before the announced one; a streamed one among them has no octets in
/// `received`). Fails with `errc::unknown_command` when the command is not
/// APPEND, and with `errc::bad_syntax` when the bytes do not end with an
/// announcement in an `append-data` position.
MAILACCESS_API result<append_prefix> parse_append_prefix(std::string_view received,
                                                         std::span<const framer::literal_info> literals,
                                                         parse_options options = {});

/// The command name of a body, e.g. "UID FETCH" or "LOGIN", for logs and
/// traces (never the arguments, which may hold credentials).
MAILACCESS_API std::string_view command_name(const command& value) noexcept;

/// Serializes `value` with its final CRLF (client side). `writer::fragments()`
/// then splits it at each literal so a client can wait for `+`.
/// Precondition: no APPEND message is `streamed` (the client holds the data).
MAILACCESS_API void write(writer& out, const command& value);

}  // namespace mailaccess::imap
