#include <mailaccess/imap/framer.hpp>

#include <mailaccess/core/assert.hpp>

#include "line_scan.hpp"
#include "scan.hpp"

#include <algorithm>
#include <cstring>

namespace mailaccess::imap {
namespace {

bool is_token_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '+' || c == '_' || c == '.';
}

}  // namespace

// --- line_scanner -----------------------------------------------------------

void framer::line_scanner::feed(char c) noexcept {
    if (c == '\n') return;  // the caller handles the line end
    // A CR is content unless the LF follows, which is only known one byte later.
    if (pending_cr) {
        pending_cr = false;
        content('\r');
    }
    if (c == '\r') {
        pending_cr = true;
        return;
    }
    content(c);
}

void framer::line_scanner::feed(std::string_view bytes) noexcept {
    for (char c : bytes) feed(c);
}

void framer::line_scanner::content(char c) noexcept {
    detail::step_line_quote(quote, c);
    if (c == '{') {
        state = brace::open;
        binary = prev == '~';
        plus = junk = overflow = false;
        digits = 0;
        value = 0;
    } else if (state == brace::open) {
        if (c == '}') {
            state = brace::closed;
        } else if (c >= '0' && c <= '9' && !plus) {
            ++digits;
            detail::push_number64_digit(value, overflow, c);
        } else if (c == '+' && !plus) {
            plus = true;
        } else if (is_token_char(c)) {
            junk = true;
        } else {
            state = brace::none;
        }
    } else {
        state = brace::none;
    }
    prev = c;
}

// --- framer -------------------------------------------------------------------

framer::framer(framer_role role, framer_options options) : role_(role), options_(options) {}

std::span<char> framer::prepare(std::size_t n) {
    materialize();
    return input_.prepare(n);
}

void framer::commit(std::size_t n) { input_.commit(n); }

void framer::feed(std::string_view bytes) {
    materialize();
    input_.append(bytes);
}

std::string_view framer::message() const noexcept {
    return state_ == state::ready ? current() : std::string_view{};
}

std::uint64_t framer::literal_limit() const noexcept {
    return role_ == framer_role::server ? options_.limits.max_literal_size : options_.limits.max_message_size;
}

std::uint64_t framer::skip_cap() const noexcept { return std::max(options_.max_skip, literal_limit()); }

void framer::consume(std::size_t n) {
    input_.consume(n);
    consumed_ += n;
}

void framer::append(const char* p, std::size_t n) {
    // `p` is the start of the unread input; the caller consumes the n bytes.
    MAILACCESS_ASSERT(p == input_.unread().data());
    if (n == 0) return;
    if (in_place_) {
        place_size_ += n;  // consumed bytes do not move until the next prepare() or feed()
    } else if (message_.empty()) {
        in_place_ = true;
        place_size_ = n;
    } else {
        message_.append(p, n);
    }
}

void framer::materialize() {
    if (!in_place_) return;
    message_.assign(current());
    in_place_ = false;
    place_size_ = 0;
}

void framer::clear_message() noexcept {
    message_.clear();
    in_place_ = false;
    place_size_ = 0;
    literals_.clear();
}

void framer::reset_message() {
    clear_message();
    tag_.clear();
    kind_ = role_ == framer_role::server ? message_kind::command : message_kind::response;
    started_ = plain_ = tag_known_ = false;
    first_line_ = true;
    line_start_ = 0;
    quote_ = {};
    paren_bound_ = 0;
    exact_depth_ = false;
    depth_ = 0;
    remaining_ = 0;
    begin_pending_ = false;
    state_ = state::line;
}

void framer::start_message() {
    started_ = true;
    const std::string_view in = input_.unread();
    if (line_mode_) {
        kind_ = message_kind::line;
        plain_ = true;
    } else if (role_ == framer_role::client && !in.empty() && in.front() == '+') {
        // RFC 3501 section 7.5: continue-req = "+" SP (resp-text / base64) CRLF
        kind_ = message_kind::continuation;
        plain_ = true;
    } else {
        kind_ = role_ == framer_role::server ? message_kind::command : message_kind::response;
    }
}

void framer::find_tag(std::size_t from) {
    if (tag_known_ || !first_line_) return;
    const std::string_view m = current();
    const std::size_t sp = m.find(' ', from);
    if (sp == std::string_view::npos) return;
    tag_.assign(m.substr(0, sp));
    tag_known_ = true;
}

framer::announcement framer::classify(std::string_view segment, bool in_quote) const noexcept {
    announcement a;
    if (plain_) return a;
    // The LF is gone; one CR before it is part of the line end.
    if (!segment.empty() && segment.back() == '\r') segment.remove_suffix(1);
    if (segment.size() < 2 || segment.back() != '}') return a;
    // Back over the token characters to the "{": anything else between them
    // makes the braces ordinary text.
    std::size_t open = segment.size() - 1;
    while (open > 0 && is_token_char(segment[open - 1])) --open;
    if (open == 0 || segment[open - 1] != '{') return a;
    --open;
    // A "{" inside a quoted string that is still open is text too.
    if (in_quote) return a;

    std::size_t digits = 0;
    std::uint64_t value = 0;
    bool plus = false, junk = false, overflow = false;
    for (const char c : segment.substr(open + 1, segment.size() - open - 2)) {
        if (c >= '0' && c <= '9' && !plus) {
            ++digits;
            detail::push_number64_digit(value, overflow, c);
        } else if (c == '+' && !plus) {
            plus = true;
        } else {
            junk = true;
        }
    }
    // Response text may end in "{...}" (RFC 3501 resp-text); a command never
    // can outside a literal, since "{" is not an ATOM-CHAR.
    if (junk || digits == 0) {
        // No size to skip by: treated as a refused synchronizing literal, so
        // framing resumes at the next line even for "{+}".
        if (role_ == framer_role::server) a.kind = announcement::what::bad;
        return a;
    }
    a.synchronizing = !plus;
    a.is_binary = open > 0 && segment[open - 1] == '~';
    if (overflow) {
        a.kind = announcement::what::overflow;
        return a;
    }
    a.kind = announcement::what::literal;
    a.size = value;
    return a;
}

framer::announcement framer::classify(const line_scanner& s) const noexcept {
    announcement a;
    if (plain_ || s.state != line_scanner::brace::closed || s.quote.in_quote) return a;
    if (s.junk || s.digits == 0) {
        if (role_ == framer_role::server) a.kind = announcement::what::bad;
        return a;
    }
    a.synchronizing = !s.plus;
    a.is_binary = s.binary;
    if (s.overflow) {
        a.kind = announcement::what::overflow;
        return a;
    }
    a.kind = announcement::what::literal;
    a.size = s.value;
    return a;
}

void framer::consume_message() {
    MAILACCESS_ASSERT(state_ == state::ready);
    reset_message();
}

void framer::start_literal() {
    const literal_info& lit = literals_.back();
    remaining_ = lit.size;
    if (lit.streamed) {
        // The streamed bytes are consumed without joining the message, so
        // what follows them is no longer contiguous with it.
        materialize();
        begin_pending_ = true;
        state_ = state::literal_stream;
    } else {
        state_ = state::literal_inline;
    }
}

void framer::accept_literal() {
    MAILACCESS_ASSERT(state_ == state::literal_wait);
    start_literal();
}

void framer::reject_literal() {
    MAILACCESS_ASSERT(state_ == state::literal_wait);
    reset_message();
}

void framer::set_line_mode(bool on) {
    MAILACCESS_ASSERT(state_ == state::ready || (state_ == state::line && !started_));
    line_mode_ = on;
}

std::size_t framer::discard_buffered() {
    MAILACCESS_ASSERT(state_ == state::ready || (state_ == state::line && !started_));
    materialize();  // the ready message must stay the last bytes consumed
    const std::size_t n = input_.size();
    consume(n);
    return n;
}

bool framer::fail(errc reason, event& out) {
    state_ = state::failed;
    error_ = make_error_code(reason);
    out = fatal{error_};
    return true;
}

bool framer::reject(errc reason, event& out) {
    // The message so far is dropped; the rest of the current line is followed
    // byte by byte so that a literal announced at its end is still skipped.
    discard_ = line_scanner{};
    if (!plain_) discard_.feed(current().substr(line_start_));
    clear_message();
    event_tag_ = tag_;
    state_ = state::discard_line;
    out = message_rejected{make_error_code(reason), event_tag_};
    return true;
}

// A literal announced at the end of a complete line is refused.
bool framer::refuse_literal(errc reason, const announcement& a, event& out) {
    if (role_ == framer_role::server && a.synchronizing) {
        // The client waits for "+" and sends nothing more of this command.
        event_tag_ = tag_;
        reset_message();
        out = message_rejected{make_error_code(reason), event_tag_};
        return true;
    }
    if (a.kind != announcement::what::literal) return fail(reason, out);
    if (a.size > skip_cap()) return fail(errc::literal_too_large, out);
    clear_message();
    event_tag_ = tag_;
    remaining_ = a.size;
    state_ = state::discard_literal;
    out = message_rejected{make_error_code(reason), event_tag_};
    return true;
}

framer::event framer::next() {
    event out;
    for (;;) {
        bool produced = false;
        switch (state_) {
            case state::failed: return fatal{error_};
            case state::ready: return message_ready{kind_, current_size()};
            case state::literal_wait: return literal_announced{tag_, pending_.size, pending_.is_binary};
            case state::line: produced = step_line(out); break;
            case state::literal_inline: produced = step_literal_inline(out); break;
            case state::literal_stream: produced = step_literal_stream(out); break;
            case state::discard_line: produced = step_discard_line(out); break;
            case state::discard_literal: produced = step_discard_literal(out); break;
        }
        if (produced) return out;
    }
}

// The exact depth of the message so far, from its start: each line segment
// (literal bodies excluded) starts outside quotes.
void framer::start_exact_depth() {
    const std::string_view m = current();
    depth_ = 0;
    auto scan = [&](std::string_view segment) {
        for (const char c : segment) {
            const bool quoted = quote_.in_quote;
            detail::step_line_quote(quote_, c);
            if (quoted || quote_.in_quote) continue;
            if (c == '(')
                ++depth_;
            else if (c == ')' && depth_ > 0)
                --depth_;
        }
    };
    std::size_t pos = 0;
    for (const literal_info& l : literals_) {
        quote_ = {};
        scan(m.substr(pos, l.offset - pos));
        pos = l.offset + (l.streamed ? 0 : static_cast<std::size_t>(l.size));
    }
    MAILACCESS_ASSERT(pos == line_start_);
    quote_ = {};
    scan(m.substr(pos));
    exact_depth_ = true;
}

bool framer::check_depth(const char* p, std::size_t& n) {
    if (!exact_depth_) {
        // The bound is too coarse now: recompute the depth exactly up to
        // here, once, and follow it byte by byte for the rest of the message.
        start_exact_depth();
    }
    for (std::size_t i = 0; i < n; ++i) {
        const char c = p[i];
        const bool quoted = quote_.in_quote;
        detail::step_line_quote(quote_, c);
        if (quoted || quote_.in_quote) continue;
        if (c == '(') {
            if (++depth_ > options_.limits.max_depth) {
                n = i + 1;
                return true;
            }
        } else if (c == ')' && depth_ > 0) {
            --depth_;
        }
    }
    return false;
}

bool framer::step_line(event& out) {
    const std::string_view in = input_.unread();
    if (in.empty()) {
        out = need_more{};
        return true;
    }
    if (!started_) start_message();

    // Room left for this line and for the message, the LF included. Without
    // the LF in sight one more byte must still fit, so the limit is hit one
    // byte earlier; both ways exactly min(rooms) bytes are kept before the
    // refusal, whatever the chunking, so the reported tag is deterministic.
    const std::size_t size = current_size();
    const std::size_t line_len = size - line_start_;
    const std::size_t line_room =
        options_.limits.max_line_length > line_len ? options_.limits.max_line_length - line_len : 0;
    const std::size_t msg_room = options_.max_buffered_size > size ? options_.max_buffered_size - size : 0;

    std::size_t take = 0;
    bool has_lf = false;
    bool past_bound = false;  // the depth must now be checked exactly
    if (plain_ || exact_depth_) {
        const void* lf_at = std::memchr(in.data(), '\n', in.size());
        has_lf = lf_at != nullptr;
        take = has_lf ? static_cast<std::size_t>(static_cast<const char*>(lf_at) - in.data()) + 1 : in.size();
    } else {
        // One pass finds the LF, counts "(" and follows the quotes. An LF
        // past line_room cannot fit, so the scan stops there: the line is
        // then refused with min(rooms) bytes kept, as if the LF were seen.
        detail::line_quote q{quote_.in_quote, quote_.escape};
        const detail::line_quote before = q;
        detail::line_scan scan = detail::scan_line(in.data(), std::min(in.size(), line_room), q);
        has_lf = scan.found_lf;
        take = has_lf ? scan.length : in.size();
        const bool fits = has_lf ? take <= msg_room : take < line_room && take < msg_room;
        if (!fits) {
            // Refused below: follow exactly the bytes that are kept.
            q = before;
            scan = detail::scan_line(in.data(), std::min({take, line_room, msg_room}), q);
        }
        paren_bound_ += scan.open_parens;
        quote_ = {q.in_quote, q.escape};
        if (paren_bound_ > options_.limits.max_depth) {
            // `paren_bound_` counts every "(" of the message: only an upper
            // bound of the depth. Past the limit, check the exact depth.
            quote_ = {before.in_quote, before.escape};
            past_bound = true;
        }
    }
    const bool fits_line = has_lf ? take <= line_room : take < line_room;
    const bool fits_msg = has_lf ? take <= msg_room : take < msg_room;
    std::size_t n = take;
    if (!fits_line || !fits_msg) n = std::min({take, line_room, msg_room});

    const bool too_deep = !plain_ && (exact_depth_ || past_bound) && check_depth(in.data(), n);
    append(in.data(), n);
    consume(n);
    find_tag(size);

    if (too_deep) return reject(errc::nesting_too_deep, out);
    if (!fits_line) return reject(errc::line_too_long, out);
    if (!fits_msg) return reject(errc::message_too_large, out);
    if (!has_lf) {
        out = need_more{};
        return true;
    }
    return step_line_end(out);
}

// The line just added to the message ended with LF.
bool framer::step_line_end(event& out) {
    const std::string_view m = current();
    std::string_view line = m.substr(line_start_, m.size() - line_start_ - 1);
    if (first_line_ && !tag_known_) {
        // No space on the first line: its whole content is the first token.
        std::string_view first = line;
        if (!first.empty() && first.back() == '\r') first.remove_suffix(1);
        tag_.assign(first);
        tag_known_ = true;
    }
    first_line_ = false;
    const announcement a = classify(line, quote_.in_quote);
    quote_ = {};
    line_start_ = m.size();

    switch (a.kind) {
        case announcement::what::none:
            state_ = state::ready;
            out = message_ready{kind_, m.size()};
            return true;
        case announcement::what::bad:
        case announcement::what::overflow: return refuse_literal(errc::bad_literal, a, out);
        case announcement::what::literal: break;
    }

    const bool streamed = a.size > options_.streaming_threshold;
    if (literals_.size() >= options_.max_literals) return refuse_literal(errc::too_many_literals, a, out);
    if (a.size > literal_limit()) return refuse_literal(errc::literal_too_large, a, out);
    if (!streamed && a.size > options_.max_buffered_size - std::min(options_.max_buffered_size, m.size()))
        return refuse_literal(errc::message_too_large, a, out);

    literals_.push_back({m.size(), a.size, a.is_binary, a.synchronizing, streamed});
    if (role_ == framer_role::server && a.synchronizing) {
        pending_ = a;
        state_ = state::literal_wait;
        out = literal_announced{tag_, a.size, a.is_binary};
        return true;
    }
    start_literal();
    return false;
}

bool framer::step_literal_inline(event& out) {
    const std::string_view in = input_.unread();
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(in.size(), remaining_));
    append(in.data(), n);
    consume(n);
    remaining_ -= n;
    if (remaining_ > 0) {
        out = need_more{};
        return true;
    }
    // RFC 3501 section 4.3: the command continues after the literal octets.
    line_start_ = current_size();
    state_ = state::line;
    return false;
}

bool framer::step_literal_stream(event& out) {
    if (begin_pending_) {
        begin_pending_ = false;
        const literal_info& lit = literals_.back();
        out = literal_begin{lit.size, lit.is_binary, literals_.size() - 1};
        return true;
    }
    if (remaining_ == 0) {
        line_start_ = current_size();
        state_ = state::line;
        out = literal_end{};
        return true;
    }
    const std::string_view in = input_.unread();
    if (in.empty()) {
        out = need_more{};
        return true;
    }
    const std::size_t chunk = std::max<std::size_t>(options_.max_chunk_size, 1);
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>({in.size(), remaining_, chunk}));
    // consume() keeps the bytes in place until the next prepare/append.
    consume(n);
    remaining_ -= n;
    out = literal_data{in.substr(0, n)};
    return true;
}

bool framer::step_discard_line(event& out) {
    const std::string_view in = input_.unread();
    const std::size_t lf = in.find('\n');
    const std::size_t take = lf == std::string_view::npos ? in.size() : lf + 1;
    if (!plain_) discard_.feed(in.substr(0, take));
    consume(take);
    if (lf == std::string_view::npos) {
        out = need_more{};
        return true;
    }

    const announcement a = classify(discard_);
    discard_ = line_scanner{};
    const bool sent_anyway = role_ == framer_role::client || !a.synchronizing;
    if (a.kind == announcement::what::overflow && sent_anyway) return fail(errc::bad_literal, out);
    if (a.kind == announcement::what::literal && sent_anyway) {
        // The peer sends these octets whatever we answered (RFC 7888 section 4).
        if (a.size > skip_cap()) return fail(errc::literal_too_large, out);
        remaining_ = a.size;
        state_ = state::discard_literal;
        return false;
    }
    // End of the refused message; a synchronizing literal is never sent.
    reset_message();
    return false;
}

bool framer::step_discard_literal(event& out) {
    const std::string_view in = input_.unread();
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(in.size(), remaining_));
    consume(n);
    remaining_ -= n;
    if (remaining_ > 0) {
        out = need_more{};
        return true;
    }
    state_ = state::discard_line;
    return false;
}

}  // namespace mailaccess::imap
