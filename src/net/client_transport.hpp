#pragma once

// The connection under an async client (pop3_client, imap_client): connect
// (with implicit TLS), one read or write at a time, the STARTTLS/STLS
// upgrade, and close. It runs on the client's strand and is owned by the
// client's implementation; the protocol logic stays in the client.
//
// Every completion runs only if the connection it was started on is still
// the current one: closing bumps a generation, and the handlers of I/O that
// was in flight are dropped. The stream itself is shared with those
// handlers, because closing cancels them but an SSL write is a composed
// operation that keeps using the stream until it completes. Not installed.

#include <mailaccess/net/client.hpp>
#include <mailaccess/net/stream.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace mailaccess::net::detail {

class client_transport {
public:
    enum class state { idle, connecting, open, closed };
    using done_handler = std::function<void(std::error_code)>;
    using read_handler = std::function<void(std::error_code, std::string_view)>;

    client_transport(asio::any_io_executor strand, std::size_t read_buffer_size)
        : strand_(std::move(strand)), rbuf_(read_buffer_size) {}

    state status() const noexcept { return state_; }
    bool is_open() const noexcept { return state_ == state::open; }
    bool tls_active() const noexcept { return tls_active_; }
    bool reading() const noexcept { return reading_; }
    bool writing() const noexcept { return writing_; }
    bool handshaking() const noexcept { return handshaking_; }
    /// Changes whenever a connection is opened or closed.
    std::uint64_t generation() const noexcept { return generation_; }

    /// Connects (implicit TLS when `options.tls` is set); `done` runs with the
    /// outcome unless the transport is closed first. False, with nothing
    /// started, while a connection is open or being opened.
    bool connect(connect_options options, done_handler done);
    /// One read; `done` gets the bytes (valid during the call).
    void read(read_handler done);
    /// Writes all of `data` (copied first).
    void write(std::string_view data, done_handler done);
    /// The TLS handshake after the protocol's STARTTLS/STLS, verified against
    /// the name given to `connect`.
    void start_tls(std::shared_ptr<asio::ssl::context> ctx, std::chrono::milliseconds timeout,
                   done_handler done);
    /// Closes now; handlers of I/O in flight never run. A transport that
    /// never connected stays idle.
    void close();

private:
    asio::any_io_executor strand_;
    state state_ = state::idle;
    std::uint64_t generation_ = 0;
    std::shared_ptr<stream> stream_;
    std::string server_name_;
    bool tls_active_ = false;
    bool reading_ = false;
    bool writing_ = false;
    bool handshaking_ = false;
    std::vector<char> rbuf_;
    std::string wbuf_;
};

}  // namespace mailaccess::net::detail
