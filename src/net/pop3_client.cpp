#include <mailaccess/net/pop3_client.hpp>

#include <mailaccess/core/assert.hpp>
#include <mailaccess/net/error.hpp>
#include <mailaccess/net/stream.hpp>
#include <mailaccess/pop3/client_session.hpp>
#include <mailaccess/pop3/error.hpp>

#include "client_transport.hpp"
#include "lazy_tls_context.hpp"

#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/write.hpp>

#include <array>
#include <atomic>
#include <charconv>
#include <list>
#include <optional>

namespace mailaccess::net {

namespace {

class pop3_client_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "mailaccess.net.pop3_client"; }
    std::string message(int ev) const override {
        switch (static_cast<pop3_client_errc>(ev)) {
            case pop3_client_errc::negative_response: return "the POP3 server answered -ERR";
            case pop3_client_errc::not_connected: return "the POP3 client is not connected";
            case pop3_client_errc::connection_closed: return "the POP3 connection was closed";
            case pop3_client_errc::already_connected: return "the POP3 client is already connected";
            case pop3_client_errc::tls_already_active: return "the POP3 connection is already encrypted";
        }
        return "unknown mailaccess.net.pop3_client error";
    }
};

// Commands in flight with PIPELINING: enough to hide the round trip, few
// enough that neither side's socket buffer fills with commands (32 RETRs are
// ~300 bytes). With 16, refilled at 8, a server answering small messages
// from the page cache ran dry between refills (it idled a tenth of a
// download); 32 gave 5-10% more throughput against our server.
constexpr std::size_t pipeline_window = 32;
// More start only once no more than this many are in flight, and then up to
// the window at once: started together, they go out in one write. Topping
// the window up by one as each answer ends sent a command per write, a
// quarter of a pipelined download's client CPU (and a wakeup of the server
// for each).
constexpr std::size_t pipeline_refill = pipeline_window / 2;

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

std::string_view first_word(std::string_view s) { return s.substr(0, s.find(' ')); }

// Leading decimal number of `s` (after optional spaces); the rest follows.
template <class N>
std::optional<N> leading_number(std::string_view& s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    N value{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || p == s.data()) return std::nullopt;
    s.remove_prefix(static_cast<std::size_t>(p - s.data()));
    return value;
}

}  // namespace

const std::error_category& pop3_client_category() noexcept {
    static const pop3_client_category_impl category;
    return category;
}

std::error_code make_error_code(pop3_client_errc e) noexcept {
    return {static_cast<int>(e), pop3_client_category()};
}

namespace detail {

pop3_op::~pop3_op() = default;

// What every operation implements. An operation is "started" once it has
// handed its first command to the session; events are routed to the oldest
// started operation, which says when its replies are complete.
class pop3_op_base : public pop3_op {
public:
    virtual bool is_exclusive() const noexcept { return false; }
    virtual bool is_connect() const noexcept { return false; }
    /// Queues the first command(s). An error fails the op with nothing sent.
    virtual std::error_code start(pop3_client_impl& c) = 0;
    /// An event of this op's reply; true when the op is finished. `error_`
    /// says how; `fatal_` asks for the connection to be closed.
    virtual bool on_event(pop3_client_impl& c, const pop3::client_action& e) = 0;
    /// The TLS handshake after this op's STLS succeeded.
    virtual void on_tls(pop3_client_impl&) {}
    /// Delivers the result (the value on success) with `ec`.
    virtual void complete(std::error_code ec) = 0;

    std::error_code error_;
    bool fatal_ = false;
};

class pop3_client_impl : public std::enable_shared_from_this<pop3_client_impl> {
public:
    pop3_client_impl(asio::any_io_executor ex, pop3_client_options options)
        : strand_(asio::make_strand(std::move(ex))),
          options_(std::move(options)),
          tls_(options_.tls, options_.tls_options) {}

    asio::any_io_executor strand_;
    pop3_client_options options_;
    lazy_tls_context tls_;
    std::atomic<std::uint64_t> next_id_{1};

    // --- state owned by the strand -----------------------------------------
    // Reads of 16 KiB: POP3 replies arrive line by line into the session.
    client_transport transport_{strand_, 16 * 1024};
    std::optional<pop3::client_session> session_;
    std::vector<std::string> caps_;
    pop3::status_line last_error_;

    struct entry {
        std::uint64_t id = 0;
        std::unique_ptr<pop3_op_base> op;
        std::optional<asio::steady_timer> timer;
        bool started = false;
    };
    std::list<entry> ops_;

    pop3::client_session& session() { return *session_; }

    bool pipelining() const {
        if (options_.pipelining) return true;
        for (const auto& c : caps_)
            if (iequals(first_word(c), "PIPELINING")) return true;
        return false;
    }

    void submit(std::uint64_t id, std::unique_ptr<pop3_op_base> op, std::chrono::milliseconds deadline) {
        auto& e = ops_.emplace_back();
        e.id = id;
        e.op = std::move(op);
        e.timer.emplace(strand_);
        e.timer->expires_after(deadline);
        e.timer->async_wait([self = shared_from_this(), id](std::error_code ec) {
            if (!ec) self->abort_op(id, errc::timed_out, asio::cancellation_type::terminal);
        });
        pump();
    }

    // Ends one op with `ec`. A started op leaves the protocol in an unknown
    // state, so the connection goes too unless `type` forbids side effects.
    void abort_op(std::uint64_t id, std::error_code ec, asio::cancellation_type type) {
        for (auto it = ops_.begin(); it != ops_.end(); ++it) {
            if (it->id != id) continue;
            if (!it->started) {
                finish(it, ec);
                pump();
                return;
            }
            if ((type & (asio::cancellation_type::terminal | asio::cancellation_type::partial)) ==
                asio::cancellation_type::none)
                return;
            finish(it, ec);
            close_connection(pop3_client_errc::connection_closed);
            return;
        }
    }

    void finish(std::list<entry>::iterator it, std::error_code ec) {
        auto op = std::move(it->op);
        if (it->timer) it->timer->cancel();
        ops_.erase(it);
        if (ec == pop3_client_errc::negative_response || ec == pop3::errc::auth_failed ||
            ec == pop3::errc::maildrop_in_use || ec == pop3::errc::temporary_failure)
            last_error_ = pending_error_;
        op->complete(ec);
    }

    // Closes the transport and fails started ops and queued ones up to the
    // next async_connect with `others`.
    void close_connection(std::error_code others) {
        transport_.close();
        session_.reset();
        while (!ops_.empty() && (ops_.front().started || !ops_.front().op->is_connect()))
            finish(ops_.begin(), others);
        pump();
    }

    void close_gracefully_after_quit() {
        // RFC 1939 section 6: the server closes after +OK to QUIT; a TLS
        // close_notify would only wait for a peer that is already gone.
        close_connection(pop3_client_errc::connection_closed);
    }

    // Starts the queued ops that may start now: the front one always; more
    // only with pipelining and never past an exclusive op.
    void start_ready_ops() {
        std::size_t index = 0;
        bool refilling = false;
        for (auto it = ops_.begin(); it != ops_.end(); ++index) {
            if (it->started) {
                if (it->op->is_exclusive()) return;
                ++it;
                continue;
            }
            if (index > 0 && (it->op->is_exclusive() || !pipelining() || index >= pipeline_window ||
                              (!refilling && index > pipeline_refill)))
                return;
            refilling = true;
            if (!it->op->is_connect() && !transport_.is_open()) {
                const auto st = transport_.status();
                const std::error_code ec = st == client_transport::state::idle
                                               ? pop3_client_errc::not_connected
                                               : pop3_client_errc::connection_closed;
                if (st == client_transport::state::connecting) return;
                auto next = std::next(it);
                finish(it, ec);
                it = next;
                --index;
                continue;
            }
            it->started = true;
            if (auto ec = it->op->start(*this)) {
                auto next = std::next(it);
                finish(it, ec);
                it = next;
                --index;
                continue;
            }
            if (it->op->is_exclusive()) return;
            ++it;
        }
    }

    bool has_started_op() const { return !ops_.empty() && ops_.front().started; }

    // The driver loop: turns session actions into I/O and routes events.
    void pump() {
        for (;;) {
            start_ready_ops();
            if (!transport_.is_open() || transport_.handshaking()) return;
            pop3::client_action act = session_->next();
            if (std::holds_alternative<pop3::need_input>(act)) {
                if (!transport_.reading() && has_started_op()) start_read();
                return;
            }
            if (std::holds_alternative<pop3::write_ready>(act)) {
                if (transport_.writing()) return;
                start_write();
                continue;
            }
            if (std::holds_alternative<pop3::start_tls>(act)) return start_tls();
            if (std::holds_alternative<pop3::close_connection>(act)) return close_gracefully_after_quit();
            if (auto* err = std::get_if<pop3::client_error>(&act)) {
                // close_connection follows and fails the others.
                if (has_started_op()) finish(ops_.begin(), err->error);
                continue;
            }
            if (!has_started_op()) {  // the session matched it to a command: cannot happen
                close_connection(pop3::errc::unexpected_response);
                return;
            }
            if (auto* st = std::get_if<pop3::client_status>(&act); st && st->line.kind == pop3::status::err)
                pending_error_ = st->line;
            pop3_op_base& op = *ops_.front().op;
            if (op.on_event(*this, act)) {
                const bool fatal = op.fatal_;
                const std::error_code ec = op.error_;
                finish(ops_.begin(), ec);
                if (fatal) return close_connection(pop3_client_errc::connection_closed);
            }
        }
    }

    void start_read() {
        transport_.read([self = shared_from_this()](std::error_code ec, std::string_view bytes) {
            if (ec) return self->io_failed(ec);
            self->session_->feed(bytes);
            self->pump();
        });
    }

    void start_write() {
        // The transport copies: the session may append to its buffer meanwhile.
        transport_.write(session_->pending_output(), [self = shared_from_this()](std::error_code ec) {
            if (ec) return self->io_failed(ec);
            self->pump();
        });
        session_->consume_output(session_->pending_output().size());
    }

    void start_tls() {
        auto tls = tls_.get();
        if (!tls) {
            if (has_started_op())
                finish(ops_.begin(), tls_.error() ? tls_.error() : errc::tls_not_configured);
            return close_connection(pop3_client_errc::connection_closed);
        }
        transport_.start_tls(std::move(tls), options_.timeout,
                             [self = shared_from_this()](std::error_code ec) {
                                 if (ec) {
                                     if (self->has_started_op()) self->finish(self->ops_.begin(), ec);
                                     return self->close_connection(pop3_client_errc::connection_closed);
                                 }
                                 self->session_->tls_established();
                                 self->caps_.clear();  // RFC 2595 section 4: learnt before TLS, now void
                                 if (self->has_started_op()) self->ops_.front().op->on_tls(*self);
                                 self->pump();
                             });
    }

    void io_failed(std::error_code ec) {
        if (has_started_op()) finish(ops_.begin(), ec);
        close_connection(pop3_client_errc::connection_closed);
    }

    std::error_code begin_connect(connect_options options) {
        const bool started =
            transport_.connect(std::move(options), [self = shared_from_this()](std::error_code ec) {
                if (ec) {
                    if (self->has_started_op()) self->finish(self->ops_.begin(), ec);
                    return self->pump();
                }
                pop3::client_options so;
                so.limits = self->options_.limits;
                so.pipelining = self->options_.pipelining;
                self->session_.emplace(so);
                self->caps_.clear();
                self->pump();
            });
        return started ? std::error_code() : std::error_code(pop3_client_errc::already_connected);
    }

    void cancel_connecting() {
        // The connect completes later with a stale generation and is closed then.
        transport_.close();
    }

    pop3::status_line pending_error_;
};

namespace {

using caps_done = pop3_completion_ptr<std::vector<std::string>>;

// Shared CAPA handling: lines go to the client's list; -ERR gives an empty
// list when `tolerate_err` (connect: an RFC 1939-only server).
struct capa_step {
    bool sent = false;
    bool done = false;

    std::error_code send(pop3_client_impl& c) {
        sent = true;
        c.caps_.clear();
        return c.session().capa();
    }
    // True when the CAPA reply is complete; `error` set on -ERR.
    bool on_event(pop3_client_impl& c, const pop3::client_action& e, bool tolerate_err,
                  std::error_code& error) {
        if (auto* st = std::get_if<pop3::client_status>(&e)) {
            if (st->line.kind == pop3::status::ok) return false;
            if (!tolerate_err) error = pop3_client_errc::negative_response;
            return true;
        }
        if (auto* line = std::get_if<pop3::client_line>(&e)) {
            if (c.caps_.size() < 128) c.caps_.emplace_back(line->text);
            return false;
        }
        return std::holds_alternative<pop3::client_lines_end>(e);
    }
};

class connect_op final : public pop3_op_base {
public:
    connect_op(connect_options o, caps_done done) : options_(std::move(o)), done_(std::move(done)) {}
    bool is_exclusive() const noexcept override { return true; }
    bool is_connect() const noexcept override { return true; }
    std::error_code start(pop3_client_impl& c) override {
        impl_ = &c;
        return c.begin_connect(std::move(options_));
    }
    bool on_event(pop3_client_impl& c, const pop3::client_action& e) override {
        if (!greeted_) {
            auto* st = std::get_if<pop3::client_status>(&e);
            if (st == nullptr || st->command) return false;
            greeted_ = true;
            if (st->line.kind != pop3::status::ok) {
                error_ = pop3_client_errc::negative_response;
                fatal_ = true;
                return true;
            }
            if (auto ec = capa_.send(c)) {
                error_ = ec;
                fatal_ = true;
                return true;
            }
            return false;
        }
        std::error_code ignored;
        return capa_.on_event(c, e, true, ignored);
    }
    void complete(std::error_code ec) override {
        // A failed or abandoned connect leaves no half-open connection.
        if (ec && impl_ != nullptr && impl_->transport_.status() == client_transport::state::connecting)
            impl_->cancel_connecting();
        done_->complete(ec, ec || impl_ == nullptr ? std::vector<std::string>{} : impl_->caps_);
    }

private:
    connect_options options_;
    caps_done done_;
    pop3_client_impl* impl_ = nullptr;
    bool greeted_ = false;
    capa_step capa_;
};

class stls_op final : public pop3_op_base {
public:
    explicit stls_op(caps_done done) : done_(std::move(done)) {}
    bool is_exclusive() const noexcept override { return true; }
    std::error_code start(pop3_client_impl& c) override {
        impl_ = &c;
        if (c.transport_.tls_active()) return pop3_client_errc::tls_already_active;
        if (!c.tls_.get()) return c.tls_.error() ? c.tls_.error() : std::error_code(errc::tls_not_configured);
        return c.session().stls();
    }
    bool on_event(pop3_client_impl& c, const pop3::client_action& e) override {
        if (!capa_.sent) {
            auto* st = std::get_if<pop3::client_status>(&e);
            if (st == nullptr || st->line.kind == pop3::status::ok) return false;  // start_tls follows
            error_ = pop3_client_errc::negative_response;
            return true;
        }
        return capa_.on_event(c, e, true, error_);
    }
    void on_tls(pop3_client_impl& c) override {
        if (auto ec = capa_.send(c)) {
            error_ = ec;
            fatal_ = true;
        }
    }
    void complete(std::error_code ec) override {
        done_->complete(ec, ec || impl_ == nullptr ? std::vector<std::string>{} : impl_->caps_);
    }

private:
    caps_done done_;
    pop3_client_impl* impl_ = nullptr;
    capa_step capa_;
};

class capa_op final : public pop3_op_base {
public:
    explicit capa_op(caps_done done) : done_(std::move(done)) {}
    std::error_code start(pop3_client_impl& c) override {
        impl_ = &c;
        return capa_.send(c);
    }
    bool on_event(pop3_client_impl& c, const pop3::client_action& e) override {
        return capa_.on_event(c, e, false, error_);
    }
    void complete(std::error_code ec) override {
        done_->complete(ec, ec || impl_ == nullptr ? std::vector<std::string>{} : impl_->caps_);
    }

private:
    caps_done done_;
    pop3_client_impl* impl_ = nullptr;
    capa_step capa_;
};

// RFC 3206 response codes say whose fault a refused login is.
std::error_code login_error(const pop3::status_line& line) {
    if (iequals(line.code, "IN-USE")) return pop3::errc::maildrop_in_use;
    if (iequals(line.code, "SYS/TEMP") || iequals(line.code, "SYS/PERM"))
        return pop3::errc::temporary_failure;
    return pop3::errc::auth_failed;
}

class login_op final : public pop3_op_base {
public:
    login_op(std::string user, secret<> password, pop3_login_method method,
             pop3_completion_ptr<std::string> done)
        : user_(std::move(user)), password_(std::move(password)), method_(method), done_(std::move(done)) {}
    bool is_exclusive() const noexcept override { return true; }
    std::error_code start(pop3_client_impl& c) override {
        if (!c.transport_.tls_active() && !c.options_.allow_plaintext_login) return pop3::errc::tls_required;
        pop3_login_method m = method_;
        if (m == pop3_login_method::automatic)
            m = offers_sasl(c, "PLAIN") ? pop3_login_method::sasl_plain : pop3_login_method::user_pass;
        if (m == pop3_login_method::user_pass) return c.session().user(user_);  // PASS follows its +OK
        // The session holds its own encoded copy of a SASL response.
        const auto ec = m == pop3_login_method::sasl_login ? c.session().auth_login(user_, password_)
                                                           : c.session().auth_plain(user_, password_);
        password_.wipe();
        return ec;
    }
    bool on_event(pop3_client_impl& c, const pop3::client_action& e) override {
        auto* st = std::get_if<pop3::client_status>(&e);
        if (st == nullptr) return false;
        if (st->line.kind != pop3::status::ok) {
            error_ = login_error(st->line);
            return true;
        }
        if (st->command == pop3::verb::user) {
            if (auto ec = c.session().pass(password_)) {
                error_ = ec;
                fatal_ = true;  // USER was accepted: the state is half way
                return true;
            }
            return false;
        }
        text_ = st->line.text;
        return true;
    }
    void complete(std::error_code ec) override {
        password_.wipe();
        done_->complete(ec, ec ? std::string() : std::move(text_));
    }

private:
    // True when a CAPA line `SASL mech...` (RFC 2449 section 6.3) lists `mechanism`.
    static bool offers_sasl(const pop3_client_impl& c, std::string_view mechanism) {
        for (const auto& cap : c.caps_) {
            std::string_view rest = cap;
            if (!iequals(first_word(rest), "SASL")) continue;
            while (!rest.empty()) {
                const auto sp = rest.find(' ');
                if (sp == std::string_view::npos) break;
                rest.remove_prefix(sp + 1);
                if (iequals(first_word(rest), mechanism)) return true;
            }
        }
        return false;
    }

    std::string user_;
    secret<> password_;
    pop3_login_method method_;
    pop3_completion_ptr<std::string> done_;
    std::string text_;
};

class stat_op final : public pop3_op_base {
public:
    explicit stat_op(pop3_completion_ptr<pop3_stat> done) : done_(std::move(done)) {}
    std::error_code start(pop3_client_impl& c) override { return c.session().stat(); }
    bool on_event(pop3_client_impl&, const pop3::client_action& e) override {
        auto* st = std::get_if<pop3::client_status>(&e);
        if (st == nullptr) return false;
        if (st->line.kind != pop3::status::ok) {
            error_ = pop3_client_errc::negative_response;
            return true;
        }
        // RFC 1939 section 5: "+OK nn mm". The parser may have split a
        // bracketed code off; the numbers are in the text.
        std::string_view text = st->line.text;
        auto count = leading_number<std::uint32_t>(text);
        auto size = leading_number<std::uint64_t>(text);
        if (!count || !size) {
            error_ = pop3::errc::bad_syntax;
            return true;
        }
        result_ = {*count, *size};
        return true;
    }
    void complete(std::error_code ec) override { done_->complete(ec, ec ? pop3_stat{} : result_); }

private:
    pop3_completion_ptr<pop3_stat> done_;
    pop3_stat result_;
};

// LIST and UIDL: a multi-line listing of "n value" lines.
template <class Entry>
class listing_op final : public pop3_op_base {
public:
    listing_op(pop3::verb kind, pop3_completion_ptr<std::vector<Entry>> done)
        : kind_(kind), done_(std::move(done)) {}
    std::error_code start(pop3_client_impl& c) override {
        return kind_ == pop3::verb::list ? c.session().list() : c.session().uidl();
    }
    bool on_event(pop3_client_impl&, const pop3::client_action& e) override {
        if (auto* st = std::get_if<pop3::client_status>(&e)) {
            if (st->line.kind == pop3::status::ok) return false;
            error_ = pop3_client_errc::negative_response;
            return true;
        }
        if (auto* line = std::get_if<pop3::client_line>(&e)) {
            std::string_view text = line->text;
            auto n = leading_number<std::uint32_t>(text);
            while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
            const std::string_view value = first_word(text);
            Entry entry;
            bool ok = n.has_value() && !value.empty();
            if (ok) entry.number = *n;
            if constexpr (std::is_same_v<Entry, pop3_list_entry>) {
                std::string_view v = value;
                auto size = leading_number<std::uint64_t>(v);
                ok = ok && size && v.empty();
                if (ok) entry.size = *size;
            } else {
                if (ok) entry.uid = std::string(value);
            }
            // A malformed line fails the op once the listing has ended.
            if (!ok)
                error_ = pop3::errc::bad_syntax;
            else if (!error_ && result_.size() < limit_)
                result_.push_back(std::move(entry));
            return false;
        }
        return std::holds_alternative<pop3::client_lines_end>(e);
    }
    void complete(std::error_code ec) override {
        done_->complete(ec, ec ? std::vector<Entry>{} : std::move(result_));
    }

private:
    // A maildrop never has more messages than this in practice; a hostile
    // server cannot make the listing grow without bound.
    static constexpr std::size_t limit_ = 10'000'000;
    pop3::verb kind_;
    pop3_completion_ptr<std::vector<Entry>> done_;
    std::vector<Entry> result_;
};

class body_op final : public pop3_op_base {
public:
    body_op(pop3::verb kind, std::uint32_t n, std::uint32_t lines, pop3_body_sink sink,
            pop3_completion_ptr<std::uint64_t> done)
        : kind_(kind), n_(n), lines_(lines), sink_(std::move(sink)), done_(std::move(done)) {}
    std::error_code start(pop3_client_impl& c) override {
        max_ = c.options_.limits.max_message_size;
        return kind_ == pop3::verb::retr ? c.session().retr(n_) : c.session().top(n_, lines_);
    }
    bool on_event(pop3_client_impl&, const pop3::client_action& e) override {
        if (auto* st = std::get_if<pop3::client_status>(&e)) {
            if (st->line.kind != pop3::status::ok) {
                error_ = pop3_client_errc::negative_response;
                return true;
            }
            // "+OK 1234 octets" (RFC 1939 section 7 example): refuse an
            // announced size over the limit before any byte arrives.
            std::string_view text = st->line.text;
            auto announced = leading_number<std::uint64_t>(text);
            if (kind_ == pop3::verb::retr && announced && *announced > max_) {
                error_ = pop3::errc::response_too_large;
                fatal_ = true;
                return true;
            }
            return false;
        }
        if (auto* data = std::get_if<pop3::body_data>(&e)) {
            if (sink_error_) return false;
            delivered_ += data->bytes.size();
            if (sink_) sink_error_ = sink_(data->bytes);
            return false;
        }
        if (std::holds_alternative<pop3::body_end>(e)) {
            error_ = sink_error_;
            return true;
        }
        return false;
    }
    void complete(std::error_code ec) override { done_->complete(ec, delivered_); }

private:
    pop3::verb kind_;
    std::uint32_t n_;
    std::uint32_t lines_;
    pop3_body_sink sink_;
    pop3_completion_ptr<std::uint64_t> done_;
    std::uint64_t max_ = 0;
    std::uint64_t delivered_ = 0;
    std::error_code sink_error_;
};

class simple_op final : public pop3_op_base {
public:
    simple_op(pop3::verb kind, std::uint32_t n, pop3_completion_ptr<std::string> done)
        : kind_(kind), n_(n), done_(std::move(done)) {}
    std::error_code start(pop3_client_impl& c) override {
        switch (kind_) {
            case pop3::verb::dele: return c.session().dele(n_);
            case pop3::verb::rset: return c.session().rset();
            case pop3::verb::noop: return c.session().noop();
            case pop3::verb::quit: return c.session().quit();
            default: return pop3::errc::unknown_command;
        }
    }
    bool on_event(pop3_client_impl&, const pop3::client_action& e) override {
        auto* st = std::get_if<pop3::client_status>(&e);
        if (st == nullptr) return false;
        if (st->line.kind != pop3::status::ok)
            error_ = pop3_client_errc::negative_response;
        else
            text_ = st->line.text;
        return true;
    }
    void complete(std::error_code ec) override { done_->complete(ec, ec ? std::string() : std::move(text_)); }

private:
    pop3::verb kind_;
    std::uint32_t n_;
    pop3_completion_ptr<std::string> done_;
    std::string text_;
};

}  // namespace

std::unique_ptr<pop3_op> make_pop3_connect_op(connect_options options, caps_done done) {
    return std::make_unique<connect_op>(std::move(options), std::move(done));
}
std::unique_ptr<pop3_op> make_pop3_stls_op(caps_done done) {
    return std::make_unique<stls_op>(std::move(done));
}
std::unique_ptr<pop3_op> make_pop3_capa_op(caps_done done) {
    return std::make_unique<capa_op>(std::move(done));
}
std::unique_ptr<pop3_op> make_pop3_login_op(std::string user, secret<> password, pop3_login_method method,
                                            pop3_completion_ptr<std::string> done) {
    return std::make_unique<login_op>(std::move(user), std::move(password), method, std::move(done));
}
std::unique_ptr<pop3_op> make_pop3_stat_op(pop3_completion_ptr<pop3_stat> done) {
    return std::make_unique<stat_op>(std::move(done));
}
std::unique_ptr<pop3_op> make_pop3_list_op(pop3_completion_ptr<std::vector<pop3_list_entry>> done) {
    return std::make_unique<listing_op<pop3_list_entry>>(pop3::verb::list, std::move(done));
}
std::unique_ptr<pop3_op> make_pop3_uidl_op(pop3_completion_ptr<std::vector<pop3_uidl_entry>> done) {
    return std::make_unique<listing_op<pop3_uidl_entry>>(pop3::verb::uidl, std::move(done));
}
std::unique_ptr<pop3_op> make_pop3_body_op(pop3::verb kind, std::uint32_t n, std::uint32_t lines,
                                           pop3_body_sink sink, pop3_completion_ptr<std::uint64_t> done) {
    return std::make_unique<body_op>(kind, n, lines, std::move(sink), std::move(done));
}
std::unique_ptr<pop3_op> make_pop3_simple_op(pop3::verb kind, std::uint32_t n,
                                             pop3_completion_ptr<std::string> done) {
    return std::make_unique<simple_op>(kind, n, std::move(done));
}

void cancel_operation(const std::weak_ptr<pop3_client_impl>& impl, std::uint64_t id,
                      asio::cancellation_type type) {
    auto self = impl.lock();
    if (!self) return;
    asio::post(self->strand_, [self, id, type] { self->abort_op(id, asio::error::operation_aborted, type); });
}

}  // namespace detail

pop3_client::pop3_client(asio::any_io_executor executor, pop3_client_options options)
    : timeout_(options.timeout) {
    impl_ = std::make_shared<detail::pop3_client_impl>(std::move(executor), std::move(options));
}

pop3_client::~pop3_client() { close(); }

pop3_client::executor_type pop3_client::get_executor() const noexcept { return impl_->strand_; }

std::shared_ptr<asio::ssl::context> pop3_client::tls_context() const { return impl_->tls_.get(); }

std::uint64_t pop3_client::next_id() noexcept { return impl_->next_id_.fetch_add(1); }

void pop3_client::submit(std::uint64_t id, std::unique_ptr<detail::pop3_op> op,
                         std::chrono::milliseconds deadline) {
    std::unique_ptr<detail::pop3_op_base> typed(static_cast<detail::pop3_op_base*>(op.release()));
    asio::post(impl_->strand_, [self = impl_, id, o = std::move(typed), deadline]() mutable {
        self->submit(id, std::move(o), deadline);
    });
}

std::weak_ptr<detail::pop3_client_impl> pop3_client::impl_weak() const { return impl_; }

void pop3_client::close() {
    asio::post(impl_->strand_, [self = impl_] {
        // Everything outstanding ends as cancelled, queued connects included.
        self->transport_.close();
        self->session_.reset();
        while (!self->ops_.empty()) self->finish(self->ops_.begin(), asio::error::operation_aborted);
    });
}

bool pop3_client::is_open() const noexcept { return impl_->transport_.is_open(); }

bool pop3_client::is_tls() const noexcept { return impl_->transport_.tls_active(); }

std::vector<std::string> pop3_client::capabilities() const { return impl_->caps_; }

bool pop3_client::has_capability(std::string_view name) const {
    for (const auto& c : impl_->caps_)
        if (iequals(first_word(c), name)) return true;
    return false;
}

pop3::status_line pop3_client::last_error_response() const { return impl_->last_error_; }

}  // namespace mailaccess::net
