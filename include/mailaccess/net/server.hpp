#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/limits.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/net/connection.hpp>
#include <mailaccess/net/log.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace mailaccess::net {

/// What a listener's factory learns about a new connection.
struct connection_info {
    asio::ip::tcp::endpoint local;   ///< the listener's bound endpoint
    asio::ip::tcp::endpoint remote;  ///< the peer
    bool implicit_tls = false;       ///< true on an implicit-TLS listener (POP3S 995, IMAPS 993):
                                     ///< the session should start with `tls_active` set
};

/// What a listener's factory returns: one session and one engine, both owned
/// by the connection from then on and destroyed when it closes. `engine` may
/// not be null.
template <class Session, class Engine>
struct connection_parts {
    using session_type = Session;
    using engine_type = Engine;
    std::unique_ptr<Session> session;
    std::unique_ptr<Engine> engine;
};

/// One listening socket and the protocol behind it.
struct listener_options {
    /// Address to bind: an IPv4 or IPv6 literal ("0.0.0.0", "::1").
    std::string address = "127.0.0.1";
    /// Port to bind; 0 picks a free one (see `server::local_endpoints`).
    std::uint16_t port = 0;
    /// true: TLS from the first byte (RFC 8314). false: plain text, with
    /// STARTTLS/STLS available when `tls` is set.
    bool implicit_tls = false;
    /// The server TLS context (see make_server_tls_context). Required for
    /// implicit TLS; optional otherwise.
    std::shared_ptr<asio::ssl::context> tls;
    /// Written to a refused connection (over the connection limit) before it
    /// is closed, on plain listeners only, e.g.
    /// "-ERR [SYS/TEMP] Too many connections\r\n" (RFC 3206 section 4) or
    /// "* BYE Too many connections\r\n". Empty: close without a word.
    /// Implicit-TLS listeners always close without a word (no handshake is
    /// spent on a connection that is refused anyway).
    std::string refusal_line;
    /// Per-connection transport policy. An empty `log` inherits the server's.
    connection_options connection;
};

/// Server-wide settings.
struct server_options {
    /// Threads running the io_context (all socket I/O, all session code).
    std::size_t io_threads = 1;
    /// Threads of the owned store pool that runs engine calls. Ignored when
    /// `store_executor` is set.
    std::size_t store_threads = 4;
    /// A host-supplied executor for engine calls instead of the owned pool.
    /// It must outlive the server.
    std::optional<asio::any_io_executor> store_executor;
    /// Connections beyond this are accepted and refused at once.
    std::size_t max_connections = limits{}.max_connections;
    /// How long `stop()` lets busy connections finish before closing them hard.
    std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(10)};
    /// Install SIGINT/SIGTERM handlers (asio::signal_set) that request a
    /// stop; the thread blocked in `wait()` then performs it.
    bool handle_signals = false;
    /// Diagnostics hook; may be empty.
    log_function log;
};

/// A TCP server for sans-I/O mail sessions. It owns an io_context run by
/// `io_threads` threads, a set of listeners, and (by default) an
/// asio::thread_pool on which engines do their blocking store I/O.
///
/// Each listener carries a factory that builds the {session, engine} pair
/// for a new connection, so one server can serve POP3 and IMAP on different
/// ports. Each connection runs on its own strand (see `net::connection`).
///
/// Lifecycle: construct; `add_listener` (binds and listens at once, so the
/// endpoint is known, but does not accept yet); `start()`; later `stop()`,
/// or `wait()` when signals are handled. The destructor calls `stop()`.
///
/// Shutdown (`stop`): listeners close; idle connections close at once, busy
/// ones finish their current step and close when they would next wait for
/// input; after `shutdown_timeout` whatever remains is closed hard; then the
/// I/O threads and the store pool are joined.
///
/// Thread safety: `add_listener` and `start` must be called from one thread
/// before the server runs. `stop`, `request_stop`, `connection_count` and
/// `local_endpoints` are safe from any thread, except that `stop` and `wait`
/// must not be called from an I/O or store thread (they join those threads).
class MAILACCESS_API server {
public:
    explicit server(server_options options = {});
    /// Stops the server (as `stop()`) if it is running.
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Binds and listens on `options.address:options.port` and remembers
    /// `factory` for its connections. `factory` is called on an I/O thread as
    /// `factory(const connection_info&)` and returns
    /// `connection_parts<Session, Engine>`; it may throw, which refuses that
    /// one connection (logged). It is moved into the server; calls for one
    /// listener are serialised (its acceptor's strand), calls for different
    /// listeners may run concurrently.
    ///
    /// Returns the bound endpoint. Errors: `errc::invalid_address`,
    /// `errc::tls_not_configured` (implicit TLS without a context),
    /// `errc::server_stopped` (called after `start`), or the bind/listen
    /// error from the OS (e.g. address in use).
    template <class Factory>
    result<asio::ip::tcp::endpoint> add_listener(listener_options options, Factory factory);

    /// Starts accepting and spawns the I/O threads. Errors:
    /// `errc::server_stopped` if already started or stopped.
    std::error_code start();

    /// Graceful shutdown as described above; blocks until done. Idempotent;
    /// concurrent callers all return once it is done.
    void stop();

    /// Asks for a stop without blocking (for signal handlers and callbacks
    /// on I/O threads); a thread in `wait()` performs it.
    void request_stop();

    /// Blocks until a stop is requested (by `request_stop`, a handled signal
    /// or `stop`), then performs or awaits the shutdown.
    void wait();

    /// The bound endpoint of every listener, in `add_listener` order.
    std::vector<asio::ip::tcp::endpoint> local_endpoints() const;

    /// Connections currently open (refused ones never count).
    std::size_t connection_count() const;

    /// The io_context the server's sockets and strands belong to.
    asio::io_context& io_context() noexcept;

    /// The executor engines run on (the owned pool or the host's).
    asio::any_io_executor store_executor() const;

private:
    using connection_maker = std::function<std::shared_ptr<connection_base>(stream&&, const connection_info&,
                                                                            const listener_options&)>;
    result<asio::ip::tcp::endpoint> add_listener_erased(listener_options options, connection_maker make);

    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace mailaccess::net

#include <mailaccess/net/impl/server.hpp>
