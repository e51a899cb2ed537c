#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/limits.hpp>
#include <mailaccess/core/secret.hpp>
#include <mailaccess/net/client.hpp>
#include <mailaccess/net/detail/operation.hpp>
#include <mailaccess/net/tls_context.hpp>
#include <mailaccess/pop3/types.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace mailaccess::net {

/// Failures specific to `pop3_client`. Protocol errors found by the session
/// keep their `pop3::errc` (`bad_syntax`, `line_too_long`,
/// `response_too_large`, `unexpected_response`), login outcomes use
/// `pop3::errc::auth_failed`, `maildrop_in_use`, `temporary_failure` and
/// `tls_required`, deadlines `net::errc::timed_out`, cancellation
/// `asio::error::operation_aborted`, and transport errors pass through in
/// their own categories (`asio::error::eof`, TLS errors).
enum class pop3_client_errc {
    negative_response = 1,  ///< the server answered -ERR (see `pop3_client::last_error_response`)
    not_connected,          ///< no connection: `async_connect` was never called or did not succeed
    connection_closed,      ///< the connection was closed (QUIT, error, timeout, cancel, `close()`)
    already_connected,      ///< `async_connect` while a connection is open or being opened
    tls_already_active,     ///< `async_stls` on a connection that is already encrypted
};

/// The category named "mailaccess.net.pop3_client". Thread safety: safe to call concurrently.
MAILACCESS_API const std::error_category& pop3_client_category() noexcept;

/// Makes an error_code in `pop3_client_category()` (found by ADL).
MAILACCESS_API std::error_code make_error_code(pop3_client_errc e) noexcept;

}  // namespace mailaccess::net

template <>
struct std::is_error_code_enum<mailaccess::net::pop3_client_errc> : std::true_type {};

namespace mailaccess::net {

/// Policy for one `pop3_client`, fixed at construction.
struct pop3_client_options {
    /// `max_message_size` bounds each RETR/TOP body (a body is streamed to
    /// the sink, never buffered, so this only stops a server that never ends
    /// a reply); reply lines are capped at 512 octets (RFC 2449 section 4).
    mailaccess::limits limits;
    /// Default deadline of every operation, counted from the call of the
    /// initiating function (queueing time included). `async_connect` uses
    /// `connect_options::timeout` instead. See `pop3_client::set_timeout`.
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};
    /// The TLS context for STLS. Null: one is made from `tls_options`, which
    /// verify the certificate chain (system CAs) and the host name by default.
    std::shared_ptr<asio::ssl::context> tls;
    /// Used when `tls` is null. `insecure_skip_verify` is the explicit
    /// opt-out for tests and labs; it lets an active attacker read everything.
    client_tls_options tls_options;
    /// Allow `async_login` to send credentials on an unencrypted connection.
    /// Off by default: it fails with `pop3::errc::tls_required` instead.
    bool allow_plaintext_login = false;
    /// Pipeline from the start, as if the server had advertised PIPELINING
    /// (RFC 2449 section 6.6). Otherwise only after CAPA listed it.
    bool pipelining = false;
};

/// Result of `async_stat`: the maildrop's message count and size in octets.
struct pop3_stat {
    std::uint32_t count = 0;
    std::uint64_t size = 0;
};

/// One line of a LIST reply (RFC 1939 section 5): message number and size.
struct pop3_list_entry {
    std::uint32_t number = 0;
    std::uint64_t size = 0;
    friend bool operator==(const pop3_list_entry&, const pop3_list_entry&) = default;
};

/// One line of a UIDL reply (RFC 1939 section 7): message number and
/// unique-id (1 to 70 printable characters).
struct pop3_uidl_entry {
    std::uint32_t number = 0;
    std::string uid;
    friend bool operator==(const pop3_uidl_entry&, const pop3_uidl_entry&) = default;
};

/// Receives a RETR/TOP body chunk by chunk: dot-unstuffed bytes with CRLF
/// line ends, never the terminating ".". The view is valid only during the
/// call. Called on the client's strand; must not throw and must not call
/// into the client. Returning an error stops delivery: the rest of the body
/// is read and discarded (the connection stays usable) and the operation
/// completes with that error.
using pop3_body_sink = std::function<std::error_code(std::string_view chunk)>;

/// How `pop3_client::async_login` authenticates.
enum class pop3_login_method {
    automatic,   ///< AUTH PLAIN if the last CAPA listed `SASL ... PLAIN`, else USER/PASS
    user_pass,   ///< USER then PASS (RFC 1939 section 7)
    sasl_plain,  ///< AUTH PLAIN (RFC 5034, RFC 4616) with an initial response
    sasl_login,  ///< AUTH LOGIN (draft-murchison-sasl-login): user and password answer two challenges
};

namespace detail {

class pop3_client_impl;

/// One queued operation; the implementations live in src/net/pop3_client.cpp.
class MAILACCESS_API pop3_op {
public:
    virtual ~pop3_op();
};

template <class T>
using pop3_completion_ptr = completion_ptr<T>;

MAILACCESS_API std::unique_ptr<pop3_op> make_pop3_connect_op(
    connect_options options, pop3_completion_ptr<std::vector<std::string>> done);
MAILACCESS_API std::unique_ptr<pop3_op> make_pop3_stls_op(pop3_completion_ptr<std::vector<std::string>> done);
MAILACCESS_API std::unique_ptr<pop3_op> make_pop3_capa_op(pop3_completion_ptr<std::vector<std::string>> done);
MAILACCESS_API std::unique_ptr<pop3_op> make_pop3_login_op(std::string user, secret<> password,
                                                           pop3_login_method method,
                                                           pop3_completion_ptr<std::string> done);
MAILACCESS_API std::unique_ptr<pop3_op> make_pop3_stat_op(pop3_completion_ptr<pop3_stat> done);
MAILACCESS_API std::unique_ptr<pop3_op> make_pop3_list_op(
    pop3_completion_ptr<std::vector<pop3_list_entry>> done);
MAILACCESS_API std::unique_ptr<pop3_op> make_pop3_uidl_op(
    pop3_completion_ptr<std::vector<pop3_uidl_entry>> done);
MAILACCESS_API std::unique_ptr<pop3_op> make_pop3_body_op(pop3::verb kind, std::uint32_t n,
                                                          std::uint32_t lines, pop3_body_sink sink,
                                                          pop3_completion_ptr<std::uint64_t> done);
MAILACCESS_API std::unique_ptr<pop3_op> make_pop3_simple_op(pop3::verb kind, std::uint32_t n,
                                                            pop3_completion_ptr<std::string> done);

/// Cancels operation `id` of the client behind `impl` (if both still
/// exist), on the client's strand. Safe from any thread.
MAILACCESS_API void cancel_operation(const std::weak_ptr<pop3_client_impl>& impl, std::uint64_t id,
                                     asio::cancellation_type type);

}  // namespace detail

/// An asynchronous POP3 client (RFC 1939, RFC 2449 CAPA and PIPELINING,
/// RFC 2595 STLS, RFC 5034 AUTH with RFC 4616 PLAIN and LOGIN) for one server
/// connection at a time, built on the sans-I/O `pop3::client_session`.
///
/// **Initiating functions** follow Asio's conventions: the completion token
/// comes last and may be a callback, `asio::use_awaitable`,
/// `asio::use_future`, or any other token; the completion signature is
/// `void(std::error_code, T)`. The handler never runs inside the initiating
/// function; it runs on its associated executor (the client's executor for a
/// plain callback).
///
/// **Queueing and pipelining.** Operations may be started while others are
/// outstanding: they queue, the commands go out in call order, and results
/// are delivered in that order. Without PIPELINING the next command is sent
/// only after the previous reply; when the server advertises PIPELINING (or
/// `pop3_client_options::pipelining` is set) up to 32 commands are in flight.
/// `async_connect`, `async_stls` and `async_login` are exchanges of several
/// steps and always run alone.
///
/// **Deadlines** (`pop3_client_options::timeout`, `set_timeout`): an
/// operation that has not completed in time fails with
/// `net::errc::timed_out`. **Cancellation** goes through the handler's
/// associated cancellation slot (`asio::bind_cancellation_slot`, or what
/// `use_awaitable` operators install); the operation fails with
/// `asio::error::operation_aborted`. An operation whose command has not been
/// sent yet is simply removed (any cancellation type). Once its command is
/// out, the protocol state is unknown, so a deadline or a terminal/partial
/// cancellation also closes the connection; every other outstanding and
/// later operation then fails with `pop3_client_errc::connection_closed`.
/// The same happens after a transport or protocol error (which the running
/// operation reports).
///
/// **Security.** STLS and implicit TLS verify the certificate chain and the
/// host name unless the TLS context says otherwise. `async_login` refuses to
/// send credentials before TLS unless `allow_plaintext_login` is set. The
/// client never falls back from TLS to plain text by itself.
///
/// Thread safety: distinct objects safe, shared objects unsafe. Initiating
/// functions may be called from any one thread at a time; the work runs on
/// a strand of the executor. The accessors (`capabilities`, `is_open`, ...)
/// read state owned by that strand: call them from a completion handler
/// (for callbacks on the client's executor) or while no operation runs.
class MAILACCESS_API pop3_client {
public:
    using executor_type = asio::any_io_executor;

    /// A client that is not connected yet. Every operation and the
    /// connection run on a strand of `executor`. When `options.tls` is null,
    /// the TLS context is built from `options.tls_options` on first use; if
    /// that fails, `async_stls` reports why. Many clients can share one context.
    explicit pop3_client(asio::any_io_executor executor, pop3_client_options options = {});

    /// Closes the connection; outstanding operations complete with
    /// `asio::error::operation_aborted` (when the executor still runs).
    ~pop3_client();
    pop3_client(const pop3_client&) = delete;
    pop3_client& operator=(const pop3_client&) = delete;

    executor_type get_executor() const noexcept;

    /// The context used for STLS; pass it as `connect_options::tls` for
    /// implicit TLS. Built on the first call if needed; null if it could not
    /// be built. Safe from any thread.
    std::shared_ptr<asio::ssl::context> tls_context() const;

    /// Deadline for operations initiated from now on (not `async_connect`).
    void set_timeout(std::chrono::milliseconds timeout) noexcept { timeout_ = timeout; }
    std::chrono::milliseconds timeout() const noexcept { return timeout_; }

    /// Connects (`net::async_connect`: implicit TLS when `options.tls` is set,
    /// plain text otherwise), waits for the +OK greeting and sends CAPA.
    /// Result: the capability lines (empty if the server does not know CAPA).
    /// Deadline: `options.timeout` for the whole exchange. Errors: those of
    /// `net::async_connect`, `negative_response` (greeting -ERR),
    /// `already_connected`, protocol and transport errors. A client whose
    /// connection was closed may connect again.
    template <class CompletionToken>
    auto async_connect(connect_options options, CompletionToken&& token) {
        const auto deadline = options.timeout;
        return initiate<std::vector<std::string>>(
            std::forward<CompletionToken>(token), deadline, [o = std::move(options)](auto done) mutable {
                return detail::make_pop3_connect_op(std::move(o), std::move(done));
            });
    }

    /// STLS (RFC 2595 section 4), the TLS handshake against the name given
    /// to `async_connect` (`server_name`, else `host`), then CAPA again
    /// (capabilities learnt before TLS are discarded). Result: the new
    /// capability lines. Errors: `negative_response` (STLS refused: the
    /// connection stays open and plain), `tls_already_active`, TLS errors
    /// (the connection is closed), `pop3::errc::unexpected_response` when the
    /// server sent bytes behind its +OK (CVE-2011-0411).
    template <class CompletionToken>
    auto async_stls(CompletionToken&& token) {
        return initiate<std::vector<std::string>>(
            std::forward<CompletionToken>(token), timeout_,
            [](auto done) { return detail::make_pop3_stls_op(std::move(done)); });
    }

    /// CAPA (RFC 2449 section 5). Result: the capability lines, also kept
    /// for `capabilities()`. -ERR gives `negative_response`.
    template <class CompletionToken>
    auto async_capa(CompletionToken&& token) {
        return initiate<std::vector<std::string>>(
            std::forward<CompletionToken>(token), timeout_,
            [](auto done) { return detail::make_pop3_capa_op(std::move(done)); });
    }

    /// Authenticates with `method`:
    ///  - `automatic`: `sasl_plain` when the last CAPA listed `SASL ... PLAIN`,
    ///    else `user_pass`;
    ///  - `user_pass`: `USER user`, then `PASS password` after its +OK
    ///    (RFC 1939 section 7);
    ///  - `sasl_plain`: `AUTH PLAIN base64(NUL user NUL password)`, the
    ///    initial response on the command line (RFC 5034 section 4, RFC 4616);
    ///    after the server's empty challenge instead when the line would
    ///    exceed 255 octets;
    ///  - `sasl_login`: `AUTH LOGIN`, then base64(user) and base64(password)
    ///    in answer to the server's two `+` challenges, "*" (cancel) to any
    ///    further one (RFC 5034 section 4). No initial response: LOGIN is
    ///    server-first (see `pop3::client_session::auth_login`).
    /// An explicit method is used even when CAPA did not advertise it (the
    /// server may still accept it, or answers -ERR). Result: the text of the
    /// final +OK. Errors (connection stays open): `pop3::errc::tls_required`
    /// (not encrypted and plaintext login not allowed; nothing is sent),
    /// `pop3::errc::maildrop_in_use` (-ERR [IN-USE]),
    /// `pop3::errc::temporary_failure` ([SYS/TEMP], [SYS/PERM], RFC 3206),
    /// `pop3::errc::auth_failed` (any other -ERR, including the one that
    /// answers a cancelled exchange); a continuation the exchange does not
    /// allow is `pop3::errc::unexpected_response` and closes the connection.
    template <class CompletionToken>
    auto async_login(std::string user, secret<> password, CompletionToken&& token,
                     pop3_login_method method = pop3_login_method::automatic) {
        return initiate<std::string>(
            std::forward<CompletionToken>(token), timeout_,
            [u = std::move(user), p = std::move(password), method](auto done) mutable {
                return detail::make_pop3_login_op(std::move(u), std::move(p), method, std::move(done));
            });
    }

    /// STAT: message count and maildrop size.
    template <class CompletionToken>
    auto async_stat(CompletionToken&& token) {
        return initiate<pop3_stat>(std::forward<CompletionToken>(token), timeout_,
                                   [](auto done) { return detail::make_pop3_stat_op(std::move(done)); });
    }

    /// LIST without argument: number and size of every message not marked
    /// deleted, in server order.
    template <class CompletionToken>
    auto async_list(CompletionToken&& token) {
        return initiate<std::vector<pop3_list_entry>>(
            std::forward<CompletionToken>(token), timeout_,
            [](auto done) { return detail::make_pop3_list_op(std::move(done)); });
    }

    /// UIDL without argument: number and unique-id of every message not
    /// marked deleted. `negative_response` if the server has no UIDL.
    template <class CompletionToken>
    auto async_uidl(CompletionToken&& token) {
        return initiate<std::vector<pop3_uidl_entry>>(
            std::forward<CompletionToken>(token), timeout_,
            [](auto done) { return detail::make_pop3_uidl_op(std::move(done)); });
    }

    /// TOP n lines: the headers and the first `lines` body lines of message
    /// `n`, streamed into `sink`. Result: the number of octets delivered.
    template <class CompletionToken>
    auto async_top(std::uint32_t n, std::uint32_t lines, pop3_body_sink sink, CompletionToken&& token) {
        return initiate<std::uint64_t>(std::forward<CompletionToken>(token), timeout_,
                                       [n, lines, s = std::move(sink)](auto done) mutable {
                                           return detail::make_pop3_body_op(pop3::verb::top, n, lines,
                                                                            std::move(s), std::move(done));
                                       });
    }

    /// RETR n: message `n`, streamed into `sink` chunk by chunk (never held
    /// whole). Result: the number of octets delivered. A body over
    /// `limits.max_message_size` (announced in the +OK or actually sent)
    /// fails with `pop3::errc::response_too_large` and closes the connection.
    template <class CompletionToken>
    auto async_retr(std::uint32_t n, pop3_body_sink sink, CompletionToken&& token) {
        return initiate<std::uint64_t>(
            std::forward<CompletionToken>(token), timeout_, [n, s = std::move(sink)](auto done) mutable {
                return detail::make_pop3_body_op(pop3::verb::retr, n, 0, std::move(s), std::move(done));
            });
    }

    /// DELE n: marks message `n` deleted (removed at QUIT, RFC 1939 section 6).
    /// Result: the +OK text.
    template <class CompletionToken>
    auto async_dele(std::uint32_t n, CompletionToken&& token) {
        return simple(pop3::verb::dele, n, std::forward<CompletionToken>(token));
    }

    /// RSET: unmarks every deleted message. Result: the +OK text.
    template <class CompletionToken>
    auto async_rset(CompletionToken&& token) {
        return simple(pop3::verb::rset, 0, std::forward<CompletionToken>(token));
    }

    /// NOOP. Result: the +OK text.
    template <class CompletionToken>
    auto async_noop(CompletionToken&& token) {
        return simple(pop3::verb::noop, 0, std::forward<CompletionToken>(token));
    }

    /// QUIT: the server removes the messages marked deleted (UPDATE state)
    /// and the connection is closed. Result: the +OK text. A -ERR here means
    /// the deletions did not all happen (`negative_response`).
    template <class CompletionToken>
    auto async_quit(CompletionToken&& token) {
        return simple(pop3::verb::quit, 0, std::forward<CompletionToken>(token));
    }

    /// Closes the connection now, without QUIT (no deletion takes effect);
    /// outstanding operations fail with `asio::error::operation_aborted`.
    void close();

    /// True while a connection is open (after a successful `async_connect`
    /// and until it is closed).
    bool is_open() const noexcept;
    /// True when the connection is encrypted (implicit TLS or after STLS).
    bool is_tls() const noexcept;
    /// The lines of the last CAPA reply.
    std::vector<std::string> capabilities() const;
    /// True if the last CAPA reply had a line whose first word is `name`
    /// (case-insensitive), e.g. "UIDL", "PIPELINING", "SASL".
    bool has_capability(std::string_view name) const;
    /// The status line of the most recent -ERR that failed an operation.
    pop3::status_line last_error_response() const;

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

    template <class Token>
    auto simple(pop3::verb kind, std::uint32_t n, Token&& token) {
        return initiate<std::string>(std::forward<Token>(token), timeout_, [kind, n](auto done) {
            return detail::make_pop3_simple_op(kind, n, std::move(done));
        });
    }

    std::uint64_t next_id() noexcept;
    void submit(std::uint64_t id, std::unique_ptr<detail::pop3_op> op, std::chrono::milliseconds deadline);
    std::weak_ptr<detail::pop3_client_impl> impl_weak() const;

    std::shared_ptr<detail::pop3_client_impl> impl_;
    std::chrono::milliseconds timeout_;
};

}  // namespace mailaccess::net
