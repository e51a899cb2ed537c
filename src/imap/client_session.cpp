// The command side of imap::client_session: queueing, tags, the pipelining
// rules and the written form. Responses are in client_session_responses.cpp.
#include <mailaccess/imap/client_session.hpp>

#include <mailaccess/core/assert.hpp>
#include <mailaccess/core/base64.hpp>
#include <mailaccess/imap/writer.hpp>

#include <algorithm>
#include <string>
#include <utility>

namespace mailaccess::imap {
namespace {

framer_options to_framer_options(const client_options& o) {
    framer_options f;
    f.limits = o.limits;
    f.streaming_threshold = o.streaming_threshold;
    f.max_chunk_size = o.max_chunk_size;
    f.max_buffered_size = o.max_buffered_size;
    // A refused literal ends the connection anyway (client_error), so never
    // read past one: any literal above the limit is fatal at once.
    f.max_skip = 0;
    return f;
}

secret<> base64_secret(std::string_view raw) {
    std::string encoded = base64_encode(raw);
    secret<> s(std::move(encoded));
    return s;
}

}  // namespace

client_session::client_session(client_options options)
    : options_(std::move(options)), framer_(framer_role::client, to_framer_options(options_)) {
    // A tag is 1*<ASTRING-CHAR except "+"> (RFC 3501 section 9); fall back
    // to "A" rather than generate invalid tags.
    if (!tag::make(options_.tag_prefix + "1")) options_.tag_prefix = "A";
}

bool client_session::has_capability(std::string_view name) const noexcept {
    return std::any_of(capabilities_.begin(), capabilities_.end(),
                       [name](const capability& c) { return c.is(name); });
}

bool client_session::tag_in_use(std::string_view t) const noexcept {
    auto same = [t](const outgoing& o) { return o.cmd.tag.str() == t; };
    return std::any_of(queue_.begin(), queue_.end(), same) ||
           std::any_of(in_flight_.begin(), in_flight_.end(), same);
}

imap::tag client_session::generate_tag() {
    for (;;) {
        auto t = tag::make(options_.tag_prefix + std::to_string(next_tag_++));
        MAILACCESS_ASSERT(t.has_value());  // the constructor checked the prefix
        if (!tag_in_use(t->str())) return std::move(*t);
    }
}

result<imap::tag> client_session::send(command::body_type body) {
    if (auto ec = refusal(body)) return unexpected(ec);
    return enqueue(command{generate_tag(), std::move(body)}, {}, false);
}

result<imap::tag> client_session::send(command cmd) {
    if (tag_in_use(cmd.tag.str())) return unexpected(errc::tag_in_use);
    return enqueue(std::move(cmd), {}, false);
}

result<imap::tag> client_session::login(std::string_view user, const secret<>& password) {
    return send(cmd::login{std::string(user), password});
}

result<imap::tag> client_session::authenticate_plain(std::string_view user, const secret<>& password) {
    if (auto ec = refusal(cmd::noop{})) return unexpected(ec);
    // RFC 4616 section 2: message = [authzid] UTF8NUL authcid UTF8NUL passwd
    std::string raw;
    raw.push_back('\0');
    raw += user;
    raw.push_back('\0');
    raw += password.reveal();
    secret<> ir = base64_secret(raw);
    secure_wipe(raw.data(), raw.size());

    cmd::authenticate a{*atom::make("PLAIN"), std::nullopt};
    std::vector<secret<>> sasl;
    // RFC 4959 section 3: with SASL-IR the response goes on the command line.
    if (has_capability("SASL-IR"))
        a.initial_response = std::move(ir);
    else
        sasl.push_back(std::move(ir));
    return enqueue(command{generate_tag(), std::move(a)}, std::move(sasl), true);
}

result<imap::tag> client_session::authenticate_login(std::string_view user, const secret<>& password) {
    if (auto ec = refusal(cmd::noop{})) return unexpected(ec);
    std::vector<secret<>> sasl;
    sasl.push_back(base64_secret(user));
    sasl.push_back(base64_secret(password.reveal()));
    return enqueue(command{generate_tag(), cmd::authenticate{*atom::make("LOGIN"), std::nullopt}},
                   std::move(sasl), true);
}

std::error_code client_session::refusal(const command::body_type& body) const {
    if (closed_ || close_due_ || error_) return errc::not_allowed;
    if (std::holds_alternative<cmd::login>(body) && has_capability("LOGINDISABLED"))
        return errc::login_disabled;
    if (const auto* a = std::get_if<cmd::append>(&body)) {
        // A streamed message's octets come later (literal_request).
        if (std::any_of(a->messages.begin(), a->messages.end(),
                        [](const auto& m) { return m.streamed && !m.data.empty(); }))
            return errc::bad_syntax;
    }
    return {};
}

result<imap::tag> client_session::enqueue(command cmd, std::vector<secret<>> sasl, bool sasl_internal) {
    if (auto ec = refusal(cmd.body)) return unexpected(ec);
    outgoing o(std::move(cmd));
    o.name = command_name(o.cmd);
    o.sasl = std::move(sasl);
    o.sasl_internal = sasl_internal;
    std::visit(
        [&o](const auto& b) {
            using T = std::decay_t<decltype(b)>;
            constexpr bool seq_cmd = std::is_same_v<T, cmd::fetch> || std::is_same_v<T, cmd::store> ||
                                     std::is_same_v<T, cmd::search>;
            if constexpr (requires { b.uid; }) {
                o.uses_seq = !b.uid;
                o.allows_expunge = !(seq_cmd && !b.uid);
            } else {
                o.allows_expunge = true;
            }
            if constexpr (std::is_same_v<T, cmd::starttls>)
                o.type = kind::starttls;
            else if constexpr (std::is_same_v<T, cmd::login> || std::is_same_v<T, cmd::authenticate>)
                o.type = kind::login;
            else if constexpr (std::is_same_v<T, cmd::select> || std::is_same_v<T, cmd::examine>)
                o.type = kind::select;
            else if constexpr (std::is_same_v<T, cmd::close> || std::is_same_v<T, cmd::unselect>)
                o.type = kind::unselect;
            else if constexpr (std::is_same_v<T, cmd::logout>)
                o.type = kind::logout;
            else if constexpr (std::is_same_v<T, cmd::idle>)
                o.type = kind::idle;
            o.authenticate = std::is_same_v<T, cmd::authenticate>;
            o.barrier = o.type != kind::other || std::is_same_v<T, cmd::compress>;
        },
        o.cmd.body);
    imap::tag t = o.cmd.tag;
    queue_.push_back(std::move(o));
    return t;
}

std::error_code client_session::done() {
    auto is_idle = [](const outgoing& o) { return o.type == kind::idle && !o.done_requested; };
    auto it = std::find_if(in_flight_.begin(), in_flight_.end(), is_idle);
    if (it == in_flight_.end()) {
        it = std::find_if(queue_.begin(), queue_.end(), is_idle);
        if (it == queue_.end()) return errc::not_allowed;
    }
    it->done_requested = true;
    // RFC 2177 section 3: DONE only after the server's continuation.
    if (it->plus_seen) out_.append("DONE\r\n");
    return {};
}

std::error_code client_session::send_continuation(std::string_view line) {
    if (line.find_first_of("\r\n") != std::string_view::npos) return errc::bad_syntax;
    if (in_flight_.empty() || !in_flight_.back().awaiting_host) return errc::not_allowed;
    in_flight_.back().awaiting_host = false;
    out_.append(line);
    out_.append("\r\n");
    return {};
}

// Serializes `c` with the literal form the current capabilities allow and
// cuts it into steps: text, a wait for "+" before each synchronizing
// literal, and the streamed APPEND messages the host supplies.
void client_session::write_command(outgoing& c) {
    writer_options wo;
    wo.utf8_accept = utf8_enabled_;  // RFC 6855 section 3
    if (options_.use_non_sync_literals) {
        if (has_capability("LITERAL+"))
            wo.literals = literal_support::literal_plus;
        else if (has_capability("LITERAL-"))
            wo.literals = literal_support::literal_minus;
    }
    writer w(wo);
    write(w, c.cmd);
    using step = outgoing::step;
    std::string text;
    auto flush_text = [&] {
        if (text.empty()) return;
        step st;
        st.text = secret<>(std::move(text));
        c.steps.push_back(std::move(st));
        text = std::string();
    };
    std::size_t streamed_message = 0;
    const auto* append = std::get_if<cmd::append>(&c.cmd.body);
    for (const fragment& f : w.fragments()) {
        if (f.type == fragment::kind::literal && f.mode == literal_mode::sync) {
            flush_text();
            c.steps.push_back(step{step::kind::wait_plus, {}, 0, 0});
        }
        if (f.streamed_size) {
            flush_text();
            // Only APPEND messages are written as slots: find which one.
            while (append != nullptr && streamed_message < append->messages.size() &&
                   !append->messages[streamed_message].streamed)
                ++streamed_message;
            c.steps.push_back(step{step::kind::stream, {}, *f.streamed_size, streamed_message++});
            continue;
        }
        text += f.data;
    }
    flush_text();
    std::string all = w.release();
    secure_wipe(all.data(), all.size());
    c.capability_epoch = capability_epoch_;
    write_steps(c);
}

// Writes `c` up to its next wait: a "+" from the server, or the host's
// octets of a streamed literal.
void client_session::write_steps(outgoing& c) {
    using step = outgoing::step;
    while (c.next_step < c.steps.size()) {
        step& st = c.steps[c.next_step];
        if (st.type == step::kind::wait_plus) return;
        ++c.next_step;
        if (st.type == step::kind::text) {
            out_.append(st.text.reveal());
            st.text.wipe();
            continue;
        }
        if (st.size == 0) continue;
        c.stream_left = st.size;
        events_.push_back(literal_request{c.cmd.tag, st.message, st.size});
        return;
    }
}

std::error_code client_session::send_literal_data(std::string_view bytes) {
    if (in_flight_.empty() || in_flight_.back().stream_left == 0) return errc::not_allowed;
    outgoing& c = in_flight_.back();
    if (bytes.size() > c.stream_left) return errc::bad_syntax;
    out_.append(bytes);
    c.stream_left -= bytes.size();
    if (c.stream_left == 0) write_steps(c);
    return {};
}

std::uint64_t client_session::literal_remaining() const noexcept {
    return in_flight_.empty() ? 0 : in_flight_.back().stream_left;
}

// RFC 3501 section 5.5; see the class comment for the rules.
void client_session::flush_queue() {
    while (!queue_.empty()) {
        if (!greeting_seen_ || error_ || closed_ || close_due_ || start_tls_due_ || awaiting_tls_) return;
        const outgoing& c = queue_.front();
        if (!in_flight_.empty()) {
            const outgoing& last = in_flight_.back();
            if (c.barrier || !last.written()) return;
            if (std::any_of(in_flight_.begin(), in_flight_.end(),
                            [](const outgoing& o) { return o.barrier; }))
                return;
            if (c.uses_seq && std::any_of(in_flight_.begin(), in_flight_.end(),
                                          [](const outgoing& o) { return o.allows_expunge; }))
                return;
        }
        in_flight_.push_back(std::move(queue_.front()));
        queue_.pop_front();
        write_command(in_flight_.back());
    }
}

void client_session::fail(std::error_code ec) {
    if (!error_) error_ = ec;
}

client_event client_session::next() {
    for (;;) {
        if (!events_.empty()) {
            client_event e = std::move(events_.front());
            events_.pop_front();
            return e;
        }
        if (error_) {
            if (!error_reported_) {
                error_reported_ = true;
                return client_error{error_};
            }
            closed_ = true;
            return close_connection{};
        }
        if (closed_) return close_connection{};
        flush_queue();
        if (out_.has_pending()) return write_ready{};
        if (close_due_) {
            closed_ = true;
            return close_connection{};
        }
        if (start_tls_due_) {
            start_tls_due_ = false;
            awaiting_tls_ = true;
        }
        if (awaiting_tls_) return start_tls{};
        if (!step()) return need_input{};
    }
}

void client_session::tls_established() {
    MAILACCESS_ASSERT(awaiting_tls_);
    awaiting_tls_ = false;
    // Bytes read before the handshake were sent in plaintext (CVE-2011-0411).
    if (framer_.buffered() > 0) fail(errc::unexpected_response);
}

}  // namespace mailaccess::imap
