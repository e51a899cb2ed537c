#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/secret.hpp>
#include <mailaccess/imap/client_session.hpp>
#include <mailaccess/imap/command.hpp>
#include <mailaccess/imap/response.hpp>
#include <mailaccess/net/client.hpp>
#include <mailaccess/net/detail/operation.hpp>
#include <mailaccess/net/tls_context.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace mailaccess::net {

/// Failures specific to `imap_client`. Protocol errors found by the session
/// keep their `imap::errc` (`bad_syntax`, `literal_too_large`,
/// `unexpected_response`, ...); a refused login is `imap::errc::auth_failed`
/// (tagged NO) and LOGINDISABLED `imap::errc::login_disabled`; deadlines
/// are `net::errc::timed_out`, cancellation `asio::error::operation_aborted`,
/// and transport errors pass through in their own categories.
enum class imap_client_errc {
    command_failed = 1,  ///< the server answered the command with a tagged NO
    command_rejected,    ///< the server answered the command with a tagged BAD
    refused,             ///< the greeting was BYE (RFC 3501 section 7.1.5)
    not_connected,       ///< no connection: `async_connect` was never called or did not succeed
    connection_closed,   ///< the connection was closed (LOGOUT, BYE, error, timeout, cancel, `close()`)
    already_connected,   ///< `async_connect` while a connection is open or being opened
    tls_already_active,  ///< `async_starttls` on a connection that is already encrypted
    tls_required,        ///< a login before TLS without `allow_plaintext_login`; nothing was sent
};

/// The category named "mailaccess.net.imap_client". Thread safety: safe to call concurrently.
MAILACCESS_API const std::error_category& imap_client_category() noexcept;

/// Makes an error_code in `imap_client_category()` (found by ADL).
MAILACCESS_API std::error_code make_error_code(imap_client_errc e) noexcept;

}  // namespace mailaccess::net

template <>
struct std::is_error_code_enum<mailaccess::net::imap_client_errc> : std::true_type {};

namespace mailaccess::net {

/// Policy for one `imap_client`, fixed at construction.
struct imap_client_options {
    /// The sans-I/O session's bounds and literal policy (line length,
    /// largest literal, streaming threshold for FETCH bodies, LITERAL+ use).
    imap::client_options session;
    /// Default deadline of every operation except `async_idle`, counted from
    /// the call of the initiating function (queueing time included).
    /// `async_connect` uses `connect_options::timeout` instead.
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};
    /// The TLS context for STARTTLS. Null: one is made from `tls_options`,
    /// which verify the certificate chain and the host name by default.
    std::shared_ptr<asio::ssl::context> tls;
    /// Used when `tls` is null. `insecure_skip_verify` is the explicit
    /// opt-out for tests and labs.
    client_tls_options tls_options;
    /// Allow `async_login` to send credentials on an unencrypted
    /// connection. Off by default: it fails with `tls_required` instead.
    bool allow_plaintext_login = false;
    /// `async_idle` ends and re-issues IDLE this often: RFC 2177 section 3
    /// has servers drop an idling client after 30 minutes of inactivity.
    std::chrono::milliseconds idle_keepalive{std::chrono::minutes(25)};
    /// Receives the connection's mailbox and connection events, on the
    /// client's strand, in the order received: every untagged EXISTS, RECENT,
    /// EXPUNGE, VANISHED without EARLIER, FLAGS and status response (OK, NO,
    /// BAD, BYE, with codes such as [ALERT]), whether or not an operation
    /// also collects it, and any other untagged response no operation
    /// claims (e.g. a FETCH of flag changes during NOOP or IDLE). Must not
    /// throw; may start operations.
    std::function<void(const imap::response&)> on_update;
};

/// The result of a command: its tagged status response and the untagged
/// responses it collected while in flight.
struct imap_reply {
    imap::status_response status;
    std::vector<imap::response> untagged;
};

/// The result of SELECT or EXAMINE (RFC 3501 section 6.3.1, RFC 7162).
struct imap_mailbox {
    bool read_only = false;  ///< [READ-ONLY] in the tagged OK
    std::uint32_t exists = 0;
    std::uint32_t recent = 0;
    std::optional<std::uint32_t> uidvalidity, uidnext, unseen;
    std::optional<std::uint64_t> highestmodseq;  ///< [HIGHESTMODSEQ] (CONDSTORE)
    bool nomodseq = false;                       ///< [NOMODSEQ]
    std::vector<imap::flag> flags;
    std::vector<imap::flag> permanent_flags;  ///< may include `\*`
    /// QRESYNC (RFC 7162 section 3.2.5.1): UIDs expunged since the given
    /// modseq (`VANISHED (EARLIER)`) and the messages changed since then.
    std::vector<imap::sequence_set> vanished;
    std::vector<imap::fetch_data> changed;
    imap::status_response status;
};

/// The result of LIST (RFC 3501 section 6.3.8), with the STATUS data of
/// LIST-STATUS (RFC 5819) when requested.
struct imap_list_result {
    std::vector<imap::list_data> mailboxes;
    std::vector<imap::status_data> statuses;
};

/// The result of FETCH: the messages (unless an `on_message` sink took
/// them) and, for `UID FETCH ... (CHANGEDSINCE m VANISHED)`, the UIDs the
/// server reported expunged (RFC 7162 section 3.2.6).
struct imap_fetch_result {
    std::vector<imap::fetch_data> messages;
    std::vector<imap::sequence_set> vanished;
    imap::status_response status;
};

/// A streamed FETCH body (see `imap::client_options::streaming_threshold`).
using imap_body_event = std::variant<imap::body_begin, imap::body_data, imap::body_end>;

/// Where `async_fetch` delivers data as it arrives, instead of collecting it.
/// Both run on the client's strand, must not throw and must not call into
/// the client. An error stops delivery to that sink (the rest of the reply
/// is read and dropped, the connection stays usable) and the operation
/// completes with it.
struct imap_fetch_sinks {
    /// Each FETCH response (complete, streamed bodies without data). When
    /// set, `imap_fetch_result::messages` stays empty: a 100,000-message
    /// header sync is processed as it arrives.
    std::function<std::error_code(imap::fetch_data& message)> on_message;
    /// The octets of bodies larger than the streaming threshold, chunk by
    /// chunk. Without it they are dropped.
    std::function<std::error_code(const imap_body_event& event)> on_body;
};

/// The result of SEARCH (RFC 3501 section 6.4.4) or ESEARCH (RFC 4731).
struct imap_search_result {
    std::vector<std::uint32_t> numbers;  ///< SEARCH data, or ESEARCH ALL expanded
    std::optional<std::uint64_t> modseq;
    std::optional<imap::esearch_data> esearch;
    imap::status_response status;
};

/// The result of GETQUOTAROOT (RFC 9208 section 4.3).
struct imap_quota_result {
    std::vector<imap::quotaroot_data> roots;
    std::vector<imap::quota_data> quotas;
};

/// One message of `async_append`, read from a source while it is sent
/// rather than held in memory (a 50 MB attachment from a file).
struct imap_append_source {
    std::vector<imap::flag> flags;
    std::optional<imap::date_time> internal_date;
    /// The exact number of octets `read` delivers (the literal's size).
    std::uint64_t size = 0;
    /// Announce it as literal8 (RFC 3516): the data may hold NUL.
    bool binary = false;
    /// Fills `buffer` with the next octets and returns how many (at least
    /// one while octets remain). Called on the client's strand, only as
    /// fast as the connection takes the data. An error, or 0 before `size`
    /// octets, fails the operation and closes the connection: the server
    /// is waiting for the rest of the literal.
    std::function<std::size_t(std::span<char> buffer, std::error_code& ec)> read;
};

/// How `async_login` authenticates.
enum class imap_login_method {
    automatic,   ///< AUTHENTICATE PLAIN if advertised, else LOGIN
    login,       ///< the LOGIN command (RFC 3501 section 6.2.3)
    sasl_plain,  ///< AUTHENTICATE PLAIN (RFC 4616), SASL-IR when offered
    sasl_login,  ///< AUTHENTICATE LOGIN
};

namespace detail {

class imap_client_impl;

/// One queued operation; the implementations live in src/net/imap_client.cpp.
class MAILACCESS_API imap_op {
public:
    virtual ~imap_op();
};

using imap_op_ptr = std::unique_ptr<imap_op>;
using capabilities_done = completion_ptr<std::vector<imap::capability>>;

MAILACCESS_API imap_op_ptr make_imap_connect_op(connect_options options, capabilities_done done);
MAILACCESS_API imap_op_ptr make_imap_starttls_op(capabilities_done done);
MAILACCESS_API imap_op_ptr make_imap_capability_op(capabilities_done done);
MAILACCESS_API imap_op_ptr make_imap_login_op(std::string user, secret<> password, imap_login_method method,
                                              capabilities_done done);
MAILACCESS_API imap_op_ptr make_imap_command_op(imap::command::body_type body,
                                                completion_ptr<imap_reply> done);
MAILACCESS_API imap_op_ptr make_imap_select_op(imap::cmd::select_params params, bool read_only,
                                               completion_ptr<imap_mailbox> done);
MAILACCESS_API imap_op_ptr make_imap_list_op(imap::cmd::list list, completion_ptr<imap_list_result> done);
MAILACCESS_API imap_op_ptr make_imap_status_op(imap::cmd::status status,
                                               completion_ptr<imap::status_data> done);
MAILACCESS_API imap_op_ptr make_imap_fetch_op(imap::cmd::fetch fetch, imap_fetch_sinks sinks,
                                              completion_ptr<imap_fetch_result> done);
MAILACCESS_API imap_op_ptr make_imap_search_op(imap::cmd::search search,
                                               completion_ptr<imap_search_result> done);
MAILACCESS_API imap_op_ptr make_imap_enable_op(std::vector<imap::capability> capabilities,
                                               capabilities_done done);
MAILACCESS_API imap_op_ptr make_imap_id_op(imap::cmd::id id, completion_ptr<imap::id_data> done);
MAILACCESS_API imap_op_ptr make_imap_namespace_op(completion_ptr<imap::namespace_data> done);
MAILACCESS_API imap_op_ptr make_imap_quota_op(imap::mailbox_name mailbox,
                                              completion_ptr<imap_quota_result> done);
MAILACCESS_API imap_op_ptr make_imap_idle_op(completion_ptr<imap_reply> done);
MAILACCESS_API imap_op_ptr make_imap_append_op(imap::mailbox_name mailbox,
                                               std::vector<imap_append_source> messages,
                                               completion_ptr<imap_reply> done);

/// Cancels operation `id` of the client behind `impl` (if both still
/// exist), on the client's strand. Safe from any thread.
MAILACCESS_API void cancel_operation(const std::weak_ptr<imap_client_impl>& impl, std::uint64_t id,
                                     asio::cancellation_type type);

}  // namespace detail

/// An asynchronous IMAP4rev1 client (RFC 3501 with LITERAL+, SASL-IR, IDLE,
/// CONDSTORE/QRESYNC, ENABLE, ID, NAMESPACE, QUOTA, LIST-STATUS, ESEARCH,
/// MOVE, UIDPLUS) for one server connection at a time, built on the sans-I/O
/// `imap::client_session`, the sibling of `pop3_client`.
///
/// **Initiating functions** follow Asio's conventions: the completion token
/// comes last and may be a callback, `asio::use_awaitable`,
/// `asio::use_future` or any other token; the signature is
/// `void(std::error_code, T)`. The handler never runs inside the initiating
/// function; it runs on its associated executor.
///
/// **Results.** A tagged NO fails the operation with `command_failed`, a
/// BAD with `command_rejected`; the result still carries the tagged status
/// (its response code: [TRYCREATE], [OVERQUOTA], ...) where the result type
/// has one, and `last_failed_status()` keeps it for the others.
///
/// **Queueing and pipelining.** Operations may be started while others are
/// outstanding: commands go out in call order and up to 16 are in flight at
/// once, within the session's rules (RFC 3501 section 5.5: no sequence-number
/// command behind one that may expunge, synchronizing literals wait for
/// `+`). Connect, STARTTLS, login, SELECT/EXAMINE, IDLE, CLOSE, UNSELECT,
/// LOGOUT and COMPRESS run alone. Untagged data goes to the oldest operation
/// in flight that expects it (a LIST's mailboxes, a FETCH's messages), and
/// mailbox events to `imap_client_options::on_update`.
///
/// **Deadlines and cancellation** as for `pop3_client`: an operation not yet
/// sent is removed; once its command is out, a deadline or a terminal or
/// partial cancellation closes the connection (the protocol state is
/// unknown) and the other operations fail with `connection_closed`. IDLE is
/// the exception: cancelling it sends DONE and keeps the connection.
///
/// **Security.** Implicit TLS and STARTTLS verify the certificate chain and
/// host name unless the TLS context says otherwise; logins before TLS are
/// refused unless `allow_plaintext_login`; capabilities learnt before
/// STARTTLS are discarded (RFC 3501 section 6.2.1); bytes the server sends
/// behind its STARTTLS OK are an error (CVE-2011-0411). No fallback to plain
/// text happens by itself.
///
/// Thread safety: distinct objects safe, shared objects unsafe. Initiating
/// functions may be called from any one thread at a time; the work runs on a
/// strand of the executor. The accessors read state owned by that strand:
/// call them from a completion handler or while no operation runs.
class MAILACCESS_API imap_client {
public:
    using executor_type = asio::any_io_executor;

    /// A client that is not connected yet. When `options.tls` is null, the
    /// TLS context is built from `options.tls_options` on first use (loading
    /// the CA store is costly; a plain-text client never pays it); if that
    /// fails, `async_starttls` reports why. Many clients can share one context.
    explicit imap_client(asio::any_io_executor executor, imap_client_options options = {});
    /// Closes the connection; outstanding operations complete with
    /// `asio::error::operation_aborted` (when the executor still runs).
    ~imap_client();
    imap_client(const imap_client&) = delete;
    imap_client& operator=(const imap_client&) = delete;

    executor_type get_executor() const noexcept;
    /// The context used for STARTTLS; pass it as `connect_options::tls` for
    /// implicit TLS. Built on the first call if needed; null if it could not
    /// be built. Safe from any thread.
    std::shared_ptr<asio::ssl::context> tls_context() const;

    /// Deadline for operations initiated from now on (not connect or IDLE).
    void set_timeout(std::chrono::milliseconds timeout) noexcept { timeout_ = timeout; }
    std::chrono::milliseconds timeout() const noexcept { return timeout_; }

    /// Connects (implicit TLS when `options.tls` is set), waits for the
    /// greeting and asks for CAPABILITY unless the greeting carried it.
    /// Result: the capabilities. Errors: those of `net::async_connect`,
    /// `refused` (BYE greeting), `already_connected`, protocol errors.
    template <class Token>
    auto async_connect(connect_options options, Token&& token) {
        const auto deadline = options.timeout;
        return initiate<std::vector<imap::capability>>(
            std::forward<Token>(token), deadline, [o = std::move(options)](auto done) mutable {
                return detail::make_imap_connect_op(std::move(o), std::move(done));
            });
    }

    /// STARTTLS (RFC 3501 section 6.2.1), the handshake against the name
    /// given to `async_connect`, then CAPABILITY. Result: the capabilities
    /// after TLS. Errors: `command_failed`/`command_rejected` (the connection
    /// stays open and plain), `tls_already_active`, TLS errors (closed).
    template <class Token>
    auto async_starttls(Token&& token) {
        return initiate<std::vector<imap::capability>>(std::forward<Token>(token), timeout_, [](auto done) {
            return detail::make_imap_starttls_op(std::move(done));
        });
    }

    /// CAPABILITY. Result: the capabilities.
    template <class Token>
    auto async_capability(Token&& token) {
        return initiate<std::vector<imap::capability>>(std::forward<Token>(token), timeout_, [](auto done) {
            return detail::make_imap_capability_op(std::move(done));
        });
    }

    /// Logs in with `method` and learns the capabilities of the
    /// authenticated state (from the tagged OK, else with CAPABILITY).
    /// Result: those capabilities. Errors (connection stays open):
    /// `tls_required`, `imap::errc::login_disabled` (nothing sent),
    /// `imap::errc::auth_failed` (NO), `command_rejected` (BAD).
    template <class Token>
    auto async_login(std::string user, secret<> password, Token&& token,
                     imap_login_method method = imap_login_method::automatic) {
        return initiate<std::vector<imap::capability>>(
            std::forward<Token>(token), timeout_,
            [u = std::move(user), p = std::move(password), method](auto done) mutable {
                return detail::make_imap_login_op(std::move(u), std::move(p), method, std::move(done));
            });
    }

    /// SELECT (or EXAMINE when `read_only`) with optional CONDSTORE and
    /// QRESYNC parameters. Result: the mailbox's state.
    template <class Token>
    auto async_select(imap::cmd::select_params params, Token&& token, bool read_only = false) {
        return initiate<imap_mailbox>(
            std::forward<Token>(token), timeout_, [p = std::move(params), read_only](auto done) mutable {
                return detail::make_imap_select_op(std::move(p), read_only, std::move(done));
            });
    }

    /// LIST, with selection and return options (SPECIAL-USE, STATUS, ...).
    template <class Token>
    auto async_list(imap::cmd::list list, Token&& token) {
        return initiate<imap_list_result>(std::forward<Token>(token), timeout_,
                                          [l = std::move(list)](auto done) mutable {
                                              return detail::make_imap_list_op(std::move(l), std::move(done));
                                          });
    }

    /// STATUS. Result: the mailbox's status data.
    template <class Token>
    auto async_status(imap::cmd::status status, Token&& token) {
        return initiate<imap::status_data>(
            std::forward<Token>(token), timeout_, [s = std::move(status)](auto done) mutable {
                return detail::make_imap_status_op(std::move(s), std::move(done));
            });
    }

    /// [UID] FETCH, collecting the messages or passing them to `sinks`.
    template <class Token>
    auto async_fetch(imap::cmd::fetch fetch, imap_fetch_sinks sinks, Token&& token) {
        return initiate<imap_fetch_result>(std::forward<Token>(token), timeout_,
                                           [f = std::move(fetch), s = std::move(sinks)](auto done) mutable {
                                               return detail::make_imap_fetch_op(std::move(f), std::move(s),
                                                                                 std::move(done));
                                           });
    }

    /// [UID] SEARCH, plain or with ESEARCH return options.
    template <class Token>
    auto async_search(imap::cmd::search search, Token&& token) {
        return initiate<imap_search_result>(
            std::forward<Token>(token), timeout_, [s = std::move(search)](auto done) mutable {
                return detail::make_imap_search_op(std::move(s), std::move(done));
            });
    }

    /// ENABLE (RFC 5161). Result: the capabilities the server enabled.
    template <class Token>
    auto async_enable(std::vector<imap::capability> capabilities, Token&& token) {
        return initiate<std::vector<imap::capability>>(
            std::forward<Token>(token), timeout_, [c = std::move(capabilities)](auto done) mutable {
                return detail::make_imap_enable_op(std::move(c), std::move(done));
            });
    }

    /// ID (RFC 2971). Result: the server's fields.
    template <class Token>
    auto async_id(imap::cmd::id id, Token&& token) {
        return initiate<imap::id_data>(std::forward<Token>(token), timeout_,
                                       [i = std::move(id)](auto done) mutable {
                                           return detail::make_imap_id_op(std::move(i), std::move(done));
                                       });
    }

    /// NAMESPACE (RFC 2342).
    template <class Token>
    auto async_namespace(Token&& token) {
        return initiate<imap::namespace_data>(std::forward<Token>(token), timeout_, [](auto done) {
            return detail::make_imap_namespace_op(std::move(done));
        });
    }

    /// GETQUOTAROOT (RFC 9208 section 4.3).
    template <class Token>
    auto async_getquotaroot(imap::mailbox_name mailbox, Token&& token) {
        return initiate<imap_quota_result>(
            std::forward<Token>(token), timeout_, [m = std::move(mailbox)](auto done) mutable {
                return detail::make_imap_quota_op(std::move(m), std::move(done));
            });
    }

    /// IDLE (RFC 2177) until `idle_done()` or cancellation, re-issued every
    /// `idle_keepalive`. Updates arrive through `on_update` meanwhile. No
    /// deadline. Result: the last tagged OK; cancellation completes with
    /// `asio::error::operation_aborted` once the server confirmed DONE.
    template <class Token>
    auto async_idle(Token&& token) {
        return initiate<imap_reply>(std::forward<Token>(token), std::chrono::milliseconds::max(),
                                    [](auto done) { return detail::make_imap_idle_op(std::move(done)); });
    }

    /// APPEND (RFC 3501 section 6.3.11; several messages: MULTIAPPEND, RFC
    /// 3502) with each message streamed from its source: `{N+}` when the
    /// server offers LITERAL+ (RFC 7888), otherwise `{N}` after the
    /// server's `+`. A refusal before the data (`NO [TOOBIG]`,
    /// `[OVERQUOTA]`) fails with `command_failed` and sends nothing.
    /// Result: the tagged status (APPENDUID with UIDPLUS). Messages already
    /// in memory can go through `async_command` with `cmd::append`.
    template <class Token>
    auto async_append(imap::mailbox_name mailbox, std::vector<imap_append_source> messages, Token&& token) {
        return initiate<imap_reply>(std::forward<Token>(token), timeout_,
                                    [m = std::move(mailbox), msgs = std::move(messages)](auto done) mutable {
                                        return detail::make_imap_append_op(std::move(m), std::move(msgs),
                                                                           std::move(done));
                                    });
    }

    /// Ends the running `async_idle` (sends DONE). Safe from any thread.
    void idle_done();

    /// Any command (STORE, COPY, MOVE, EXPUNGE, UID EXPUNGE, APPEND, CREATE,
    /// DELETE, RENAME, SUBSCRIBE, NOOP, CHECK, CLOSE, UNSELECT, LOGOUT, ...).
    /// Result: the tagged status and the untagged responses received while
    /// it was in flight. LOGIN and AUTHENTICATE fail with
    /// `imap::errc::not_allowed` (use `async_login`, which keeps the TLS
    /// check), as do STARTTLS, IDLE (`async_starttls`, `async_idle`) and
    /// COMPRESS (not supported by this client).
    template <class Token>
    auto async_command(imap::command::body_type body, Token&& token) {
        return initiate<imap_reply>(std::forward<Token>(token), timeout_,
                                    [b = std::move(body)](auto done) mutable {
                                        return detail::make_imap_command_op(std::move(b), std::move(done));
                                    });
    }

    /// LOGOUT: the server says BYE and closes; so does the client.
    template <class Token>
    auto async_logout(Token&& token) {
        return async_command(imap::cmd::logout{}, std::forward<Token>(token));
    }

    /// NOOP: also the way to poll for mailbox updates without IDLE.
    template <class Token>
    auto async_noop(Token&& token) {
        return async_command(imap::cmd::noop{}, std::forward<Token>(token));
    }

    /// Closes the connection now, without LOGOUT; outstanding operations
    /// fail with `asio::error::operation_aborted`. Safe from any thread.
    void close();

    /// True while a connection is open.
    bool is_open() const noexcept;
    /// True when the connection is encrypted (implicit TLS or STARTTLS).
    bool is_tls() const noexcept;
    /// The server's capabilities as last announced (empty while unknown).
    std::vector<imap::capability> capabilities() const;
    /// True when `name` is among `capabilities()` (case-insensitive).
    bool has_capability(std::string_view name) const;
    /// The protocol state as the responses so far imply it.
    imap::session_state state() const noexcept;
    /// The tagged status of the most recent failed command.
    imap::status_response last_failed_status() const;

private:
    template <class T, class Token, class MakeOp>
    auto initiate(Token&& token, std::chrono::milliseconds deadline, MakeOp make_op) {
        const std::uint64_t id = next_id();
        return detail::initiate_operation<T>(
            std::forward<Token>(token), get_executor(), impl_weak(), id,
            [this, id, deadline, make = std::move(make_op)](detail::completion_ptr<T> done) mutable {
                submit(id, make(std::move(done)), deadline);
            });
    }

    std::uint64_t next_id() noexcept;
    void submit(std::uint64_t id, detail::imap_op_ptr op, std::chrono::milliseconds deadline);
    std::weak_ptr<detail::imap_client_impl> impl_weak() const;

    std::shared_ptr<detail::imap_client_impl> impl_;
    std::chrono::milliseconds timeout_;
};

}  // namespace mailaccess::net
