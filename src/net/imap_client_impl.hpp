#pragma once

// The strand-owned state of an `imap_client` and the interface its
// operations implement (src/net/imap_client_ops.cpp). Not installed.

#include <mailaccess/imap/client_session.hpp>
#include <mailaccess/imap/error.hpp>
#include <mailaccess/net/imap_client.hpp>
#include <mailaccess/net/stream.hpp>

#include "client_transport.hpp"
#include "lazy_tls_context.hpp"

#include <asio/steady_timer.hpp>

#include <atomic>
#include <list>
#include <optional>
#include <span>
#include <vector>

namespace mailaccess::net::detail {

// What every operation implements. An operation is "started" once it has
// handed its first command to the session. Untagged data goes to the
// oldest started operation that claims it; a tagged response to the one
// whose command carries the tag.
class imap_op_base : public imap_op {
public:
    /// Runs alone: nothing else is started while it is, and it starts only
    /// when nothing else is in flight.
    virtual bool is_exclusive() const noexcept { return false; }
    virtual bool is_connect() const noexcept { return false; }
    virtual bool is_idle() const noexcept { return false; }
    /// Sends the first command. An error fails the op with nothing sent.
    virtual std::error_code start(imap_client_impl& c) = 0;
    /// True when this op collects `r` (an untagged response).
    virtual bool claims(const imap::response& r) const noexcept = 0;
    /// A claimed untagged response; true when the op is finished.
    virtual bool on_untagged(imap_client_impl& c, imap::response& r) = 0;
    /// The tagged response to `tag_`; true when the op is finished.
    virtual bool on_completed(imap_client_impl& c, imap::completed& done) = 0;
    /// Streamed body events go to the oldest started op that wants them.
    virtual bool wants_bodies() const noexcept { return false; }
    virtual void on_body(imap_client_impl&, const imap_body_event&) {}
    /// A streamed APPEND message is due (client_session's literal_request).
    virtual void on_literal_request(imap_client_impl&, const imap::literal_request&) {}
    /// Hands the session the next octets of that message (at most
    /// `buffer.size()`); an error fails the op and closes the connection.
    virtual std::error_code supply_literal(imap_client_impl&, std::span<char>) {
        return imap::errc::not_allowed;
    }
    /// IDLE: the server's "+" arrived.
    virtual void on_idling(imap_client_impl&) {}
    /// A timer armed with `imap_client_impl::arm_op_timer` fired.
    virtual void on_timer(imap_client_impl&) {}
    /// The TLS handshake after this op's STARTTLS succeeded; true when finished.
    virtual bool on_tls(imap_client_impl&) { return false; }
    /// Ends the op without closing the connection if it can (IDLE: DONE);
    /// `ec` becomes its result. False: it cannot, close instead.
    virtual bool stop(imap_client_impl&, std::error_code) { return false; }
    /// Delivers the result with `ec`.
    virtual void complete(imap_client_impl& c, std::error_code ec) = 0;

    bool owns(const imap::tag& t) const noexcept { return tag_ && *tag_ == t; }

    std::uint64_t id_ = 0;
    std::optional<imap::tag> tag_;  // the command in flight
    std::error_code error_;
    bool fatal_ = false;  // close the connection after finishing
};

class imap_client_impl : public std::enable_shared_from_this<imap_client_impl> {
public:
    imap_client_impl(asio::any_io_executor ex, imap_client_options options);

    asio::any_io_executor strand_;
    imap_client_options options_;
    lazy_tls_context tls_;
    std::atomic<std::uint64_t> next_id_{1};

    // --- state owned by the strand -----------------------------------------
    client_transport transport_;
    std::optional<imap::client_session> session_;
    imap::status_response last_failed_;
    // The op whose streamed APPEND literal the session waits for, and the
    // buffer its source fills (one chunk at a time, as writes complete).
    std::uint64_t literal_op_ = 0;
    std::vector<char> literal_buffer_;

    struct entry {
        std::uint64_t id = 0;
        std::unique_ptr<imap_op_base> op;
        std::optional<asio::steady_timer> timer;
        bool started = false;
    };
    std::list<entry> ops_;

    imap::client_session& session() { return *session_; }

    void submit(std::uint64_t id, std::unique_ptr<imap_op_base> op, std::chrono::milliseconds deadline);
    void abort_op(std::uint64_t id, std::error_code ec, asio::cancellation_type type);
    /// Ends the running IDLE, if any, with `ec` as its result.
    void stop_idle(std::error_code ec);
    /// Closes the transport; every op, queued connects included, fails with `ec`.
    void close_all(std::error_code ec);
    /// Connects for the connect op; its completion arrives through pump().
    std::error_code begin_connect(connect_options options);
    /// The driver loop: starts ops, turns session events into I/O and routes them.
    void pump();
    /// Calls `on_timer` of op `id` after `delay`, unless it finished or the
    /// connection closed meanwhile.
    void arm_op_timer(asio::steady_timer& timer, std::chrono::milliseconds delay, std::uint64_t id);

private:
    void finish(std::list<entry>::iterator it, std::error_code ec);
    void finish_started(std::list<entry>::iterator it);
    void close_connection(std::error_code others);
    void start_ready_ops();
    bool has_started_op() const { return !ops_.empty() && ops_.front().started; }
    std::list<entry>::iterator find_tag(const imap::tag& t);
    void on_untagged(imap::response& r);
    void on_body(const imap_body_event& e);
    bool supply_literal();
    void start_read();
    void start_write();
    void start_tls();
    void io_failed(std::error_code ec);
};

}  // namespace mailaccess::net::detail
