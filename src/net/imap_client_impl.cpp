#include "imap_client_impl.hpp"

#include <mailaccess/imap/error.hpp>
#include <mailaccess/net/error.hpp>

#include <asio/error.hpp>
#include <asio/strand.hpp>

#include <algorithm>

namespace mailaccess::net::detail {

namespace {

// Commands in flight at once: enough to hide the round trip, few enough
// that neither side's socket buffer fills with commands.
constexpr std::size_t pipeline_window = 16;
// More start only once no more than this many are in flight, and then up to
// the window at once, so that commands go out together in one write rather
// than one write (and one server wakeup) per answer.
constexpr std::size_t pipeline_refill = pipeline_window / 2;

// Responses about the mailbox or the connection, which the host sees
// through on_update even when an operation also collects them.
bool is_event(const imap::response& r) {
    if (auto* v = std::get_if<imap::vanished_data>(&r)) return !v->earlier;
    if (auto* st = std::get_if<imap::status_response>(&r)) return !st->tagged;
    return std::holds_alternative<imap::exists_data>(r) || std::holds_alternative<imap::recent_data>(r) ||
           std::holds_alternative<imap::expunge_data>(r) || std::holds_alternative<imap::flags_data>(r);
}

}  // namespace

imap_op::~imap_op() = default;

imap_client_impl::imap_client_impl(asio::any_io_executor ex, imap_client_options options)
    : strand_(asio::make_strand(std::move(ex))),
      options_(std::move(options)),
      tls_(options_.tls, options_.tls_options),
      // Reads of 64 KiB keep a body download to few system calls.
      transport_(strand_, 64 * 1024) {}

void imap_client_impl::submit(std::uint64_t id, std::unique_ptr<imap_op_base> op,
                              std::chrono::milliseconds deadline) {
    // RFC 2177 section 3: a client that wants to do something else ends
    // IDLE first; an operation queued behind IDLE is that wish.
    stop_idle(std::error_code());
    auto& e = ops_.emplace_back();
    e.id = id;
    e.op = std::move(op);
    e.op->id_ = id;
    if (deadline != std::chrono::milliseconds::max()) {
        e.timer.emplace(strand_);
        e.timer->expires_after(deadline);
        e.timer->async_wait([self = shared_from_this(), id](std::error_code ec) {
            if (!ec) self->abort_op(id, errc::timed_out, asio::cancellation_type::terminal);
        });
    }
    pump();
}

void imap_client_impl::abort_op(std::uint64_t id, std::error_code ec, asio::cancellation_type type) {
    for (auto it = ops_.begin(); it != ops_.end(); ++it) {
        if (it->id != id) continue;
        if (!it->started) {
            finish(it, ec);
            pump();
            return;
        }
        if (it->op->stop(*this, ec)) return pump();
        if ((type & (asio::cancellation_type::terminal | asio::cancellation_type::partial)) ==
            asio::cancellation_type::none)
            return;
        // Its command is out: the protocol state is unknown.
        finish(it, ec);
        close_connection(imap_client_errc::connection_closed);
        return;
    }
}

void imap_client_impl::stop_idle(std::error_code ec) {
    for (auto& e : ops_)
        if (e.started && e.op->is_idle()) {
            e.op->stop(*this, ec);
            pump();
            return;
        }
}

void imap_client_impl::arm_op_timer(asio::steady_timer& timer, std::chrono::milliseconds delay,
                                    std::uint64_t id) {
    timer.expires_after(delay);
    timer.async_wait([self = shared_from_this(), id, gen = transport_.generation()](std::error_code ec) {
        if (ec || gen != self->transport_.generation()) return;
        for (auto& e : self->ops_)
            if (e.id == id) {
                e.op->on_timer(*self);
                return self->pump();
            }
    });
}

void imap_client_impl::finish(std::list<entry>::iterator it, std::error_code ec) {
    auto op = std::move(it->op);
    if (it->timer) it->timer->cancel();
    ops_.erase(it);
    op->complete(*this, ec);
}

void imap_client_impl::finish_started(std::list<entry>::iterator it) {
    const bool fatal = it->op->fatal_;
    finish(it, it->op->error_);
    if (fatal) close_connection(imap_client_errc::connection_closed);
}

void imap_client_impl::close_connection(std::error_code others) {
    transport_.close();
    session_.reset();
    while (!ops_.empty() && (ops_.front().started || !ops_.front().op->is_connect()))
        finish(ops_.begin(), others);
    pump();
}

void imap_client_impl::close_all(std::error_code ec) {
    transport_.close();
    session_.reset();
    while (!ops_.empty()) finish(ops_.begin(), ec);
}

void imap_client_impl::start_ready_ops() {
    std::size_t started = 0;
    bool refilling = false;
    for (auto it = ops_.begin(); it != ops_.end();) {
        if (it->started) {
            if (it->op->is_exclusive()) return;
            ++started;
            ++it;
            continue;
        }
        if (started > 0 && (it->op->is_exclusive() || started >= pipeline_window ||
                            (!refilling && started > pipeline_refill)))
            return;
        refilling = true;
        if (!it->op->is_connect() && !transport_.is_open()) {
            const auto st = transport_.status();
            if (st == client_transport::state::connecting) return;
            auto next = std::next(it);
            finish(it, st == client_transport::state::idle ? imap_client_errc::not_connected
                                                           : imap_client_errc::connection_closed);
            it = next;
            continue;
        }
        it->started = true;
        if (auto ec = it->op->start(*this)) {
            auto next = std::next(it);
            finish(it, ec);
            it = next;
            continue;
        }
        if (it->op->is_exclusive()) return;
        ++started;
        ++it;
    }
}

std::list<imap_client_impl::entry>::iterator imap_client_impl::find_tag(const imap::tag& t) {
    for (auto it = ops_.begin(); it != ops_.end() && it->started; ++it)
        if (it->op->owns(t)) return it;
    return ops_.end();
}

void imap_client_impl::on_untagged(imap::response& r) {
    const bool event = is_event(r);
    auto claimer = ops_.begin();
    while (claimer != ops_.end() && claimer->started && !claimer->op->claims(r)) ++claimer;
    const bool claimed = claimer != ops_.end() && claimer->started;
    if ((event || !claimed) && options_.on_update) {
        const auto gen = transport_.generation();
        options_.on_update(r);
        if (gen != transport_.generation()) return;  // the host closed the client from the handler
    }
    if (claimed && claimer->op->on_untagged(*this, r)) finish_started(claimer);
}

void imap_client_impl::on_body(const imap_body_event& e) {
    for (auto& op : ops_) {
        if (!op.started) return;
        if (op.op->wants_bodies()) return op.op->on_body(*this, e);
    }
}

void imap_client_impl::pump() {
    for (;;) {
        start_ready_ops();
        if (!transport_.is_open() || transport_.handshaking()) return;
        imap::client_event ev = session_->next();
        if (std::holds_alternative<imap::need_input>(ev)) {
            // Everything written: the next chunk of a streamed literal may go.
            if (session_->literal_remaining() > 0) {
                if (!supply_literal()) return;  // the connection was closed
                continue;
            }
            if (!transport_.reading() && has_started_op()) start_read();
            return;
        }
        if (std::holds_alternative<imap::write_ready>(ev)) {
            if (transport_.writing()) return;
            start_write();
            continue;
        }
        if (std::holds_alternative<imap::start_tls>(ev)) return start_tls();
        if (std::holds_alternative<imap::close_connection>(ev))
            return close_connection(imap_client_errc::connection_closed);
        if (auto* err = std::get_if<imap::client_error>(&ev)) {
            // close_connection follows and fails the others.
            if (has_started_op()) finish(ops_.begin(), err->error);
            continue;
        }
        if (auto* u = std::get_if<imap::untagged>(&ev)) {
            on_untagged(u->data);
            continue;
        }
        if (auto* done = std::get_if<imap::completed>(&ev)) {
            if (done->status.status != imap::status_kind::ok) last_failed_ = done->status;
            auto it = find_tag(done->tag);
            if (it != ops_.end() && it->op->on_completed(*this, *done)) finish_started(it);
            continue;
        }
        if (auto* idling = std::get_if<imap::idling>(&ev)) {
            auto it = find_tag(idling->tag);
            if (it != ops_.end()) it->op->on_idling(*this);
            continue;
        }
        if (auto* b = std::get_if<imap::body_begin>(&ev)) {
            on_body(*b);
            continue;
        }
        if (auto* d = std::get_if<imap::body_data>(&ev)) {
            on_body(*d);
            continue;
        }
        if (auto* e = std::get_if<imap::body_end>(&ev)) {
            on_body(*e);
            continue;
        }
        if (auto* req = std::get_if<imap::literal_request>(&ev)) {
            auto it = find_tag(req->tag);
            if (it != ops_.end()) {
                literal_op_ = it->id;
                it->op->on_literal_request(*this, *req);
            }
            continue;
        }
        if (std::holds_alternative<imap::continuation>(ev)) {
            // Only an AUTHENTICATE sent with send() asks the host; no op
            // does that, so cancel the exchange (RFC 3501 section 6.2.2).
            session_->send_continuation("*");
            continue;
        }
    }
}

bool imap_client_impl::supply_literal() {
    auto it = std::find_if(ops_.begin(), ops_.end(), [this](const entry& e) { return e.id == literal_op_; });
    if (it == ops_.end() || !it->started) {
        // Nobody can finish the literal: the connection is unusable.
        close_connection(imap_client_errc::connection_closed);
        return false;
    }
    if (literal_buffer_.empty()) literal_buffer_.resize(64 * 1024);
    const auto want = static_cast<std::size_t>(
        std::min<std::uint64_t>(session_->literal_remaining(), literal_buffer_.size()));
    if (auto ec = it->op->supply_literal(*this, std::span<char>(literal_buffer_.data(), want))) {
        finish(it, ec);
        close_connection(imap_client_errc::connection_closed);
        return false;
    }
    return true;
}

void imap_client_impl::start_read() {
    transport_.read([self = shared_from_this()](std::error_code ec, std::string_view bytes) {
        if (ec) return self->io_failed(ec);
        self->session_->feed(bytes);
        self->pump();
    });
}

void imap_client_impl::start_write() {
    // The transport copies: the session may append to its buffer meanwhile.
    transport_.write(session_->pending_output(), [self = shared_from_this()](std::error_code ec) {
        if (ec) return self->io_failed(ec);
        self->pump();
    });
    session_->consume_output(session_->pending_output().size());
}

void imap_client_impl::start_tls() {
    auto tls = tls_.get();
    if (!tls) {
        if (has_started_op()) finish(ops_.begin(), tls_.error() ? tls_.error() : errc::tls_not_configured);
        return close_connection(imap_client_errc::connection_closed);
    }
    transport_.start_tls(std::move(tls), options_.timeout, [self = shared_from_this()](std::error_code ec) {
        if (ec) {
            if (self->has_started_op()) self->finish(self->ops_.begin(), ec);
            return self->close_connection(imap_client_errc::connection_closed);
        }
        self->session_->tls_established();
        if (self->has_started_op() && self->ops_.front().op->on_tls(*self))
            self->finish_started(self->ops_.begin());
        self->pump();
    });
}

void imap_client_impl::io_failed(std::error_code ec) {
    if (has_started_op()) finish(ops_.begin(), ec);
    close_connection(imap_client_errc::connection_closed);
}

std::error_code imap_client_impl::begin_connect(connect_options options) {
    const bool started =
        transport_.connect(std::move(options), [self = shared_from_this()](std::error_code ec) {
            if (ec) {
                if (self->has_started_op()) self->finish(self->ops_.begin(), ec);
                return self->pump();
            }
            self->session_.emplace(self->options_.session);
            self->pump();
        });
    return started ? std::error_code() : std::error_code(imap_client_errc::already_connected);
}

}  // namespace mailaccess::net::detail
