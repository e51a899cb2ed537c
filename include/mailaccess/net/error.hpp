#pragma once

#include <mailaccess/core/api.hpp>

#include <system_error>

namespace mailaccess::net {

/// Failures that originate in the `net` module itself. Errors reported by the
/// operating system, Asio or the TLS library are passed through unchanged in
/// their own categories (`asio::error::*`, `asio::error::get_ssl_category()`),
/// so a host compares them with the usual Asio constants.
enum class errc {
    timed_out = 1,        ///< a read, write, connect or shutdown deadline expired
    handshake_timed_out,  ///< the TLS handshake did not finish in time
    tls_not_configured,   ///< TLS was requested but no context was supplied
    tls_setup_failed,     ///< building a TLS context failed (bad PEM, bad file, ...)
    certificate_failed,   ///< generating a certificate or key failed
    invalid_address,      ///< a listener or connect address did not parse
    connection_limit,     ///< the server refused a connection (limits::max_connections)
    engine_failed,        ///< the engine or a host callback threw; the connection was closed
    session_failed,       ///< the session threw or broke the driver contract
    server_stopped,       ///< the server is stopping and accepts no new work
};

/// The category named "mailaccess.net". Thread safety: safe to call concurrently.
MAILACCESS_API const std::error_category& net_category() noexcept;

/// Makes an error_code in `net_category()`. Found by ADL for `std::error_code ec = errc::x`.
MAILACCESS_API std::error_code make_error_code(errc e) noexcept;

}  // namespace mailaccess::net

template <>
struct std::is_error_code_enum<mailaccess::net::errc> : std::true_type {};
