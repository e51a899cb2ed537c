#pragma once

#include <mailaccess/core/api.hpp>

#include <functional>

namespace mailaccess::net {

/// The type-erased face of one server connection, as `net::server` sees it:
/// the server keeps these to start connections and to stop them on shutdown,
/// without knowing the protocol. The concrete type is `connection<Session,
/// Engine>`.
///
/// Lifetime: owned by shared_ptr; the object lives as long as an operation
/// of it is pending. `set_on_destroy` installs a callback run from the
/// destructor (the server uses it to count live connections).
///
/// Thread safety: every member function may be called from any thread; the
/// work is posted to the connection's strand.
class MAILACCESS_API connection_base {
public:
    connection_base() = default;
    connection_base(const connection_base&) = delete;
    connection_base& operator=(const connection_base&) = delete;
    virtual ~connection_base();

    /// Starts the connection: the TLS handshake for implicit TLS, then the
    /// session loop. Call once.
    virtual void start() = 0;

    /// Graceful stop: an idle connection (waiting for input or in a delay)
    /// is shut down at once; a busy one (writing, waiting for its engine,
    /// handshaking) finishes that step and is shut down when it would next
    /// wait for input.
    virtual void request_stop() = 0;

    /// Immediate stop: closes the socket, cancelling whatever is pending.
    /// A pending engine call still runs to completion on its executor; its
    /// reply is dropped.
    virtual void force_close() = 0;

    /// Installs the destruction callback. Call before `start()`.
    void set_on_destroy(std::function<void()> callback) { on_destroy_ = std::move(callback); }

private:
    std::function<void()> on_destroy_;
};

}  // namespace mailaccess::net
