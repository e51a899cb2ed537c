#include <mailaccess/imap/server_session.hpp>

#include <mailaccess/core/ascii.hpp>
#include <mailaccess/core/assert.hpp>
#include <mailaccess/core/base64.hpp>

#include <algorithm>
#include <type_traits>
#include <utility>

namespace mailaccess::imap {
namespace {

// FETCH bodies are pulled from their byte_source this much at a time, and
// only while less than write_batch is waiting: memory stays bounded.
constexpr std::size_t stream_chunk = 64 * 1024;
// Pending output at which next_action() writes rather than queueing more.
constexpr std::size_t write_batch = 64 * 1024;
constexpr unsigned max_failed_logins = 3;
constexpr std::chrono::seconds min_idle_timeout{30 * 60};  // RFC 3501 section 5.4

framer_options framer_options_for(const server_options& o) {
    framer_options f;
    f.limits = o.limits;
    f.streaming_threshold = o.streaming_threshold;
    return f;
}

void add_capability(std::vector<capability>& caps, std::string_view name) {
    auto c = capability::make(name);
    if (c && std::find(caps.begin(), caps.end(), *c) == caps.end()) caps.push_back(std::move(*c));
}

std::string_view strip_line_end(std::string_view line) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

bool uses_modseq(const search_key& k, std::size_t depth = 0) {
    if (k.type == search_key::kind::modseq) return true;
    if (depth > 64) return false;  // the parser bounded the depth already
    return std::any_of(k.children.begin(), k.children.end(),
                       [depth](const search_key& c) { return uses_modseq(c, depth + 1); });
}

std::string ascii_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = ascii_to_upper(c);
    return out;
}

// RFC 7162 section 3.1: a CONDSTORE-using command enables CONDSTORE.
bool uses_condstore(const command& c) {
    if (const auto* s = std::get_if<cmd::select>(&c.body)) return s->condstore || s->qresync;
    if (const auto* e = std::get_if<cmd::examine>(&c.body)) return e->condstore || e->qresync;
    if (const auto* f = std::get_if<cmd::fetch>(&c.body)) {
        if (f->changedsince) return true;
        for (const auto& a : f->atts.atts())
            if (a.type() == fetch_att::kind::modseq) return true;
        return false;
    }
    if (const auto* s = std::get_if<cmd::store>(&c.body)) return s->unchangedsince.has_value();
    if (const auto* s = std::get_if<cmd::search>(&c.body)) {
        for (const auto& k : s->keys)
            if (uses_modseq(k)) return true;
    }
    return false;
}

// Commands of the selected state (RFC 3501 section 6.4, RFC 3691, RFC 4315, RFC 6851).
bool is_selected_only(const command::body_type& b) {
    return std::holds_alternative<cmd::check>(b) || std::holds_alternative<cmd::close>(b) ||
           std::holds_alternative<cmd::unselect>(b) || std::holds_alternative<cmd::expunge>(b) ||
           std::holds_alternative<cmd::uid_expunge>(b) || std::holds_alternative<cmd::search>(b) ||
           std::holds_alternative<cmd::fetch>(b) || std::holds_alternative<cmd::store>(b) ||
           std::holds_alternative<cmd::copy>(b) || std::holds_alternative<cmd::move>(b);
}

// A tagged status response; untagged when the client's tag was unusable.
status_response tagged_status(std::string_view tag, status_kind status, std::optional<response_code> code,
                              std::string_view text) {
    status_response s;
    if (auto t = imap::tag::make(tag)) s.tagged = std::move(*t);
    s.status = status;
    s.code = std::move(code);
    s.text = std::string(text);
    return s;
}

}  // namespace

server_session::server_session(server_options options)
    : options_(std::move(options)), framer_(framer_role::server, framer_options_for(options_)) {
    secure_ = options_.tls_active;
    parse_options_ = parse_options::from(options_.limits);
    status_response greeting;
    greeting.status = status_kind::ok;
    response_code code;
    code.kind = response_code_kind::capability;
    code.capabilities = capabilities();
    greeting.code = std::move(code);
    greeting.text = options_.greeting;
    untagged(greeting);
}

server_session::~server_session() = default;

std::vector<capability> server_session::capabilities() const {
    std::vector<capability> caps;
    add_capability(caps, "IMAP4rev1");
    if (state_ == session_state::not_authenticated) {
        if (!secure_ && options_.starttls_available) add_capability(caps, "STARTTLS");
        if (can_login()) {
            for (const auto& m : options_.sasl_mechanisms) add_capability(caps, "AUTH=" + ascii_upper(m));
            add_capability(caps, "SASL-IR");
        } else {
            add_capability(caps, "LOGINDISABLED");
        }
    }
    for (std::string_view c : {"LITERAL+", "ENABLE", "ID", "IDLE", "NAMESPACE"}) add_capability(caps, c);
    if (state_ != session_state::not_authenticated) {
        for (const auto& c : options_.engine_capabilities)
            if (std::find(caps.begin(), caps.end(), c) == caps.end()) caps.push_back(c);
        // RFC 7889: the literal limit is what this session accepts for APPEND.
        add_capability(caps, "APPENDLIMIT=" + std::to_string(options_.limits.max_literal_size));
    }
    return caps;
}

action server_session::next_action() {
    for (;;) {
        if (state_ == session_state::logout && !close_due_ && !out_.has_pending() && queued_.empty())
            return close_connection{};
        // The next slice of a reply is asked for before this one is written:
        // the driver runs it while it writes (overlaps_output).
        if (to_send_ && to_send_->overlaps_output) {
            engine_request r = std::move(*to_send_);
            to_send_.reset();
            return r;
        }
        // Responses queued together (a FETCH slice: hundreds of small
        // responses, or headers and literals) go out in writes of up to
        // write_batch octets, not one write each: the syscall and the wakeup
        // it causes, not the copy, are what a small message costs. Anything
        // else (an engine call, input, a delay, TLS) comes after a flush.
        if (out_.pending_size() >= write_batch || (out_.has_pending() && queued_.empty()))
            return write_ready{};
        if (!queued_.empty()) {
            pump_queue();
            continue;
        }
        if (to_send_) {
            engine_request r = std::move(*to_send_);
            to_send_.reset();
            return r;
        }
        if (delay_due_) {
            delay_due_ = false;
            delaying_ = true;
            return delay{options_.failed_auth_delay};
        }
        if (close_due_) {
            close_due_ = false;
            state_ = session_state::logout;
            continue;
        }
        if (tls_due_) {
            tls_due_ = false;
            awaiting_tls_ = true;
            framer_.discard_buffered();
            return start_tls{};
        }
        // Only waiting for an overlapping request's reply: a placeholder
        // the driver does not act on (net::overlapping_request).
        if (pending_ == pending_kind::command && overlapping_) return need_input{};
        retired_.clear();
        // Calling next_action while the driver still owes complete(),
        // resume() or tls_established() is a bug in the driver.
        MAILACCESS_ASSERT(pending_ == pending_kind::none && !delaying_ && !awaiting_tls_);
        if (state_ == session_state::logout) return close_connection{};
        if (idling_ && idle_poll_due_) {
            idle_poll_due_ = false;
            request(idle_poll_request{}, pending_kind::idle);
            continue;
        }
        if (frame_next()) continue;
        return need_input{};
    }
}

std::span<char> server_session::prepare(std::size_t n) { return framer_.prepare(n); }

void server_session::commit(std::size_t n) { framer_.commit(n); }

void server_session::feed(std::string_view bytes) { framer_.feed(bytes); }

std::string_view server_session::pending_output() const noexcept { return out_.pending(); }

void server_session::consume_output(std::size_t n) { out_.consume(n); }

std::chrono::seconds server_session::read_timeout() const noexcept {
    return std::max(options_.idle_timeout, min_idle_timeout);
}

void server_session::resume() {
    MAILACCESS_ASSERT(delaying_);
    delaying_ = false;
    out_.append(delayed_reply_);
    delayed_reply_.clear();
}

void server_session::tls_established() {
    MAILACCESS_ASSERT(awaiting_tls_);
    awaiting_tls_ = false;
    secure_ = true;
    // Nothing sent in plaintext before the handshake may be taken as a
    // command (RFC 3501 section 6.2.1, CVE-2011-0411).
    framer_.discard_buffered();
}

void server_session::notify() {
    if (idling_) idle_poll_due_ = true;
}

// --- Output -----------------------------------------------------------------

void server_session::queue(std::string_view bytes) {
    if (bytes.empty()) return;
    if (queued_.empty()) {
        out_.append(bytes);
    } else if (auto* last = std::get_if<std::string>(&queued_.back())) {
        last->append(bytes);
    } else {
        queued_.emplace_back(std::string(bytes));
    }
}

void server_session::pump_queue() {
    auto& front = queued_.front();
    if (auto* bytes = std::get_if<std::string>(&front)) {
        out_.append(*bytes);
        queued_.pop_front();
        return;
    }
    auto& s = std::get<stream_segment>(front);
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(s.body.size - s.done, stream_chunk));
    // Read straight onto the end of the output: no copy through a buffer.
    std::string& out = out_.storage();
    const std::size_t at = out.size();
    out.resize(at + want);
    auto n = s.body.source->read(s.body.offset + s.done, std::span<char>(out.data() + at, want));
    out.resize(at + (n ? std::min(*n, want) : 0));
    if (!n || *n == 0) {
        // The literal's size is already on the wire; nothing else can follow
        // it correctly, so the connection ends (Dovecot does the same).
        queued_.clear();
        state_ = session_state::logout;
        return;
    }
    s.done += *n;
    if (s.done == s.body.size) {
        // Freed when no engine call runs (see retired_).
        retired_.push_back(std::move(s.body.source));
        queued_.pop_front();
    }
}

void server_session::untagged(const response& r) {
    writer w(writer_options_);
    write(w, r);
    queue(w.buffer());
}

void server_session::tagged(std::string_view tag, status_kind status, std::optional<response_code> code,
                            std::string_view text) {
    // A BAD is the client's doing, and says so (RFC 5530 section 3,
    // CLIENTBUG), so a log or a user sees at once whose bug it is. The one
    // BAD that is not a bug, a cancelled authentication, goes through
    // `cancelled_authentication`.
    if (status == status_kind::bad && !code) code = response_code::simple(response_code_kind::clientbug);
    untagged(tagged_status(tag, status, std::move(code), text));
}

void server_session::cancelled_authentication(std::string_view tag) {
    // RFC 3501 section 6.2.2: the client cancelled with "*", and the server
    // MUST answer BAD; the protocol's way to stop, not a client bug.
    untagged(tagged_status(tag, status_kind::bad, std::nullopt, "Authentication aborted."));
}

void server_session::write_untagged(std::vector<reply_data>& items) {
    if (!(reply_writer_.options() == writer_options_)) reply_writer_ = writer(writer_options_);
    for (auto& item : items) {
        writer& w = reply_writer_;
        std::vector<stream_slot>& slots = reply_slots_;
        w.clear();
        slots.clear();
        write(w, item.data, &slots);
        bool consistent = slots.size() == item.streams.size();
        for (std::size_t i = 0; consistent && i < slots.size(); ++i)
            consistent = item.streams[i].source && item.streams[i].size == slots[i].size;
        if (!consistent) {
            // An engine bug: announcing sizes we cannot send would desync the client.
            MAILACCESS_ASSERT(false);
            untagged(status_response{std::nullopt, status_kind::bye,
                                     response_code::simple(response_code_kind::serverbug), "Internal error"});
            state_ = session_state::logout;
            return;
        }
        const std::string_view bytes = w.buffer();
        std::size_t pos = 0;
        for (std::size_t i = 0; i < slots.size(); ++i) {
            queue(bytes.substr(pos, slots[i].offset - pos));
            if (slots[i].size > 0) queued_.emplace_back(stream_segment{std::move(item.streams[i]), 0});
            pos = slots[i].offset;
        }
        queue(bytes.substr(pos));
    }
}

void server_session::request(decltype(engine_request::body) body, pending_kind kind) {
    MAILACCESS_ASSERT(pending_ == pending_kind::none);
    outstanding_id_ = next_id_++;
    pending_ = kind;
    to_send_ = engine_request{outstanding_id_, std::move(body)};
}

// --- Input ------------------------------------------------------------------

bool server_session::frame_next() {
    auto ev = framer_.next();
    if (std::holds_alternative<framer::need_more>(ev)) return false;
    if (std::holds_alternative<framer::message_ready>(ev)) {
        on_message();
    } else if (auto* a = std::get_if<framer::literal_announced>(&ev)) {
        on_literal_announced(*a);
    } else if (std::holds_alternative<framer::literal_begin>(ev)) {
        on_literal_begin();
    } else if (auto* d = std::get_if<framer::literal_data>(&ev)) {
        if (append_.to_engine && !append_.error)
            request(append_data_request{std::string(d->bytes)}, pending_kind::append_data);
    } else if (std::holds_alternative<framer::literal_end>(ev)) {
        append_.to_engine = false;
    } else if (auto* r = std::get_if<framer::message_rejected>(&ev)) {
        on_rejected(*r);
    } else {
        untagged(status_response{std::nullopt, status_kind::bye, std::nullopt, "Input cannot be framed"});
        state_ = session_state::logout;
    }
    return true;
}

void server_session::on_message() {
    if (framer_.kind() == framer::message_kind::line) {
        const std::string line(strip_line_end(framer_.message()));
        framer_.consume_message();
        if (in_sasl_)
            on_sasl_line(line);
        else
            on_idle_line(line);
        return;
    }
    auto parsed = parse_command(framer_.message(), framer_.literals(), parse_options_);
    const std::string tag(framer_.tag());
    framer_.consume_message();
    if (!parsed) {
        end_append();
        if (parsed.error() == errc::unknown_command)
            tagged(tag, status_kind::bad, std::nullopt, "Unknown command.");
        else
            tagged(tag, status_kind::bad, std::nullopt,
                   "Error in IMAP command: " + parsed.error().message() + ".");
        return;
    }
    if (append_.error) {
        // A streamed message of this APPEND was refused by the engine.
        const auto code = std::move(append_.error_code);
        const auto text = std::move(append_.error_text);
        end_append();
        tagged(tag, status_kind::no, code, text);
        return;
    }
    append_ = {};
    dispatch(std::move(*parsed));
}

void server_session::on_literal_announced(const framer::literal_announced& a) {
    const std::string tag(a.tag);
    auto prefix = parse_append_prefix(framer_.received(), framer_.literals(), parse_options_);
    if (prefix && state_ != session_state::not_authenticated && !append_.error) {
        if (a.size > options_.streaming_threshold) {
            // Open the mailbox and check quota before the client sends the
            // octets, so a refusal costs nothing (RFC 3501 section 7.5).
            request(append_begin_request{std::move(prefix->mailbox), std::move(prefix->message.flags),
                                         prefix->message.internal_date, a.size, prefix->literal_index},
                    pending_kind::append_begin_sync);
            return;
        }
        queue("+ OK\r\n");
        framer_.accept_literal();
        return;
    }
    if (prefix && append_.error) {
        const auto code = std::move(append_.error_code);
        const auto text = std::move(append_.error_text);
        end_append();
        tagged(tag, status_kind::no, code, text);
        framer_.reject_literal();
        return;
    }
    if (!prefix && prefix.error() != errc::unknown_command) {
        end_append();
        tagged(tag, status_kind::bad, std::nullopt,
               "Error in IMAP command: " + prefix.error().message() + ".");
        framer_.reject_literal();
        return;
    }
    if (a.size > options_.streaming_threshold) {
        // Only APPEND data may be large (a 100 MB "password" is not).
        end_append();
        tagged(tag, status_kind::no, response_code::simple(response_code_kind::toobig), "Literal too large.");
        framer_.reject_literal();
        return;
    }
    queue("+ OK\r\n");
    framer_.accept_literal();
}

void server_session::on_literal_begin() {
    if (append_.announced) {
        // A synchronizing literal whose append_begin succeeded before `+`.
        append_.announced = false;
        append_.to_engine = true;
        return;
    }
    // A non-synchronizing literal (LITERAL+) above the streaming threshold:
    // its octets are arriving already.
    auto prefix = parse_append_prefix(framer_.received(), framer_.literals(), parse_options_);
    append_.to_engine = false;
    if (!prefix || state_ == session_state::not_authenticated || append_.error)
        return;  // dropped; the command fails
    request(append_begin_request{std::move(prefix->mailbox), std::move(prefix->message.flags),
                                 prefix->message.internal_date, prefix->message.size, prefix->literal_index},
            pending_kind::append_begin_nonsync);
}

void server_session::on_rejected(const framer::message_rejected& r) {
    const std::string tag(r.tag);
    end_append();
    if (r.reason == errc::literal_too_large || r.reason == errc::message_too_large ||
        r.reason == errc::too_many_literals) {
        tagged(tag, status_kind::no, response_code::simple(response_code_kind::toobig),
               "Command too large: " + r.reason.message() + ".");
    } else {
        tagged(tag, status_kind::bad, std::nullopt, "Error in IMAP command: " + r.reason.message() + ".");
    }
}

void server_session::end_append() {
    const bool begun = append_.begun > 0;
    append_ = {};
    if (begun) request(append_abort_request{}, pending_kind::append_abort);
}

// --- Commands ---------------------------------------------------------------

void server_session::dispatch(command&& c) {
    const std::string tag = c.tag.str();
    if (std::holds_alternative<cmd::capability>(c.body)) {
        untagged(capability_data{capabilities()});
        tagged(tag, status_kind::ok, std::nullopt, "Capability completed.");
        return;
    }
    if (std::holds_alternative<cmd::logout>(c.body)) {
        untagged(status_response{std::nullopt, status_kind::bye, std::nullopt, "Logging out"});
        tagged(tag, status_kind::ok, std::nullopt, "Logout completed.");
        close_due_ = true;
        return;
    }
    if (auto* id = std::get_if<cmd::id>(&c.body)) {
        // RFC 2971: valid in every state; the client's fields are only informative.
        (void)id;
        id_data d;
        if (!options_.id_fields.empty()) {
            d.fields.emplace();
            for (const auto& f : options_.id_fields) d.fields->emplace_back(f.first, f.second);
        }
        untagged(d);
        tagged(tag, status_kind::ok, std::nullopt, "ID completed.");
        return;
    }
    if (state_ == session_state::not_authenticated) {
        dispatch_not_authenticated(std::move(c));
        return;
    }
    if (std::holds_alternative<cmd::starttls>(c.body) || std::holds_alternative<cmd::login>(c.body) ||
        std::holds_alternative<cmd::authenticate>(c.body)) {
        tagged(tag, status_kind::bad, std::nullopt, "Already authenticated.");
        return;
    }
    if (auto* e = std::get_if<cmd::enable>(&c.body)) {
        // RFC 5161 section 3.1: only in the authenticated state.
        if (state_ != session_state::authenticated) {
            tagged(tag, status_kind::bad, std::nullopt, "ENABLE is not allowed while a mailbox is selected.");
            return;
        }
        enable(tag, *e);
        return;
    }
    if (std::holds_alternative<cmd::namespace_>(c.body)) {
        namespace_data n;
        n.personal.push_back({"", options_.hierarchy_delimiter});
        untagged(n);
        tagged(tag, status_kind::ok, std::nullopt, "Namespace completed.");
        return;
    }
    if (std::holds_alternative<cmd::idle>(c.body)) {
        // RFC 2177: "+ idling", updates as they happen, until "DONE".
        queue("+ idling\r\n");
        idling_ = true;
        idle_tag_ = tag;
        framer_.set_line_mode(true);
        // Updates already pending are due at once.
        idle_poll_due_ = state_ == session_state::selected;
        return;
    }
    if (is_selected_only(c.body) && state_ != session_state::selected) {
        tagged(tag, status_kind::bad, std::nullopt, "No mailbox selected.");
        return;
    }
    if (std::holds_alternative<cmd::compress>(c.body)) {
        // RFC 4978 is not offered: DEFLATE would need zlib.
        tagged(tag, status_kind::no, std::nullopt, "Compression is not supported.");
        return;
    }
    if (uses_condstore(c) && has_engine_capability("CONDSTORE")) enabled_.condstore = true;
    current_tag_ = tag;
    request(command_request{std::move(c), enabled_}, pending_kind::command);
}

void server_session::dispatch_not_authenticated(command&& c) {
    const std::string tag = c.tag.str();
    if (std::holds_alternative<cmd::noop>(c.body)) {
        tagged(tag, status_kind::ok, std::nullopt, "NOOP completed.");
        return;
    }
    if (std::holds_alternative<cmd::starttls>(c.body)) {
        if (secure_ || !options_.starttls_available) {
            tagged(tag, status_kind::bad, std::nullopt,
                   secure_ ? "TLS is already active." : "STARTTLS is not available.");
            return;
        }
        tagged(tag, status_kind::ok, std::nullopt, "Begin TLS negotiation now.");
        tls_due_ = true;
        return;
    }
    if (auto* l = std::get_if<cmd::login>(&c.body)) {
        if (!can_login()) {
            // RFC 3501 section 6.2.3: LOGINDISABLED is advertised; RFC 5530 PRIVACYREQUIRED.
            tagged(tag, status_kind::no, response_code::simple(response_code_kind::privacyrequired),
                   "Plaintext authentication disallowed on non-secure connections.");
            return;
        }
        current_tag_ = tag;
        request(login_request{std::move(l->username), std::move(l->password)}, pending_kind::login);
        return;
    }
    if (auto* a = std::get_if<cmd::authenticate>(&c.body)) {
        start_authenticate(tag, *a);
        return;
    }
    tagged(tag, status_kind::bad, std::nullopt, "Not authenticated.");
}

void server_session::start_authenticate(const std::string& tag, const cmd::authenticate& a) {
    if (!can_login()) {
        tagged(tag, status_kind::no, response_code::simple(response_code_kind::privacyrequired),
               "Plaintext authentication disallowed on non-secure connections.");
        return;
    }
    const std::string mech = ascii_upper(a.mechanism.str());
    const bool offered = std::any_of(options_.sasl_mechanisms.begin(), options_.sasl_mechanisms.end(),
                                     [&mech](const std::string& m) { return ascii_upper(m) == mech; });
    if (!offered) {
        tagged(tag, status_kind::no, std::nullopt, "Unsupported authentication mechanism.");
        return;
    }
    sasl_start_request r{mech, std::nullopt};
    if (a.initial_response) {
        // RFC 4959 section 3: "=" is an empty initial response.
        const std::string_view text = a.initial_response->reveal();
        if (text.empty()) {
            r.initial_response.emplace();
        } else {
            auto decoded = base64_decode(text);
            if (!decoded) {
                tagged(tag, status_kind::bad, std::nullopt, "Invalid base64 in initial response.");
                return;
            }
            r.initial_response.emplace(std::move(*decoded));
        }
    }
    current_tag_ = tag;
    request(std::move(r), pending_kind::sasl);
}

void server_session::on_sasl_line(const std::string& line) {
    const std::string tag = current_tag_;
    if (line == "*") {
        end_sasl();
        cancelled_authentication(tag);
        return;
    }
    auto decoded = base64_decode(line);
    if (!decoded) {
        end_sasl();
        tagged(tag, status_kind::bad, std::nullopt, "Invalid base64 in response.");
        return;
    }
    request(sasl_step_request{secret<>(std::move(*decoded))}, pending_kind::sasl);
}

void server_session::end_sasl() {
    in_sasl_ = false;
    framer_.set_line_mode(false);
}

void server_session::on_idle_line(const std::string& line) {
    idling_ = false;
    idle_poll_due_ = false;
    framer_.set_line_mode(false);
    if (iequals(line, "DONE"))
        tagged(idle_tag_, status_kind::ok, std::nullopt, "Idle completed.");
    else
        tagged(idle_tag_, status_kind::bad, std::nullopt, "Expected DONE.");
}

void server_session::enable(const std::string& tag, const cmd::enable& e) {
    enabled_data done;
    for (const auto& cap : e.capabilities) {
        // RFC 5161 section 3.1: capabilities the server does not support, or
        // that are not ENABLE-able, are ignored.
        if (!has_engine_capability(cap.str())) continue;
        if (iequals(cap.str(), "CONDSTORE")) {
            enabled_.condstore = true;
        } else if (iequals(cap.str(), "QRESYNC")) {
            enabled_.qresync = true;
            enabled_.condstore = true;  // RFC 7162 section 3.2.3
        } else if (iequals(cap.str(), "UTF8=ACCEPT")) {
            enabled_.utf8_accept = true;
            writer_options_.utf8_accept = true;
            parse_options_.utf8_accept = true;
        } else {
            continue;
        }
        done.capabilities.push_back(cap);
    }
    untagged(done);
    tagged(tag, status_kind::ok, std::nullopt, "Enabled.");
}

bool server_session::has_engine_capability(std::string_view name) const {
    return std::any_of(options_.engine_capabilities.begin(), options_.engine_capabilities.end(),
                       [name](const capability& c) { return iequals(c.str(), name); });
}

// --- Engine replies ---------------------------------------------------------

void server_session::complete(request_id id, engine_reply reply) {
    MAILACCESS_ASSERT(id == outstanding_id_ && pending_ != pending_kind::none);
    (void)id;
    const pending_kind kind = std::exchange(pending_, pending_kind::none);
    retired_.clear();
    // A slice built while the connection began to end (a streamed literal
    // of the last one failed): nothing may follow that literal.
    if (std::exchange(overlapping_, false) && state_ == session_state::logout) return;
    switch (kind) {
        case pending_kind::login: on_login(std::get<login_reply>(reply)); break;
        case pending_kind::sasl: on_sasl(std::get<sasl_reply>(reply)); break;
        case pending_kind::command: on_command_reply(std::get<command_reply>(reply)); break;
        case pending_kind::idle: write_untagged(std::get<idle_reply>(reply).untagged); break;
        case pending_kind::append_begin_sync:
        case pending_kind::append_begin_nonsync:
        case pending_kind::append_data: on_append(kind, std::get<append_reply>(reply)); break;
        case pending_kind::append_abort: break;
        case pending_kind::none: MAILACCESS_ASSERT(false); break;
    }
}

void server_session::on_login(const login_reply& reply) {
    const std::string tag = std::exchange(current_tag_, {});
    if (!reply.error) {
        failed_logins_ = 0;
        state_ = session_state::authenticated;
        response_code code;
        code.kind = response_code_kind::capability;
        code.capabilities = capabilities();
        tagged(tag, status_kind::ok, std::move(code), "Logged in.");
        return;
    }
    if (reply.error == errc::auth_failed) {
        // Slow guessing down; the answer and (after 3 strikes) the BYE
        // follow the delay.
        ++failed_logins_;
        std::string bytes;
        {
            writer w(writer_options_);
            auto t = imap::tag::make(tag);
            status_response s{t ? std::optional<imap::tag>(std::move(*t)) : std::nullopt, status_kind::no,
                              response_code::simple(response_code_kind::authenticationfailed),
                              "Authentication failed."};
            write(w, s);
            if (failed_logins_ >= max_failed_logins) {
                write(w, status_response{std::nullopt, status_kind::bye, std::nullopt,
                                         "Too many invalid logins."});
                close_due_ = true;
            }
            bytes = w.release();
        }
        delayed_reply_ = std::move(bytes);
        delay_due_ = true;
        return;
    }
    if (reply.error == errc::sasl_aborted) {
        cancelled_authentication(tag);
    } else if (reply.error == errc::sasl_malformed) {
        tagged(tag, status_kind::bad, std::nullopt, "Malformed authentication response.");
    } else if (reply.error == errc::unsupported_mechanism) {
        tagged(tag, status_kind::no, std::nullopt, "Unsupported authentication mechanism.");
    } else {
        tagged(tag, status_kind::no, response_code::simple(response_code_kind::unavailable),
               "Temporary authentication failure.");
    }
}

void server_session::on_sasl(sasl_reply& reply) {
    if (reply.challenge) {
        // RFC 3501 section 6.2.2: "+ base64"; the answer is a line of its own.
        queue("+ " + base64_encode(*reply.challenge) + "\r\n");
        in_sasl_ = true;
        framer_.set_line_mode(true);
        return;
    }
    if (in_sasl_) end_sasl();
    on_login(reply.outcome);
}

void server_session::on_command_reply(command_reply& reply) {
    write_untagged(reply.untagged);
    if (reply.more) {
        request(continue_request{}, pending_kind::command);
        to_send_->overlaps_output = true;
        overlapping_ = true;
        return;
    }
    if (reply.new_state) state_ = *reply.new_state;
    tagged(std::exchange(current_tag_, {}), reply.status, std::move(reply.code), reply.text);
}

void server_session::on_append(pending_kind kind, append_reply& reply) {
    if (!reply.error) {
        if (kind == pending_kind::append_begin_sync) {
            ++append_.begun;
            append_.announced = true;
            queue("+ OK\r\n");
            framer_.accept_literal();
        } else if (kind == pending_kind::append_begin_nonsync) {
            ++append_.begun;
            append_.to_engine = true;
        }
        return;
    }
    if (kind == pending_kind::append_begin_sync) {
        // Refused before the client sent anything: the command is over.
        const std::string tag(framer_.tag());
        framer_.reject_literal();
        end_append();
        tagged(tag, status_kind::no, std::move(reply.code), reply.text);
        return;
    }
    // The octets keep coming (LITERAL+, or a failure mid-way): drop them and
    // fail the command once it is complete.
    append_.error = true;
    append_.to_engine = false;
    append_.error_code = std::move(reply.code);
    append_.error_text = std::move(reply.text);
}

}  // namespace mailaccess::imap
