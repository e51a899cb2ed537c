#pragma once

// Template bodies of net::connection; included at the end of net/connection.hpp.

#include <mailaccess/net/error.hpp>

#include <asio/buffer.hpp>
#include <asio/dispatch.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <cstring>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <utility>

namespace mailaccess::net {

template <class Session, class Engine>
connection<Session, Engine>::connection(stream s, std::unique_ptr<Session> session,
                                        std::unique_ptr<Engine> engine, asio::any_io_executor store_executor,
                                        std::shared_ptr<asio::ssl::context> tls, bool implicit_tls,
                                        connection_options options)
    : stream_(std::move(s)),
      executor_(stream_.get_executor()),
      session_(std::move(session)),
      engine_(std::move(engine)),
      store_executor_(std::move(store_executor)),
      tls_(std::move(tls)),
      implicit_tls_(implicit_tls),
      options_(std::move(options)),
      timer_(executor_),
      delay_timer_(executor_),
      poll_timer_(executor_) {
    std::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    peer_ = ec ? std::string("unknown peer") : ep.address().to_string() + ":" + std::to_string(ep.port());
}

template <class Session, class Engine>
connection<Session, Engine>::~connection() = default;

template <class Session, class Engine>
void connection<Session, Engine>::start() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
        self->log(log_level::debug, "connection from " + self->peer_);
        if (!self->implicit_tls_) return self->run();
        if (!self->tls_) return self->fail(errc::tls_not_configured, "implicit TLS without a context");
        self->stream_.start_tls_server(self->tls_);
        self->handshake(false);
    });
}

template <class Session, class Engine>
void connection<Session, Engine>::request_stop() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
        self->stop_requested_ = true;
        // Idle connections go now; busy ones when they next wait for input.
        if (self->state_ == state::reading || self->state_ == state::delaying) self->finish({});
    });
}

template <class Session, class Engine>
void connection<Session, Engine>::force_close() {
    asio::dispatch(stream_.get_executor(),
                   [self = this->shared_from_this()] { self->finish(errc::server_stopped); });
}

template <class Session, class Engine>
template <class F>
bool connection<Session, Engine>::guarded(F&& f) {
    // Host code (session, engine) may throw; contain it to this connection.
    try {
        std::forward<F>(f)();
        return true;
    } catch (const std::exception& e) {
        fail(errc::session_failed, e.what());
    } catch (...) {
        fail(errc::session_failed, "unknown exception");
    }
    return false;
}

template <class Session, class Engine>
void connection<Session, Engine>::run() {
    for (;;) {
        if (state_ == state::closed) return;
        std::optional<typename traits::action> act;
        if (!guarded([&] { act.emplace(session_->next_action()); })) return;
        if constexpr (notifiable) {
            if (!watch_idle()) return;
        }
        if (std::get_if<typename traits::write_ready>(&*act) != nullptr) return do_write();
        if (overlapped_running_) {
            // Only writes overlap the engine call; anything else is asked
            // for again once its reply is in.
            if (std::get_if<typename traits::engine_request>(&*act) != nullptr)
                return fail(errc::session_failed, "engine request while another is running");
            state_ = state::engine;  // the completion sees it waits
            return;
        }
        if (std::get_if<typename traits::need_input>(&*act) != nullptr) return do_read();
        if (auto* req = std::get_if<typename traits::engine_request>(&*act)) {
            if (overlaps_output(*req)) {
                do_engine(std::move(*req), true);
                continue;
            }
            if (!engine_inline(*req)) return do_engine(std::move(*req), false);
            // A loop, not a recursion: a pipelined download answers
            // thousands of inline requests between two writes.
            if (!run_engine_inline(std::move(*req))) return;
            continue;
        }
        if (std::get_if<typename traits::start_tls>(&*act) != nullptr) return do_start_tls();
        if (std::get_if<typename traits::close_connection>(&*act) != nullptr) return do_shutdown();
        auto& d = std::get<typename traits::delay>(*act);
        return do_delay(std::chrono::duration_cast<std::chrono::steady_clock::duration>(d.duration));
    }
}

template <class Session, class Engine>
bool connection<Session, Engine>::engine_inline(const typename traits::engine_request& request) {
    if constexpr (inline_engine<Engine, typename traits::engine_request>) {
        bool yes = false;
        try {
            yes = static_cast<bool>(engine_->runs_inline(request));
        } catch (...) {
            yes = false;  // let do_engine run it, and report what it throws
        }
        return yes;
    } else {
        return false;
    }
}

template <class Session, class Engine>
bool connection<Session, Engine>::overlaps_output(const typename traits::engine_request& request) {
    if constexpr (overlapping_request<typename traits::engine_request>) {
        return static_cast<bool>(request.overlaps_output);
    } else {
        return false;
    }
}

template <class Session, class Engine>
bool connection<Session, Engine>::run_engine_inline(typename traits::engine_request&& request) {
    const auto id = request.id;
    using reply_type = std::decay_t<decltype(engine_->handle(std::move(request)))>;
    std::optional<reply_type> reply;
    try {
        reply.emplace(engine_->handle(std::move(request)));
    } catch (const std::exception& e) {
        fail(errc::engine_failed, std::string("engine threw: ") + e.what());
        return false;
    } catch (...) {
        fail(errc::engine_failed, "engine threw: unknown exception");
        return false;
    }
    return guarded([&] { session_->complete(id, std::move(*reply)); });
}

template <class Session, class Engine>
void connection<Session, Engine>::do_read() {
    if (stop_requested_) return do_shutdown();
    if constexpr (notifiable) {
        // Input first: it may end the idle state, which makes a pending
        // notification moot.
        if (read_ready_) {
            read_ready_ = false;
            return on_read(read_error_, read_size_);
        }
        if (notify_pending_) {
            notify_pending_ = false;
            if (guarded([&] { session_->notify(); })) run();
            return;
        }
        if (read_in_flight_) {
            // Back to waiting on the read begun before this loop pass, under
            // its original deadline.
            state_ = state::reading;
            arm_at(read_deadline_, errc::timed_out);
            return;
        }
    }
    std::span<char> buf;
    std::chrono::steady_clock::duration timeout{};
    const bool detached = notifiable && idle_watch_;
    if (!guarded([&] {
            if (detached) {
                // Small: every idler keeps it, and an idling client sends
                // little (DONE); more input after that is read as usual.
                if (idle_buffer_.empty())
                    idle_buffer_.resize(std::clamp<std::size_t>(options_.read_chunk, 1, 512));
                buf = std::span<char>(idle_buffer_);
            } else {
                buf = session_->prepare(options_.read_chunk);
            }
            timeout =
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(session_->read_timeout());
        }))
        return;
    if (buf.empty()) return fail(errc::session_failed, "prepare() returned an empty buffer");
    state_ = state::reading;
    read_in_flight_ = true;
    read_detached_ = detached;
    const auto now = std::chrono::steady_clock::now();
    read_deadline_ = timeout >= std::chrono::steady_clock::time_point::max() - now
                         ? std::chrono::steady_clock::time_point::max()
                         : now + timeout;
    arm_at(read_deadline_, errc::timed_out);
    stream_.async_read_some(asio::buffer(buf.data(), buf.size()),
                            [self = this->shared_from_this()](std::error_code ec, std::size_t n) {
                                self->on_read_complete(ec, n);
                            });
}

template <class Session, class Engine>
void connection<Session, Engine>::on_read_complete(std::error_code ec, std::size_t n) {
    read_in_flight_ = false;
    if (state_ == state::closed) return;
    if (state_ != state::reading) {
        // Only a detached read completes while the loop is busy (writing an
        // update, waiting for the engine); its bytes wait in idle_buffer_
        // until the loop next asks for input. The timer is not ours to touch.
        read_ready_ = true;
        read_error_ = ec;
        read_size_ = n;
        return;
    }
    disarm();
    on_read(ec, n);
}

template <class Session, class Engine>
void connection<Session, Engine>::on_read(std::error_code ec, std::size_t n) {
    if (ec) return finish(ec == asio::error::eof ? std::error_code{} : ec);
    state_ = state::idle;
    if (!read_detached_) {
        if (guarded([&] { session_->commit(n); })) run();
        return;
    }
    for (std::size_t done = 0; done < n;) {
        std::span<char> buf;
        if (!guarded([&] { buf = session_->prepare(n - done); })) return;
        if (buf.empty()) return fail(errc::session_failed, "prepare() returned an empty buffer");
        const std::size_t k = std::min(buf.size(), n - done);
        std::memcpy(buf.data(), idle_buffer_.data() + done, k);
        if (!guarded([&] { session_->commit(k); })) return;
        done += k;
    }
    run();
}

template <class Session, class Engine>
bool connection<Session, Engine>::watch_idle() {
    bool idling = false;
    if (!guarded([&] { idling = static_cast<bool>(session_->is_idling()); })) return false;
    if (idling == idle_watch_) return true;
    // subscribe_changes may read the engine's state: not while it runs.
    if (overlapped_running_) return true;
    if (!idling) {
        stop_watching();
        return true;
    }
    idle_watch_ = true;
    if constexpr (change_source<Engine>) {
        // Called here, on the strand between engine calls, so the engine may
        // read its own state; the notifier it keeps runs on store threads.
        std::function<void()> notifier = [weak = this->weak_from_this()] {
            if (auto self = weak.lock()) self->post_change();
        };
        if (!guarded([&] { subscription_.emplace(engine_->subscribe_changes(std::move(notifier))); }))
            return false;
    }
    arm_poll();
    return true;
}

template <class Session, class Engine>
void connection<Session, Engine>::stop_watching() {
    idle_watch_ = false;
    notify_pending_ = false;
    subscription_.reset();  // waits for a notifier call in progress, if any
    ++poll_generation_;
    poll_timer_.cancel();
}

template <class Session, class Engine>
void connection<Session, Engine>::post_change() {
    // Any thread. One delivery in flight is enough: it notifies the session,
    // which looks at the store as it is when its request runs.
    if (change_posted_.exchange(true)) return;
    asio::post(executor_, [self = this->shared_from_this()] {
        self->change_posted_.store(false);
        self->on_change();
    });
}

template <class Session, class Engine>
void connection<Session, Engine>::on_change() {
    // A delivery that arrives after the idle state ended is stale: the
    // session is not listening any more.
    if (state_ == state::closed || !idle_watch_) return;
    notify_pending_ = true;
    // Only waiting for input: run the loop now; the read stays pending.
    // Busy otherwise: do_read delivers it when the loop next waits.
    if (state_ == state::reading && read_in_flight_ && read_detached_) {
        disarm();
        state_ = state::idle;
        do_read();
    }
}

template <class Session, class Engine>
void connection<Session, Engine>::arm_poll() {
    if (options_.idle_poll_interval.count() <= 0) return;
    const std::uint64_t generation = ++poll_generation_;
    poll_timer_.expires_after(options_.idle_poll_interval);
    poll_timer_.async_wait([self = this->shared_from_this(), generation](std::error_code ec) {
        if (ec || generation != self->poll_generation_ || self->state_ == state::closed || !self->idle_watch_)
            return;
        self->arm_poll();
        self->on_change();
    });
}

template <class Session, class Engine>
void connection<Session, Engine>::do_write() {
    std::string_view out;
    std::chrono::steady_clock::duration timeout{};
    if (!guarded([&] {
            out = session_->pending_output();
            timeout =
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(session_->read_timeout());
        }))
        return;
    if (out.empty()) return fail(errc::session_failed, "write_ready with no pending output");
    state_ = state::writing;
    // The same deadline as reads: a peer that stops reading cannot pin us.
    arm(timeout, errc::timed_out);
    stream_.async_write_some(asio::buffer(out.data(), out.size()),
                             [self = this->shared_from_this()](std::error_code ec, std::size_t n) {
                                 self->disarm();
                                 if (self->state_ == state::closed) return;
                                 if (ec) return self->finish(ec);
                                 self->state_ = state::idle;
                                 if (!self->guarded([&] { self->session_->consume_output(n); })) return;
                                 if (self->overlapped_reply_) {
                                     // The overlapping engine call ended during the write.
                                     auto kept = std::move(*self->overlapped_reply_);
                                     self->overlapped_reply_.reset();
                                     return self->deliver(kept.id, std::move(kept.reply), kept.failure);
                                 }
                                 self->run();
                             });
}

template <class Session, class Engine>
void connection<Session, Engine>::do_engine(typename traits::engine_request&& request, bool overlapped) {
    if (overlapped) {
        overlapped_running_ = true;
    } else {
        state_ = state::engine;
    }
    const auto id = request.id;
    asio::post(store_executor_, [self = this->shared_from_this(), id, overlapped,
                                 req = std::move(request)]() mutable {
        std::optional<engine_reply> reply;
        std::string failure;
        try {
            reply.emplace(self->engine_->handle(std::move(req)));
        } catch (const std::exception& e) {
            failure = e.what();
        } catch (...) {
            failure = "unknown exception";
        }
        auto ex = self->stream_.get_executor();
        asio::post(ex, [self = std::move(self), id, overlapped, reply = std::move(reply),
                        failure = std::move(failure)]() mutable {
            if (self->state_ == state::closed) return;  // closed meanwhile: drop the reply
            if (overlapped) {
                self->overlapped_running_ = false;
                if (self->state_ != state::engine) {
                    // A write is in flight (the loop waits only in `engine`):
                    // complete() must not append to the output it is sending.
                    // Its handler delivers the reply.
                    self->overlapped_reply_.emplace(kept_reply{id, std::move(reply), std::move(failure)});
                    return;
                }
            }
            self->deliver(id, std::move(reply), failure);
        });
    });
}

template <class Session, class Engine>
void connection<Session, Engine>::deliver(request_id id, std::optional<engine_reply>&& reply,
                                          const std::string& failure) {
    if (!reply) return fail(errc::engine_failed, "engine threw: " + failure);
    state_ = state::idle;
    if (guarded([&] { session_->complete(id, std::move(*reply)); })) run();
}

template <class Session, class Engine>
void connection<Session, Engine>::do_start_tls() {
    if (read_in_flight_) return fail(errc::session_failed, "start_tls while a read is pending");
    if (!tls_) return fail(errc::tls_not_configured, "start_tls without a TLS context");
    if (stream_.is_tls()) return fail(errc::session_failed, "start_tls on a TLS connection");
    stream_.start_tls_server(tls_);
    handshake(true);
}

template <class Session, class Engine>
void connection<Session, Engine>::handshake(bool after_starttls) {
    state_ = state::handshaking;
    arm(options_.handshake_timeout, errc::handshake_timed_out);
    stream_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this(),
                                                             after_starttls](std::error_code ec) {
        self->disarm();
        if (self->state_ == state::closed) return;
        if (ec) {
            self->log(log_level::warning, "TLS handshake with " + self->peer_ + " failed: " + ec.message());
            return self->finish(ec);
        }
        self->state_ = state::idle;
        if (!after_starttls) return self->run();
        if (self->guarded([&] { self->session_->tls_established(); })) self->run();
    });
}

template <class Session, class Engine>
void connection<Session, Engine>::do_delay(std::chrono::steady_clock::duration d) {
    if (stop_requested_) return do_shutdown();
    state_ = state::delaying;
    delay_timer_.expires_after(d);
    delay_timer_.async_wait([self = this->shared_from_this()](std::error_code ec) {
        if (ec || self->state_ != state::delaying) return;
        self->state_ = state::idle;
        if (self->guarded([&] { self->session_->resume(); })) self->run();
    });
}

template <class Session, class Engine>
void connection<Session, Engine>::do_shutdown() {
    // close_notify cannot overlap the idle read still pending; everything
    // the session had to say was written already.
    if (!stream_.is_tls() || read_in_flight_) return finish({});
    state_ = state::shutting_down;
    arm(options_.shutdown_timeout, errc::timed_out);
    stream_.async_shutdown([self = this->shared_from_this()](std::error_code) {
        // A peer that closes TCP without close_notify is common and harmless
        // here: everything we had to say was written already.
        self->disarm();
        self->finish({});
    });
}

template <class Session, class Engine>
void connection<Session, Engine>::arm(std::chrono::steady_clock::duration d, std::error_code reason) {
    const auto now = std::chrono::steady_clock::now();
    arm_at(d >= std::chrono::steady_clock::time_point::max() - now
               ? std::chrono::steady_clock::time_point::max()
               : now + d,
           reason);
}

template <class Session, class Engine>
void connection<Session, Engine>::arm_at(std::chrono::steady_clock::time_point t, std::error_code reason) {
    deadline_ = t;
    deadline_reason_ = reason;
    if (t == std::chrono::steady_clock::time_point::max()) return;
    // Most operations move the deadline later (the same timeout from a later
    // start): the timer set for an earlier one stays, and re-waits when it
    // fires. Only an earlier deadline re-sets it.
    if (timer_waiting_ && timer_expiry_ <= t) return;
    timer_expiry_ = t;
    timer_.expires_at(t);  // a wait in progress ends with operation_aborted
    wait_for_deadline();
}

template <class Session, class Engine>
void connection<Session, Engine>::wait_for_deadline() {
    // The generation tells the current wait from one that was superseded
    // (re-set above) or ended by finish(); cancel() cannot recall a queued
    // handler.
    const std::uint64_t generation = ++timer_generation_;
    timer_waiting_ = true;
    timer_.async_wait([self = this->shared_from_this(), generation](std::error_code ec) {
        if (generation != self->timer_generation_) return;
        self->timer_waiting_ = false;
        if (ec || self->state_ == state::closed) return;
        if (self->deadline_ == std::chrono::steady_clock::time_point::max()) return;  // nothing in flight
        if (std::chrono::steady_clock::now() < self->deadline_) {
            self->timer_expiry_ = self->deadline_;
            self->timer_.expires_at(self->deadline_);
            return self->wait_for_deadline();
        }
        self->log(log_level::debug, "deadline expired for " + self->peer_);
        self->finish(self->deadline_reason_);
    });
}

template <class Session, class Engine>
void connection<Session, Engine>::disarm() {
    // The timer goes on waiting; when it fires it finds no deadline.
    deadline_ = std::chrono::steady_clock::time_point::max();
}

template <class Session, class Engine>
void connection<Session, Engine>::fail(std::error_code reason, std::string_view what) {
    log(log_level::error, "closing " + peer_ + ": " + std::string(what));
    // fail() is only reached with no write outstanding (an idle read may
    // be), so a last write cannot interleave with session output.
    if (options_.failure_line.empty() || state_ == state::closed) return finish(reason);
    state_ = state::shutting_down;
    arm(options_.shutdown_timeout, reason);
    asio::async_write(stream_, asio::buffer(options_.failure_line),
                      [self = this->shared_from_this(), reason](std::error_code, std::size_t) {
                          self->disarm();
                          self->finish(reason);
                      });
}

template <class Session, class Engine>
void connection<Session, Engine>::finish(std::error_code reason) {
    if (state_ == state::closed) return;
    state_ = state::closed;
    close_reason_ = reason;
    ++timer_generation_;
    timer_.cancel();
    delay_timer_.cancel();
    stop_watching();
    stream_.close();
    log(log_level::debug, "closed " + peer_ + (reason ? ": " + reason.message() : std::string()));
}

template <class Session, class Engine>
void connection<Session, Engine>::log(log_level level, std::string_view text) const {
    if (options_.log) options_.log(level, text);
}

}  // namespace mailaccess::net
