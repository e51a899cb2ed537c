#pragma once

#include <mailaccess/core/api.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/stream.hpp>

#include <memory>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>

namespace mailaccess::net {

/// A TCP connection that is plain text or TLS, and can switch from plain to
/// TLS once, in the middle of the connection (STARTTLS/STLS, RFC 2595). The
/// switch wraps the very same socket in an `asio::ssl::stream`; bytes the
/// peer sent before the switch and that the caller already read are the
/// caller's business (a session discards them, CVE-2011-0411).
///
/// It models Asio's AsyncReadStream and AsyncWriteStream for completion
/// *handlers* (callables `void(std::error_code, std::size_t)`), which is what
/// the connection driver and `asio::async_write` pass; other completion
/// tokens (use_future, use_awaitable) are not supported.
///
/// Completion handlers run on the socket's executor (the connection strand
/// when the socket was created with one).
///
/// Thread safety: distinct objects safe, shared objects unsafe. At most one
/// read and one write may be outstanding; `start_tls_*` and `close` must not
/// overlap any operation.
class MAILACCESS_API stream {
public:
    using executor_type = asio::any_io_executor;
    using tls_stream_type = asio::ssl::stream<asio::ip::tcp::socket>;

    /// Takes ownership of a connected (or about to be connected) socket. The
    /// stream starts in plain-text mode.
    explicit stream(asio::ip::tcp::socket socket);
    stream(stream&&) noexcept;
    stream& operator=(stream&&) noexcept;
    ~stream();

    /// The socket's executor; completion handlers run there.
    executor_type get_executor() noexcept;

    /// The TCP socket, in either mode (for endpoints, options and `close`).
    asio::ip::tcp::socket& socket() noexcept;
    const asio::ip::tcp::socket& socket() const noexcept;

    /// True after `start_tls_server` or `start_tls_client`; the handshake may
    /// still be in progress or may have failed.
    bool is_tls() const noexcept;

    /// The `SSL*` in TLS mode (for `negotiated_tls_version` and friends),
    /// nullptr in plain mode. Valid as long as this stream.
    ssl_st* native_tls_handle() noexcept;

    /// Switches to TLS in the server role. The context is shared so it
    /// outlives every stream using it. Follow with `async_handshake(server)`.
    /// Precondition: plain mode, no operation outstanding, `ctx` non-null.
    void start_tls_server(std::shared_ptr<asio::ssl::context> ctx);

    /// Switches to TLS in the client role, sending SNI and checking the
    /// certificate against `server_name` (see `set_client_server_name`).
    /// Follow with `async_handshake(client)`. Precondition as above.
    /// Errors: `errc::tls_setup_failed` if the name is rejected; the stream
    /// is then in TLS mode but unusable and should be closed.
    std::error_code start_tls_client(std::shared_ptr<asio::ssl::context> ctx, std::string_view server_name);

    /// Reads at least one byte into `buffers`. Handler: `void(std::error_code, std::size_t)`.
    template <class MutableBuffers, class Handler>
    void async_read_some(const MutableBuffers& buffers, Handler&& handler);

    /// Writes at least one byte from `buffers`. Handler: `void(std::error_code, std::size_t)`.
    template <class ConstBuffers, class Handler>
    void async_write_some(const ConstBuffers& buffers, Handler&& handler);

    /// TLS handshake in the given role. Handler: `void(std::error_code)`.
    /// Precondition: TLS mode.
    template <class Handler>
    void async_handshake(asio::ssl::stream_base::handshake_type role, Handler&& handler);

    /// Sends close_notify and waits for the peer's (RFC 8446 section 6.1).
    /// In plain mode completes at once with success. It can wait forever on
    /// a silent peer: callers bound it with a timer and `close`.
    /// Handler: `void(std::error_code)`.
    template <class Handler>
    void async_shutdown(Handler&& handler);

    /// Closes the socket, cancelling outstanding operations (their handlers
    /// get `asio::error::operation_aborted`). Never throws; idempotent.
    void close() noexcept;

private:
    std::variant<asio::ip::tcp::socket, tls_stream_type> layer_;
    std::shared_ptr<asio::ssl::context> ctx_;
};

}  // namespace mailaccess::net

#include <mailaccess/net/impl/stream.hpp>
