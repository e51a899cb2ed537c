#pragma once
// A small HTTP/1.1 server for the webmail on GNU libmicrohttpd (Debian's
// libmicrohttpd-dev): one thread per connection, so route handlers may
// block on IMAP; bounded connections, header memory, body size and idle
// time. Plain HTTP: it is meant for loopback.

#include "http_message.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <system_error>

struct MHD_Daemon;

namespace webmail {

struct http_server_options {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8080;
    /// Connections served at once; more are refused by the library.
    unsigned max_connections = 64;
    /// Request bodies above this are answered 413 without calling the handler.
    std::size_t max_body_size = 64 * 1024;
    /// Memory per connection for the request line and headers (431/413 beyond).
    std::size_t max_header_memory = 32 * 1024;
    /// Seconds a connection may stay idle.
    unsigned idle_timeout_seconds = 30;
};

using http_handler = std::function<http_response(const http_request&)>;

/// Thread safety: `start` and `stop` from one thread; the handler is called
/// concurrently from connection threads and must not throw (an exception is
/// answered 500).
class http_server {
public:
    http_server(http_server_options options, http_handler handler);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    /// Binds and starts serving in background threads. Errors: the bind
    /// failure (`address_in_use`, ...) or `invalid_argument` for a bad address.
    std::error_code start();
    /// Stops accepting and closes connections (waits for handlers).
    void stop();
    /// The bound port (useful with port 0).
    std::uint16_t port() const;

    /// Internal: called by the libmicrohttpd callback.
    const http_server_options& options() const noexcept { return options_; }
    http_response handle(const http_request& request) const;

private:
    http_server_options options_;
    http_handler handler_;
    MHD_Daemon* daemon_ = nullptr;
};

}  // namespace webmail
