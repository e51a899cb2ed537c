// The operations of net::imap_client: what each sends, which untagged data
// it collects, and how the reply becomes its result.

#include "imap_client_impl.hpp"

#include <mailaccess/imap/error.hpp>
#include <mailaccess/net/error.hpp>

#include <algorithm>
#include <limits>
#include <type_traits>

namespace mailaccess::net::detail {

namespace {

// --- which untagged responses a command produces ------------------------------

template <class T, class... Ts>
constexpr std::uint32_t bit_of(const std::variant<Ts...>*) {
    constexpr bool match[] = {std::is_same_v<T, Ts>...};
    for (std::size_t i = 0; i < sizeof...(Ts); ++i)
        if (match[i]) return std::uint32_t{1} << i;
    return 0;
}

template <class... Ts>
constexpr std::uint32_t mask_of() {
    return (bit_of<Ts>(static_cast<const imap::response*>(nullptr)) | ...);
}

static_assert(std::variant_size_v<imap::response> <= 32);

// The untagged data RFC 3501 section 7 and the extensions name as the
// answer of each command. Mailbox events (EXISTS, EXPUNGE, ...) reach the
// host through on_update whether or not they are collected here.
std::uint32_t answer_mask(const imap::command::body_type& body) {
    using namespace imap;
    return std::visit(
        [](const auto& c) -> std::uint32_t {
            using C = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<C, cmd::capability>) return mask_of<capability_data>();
            if constexpr (std::is_same_v<C, cmd::select> || std::is_same_v<C, cmd::examine>)
                return mask_of<flags_data, exists_data, recent_data, status_response, vanished_data,
                               fetch_data>();
            if constexpr (std::is_same_v<C, cmd::list> || std::is_same_v<C, cmd::lsub>)
                return mask_of<list_data, status_data>();
            if constexpr (std::is_same_v<C, cmd::status>) return mask_of<status_data>();
            if constexpr (std::is_same_v<C, cmd::search>) return mask_of<search_data, esearch_data>();
            if constexpr (std::is_same_v<C, cmd::fetch>) return mask_of<fetch_data, vanished_data>();
            if constexpr (std::is_same_v<C, cmd::store>) return mask_of<fetch_data>();
            // RFC 6851 section 4.3: MOVE reports COPYUID in an untagged OK.
            if constexpr (std::is_same_v<C, cmd::move>)
                return mask_of<expunge_data, vanished_data, status_response>();
            if constexpr (std::is_same_v<C, cmd::expunge> || std::is_same_v<C, cmd::uid_expunge> ||
                          std::is_same_v<C, cmd::close>)
                return mask_of<expunge_data, vanished_data>();
            if constexpr (std::is_same_v<C, cmd::enable>) return mask_of<enabled_data>();
            if constexpr (std::is_same_v<C, cmd::id>) return mask_of<id_data>();
            if constexpr (std::is_same_v<C, cmd::namespace_>) return mask_of<namespace_data>();
            if constexpr (std::is_same_v<C, cmd::getquota>) return mask_of<quota_data>();
            if constexpr (std::is_same_v<C, cmd::getquotaroot>) return mask_of<quotaroot_data, quota_data>();
            if constexpr (std::is_same_v<C, cmd::logout>) return mask_of<status_response>();
            return 0;
        },
        body);
}

// Commands that change the connection or the selected mailbox: they run
// alone so that the untagged data in between belongs to them.
bool runs_alone(const imap::command::body_type& body) {
    using namespace imap;
    return std::holds_alternative<cmd::select>(body) || std::holds_alternative<cmd::examine>(body) ||
           std::holds_alternative<cmd::close>(body) || std::holds_alternative<cmd::unselect>(body) ||
           std::holds_alternative<cmd::logout>(body);
}

// The messages a FETCH or STORE names and the mailbox a STATUS names, so
// that with several in flight each answer goes to the command that asked for
// it: servers run pipelined commands in parallel (Dovecot does) and
// interleave their untagged data.
class message_filter {
public:
    explicit message_filter(const imap::command::body_type& body) {
        if (auto* f = std::get_if<imap::cmd::fetch>(&body)) set(f->uid, f->set);
        if (auto* s = std::get_if<imap::cmd::store>(&body)) set(s->uid, s->set);
        if (auto* s = std::get_if<imap::cmd::status>(&body)) mailbox_ = s->mailbox;
    }
    bool matches(const imap::status_data& s) const noexcept { return !mailbox_ || s.mailbox == *mailbox_; }
    // RFC 3501 section 6.4.8: a UID command's FETCH responses carry the UID.
    bool matches(const imap::fetch_data& f) const noexcept {
        if (!active_) return true;
        std::uint32_t n = f.seq;
        if (by_uid_) {
            const auto* uid = imap::find_item<imap::fetch_item_types::uid>(f);
            if (uid == nullptr) return true;
            n = uid->value;
        }
        return std::any_of(ranges_.begin(), ranges_.end(),
                           [n](const auto& r) { return r.first <= n && n <= r.second; });
    }

private:
    void set(bool uid, const imap::sequence_set& set) {
        if (set.is_last_result()) return;  // `$`: the numbers are the server's
        by_uid_ = uid;
        active_ = true;
        for (const auto& r : set.ranges()) {
            // `n:*` is n and everything above; `*` alone, the largest number
            // in use, could be any.
            const bool open = r.first == imap::star || r.last == imap::star;
            const std::uint32_t lo = open ? std::max(r.first, r.last) : std::min(r.first, r.last);
            ranges_.emplace_back(
                open && lo == imap::star ? 1 : lo,
                open ? std::numeric_limits<std::uint32_t>::max() : std::max(r.first, r.last));
        }
    }

    bool active_ = false;
    bool by_uid_ = false;
    std::optional<imap::mailbox_name> mailbox_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges_;
};

std::error_code status_error(const imap::status_response& st) {
    switch (st.status) {
        case imap::status_kind::ok: return {};
        case imap::status_kind::bad: return imap_client_errc::command_rejected;
        default: return imap_client_errc::command_failed;
    }
}

std::vector<imap::capability> current_capabilities(imap_client_impl& c) {
    return c.session_ ? c.session().capabilities() : std::vector<imap::capability>{};
}

// --- one command, its collected reply, and a conversion to the result ----------

template <class T>
using convert_fn = T (*)(imap_client_impl&, imap_reply&);

template <class T>
class command_op final : public imap_op_base {
public:
    command_op(imap::command::body_type body, convert_fn<T> convert, completion_ptr<T> done,
               imap_fetch_sinks sinks = {})
        : body_(std::move(body)),
          mask_(answer_mask(body_)),
          alone_(runs_alone(body_)),
          filter_(body_),
          convert_(convert),
          done_(std::move(done)),
          sinks_(std::move(sinks)) {}

    bool is_exclusive() const noexcept override { return alone_; }
    std::error_code start(imap_client_impl& c) override {
        auto t = c.session().send(std::move(body_));
        if (!t) return t.error();
        tag_ = std::move(*t);
        return {};
    }
    bool claims(const imap::response& r) const noexcept override {
        if (auto* v = std::get_if<imap::vanished_data>(&r);
            v && !v->earlier && (mask_ & mask_of<imap::fetch_data>()))
            return false;  // during FETCH, only VANISHED (EARLIER) answers it (RFC 7162 section 3.2.6)
        if (auto* st = std::get_if<imap::status_response>(&r); st && st->tagged) return false;
        if (auto* f = std::get_if<imap::fetch_data>(&r); f && !filter_.matches(*f)) return false;
        if (auto* st = std::get_if<imap::status_data>(&r); st && !filter_.matches(*st)) return false;
        return (mask_ & (std::uint32_t{1} << r.index())) != 0;
    }
    bool on_untagged(imap_client_impl&, imap::response& r) override {
        if (auto* f = std::get_if<imap::fetch_data>(&r); f && sinks_.on_message) {
            if (!sink_error_) sink_error_ = sinks_.on_message(*f);
            return false;
        }
        reply_.untagged.push_back(std::move(r));
        return false;
    }
    bool wants_bodies() const noexcept override { return (mask_ & mask_of<imap::fetch_data>()) != 0; }
    void on_body(imap_client_impl&, const imap_body_event& e) override {
        if (sinks_.on_body && !sink_error_) sink_error_ = sinks_.on_body(e);
    }
    bool on_completed(imap_client_impl&, imap::completed& done) override {
        reply_.status = std::move(done.status);
        error_ = status_error(reply_.status);
        if (!error_) error_ = sink_error_;
        return true;
    }
    void complete(imap_client_impl& c, std::error_code ec) override {
        done_->complete(ec, convert_(c, reply_));
    }

private:
    imap::command::body_type body_;
    std::uint32_t mask_;
    bool alone_;
    message_filter filter_;
    convert_fn<T> convert_;
    completion_ptr<T> done_;
    imap_fetch_sinks sinks_;
    imap_reply reply_;
    std::error_code sink_error_;
};

template <class T>
imap_op_ptr make_command(imap::command::body_type body, convert_fn<T> convert, completion_ptr<T> done,
                         imap_fetch_sinks sinks = {}) {
    return std::make_unique<command_op<T>>(std::move(body), convert, std::move(done), std::move(sinks));
}

// --- conversions -----------------------------------------------------------------

imap_reply as_reply(imap_client_impl&, imap_reply& r) { return std::move(r); }

std::vector<imap::capability> as_capabilities(imap_client_impl& c, imap_reply&) {
    return current_capabilities(c);
}

imap_mailbox as_mailbox(imap_client_impl&, imap_reply& r) {
    imap_mailbox m;
    auto take_code = [&m](const imap::response_code& code) {
        using k = imap::response_code_kind;
        switch (code.kind) {
            case k::uidvalidity: m.uidvalidity = static_cast<std::uint32_t>(code.number); break;
            case k::uidnext: m.uidnext = static_cast<std::uint32_t>(code.number); break;
            case k::unseen: m.unseen = static_cast<std::uint32_t>(code.number); break;
            case k::highestmodseq: m.highestmodseq = code.number; break;
            case k::nomodseq: m.nomodseq = true; break;
            case k::permanentflags: m.permanent_flags = code.flags; break;
            case k::read_only: m.read_only = true; break;
            case k::read_write: m.read_only = false; break;
            default: break;
        }
    };
    for (auto& u : r.untagged) {
        if (auto* f = std::get_if<imap::flags_data>(&u)) m.flags = std::move(f->flags);
        if (auto* e = std::get_if<imap::exists_data>(&u)) m.exists = e->count;
        if (auto* e = std::get_if<imap::recent_data>(&u)) m.recent = e->count;
        if (auto* st = std::get_if<imap::status_response>(&u); st && st->code) take_code(*st->code);
        if (auto* v = std::get_if<imap::vanished_data>(&u)) m.vanished.push_back(std::move(v->uids));
        if (auto* f = std::get_if<imap::fetch_data>(&u)) m.changed.push_back(std::move(*f));
    }
    if (r.status.code) take_code(*r.status.code);
    m.status = std::move(r.status);
    return m;
}

imap_list_result as_list(imap_client_impl&, imap_reply& r) {
    imap_list_result out;
    for (auto& u : r.untagged) {
        if (auto* l = std::get_if<imap::list_data>(&u)) out.mailboxes.push_back(std::move(*l));
        if (auto* s = std::get_if<imap::status_data>(&u)) out.statuses.push_back(std::move(*s));
    }
    return out;
}

imap::status_data as_status(imap_client_impl&, imap_reply& r) {
    for (auto& u : r.untagged)
        if (auto* s = std::get_if<imap::status_data>(&u)) return std::move(*s);
    return {};
}

imap_fetch_result as_fetch(imap_client_impl&, imap_reply& r) {
    imap_fetch_result out;
    for (auto& u : r.untagged) {
        if (auto* f = std::get_if<imap::fetch_data>(&u)) out.messages.push_back(std::move(*f));
        if (auto* v = std::get_if<imap::vanished_data>(&u)) out.vanished.push_back(std::move(v->uids));
    }
    out.status = std::move(r.status);
    return out;
}

imap_search_result as_search(imap_client_impl&, imap_reply& r) {
    // An ESEARCH ALL set is expanded only up to this many numbers: a hostile
    // "ALL 1:4294967295" must not make the client allocate 16 GiB.
    constexpr std::uint64_t max_expanded = 10'000'000;
    imap_search_result out;
    for (auto& u : r.untagged) {
        if (auto* s = std::get_if<imap::search_data>(&u)) {
            out.numbers.insert(out.numbers.end(), s->numbers.begin(), s->numbers.end());
            if (s->modseq) out.modseq = s->modseq;
        }
        if (auto* e = std::get_if<imap::esearch_data>(&u)) {
            if (e->all) {
                std::uint64_t total = 0;
                for (const auto& range : e->all->ranges())
                    total += std::uint64_t{range.last} - range.first + 1;
                if (total <= max_expanded)
                    for (const auto& range : e->all->ranges())
                        for (std::uint64_t n = range.first; n <= range.last; ++n)
                            out.numbers.push_back(static_cast<std::uint32_t>(n));
            }
            if (e->modseq) out.modseq = e->modseq;
            out.esearch = std::move(*e);
        }
    }
    out.status = std::move(r.status);
    return out;
}

std::vector<imap::capability> as_enabled(imap_client_impl&, imap_reply& r) {
    std::vector<imap::capability> out;
    for (auto& u : r.untagged)
        if (auto* e = std::get_if<imap::enabled_data>(&u))
            out.insert(out.end(), e->capabilities.begin(), e->capabilities.end());
    return out;
}

imap::id_data as_id(imap_client_impl&, imap_reply& r) {
    for (auto& u : r.untagged)
        if (auto* i = std::get_if<imap::id_data>(&u)) return std::move(*i);
    return {};
}

imap::namespace_data as_namespace(imap_client_impl&, imap_reply& r) {
    for (auto& u : r.untagged)
        if (auto* n = std::get_if<imap::namespace_data>(&u)) return std::move(*n);
    return {};
}

imap_quota_result as_quota(imap_client_impl&, imap_reply& r) {
    imap_quota_result out;
    for (auto& u : r.untagged) {
        if (auto* q = std::get_if<imap::quotaroot_data>(&u)) out.roots.push_back(std::move(*q));
        if (auto* q = std::get_if<imap::quota_data>(&u)) out.quotas.push_back(std::move(*q));
    }
    return out;
}

// --- the exchanges of several steps ------------------------------------------------

// Sends CAPABILITY unless the session knows the capabilities; true when
// nothing needs to be waited for.
bool ask_capabilities(imap_client_impl& c, imap_op_base& op) {
    if (c.session().capabilities_known()) return true;
    auto t = c.session().send(imap::cmd::capability{});
    if (!t) {
        op.error_ = t.error();
        op.fatal_ = true;
        return true;
    }
    op.tag_ = std::move(*t);
    return false;
}

class connect_op final : public imap_op_base {
public:
    connect_op(connect_options options, capabilities_done done)
        : options_(std::move(options)), done_(std::move(done)) {}
    bool is_exclusive() const noexcept override { return true; }
    bool is_connect() const noexcept override { return true; }
    std::error_code start(imap_client_impl& c) override { return c.begin_connect(std::move(options_)); }
    bool claims(const imap::response& r) const noexcept override {
        return !greeted_ && std::holds_alternative<imap::status_response>(r);
    }
    bool on_untagged(imap_client_impl& c, imap::response& r) override {
        const auto& st = std::get<imap::status_response>(r);
        greeted_ = true;
        if (st.status == imap::status_kind::bye) {
            error_ = imap_client_errc::refused;
            fatal_ = true;
            return true;
        }
        return ask_capabilities(c, *this);
    }
    bool on_completed(imap_client_impl&, imap::completed& done) override {
        error_ = status_error(done.status);
        return true;
    }
    void complete(imap_client_impl& c, std::error_code ec) override {
        done_->complete(ec, ec ? std::vector<imap::capability>{} : current_capabilities(c));
    }

private:
    connect_options options_;
    capabilities_done done_;
    bool greeted_ = false;
};

class starttls_op final : public imap_op_base {
public:
    explicit starttls_op(capabilities_done done) : done_(std::move(done)) {}
    bool is_exclusive() const noexcept override { return true; }
    std::error_code start(imap_client_impl& c) override {
        if (c.transport_.tls_active()) return imap_client_errc::tls_already_active;
        if (!c.tls_.get())
            return c.tls_.error() ? c.tls_.error() : std::error_code(net::errc::tls_not_configured);
        auto t = c.session().send(imap::cmd::starttls{});
        if (!t) return t.error();
        tag_ = std::move(*t);
        return {};
    }
    bool claims(const imap::response&) const noexcept override { return false; }
    bool on_untagged(imap_client_impl&, imap::response&) override { return false; }
    bool on_completed(imap_client_impl&, imap::completed& done) override {
        error_ = status_error(done.status);
        // After the OK the session asks for the handshake (on_tls follows).
        return error_ || tls_done_;
    }
    bool on_tls(imap_client_impl& c) override {
        tls_done_ = true;
        tag_.reset();
        return ask_capabilities(c, *this);  // RFC 3501 section 6.2.1: learn them again
    }
    void complete(imap_client_impl& c, std::error_code ec) override {
        done_->complete(ec, ec ? std::vector<imap::capability>{} : current_capabilities(c));
    }

private:
    capabilities_done done_;
    bool tls_done_ = false;
};

class login_op final : public imap_op_base {
public:
    login_op(std::string user, secret<> password, imap_login_method method, capabilities_done done)
        : user_(std::move(user)), password_(std::move(password)), method_(method), done_(std::move(done)) {}
    bool is_exclusive() const noexcept override { return true; }
    std::error_code start(imap_client_impl& c) override {
        if (!c.transport_.tls_active() && !c.options_.allow_plaintext_login)
            return imap_client_errc::tls_required;
        auto& s = c.session();
        imap_login_method m = method_;
        if (m == imap_login_method::automatic)
            m = s.has_capability("AUTH=PLAIN") ? imap_login_method::sasl_plain : imap_login_method::login;
        auto t = m == imap_login_method::sasl_plain   ? s.authenticate_plain(user_, password_)
                 : m == imap_login_method::sasl_login ? s.authenticate_login(user_, password_)
                                                      : s.login(user_, password_);
        password_.wipe();
        if (!t) return t.error();
        tag_ = std::move(*t);
        return {};
    }
    bool claims(const imap::response&) const noexcept override { return false; }
    bool on_untagged(imap_client_impl&, imap::response&) override { return false; }
    bool on_completed(imap_client_impl& c, imap::completed& done) override {
        if (logged_in_) {  // the CAPABILITY that followed
            error_ = status_error(done.status);
            return true;
        }
        if (done.status.status == imap::status_kind::no) {
            error_ = imap::errc::auth_failed;
            return true;
        }
        if (done.status.status == imap::status_kind::bad) {
            error_ = imap_client_errc::command_rejected;
            return true;
        }
        logged_in_ = true;
        return ask_capabilities(c, *this);  // RFC 9051 section 6.2.3: they may have changed
    }
    void complete(imap_client_impl& c, std::error_code ec) override {
        password_.wipe();
        done_->complete(ec, ec ? std::vector<imap::capability>{} : current_capabilities(c));
    }

private:
    std::string user_;
    secret<> password_;
    imap_login_method method_;
    capabilities_done done_;
    bool logged_in_ = false;
};

// IDLE (RFC 2177) until stopped, re-issued every idle_keepalive.
class idle_op final : public imap_op_base {
public:
    explicit idle_op(completion_ptr<imap_reply> done) : done_(std::move(done)) {}
    bool is_exclusive() const noexcept override { return true; }
    bool is_idle() const noexcept override { return true; }
    std::error_code start(imap_client_impl& c) override {
        timer_.emplace(c.strand_);
        return send_idle(c);
    }
    bool claims(const imap::response&) const noexcept override { return false; }
    bool on_untagged(imap_client_impl&, imap::response&) override { return false; }
    void on_idling(imap_client_impl& c) override {
        if (!stopping_) c.arm_op_timer(*timer_, c.options_.idle_keepalive, id_);
    }
    void on_timer(imap_client_impl& c) override { send_done(c); }
    bool stop(imap_client_impl& c, std::error_code ec) override {
        if (!stopping_) error_ = ec;
        stopping_ = true;
        send_done(c);
        return true;
    }
    bool on_completed(imap_client_impl& c, imap::completed& done) override {
        done_sent_ = false;
        reply_.status = std::move(done.status);
        if (auto ec = status_error(reply_.status)) {
            error_ = ec;
            return true;
        }
        if (stopping_) return true;
        if (auto ec = send_idle(c)) {  // the keepalive: IDLE again
            error_ = ec;
            fatal_ = true;
            return true;
        }
        return false;
    }
    void complete(imap_client_impl&, std::error_code ec) override {
        if (timer_) timer_->cancel();
        done_->complete(ec, std::move(reply_));
    }

private:
    std::error_code send_idle(imap_client_impl& c) {
        auto t = c.session().idle();
        if (!t) return t.error();
        tag_ = std::move(*t);
        return {};
    }
    void send_done(imap_client_impl& c) {
        if (done_sent_ || !c.session_) return;
        done_sent_ = true;
        if (timer_) timer_->cancel();
        c.session().done();
    }

    completion_ptr<imap_reply> done_;
    imap_reply reply_;
    std::optional<asio::steady_timer> timer_;
    bool stopping_ = false;
    bool done_sent_ = false;
};

// APPEND with every message streamed from its source (client_session
// asks for each literal's octets with literal_request).
class append_op final : public imap_op_base {
public:
    append_op(imap::mailbox_name mailbox, std::vector<imap_append_source> messages,
              completion_ptr<imap_reply> done)
        : mailbox_(std::move(mailbox)), sources_(std::move(messages)), done_(std::move(done)) {}
    std::error_code start(imap_client_impl& c) override {
        if (sources_.empty()) return imap::errc::bad_syntax;
        imap::cmd::append append;
        append.mailbox = mailbox_;
        for (const auto& src : sources_) {
            if (!src.read && src.size > 0) return imap::errc::bad_syntax;
            auto& m = append.messages.emplace_back();
            m.flags = src.flags;
            m.internal_date = src.internal_date;
            m.size = src.size;
            m.binary = src.binary;
            m.streamed = true;
        }
        auto t = c.session().send(std::move(append));
        if (!t) return t.error();
        tag_ = std::move(*t);
        return {};
    }
    bool claims(const imap::response&) const noexcept override { return false; }
    bool on_untagged(imap_client_impl&, imap::response&) override { return false; }
    void on_literal_request(imap_client_impl&, const imap::literal_request& req) override {
        current_ = req.message;
    }
    std::error_code supply_literal(imap_client_impl& c, std::span<char> buffer) override {
        if (current_ >= sources_.size()) return imap::errc::not_allowed;
        std::error_code ec;
        const std::size_t n = std::min(sources_[current_].read(buffer, ec), buffer.size());
        if (ec) return ec;
        if (n == 0) return std::make_error_code(std::errc::io_error);  // the source ended before `size`
        return c.session().send_literal_data(std::string_view(buffer.data(), n));
    }
    bool on_completed(imap_client_impl&, imap::completed& done) override {
        reply_.status = std::move(done.status);
        error_ = status_error(reply_.status);
        return true;
    }
    void complete(imap_client_impl&, std::error_code ec) override { done_->complete(ec, std::move(reply_)); }

private:
    imap::mailbox_name mailbox_;
    std::vector<imap_append_source> sources_;
    completion_ptr<imap_reply> done_;
    imap_reply reply_;
    std::size_t current_ = 0;
};

// A command that async_command does not take: its exchange needs an
// operation of its own, or support the client does not have (COMPRESS).
class refused_op final : public imap_op_base {
public:
    refused_op(std::error_code why, completion_ptr<imap_reply> done) : why_(why), done_(std::move(done)) {}
    std::error_code start(imap_client_impl&) override { return why_; }
    bool claims(const imap::response&) const noexcept override { return false; }
    bool on_untagged(imap_client_impl&, imap::response&) override { return false; }
    bool on_completed(imap_client_impl&, imap::completed&) override { return true; }
    void complete(imap_client_impl&, std::error_code ec) override { done_->complete(ec, imap_reply{}); }

private:
    std::error_code why_;
    completion_ptr<imap_reply> done_;
};

}  // namespace

imap_op_ptr make_imap_connect_op(connect_options options, capabilities_done done) {
    return std::make_unique<connect_op>(std::move(options), std::move(done));
}
imap_op_ptr make_imap_starttls_op(capabilities_done done) {
    return std::make_unique<starttls_op>(std::move(done));
}
imap_op_ptr make_imap_capability_op(capabilities_done done) {
    return make_command<std::vector<imap::capability>>(imap::cmd::capability{}, as_capabilities,
                                                       std::move(done));
}
imap_op_ptr make_imap_login_op(std::string user, secret<> password, imap_login_method method,
                               capabilities_done done) {
    return std::make_unique<login_op>(std::move(user), std::move(password), method, std::move(done));
}
imap_op_ptr make_imap_command_op(imap::command::body_type body, completion_ptr<imap_reply> done) {
    using namespace imap;
    if (std::holds_alternative<cmd::authenticate>(body) || std::holds_alternative<cmd::login>(body) ||
        std::holds_alternative<cmd::starttls>(body) || std::holds_alternative<cmd::idle>(body) ||
        std::holds_alternative<cmd::compress>(body))
        return std::make_unique<refused_op>(imap::errc::not_allowed, std::move(done));
    return make_command<imap_reply>(std::move(body), as_reply, std::move(done));
}
imap_op_ptr make_imap_select_op(imap::cmd::select_params params, bool read_only,
                                completion_ptr<imap_mailbox> done) {
    imap::command::body_type body;
    if (read_only)
        body = imap::cmd::examine{std::move(params)};
    else
        body = imap::cmd::select{std::move(params)};
    return make_command<imap_mailbox>(std::move(body), as_mailbox, std::move(done));
}
imap_op_ptr make_imap_list_op(imap::cmd::list list, completion_ptr<imap_list_result> done) {
    return make_command<imap_list_result>(std::move(list), as_list, std::move(done));
}
imap_op_ptr make_imap_status_op(imap::cmd::status status, completion_ptr<imap::status_data> done) {
    return make_command<imap::status_data>(std::move(status), as_status, std::move(done));
}
imap_op_ptr make_imap_fetch_op(imap::cmd::fetch fetch, imap_fetch_sinks sinks,
                               completion_ptr<imap_fetch_result> done) {
    return make_command<imap_fetch_result>(std::move(fetch), as_fetch, std::move(done), std::move(sinks));
}
imap_op_ptr make_imap_search_op(imap::cmd::search search, completion_ptr<imap_search_result> done) {
    return make_command<imap_search_result>(std::move(search), as_search, std::move(done));
}
imap_op_ptr make_imap_enable_op(std::vector<imap::capability> capabilities, capabilities_done done) {
    return make_command<std::vector<imap::capability>>(imap::cmd::enable{std::move(capabilities)}, as_enabled,
                                                       std::move(done));
}
imap_op_ptr make_imap_id_op(imap::cmd::id id, completion_ptr<imap::id_data> done) {
    return make_command<imap::id_data>(std::move(id), as_id, std::move(done));
}
imap_op_ptr make_imap_namespace_op(completion_ptr<imap::namespace_data> done) {
    return make_command<imap::namespace_data>(imap::cmd::namespace_{}, as_namespace, std::move(done));
}
imap_op_ptr make_imap_quota_op(imap::mailbox_name mailbox, completion_ptr<imap_quota_result> done) {
    return make_command<imap_quota_result>(imap::cmd::getquotaroot{std::move(mailbox)}, as_quota,
                                           std::move(done));
}
imap_op_ptr make_imap_append_op(imap::mailbox_name mailbox, std::vector<imap_append_source> messages,
                                completion_ptr<imap_reply> done) {
    return std::make_unique<append_op>(std::move(mailbox), std::move(messages), std::move(done));
}
imap_op_ptr make_imap_idle_op(completion_ptr<imap_reply> done) {
    return std::make_unique<idle_op>(std::move(done));
}

}  // namespace mailaccess::net::detail
