#pragma once

#include <mailaccess/net/connection_base.hpp>
#include <mailaccess/net/log.hpp>
#include <mailaccess/net/session_traits.hpp>
#include <mailaccess/net/stream.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

namespace mailaccess::net {

/// Transport policy for one connection. Read and write deadlines are not
/// here: they are the session's policy (`Session::read_timeout()`, at least
/// 10 minutes for POP3 per RFC 1939 section 3 and 30 for IMAP per RFC 3501
/// section 5.4); the driver applies that same bound to every read and write.
struct connection_options {
    /// Bound on a TLS handshake, implicit or after STARTTLS.
    std::chrono::milliseconds handshake_timeout{std::chrono::seconds(30)};
    /// Bound on the TLS close_notify exchange when closing.
    std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(2)};
    /// Size requested from `Session::prepare` for each read.
    std::size_t read_chunk = 16 * 1024;
    /// While a `notifiable_session` idles (IMAP IDLE), `notify()` it this
    /// often, so that changes no engine notifier reports (a file an outside
    /// MDA moved into Maildir new/) reach the client within this bound.
    /// Zero disables the poll (store notifications still arrive).
    std::chrono::milliseconds idle_poll_interval{std::chrono::seconds(1)};
    /// Written (best effort, bounded by `shutdown_timeout`) before closing a
    /// connection whose session or engine threw, so the client learns why,
    /// e.g. "-ERR [SYS/TEMP] Internal error\r\n" or "* BYE Internal error\r\n"
    /// (STYLE.md section 5). Empty: close without a word.
    std::string failure_line;
    /// Where diagnostics go; may be empty. Never receives session data.
    log_function log;
};

/// Drives one sans-I/O session over one network stream: the glue between a
/// protocol state machine that never touches a socket (STYLE.md sections 2
/// and 3) and Asio.
///
/// The driver loops on `session.next_action()` (see `session_traits` for the
/// six actions) and performs each action asynchronously:
///   - need_input: `async_read_some` into `session.prepare(read_chunk)`,
///     bounded by `session.read_timeout()`; then `commit(n)`. End of stream,
///     an error or the deadline closes the connection.
///   - write_ready: writes `pending_output()` (same deadline), then
///     `consume_output(n)` with the count actually written.
///   - engine_request: posts `engine.handle(std::move(req))` to the store
///     executor, so blocking store I/O never runs on an I/O thread (STYLE.md
///     section 4), then posts `session.complete(id, std::move(reply))` back to
///     the connection's executor. No other action runs meanwhile, except
///     writes for a request marked `overlaps_output` (see
///     `overlapping_request` in session_traits.hpp): the store thread
///     works on it while the I/O thread sends what was queued before it.
///   - start_tls: wraps the socket in TLS (server role) and handshakes within
///     `handshake_timeout`, then `session.tls_established()`. Without a TLS
///     context the connection is closed.
///   - delay: waits, then `session.resume()`.
///   - close_connection: TLS close_notify (bounded by `shutdown_timeout`),
///     then close.
/// With `implicit_tls` the handshake runs before the first `next_action()`.
///
/// Idling sessions (see `notifiable_session` in session_traits.hpp): while
/// `session.is_idling()`, the driver holds the engine's change subscription
/// (`subscribe_changes`, when the engine offers it) and a poll timer
/// (`idle_poll_interval`). Either one makes the driver call
/// `session.notify()` on the strand and, when it was only waiting for input,
/// run the session loop again while the read stays pending (TLS allows one
/// read and one write outstanding at once). Notifications are coalesced: a
/// burst of store changes costs one `notify()` per loop pass. The read
/// deadline stays the one set when the read began: updates sent to an idling
/// client do not extend its inactivity timeout. A connection closed while
/// such a read is pending (server stop, or the session closing after an
/// update) is closed without a TLS close_notify: that exchange cannot overlap
/// the read, and everything due had been written.
///
/// Failure containment: an exception thrown by the session or the engine is
/// caught here, logged at `log_level::error`, and only this connection is
/// closed, after writing `connection_options::failure_line` if one is set
/// (the driver does not know the protocol, the host does).
///
/// Executors: every session call and every completion runs on the stream's
/// executor, which must be a strand (or an executor used by one thread)
/// for this connection; the server creates each socket on its own strand.
/// The engine runs on `store_executor`, one call at a time.
///
/// Lifetime: create with `std::make_shared`, then `start()`. The connection
/// keeps itself alive while an operation is pending and is destroyed, with
/// its session and engine, after it closes. Session and engine must not
/// refer to the connection.
///
/// Thread safety: the `connection_base` members may be called from any
/// thread; the rest is internal to the strand.
template <class Session, class Engine>
class connection final : public connection_base,
                         public std::enable_shared_from_this<connection<Session, Engine>> {
public:
    using traits = session_traits<Session>;

    /// `tls` may be null when the listener offers no TLS at all; then
    /// `implicit_tls` must be false and `start_tls` closes the connection.
    connection(stream s, std::unique_ptr<Session> session, std::unique_ptr<Engine> engine,
               asio::any_io_executor store_executor, std::shared_ptr<asio::ssl::context> tls,
               bool implicit_tls, connection_options options);
    ~connection() override;

    void start() override;
    void request_stop() override;
    void force_close() override;

    /// Why the connection ended, once it has: empty after a clean close or
    /// a peer's end of stream; `errc::timed_out`, `errc::handshake_timed_out`,
    /// `errc::engine_failed`, `errc::session_failed`, `errc::tls_not_configured`,
    /// or an I/O or TLS error. Strand-only; for tests and logs.
    std::error_code close_reason() const noexcept { return close_reason_; }

private:
    enum class state : std::uint8_t {
        idle,
        reading,
        writing,
        engine,
        handshaking,
        delaying,
        shutting_down,
        closed
    };

    static constexpr bool notifiable = notifiable_session<Session>;

    // The engine's change subscription handle (`change_source`), or nothing.
    template <class E>
    struct subscription_of {
        using type = std::monostate;
    };
    template <change_source E>
    struct subscription_of<E> {
        using type = decltype(std::declval<E&>().subscribe_changes(std::function<void()>{}));
    };
    using subscription_type = typename subscription_of<Engine>::type;
    using engine_reply = std::decay_t<decltype(std::declval<Engine&>().handle(
        std::declval<typename traits::engine_request&&>()))>;
    using request_id = std::decay_t<decltype(std::declval<typename traits::engine_request&>().id)>;

    void run();
    void do_read();
    void on_read_complete(std::error_code ec, std::size_t n);
    void on_read(std::error_code ec, std::size_t n);
    bool watch_idle();
    void stop_watching();
    void post_change();
    void on_change();
    void arm_poll();
    void do_write();
    bool engine_inline(const typename traits::engine_request& request);
    bool run_engine_inline(typename traits::engine_request&& request);
    bool overlaps_output(const typename traits::engine_request& request);
    void do_engine(typename traits::engine_request&& request, bool overlapped);
    void deliver(request_id, std::optional<engine_reply>&& reply, const std::string& failure);
    void do_start_tls();
    void do_delay(std::chrono::steady_clock::duration d);
    void do_shutdown();
    void handshake(bool after_starttls);
    template <class F>
    bool guarded(F&& f);
    void arm(std::chrono::steady_clock::duration d, std::error_code reason);
    void arm_at(std::chrono::steady_clock::time_point t, std::error_code reason);
    void disarm();
    void wait_for_deadline();
    void fail(std::error_code reason, std::string_view what);
    void finish(std::error_code reason);
    void log(log_level level, std::string_view text) const;

    stream stream_;
    // The strand, copied once: `post_change` runs on store threads and must
    // not read `stream_`, which STARTTLS rewraps on the strand.
    const asio::any_io_executor executor_;
    std::unique_ptr<Session> session_;
    std::unique_ptr<Engine> engine_;
    // After engine_, so it is destroyed first.
    std::optional<subscription_type> subscription_;
    asio::any_io_executor store_executor_;
    std::shared_ptr<asio::ssl::context> tls_;
    bool implicit_tls_;
    connection_options options_;
    // The deadline of the operation in flight (max: none) and why it ends
    // the connection. timer_ is not re-set for every operation (a syscall
    // each): it may fire before deadline_, and then waits again.
    std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
    std::error_code deadline_reason_;
    asio::steady_timer timer_;
    std::chrono::steady_clock::time_point timer_expiry_{};
    bool timer_waiting_ = false;
    std::uint64_t timer_generation_ = 0;
    asio::steady_timer delay_timer_;
    std::error_code close_reason_;
    state state_ = state::idle;
    bool stop_requested_ = false;
    std::string peer_;

    // A read may stay pending across loop passes while the session idles.
    bool read_in_flight_ = false;
    bool read_detached_ = false;  // the pending/last read went into idle_buffer_
    bool read_ready_ = false;     // it completed while the loop was busy
    std::error_code read_error_;
    std::size_t read_size_ = 0;
    std::chrono::steady_clock::time_point read_deadline_{};
    std::vector<char> idle_buffer_;

    // An engine call that overlaps output (see `overlapping_request`): it
    // is running (state_ is `engine` while the loop waits for it, after an
    // action other than a write); its reply, kept while a write was in flight.
    bool overlapped_running_ = false;
    struct kept_reply {
        request_id id{};
        std::optional<engine_reply> reply;
        std::string failure;
    };
    std::optional<kept_reply> overlapped_reply_;

    // Idle watch: subscription_ above, the poll timer, pending notifications.
    bool idle_watch_ = false;
    bool notify_pending_ = false;
    std::atomic<bool> change_posted_{false};
    asio::steady_timer poll_timer_;
    std::uint64_t poll_generation_ = 0;
};

}  // namespace mailaccess::net

#include <mailaccess/net/impl/connection.hpp>
