#include <mailaccess/pop3/server_session.hpp>

#include <mailaccess/core/assert.hpp>
#include <mailaccess/core/base64.hpp>
#include <mailaccess/pop3/parser.hpp>
#include <mailaccess/pop3/serializer.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <type_traits>
#include <utility>

namespace mailaccess::pop3 {
namespace {

// Bodies are pulled from the byte_source this much at a time, and only once
// the previous chunk has been written: memory per RETR stays bounded.
constexpr std::size_t stream_chunk = 64 * 1024;
// Pending output at which next_action() writes rather than going on.
constexpr std::size_t write_batch = 64 * 1024;
constexpr unsigned max_failed_logins = 3;
constexpr std::chrono::seconds min_idle_timeout{600};  // RFC 1939 section 3

constexpr std::string_view plaintext_refused =
    "Plaintext authentication disallowed on non-secure connections.";

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::string clean(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c == '\r' || c == '\n') c = ' ';
    return out;
}

// Without a random source in pop3, uniqueness comes from a process-wide
// counter plus the clock; hosts wanting unpredictability pass their own.
std::string make_timestamp(std::string_view hostname) {
    static std::atomic<std::uint64_t> counter{0};
    const auto n = counter.fetch_add(1, std::memory_order_relaxed);
    const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
    return "<" + std::to_string(n) + "." + std::to_string(ticks) + "@" + clean(hostname) + ">";
}

std::string uidl_for(const maildrop_entry& e, std::uint32_t uidvalidity) {
    // Dovecot's default pop3_uidl_format "%08Xu%08Xv": stable across sessions.
    // Dovecot's %X expands to lowercase hex (checked against Dovecot 2.3 in
    // tests/interop/dovecot_maildir_test.py), so a maildrop moved between the
    // two servers keeps its UIDLs and leave-on-server clients fetch nothing twice.
    char buf[17];
    std::snprintf(buf, sizeof buf, "%08x%08x", static_cast<unsigned>(e.uid),
                  static_cast<unsigned>(uidvalidity));
    return buf;
}

// RFC 4422 section 3.1: sasl-mech = 1*20(UPPER-ALPHA / DIGIT / "-" / "_").
// Anything else in server_options would break the CAPA line, so it is skipped.
bool is_sasl_mech(std::string_view m) {
    if (m.empty() || m.size() > 20) return false;
    return std::all_of(m.begin(), m.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

}  // namespace

server_session::server_session(server_options options) : options_(std::move(options)) {
    secure_ = options_.tls_active;
    std::string greeting = options_.greeting;
    if (options_.apop_enabled) {
        timestamp_ = options_.apop_timestamp.empty() ? make_timestamp(options_.hostname)
                                                     : clean(options_.apop_timestamp);
        greeting += ' ';
        greeting += timestamp_;
    }
    reply_ok(greeting);
}

server_session::~server_session() = default;

action server_session::next_action() {
    for (;;) {
        if (state_ == state::closed) return close_connection{};
        // Output is batched: the replies to pipelined commands and a
        // message's status line, body and terminator go out in one write
        // until the batch is this large (the syscall, not the copy, is what a
        // small RETR costs), and are flushed before anything that waits.
        if (out_.pending_size() >= write_batch) return write_ready{};
        if (stream_) {
            fill_stream();
            continue;
        }
        if (to_send_) {
            // Replies wait behind an engine call only when it is a RETR/TOP
            // open, the step of a pipelined download; not behind a login.
            if (out_.has_pending() && !std::holds_alternative<open_request>(to_send_->body))
                return write_ready{};
            engine_request r = std::move(*to_send_);
            to_send_.reset();
            return r;
        }
        if (out_.has_pending() && (delay_due_ || close_due_ || stls_due_)) return write_ready{};
        if (delay_due_) {
            delay_due_ = false;
            delaying_ = true;
            return delay{options_.failed_auth_delay};
        }
        if (close_due_) {
            state_ = state::closed;
            return close_connection{};
        }
        if (stls_due_) {
            stls_due_ = false;
            awaiting_tls_ = true;
            return start_tls{};
        }
        // Calling next_action while the driver still owes complete(),
        // resume() or tls_established() is a bug in the driver.
        MAILACCESS_ASSERT(pending_ == pending_kind::none && !delaying_ && !awaiting_tls_);
        if (state_ != state::update && process_line()) continue;
        if (out_.has_pending()) return write_ready{};
        return need_input{};
    }
}

std::span<char> server_session::prepare(std::size_t n) { return input_.prepare(n); }

void server_session::commit(std::size_t n) { input_.commit(n); }

void server_session::feed(std::string_view bytes) { input_.append(bytes); }

std::string_view server_session::pending_output() const noexcept { return out_.pending(); }

void server_session::consume_output(std::size_t n) { out_.consume(n); }

std::chrono::seconds server_session::read_timeout() const noexcept {
    return std::max(options_.idle_timeout, min_idle_timeout);
}

void server_session::reply_ok(std::string_view text) { out_.append(serialize_status(status::ok, {}, text)); }

void server_session::reply_err(std::string_view code, std::string_view text) {
    out_.append(serialize_status(status::err, code, text));
}

bool server_session::can_auth() const noexcept { return secure_ || options_.allow_plaintext_auth; }

// Frames one line out of the input buffer and acts on it. Returns false
// when no complete line is buffered.
bool server_session::process_line() {
    if (input_.empty()) return false;
    // RFC 2449 section 4 caps commands at 255 octets; SASL responses are
    // not commands and may be longer (RFC 5034 section 4), up to the limit.
    const std::size_t limit = in_sasl_ ? options_.limits.max_line_length
                                       : std::min(max_command_line, options_.limits.max_line_length);
    const std::string_view unread = input_.unread();
    const std::size_t lf = unread.find('\n');
    if (lf == std::string_view::npos) {
        if (unread.size() > limit) {
            // Drop the over-long line as it arrives; answer once at its end.
            discarding_ = true;
            input_.clear();
        }
        return false;
    }
    std::string_view line = unread.substr(0, lf);
    input_.consume(lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (discarding_ || line.size() + 2 > limit) {
        discarding_ = false;
        in_sasl_ = false;
        reply_err({}, "Line too long.");
        return true;
    }
    if (in_sasl_) {
        handle_sasl_response(line);
        return true;
    }
    auto cmd = parse_command(line);
    if (!cmd) {
        if (cmd.error() == errc::line_too_long)
            reply_err({}, "Line too long.");
        else if (cmd.error() == errc::unknown_command)
            reply_err({}, "Unknown command.");
        else
            reply_err({}, "Invalid arguments.");
        return true;
    }
    handle_command(*cmd);
    return true;
}

void server_session::handle_command(const command& cmd) {
    if (state_ == state::authorization)
        handle_authorization(cmd);
    else if (state_ == state::transaction)
        handle_transaction(cmd);
}

void server_session::send_capa() {
    // RFC 2449 section 5; STLS only while it can still be used (RFC 2595 section 4).
    std::string out = serialize_status(status::ok, {}, "Capability list follows");
    out += "TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n";
    if (can_auth()) {
        out += "USER\r\n";
        std::string sasl;
        for (const auto& m : options_.sasl_mechanisms) {
            const std::string name = upper(m);
            if (is_sasl_mech(name)) sasl += " " + name;
        }
        if (!sasl.empty()) out += "SASL" + sasl + "\r\n";
    }
    if (state_ == state::authorization && options_.stls_available && !secure_) out += "STLS\r\n";
    if (!options_.implementation.empty()) out += "IMPLEMENTATION " + clean(options_.implementation) + "\r\n";
    out += ".\r\n";
    out_.append(out);
}

void server_session::handle_authorization(const command& cmd) {
    switch (cmd.kind) {
        case verb::capa: send_capa(); return;
        case verb::quit:
            // No UPDATE state from AUTHORIZATION (RFC 1939 section 6).
            reply_ok("Logging out.");
            close_due_ = true;
            return;
        case verb::stls:
            if (secure_) return reply_err({}, "TLS is already active.");
            if (!options_.stls_available) return reply_err({}, "STLS not available.");
            reply_ok("Begin TLS negotiation now.");
            stls_due_ = true;
            // RFC 2595 section 3.1 / CVE-2011-0411: whatever was pipelined behind
            // STLS arrived in plaintext and must not be executed after TLS.
            input_.clear();
            discarding_ = false;
            return;
        case verb::user:
            if (!can_auth()) return reply_err("AUTH", plaintext_refused);
            user_ = cmd.name;
            reply_ok({});
            return;
        case verb::pass: {
            if (!can_auth()) return reply_err("AUTH", plaintext_refused);
            if (user_.empty()) return reply_err({}, "No username given.");
            login_request req{std::exchange(user_, {}), cmd.credential};
            request(std::move(req), pending_kind::login);
            return;
        }
        case verb::apop:
            if (!options_.apop_enabled) return reply_err({}, "APOP not enabled.");
            request(apop_request{cmd.name, timestamp_, cmd.digest}, pending_kind::login);
            return;
        case verb::auth:
            if (!can_auth()) return reply_err("AUTH", plaintext_refused);
            start_auth(cmd);
            return;
        default: reply_err({}, "Command not valid in this state."); return;
    }
}

void server_session::start_auth(const command& cmd) {
    if (cmd.name.empty()) {
        // A bare AUTH lists the mechanisms (RFC 1734 practice, still used).
        std::string out = serialize_status(status::ok, {}, {});
        for (const auto& m : options_.sasl_mechanisms) {
            const std::string name = upper(m);
            if (is_sasl_mech(name)) out += name + "\r\n";
        }
        out_.append(out + ".\r\n");
        return;
    }
    const bool offered = std::any_of(options_.sasl_mechanisms.begin(), options_.sasl_mechanisms.end(),
                                     [&](const std::string& m) { return upper(m) == cmd.name; });
    if (!offered || !is_sasl_mech(cmd.name)) return reply_err({}, "Unsupported authentication mechanism.");
    sasl_start_request req{cmd.name, std::nullopt};
    if (cmd.has_initial_response) {
        // RFC 5034 section 4: "=" is the zero-length initial response.
        const std::string_view ir = cmd.credential.reveal();
        if (ir == "=") {
            req.initial_response.emplace();
        } else {
            auto decoded = base64_decode(ir);
            if (!decoded) return reply_err({}, "Invalid base64 data in initial response.");
            req.initial_response.emplace(std::move(*decoded));
        }
    }
    request(std::move(req), pending_kind::sasl);
}

void server_session::handle_sasl_response(std::string_view line) {
    in_sasl_ = false;
    // RFC 5034 section 4: "*" cancels. The engine's half-done exchange is
    // dropped when the next request reaches it.
    if (line == "*") return reply_err({}, "Authentication aborted by client.");
    // An empty line is the empty response; "=" is accepted for it too, as
    // clients copy the initial-response spelling.
    auto decoded = base64_decode(line == "=" ? std::string_view{} : line);
    if (!decoded) return reply_err({}, "Invalid base64 data in continued response.");
    request(sasl_step_request{secret<>(std::move(*decoded))}, pending_kind::sasl);
}

void server_session::fail_login() {
    ++failed_logins_;
    if (options_.failed_auth_delay.count() > 0) {
        delay_due_ = true;
    } else {
        delaying_ = true;
        resume();
    }
}

void server_session::resume() {
    MAILACCESS_ASSERT(delaying_);
    delaying_ = false;
    reply_err("AUTH", "Authentication failed.");
    if (failed_logins_ >= max_failed_logins) close_due_ = true;
}

void server_session::tls_established() {
    MAILACCESS_ASSERT(awaiting_tls_);
    awaiting_tls_ = false;
    secure_ = true;
    input_.clear();
    discarding_ = false;
}

void server_session::request(decltype(engine_request::body) body, pending_kind kind) {
    outstanding_id_ = next_id_++;
    pending_ = kind;
    to_send_ = engine_request{outstanding_id_, std::move(body)};
}

const maildrop_entry* server_session::message_for(std::uint32_t n, bool allow_deleted) {
    if (n == 0 || n > messages_.size()) {
        reply_err({}, "There's no message " + std::to_string(n) + ".");
        return nullptr;
    }
    if (!allow_deleted && deleted_[n - 1]) {
        reply_err({}, "Message is deleted.");
        return nullptr;
    }
    return &messages_[n - 1];
}

void server_session::handle_transaction(const command& cmd) {
    switch (cmd.kind) {
        case verb::capa: send_capa(); return;
        case verb::noop: reply_ok({}); return;
        case verb::stat: {
            std::uint64_t count = 0, size = 0;
            for (std::size_t i = 0; i < messages_.size(); ++i)
                if (!deleted_[i]) {
                    ++count;
                    size += messages_[i].size;
                }
            reply_ok(std::to_string(count) + " " + std::to_string(size));
            return;
        }
        case verb::list:
        case verb::uidl: {
            const bool is_list = cmd.kind == verb::list;
            auto value = [&](const maildrop_entry& e) {
                return is_list ? std::to_string(e.size) : uidl_for(e, uidvalidity_);
            };
            if (cmd.message) {
                if (const auto* e = message_for(*cmd.message, false))
                    reply_ok(std::to_string(*cmd.message) + " " + value(*e));
                return;
            }
            std::size_t count = 0;
            std::string body;
            for (std::size_t i = 0; i < messages_.size(); ++i) {
                if (deleted_[i]) continue;
                ++count;
                body += std::to_string(i + 1) + " " + value(messages_[i]) + "\r\n";
            }
            reply_ok(is_list ? std::to_string(count) + " messages:" : std::string{});
            out_.append(body);
            out_.append(".\r\n");
            return;
        }
        case verb::retr:
        case verb::top:
            if (const auto* e = message_for(*cmd.message, false)) {
                pending_message_ = *cmd.message;
                pending_top_lines_.reset();
                if (cmd.kind == verb::top) pending_top_lines_ = cmd.lines;
                request(open_request{e->uid}, pending_kind::open);
            }
            return;
        case verb::dele:
            if (message_for(*cmd.message, false) != nullptr) {
                deleted_[*cmd.message - 1] = true;
                reply_ok("Marked to be deleted.");
            }
            return;
        case verb::rset:
            std::fill(deleted_.begin(), deleted_.end(), false);
            reply_ok({});
            return;
        case verb::quit: {
            // RFC 1939 section 6: enter UPDATE; acknowledge only after the engine
            // has removed the messages.
            state_ = state::update;
            update_request req;
            for (std::size_t i = 0; i < messages_.size(); ++i)
                if (deleted_[i]) req.uids_to_delete.push_back(messages_[i].uid);
            request(std::move(req), pending_kind::update);
            return;
        }
        default: reply_err({}, "Command not valid in this state."); return;
    }
}

void server_session::complete(request_id id, engine_reply reply) {
    MAILACCESS_ASSERT(pending_ != pending_kind::none && id == outstanding_id_ && !to_send_);
    (void)id;  // only checked when assertions are on
    const pending_kind kind = std::exchange(pending_, pending_kind::none);
    switch (kind) {
        case pending_kind::login:
            if (auto* r = std::get_if<login_reply>(&reply)) return on_login(*r);
            break;
        case pending_kind::sasl:
            if (auto* r = std::get_if<sasl_reply>(&reply)) return on_sasl(*r);
            break;
        case pending_kind::open:
            if (auto* r = std::get_if<open_reply>(&reply)) return on_open(*r);
            break;
        case pending_kind::update:
            if (auto* r = std::get_if<update_reply>(&reply)) return on_update(*r);
            break;
        case pending_kind::none: break;
    }
    MAILACCESS_ASSERT(false && "engine reply does not match the request");
}

void server_session::on_login(login_reply& reply) {
    if (!reply.error) {
        state_ = state::transaction;
        messages_ = std::move(reply.messages);
        deleted_.assign(messages_.size(), false);
        uidvalidity_ = reply.uidvalidity;
        reply_ok("Logged in.");
    } else if (reply.error == errc::auth_failed) {
        fail_login();
    } else if (reply.error == errc::maildrop_in_use) {
        reply_err("IN-USE", "Mailbox is locked by another POP3 session.");
    } else if (reply.error == errc::sasl_malformed) {
        // A grammar error tells a guesser nothing, so no delay and no strike.
        reply_err({}, "Malformed SASL response.");
    } else if (reply.error == errc::sasl_aborted) {
        reply_err({}, "Authentication aborted by client.");
    } else if (reply.error == errc::unsupported_mechanism) {
        reply_err({}, "Unsupported authentication mechanism.");
    } else {
        reply_err("SYS/TEMP", "Temporary authentication failure.");
    }
}

void server_session::on_sasl(sasl_reply& reply) {
    if (reply.challenge) {
        out_.append(serialize_status(status::continuation, {}, base64_encode(*reply.challenge)));
        in_sasl_ = true;
        return;
    }
    on_login(reply.outcome);
}

void server_session::on_open(open_reply& reply) {
    if (reply.error || !reply.body) {
        if (reply.error == errc::no_such_message) return reply_err({}, "Message no longer exists.");
        return reply_err("SYS/TEMP", "Temporary failure reading message.");
    }
    const auto& entry = messages_[pending_message_ - 1];
    if (pending_top_lines_) {
        reply_ok({});
        stream_.emplace(stream_state{std::move(reply.body), 0, dot_stuffer(*pending_top_lines_)});
    } else {
        reply_ok(std::to_string(entry.size) + " octets");
        stream_.emplace(stream_state{std::move(reply.body), 0, dot_stuffer()});
    }
}

void server_session::on_update(const update_reply& reply) {
    if (reply.error)
        reply_err("SYS/TEMP", "Some deleted messages were not removed.");
    else
        reply_ok("Logging out.");
    close_due_ = true;
}

void server_session::fill_stream() {
    auto& s = *stream_;
    const std::uint64_t size = s.source->size();
    if (s.encoder.is_complete() || s.offset >= size) {
        s.encoder.finish(out_.storage());
        stream_.reset();
        return;
    }
    read_buf_.resize(stream_chunk);
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(stream_chunk, size - s.offset));
    auto n = s.source->read(s.offset, std::span<char>(read_buf_.data(), want));
    if (!n || *n == 0) {
        // Half a multi-line response is on the wire: no -ERR can follow it,
        // so the only honest ending is to close (the client sees no ".").
        stream_.reset();
        close_due_ = true;
        return;
    }
    s.offset += *n;
    s.encoder.encode(std::string_view(read_buf_.data(), *n), out_.storage());
}

}  // namespace mailaccess::pop3
