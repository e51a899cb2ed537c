#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/net/stream.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/ssl/context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

namespace mailaccess::net {

/// Where and how a client connects.
struct connect_options {
    /// Host name or IP literal to resolve and connect to.
    std::string host;
    /// Port number or service name ("995", "pop3s").
    std::string port;
    /// Bound on resolve + connect + (implicit) TLS handshake together.
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};
    /// Non-null: implicit TLS (RFC 8314) with this client context (see
    /// make_client_tls_context). Null: plain text; upgrade later with
    /// `async_start_tls`.
    std::shared_ptr<asio::ssl::context> tls;
    /// The name the certificate must match and the SNI to send; empty means
    /// `host`. Set it when connecting by address to a named server.
    std::string server_name;
};

/// Completion of `async_connect`: on success the stream is connected (and,
/// for implicit TLS, handshaken and verified); on failure it is closed and
/// the error says why: `errc::timed_out`, a resolver or socket error, or a
/// TLS error (`asio::error::get_ssl_category()`, e.g. certificate or host
/// name mismatch).
using connect_handler = std::function<void(std::error_code, stream)>;

/// Resolves `options.host`, connects to the first address that answers,
/// and performs the implicit TLS handshake if configured, all within
/// `options.timeout`. The stream's executor is a new strand on `executor`,
/// so later operations on it are serialised. The handler runs on that strand,
/// exactly once. Thread safety: safe to call concurrently.
MAILACCESS_API void async_connect(asio::any_io_executor executor, connect_options options,
                                  connect_handler handler);

/// Upgrades a connected plain-text client stream to TLS after the protocol's
/// STARTTLS/STLS exchange (RFC 2595): wraps the socket, sends SNI, verifies
/// the certificate against `server_name`, within `timeout`. The caller must
/// have read the server's go-ahead and nothing more; any buffered bytes
/// received before the upgrade must be discarded (CVE-2011-0411).
///
/// The stream must outlive the operation and have nothing else outstanding.
/// Handler: `void(std::error_code)`, run on the stream's executor.
/// Errors: `errc::timed_out`, `errc::tls_setup_failed`, TLS errors.
MAILACCESS_API void async_start_tls(stream& s, std::shared_ptr<asio::ssl::context> ctx,
                                    std::string server_name, std::chrono::milliseconds timeout,
                                    std::function<void(std::error_code)> handler);

}  // namespace mailaccess::net
