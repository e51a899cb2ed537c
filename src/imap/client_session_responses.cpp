// The response side of imap::client_session: framing, parsing and the
// dispatch of tagged, untagged and continuation responses and of streamed
// FETCH bodies. Commands are in client_session.cpp.
#include <mailaccess/imap/client_session.hpp>

#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>

namespace mailaccess::imap {

bool client_session::step() {
    auto ev = framer_.next();
    if (std::holds_alternative<framer::need_more>(ev)) return false;
    if (std::holds_alternative<framer::message_ready>(ev)) {
        on_message();
    } else if (const auto* b = std::get_if<framer::literal_begin>(&ev)) {
        on_literal_begin(*b);
    } else if (const auto* d = std::get_if<framer::literal_data>(&ev)) {
        events_.push_back(body_data{d->bytes});
    } else if (std::holds_alternative<framer::literal_end>(ev)) {
        events_.push_back(body_end{});
    } else if (const auto* r = std::get_if<framer::message_rejected>(&ev)) {
        // A response over a bound cannot be matched to its command reliably
        // (its tag may be cut off), so the connection ends.
        fail(r->reason);
    } else if (const auto* f = std::get_if<framer::fatal>(&ev)) {
        fail(f->reason);
    } else {
        fail(errc::unexpected_response);  // literal_announced: server role only
    }
    return true;
}

void client_session::on_message() {
    if (framer_.kind() == framer::message_kind::continuation) {
        // RFC 3501 section 9: continue-req = "+" SP (resp-text / base64) CRLF;
        // a bare "+" CRLF is common enough to accept.
        std::string_view m = framer_.message();
        m.remove_prefix(1);
        if (!m.empty() && m.front() == ' ') m.remove_prefix(1);
        if (!m.empty() && m.back() == '\n') m.remove_suffix(1);
        if (!m.empty() && m.back() == '\r') m.remove_suffix(1);
        std::string text(m);
        framer_.consume_message();
        on_continuation(std::move(text));
        return;
    }
    auto parsed = parse_response(framer_.message(), framer_.literals(), response_options());
    framer_.consume_message();
    if (!parsed) return fail(parsed.error());
    if (auto* st = std::get_if<status_response>(&*parsed); st && st->tagged) return on_tagged(std::move(*st));
    on_untagged(std::move(*parsed));
}

void client_session::on_continuation(std::string text) {
    if (!greeting_seen_ || in_flight_.empty()) return fail(errc::unexpected_response);
    // Only the last command in flight can wait for "+": nothing is written
    // behind a pending literal, IDLE or AUTHENTICATE.
    outgoing& c = in_flight_.back();
    if (c.stream_left > 0) return fail(errc::unexpected_response);  // the host is still writing a literal
    if (c.next_step < c.steps.size() && c.steps[c.next_step].type == outgoing::step::kind::wait_plus) {
        ++c.next_step;
        write_steps(c);
        return;
    }
    if (c.type == kind::idle) {
        if (c.plus_seen) return fail(errc::unexpected_response);
        c.plus_seen = true;
        events_.push_back(idling{c.cmd.tag});
        if (c.done_requested) out_.append("DONE\r\n");
        return;
    }
    if (c.authenticate) {
        if (c.sasl_internal) {
            // RFC 3501 section 6.2.2: "*" cancels an exchange we cannot continue.
            if (c.next_sasl < c.sasl.size()) {
                out_.append(c.sasl[c.next_sasl].reveal());
                c.sasl[c.next_sasl].wipe();
                ++c.next_sasl;
                out_.append("\r\n");
            } else {
                out_.append("*\r\n");
            }
            return;
        }
        if (c.awaiting_host) return fail(errc::unexpected_response);
        c.awaiting_host = true;
        events_.push_back(continuation{std::move(text)});
        return;
    }
    fail(errc::unexpected_response);
}

void client_session::on_tagged(status_response st) {
    if (!greeting_seen_) return fail(errc::unexpected_response);
    const auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                                 [&st](const outgoing& o) { return o.cmd.tag == *st.tagged; });
    if (it == in_flight_.end()) return fail(errc::unknown_tag);
    // A command can end before it is all written only by a refusal of the
    // synchronizing literal it waits to send; any other early answer (in
    // the middle of a streamed literal) leaves the server reading octets
    // as commands.
    if (!it->written() &&
        (it->stream_left > 0 || it->steps[it->next_step].type != outgoing::step::kind::wait_plus))
        return fail(errc::unexpected_response);
    outgoing c = std::move(*it);
    in_flight_.erase(it);

    const bool code_caps = st.code && st.code->kind == response_code_kind::capability;
    if (code_caps) set_capabilities(st.code->capabilities);
    const bool ok = st.status == status_kind::ok;
    bool tls_due = false;
    switch (c.type) {
        case kind::starttls:
            // RFC 3501 section 6.2.1: discard cached capabilities after TLS.
            if (ok) {
                forget_capabilities();
                tls_due = true;
            }
            break;
        case kind::login:
            if (ok) {
                state_ = session_state::authenticated;
                // Capabilities may change at login; keep them only when the
                // server sent them again meanwhile (RFC 9051 section 6.2.3).
                if (!code_caps && capability_epoch_ == c.capability_epoch) forget_capabilities();
            }
            break;
        case kind::select:
            // RFC 3501 section 6.3.1: a failed SELECT leaves no mailbox selected.
            if (ok)
                state_ = session_state::selected;
            else if (st.status == status_kind::no)
                state_ = session_state::authenticated;
            break;
        case kind::unselect:
            if (ok) state_ = session_state::authenticated;
            break;
        case kind::logout:
            state_ = session_state::logout;
            close_due_ = true;
            break;
        case kind::idle:
        case kind::other: break;
    }
    events_.push_back(completed{std::move(c.cmd.tag), c.name, std::move(st)});
    if (tls_due) {
        // CVE-2011-0411: bytes after the OK arrived before TLS, in plaintext.
        if (framer_.buffered() > 0)
            fail(errc::unexpected_response);
        else
            start_tls_due_ = true;
    }
}

void client_session::on_untagged(response r) {
    auto* st = std::get_if<status_response>(&r);
    if (!greeting_seen_) {
        // RFC 3501 section 7.1: the greeting is OK, PREAUTH or BYE.
        if (!st || (st->status != status_kind::ok && st->status != status_kind::preauth &&
                    st->status != status_kind::bye))
            return fail(errc::unexpected_response);
        greeting_seen_ = true;
        if (st->status == status_kind::preauth) state_ = session_state::authenticated;
    }
    if (st) {
        if (st->code && st->code->kind == response_code_kind::capability)
            set_capabilities(st->code->capabilities);
        if (st->status == status_kind::bye) {
            // RFC 3501 section 7.1.5: the server closes. During LOGOUT the
            // tagged OK still follows (section 6.1.3).
            state_ = session_state::logout;
            if (std::none_of(in_flight_.begin(), in_flight_.end(),
                             [](const outgoing& o) { return o.type == kind::logout; }))
                close_due_ = true;
        }
    } else if (auto* caps = std::get_if<capability_data>(&r)) {
        set_capabilities(caps->capabilities);
    } else if (auto* enabled = std::get_if<enabled_data>(&r)) {
        if (std::any_of(enabled->capabilities.begin(), enabled->capabilities.end(),
                        [](const capability& c) { return c.is("UTF8=ACCEPT"); }))
            utf8_enabled_ = true;
    }
    events_.push_back(untagged{std::move(r)});
}

parse_options client_session::response_options() const noexcept {
    parse_options o = parse_options::from(options_.limits);
    o.utf8_accept = utf8_enabled_;
    return o;
}

// The framer streams a literal above the threshold before the message is
// complete. Its item is found by parsing the message so far, closed with
// ")": the announcement ends a FETCH item value (RFC 3501 section 9,
// msg-att-static), so the prefix plus ")" is a complete FETCH response
// whose last item is the one being streamed.
void client_session::on_literal_begin(const framer::literal_begin& b) {
    if (!greeting_seen_) return fail(errc::unexpected_response);
    std::string prefix(framer_.received());
    prefix += ")\r\n";
    auto parsed = parse_response(prefix, framer_.literals(), response_options());
    if (!parsed) return fail(parsed.error());
    auto* f = std::get_if<fetch_data>(&*parsed);
    fetch_body_section* item = nullptr;
    if (f && !f->items.empty()) item = std::get_if<fetch_body_section>(&f->items.back());
    if (!item || item->streamed_size != b.size || item->literal_index != b.index)
        return fail(errc::bad_syntax);
    events_.push_back(body_begin{f->seq, std::move(*item), b.size});
}

void client_session::set_capabilities(std::vector<capability> caps) {
    capabilities_ = std::move(caps);
    capabilities_known_ = true;
    ++capability_epoch_;
}

void client_session::forget_capabilities() {
    capabilities_.clear();
    capabilities_known_ = false;
    ++capability_epoch_;
}

}  // namespace mailaccess::imap
