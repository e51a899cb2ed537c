#include <mailaccess/imap/framer.hpp>

#include <mailaccess/core/assert.hpp>

#include <algorithm>

namespace mailaccess::imap {
namespace {

// RFC 9051 section 9: number64 = 1*DIGIT, at most 2^63-1.
constexpr std::uint64_t max_number64 = 0x7fffffffffffffffull;

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

void framer::line_scanner::content(char c) noexcept {
    if (in_quote) {
        if (escape)
            escape = false;
        else if (c == '\\')
            escape = true;
        else if (c == '"')
            in_quote = false;
    } else if (c == '"') {
        in_quote = true;
    } else if (c == '(') {
        ++depth;
    } else if (c == ')' && depth > 0) {
        --depth;
    }

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
            const auto d = static_cast<std::uint64_t>(c - '0');
            if (overflow || value > (max_number64 - d) / 10)
                overflow = true;
            else
                value = value * 10 + d;
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

void framer::line_scanner::new_line() noexcept {
    state = brace::none;
    pending_cr = in_quote = escape = false;
    prev = 0;
}

// --- framer -------------------------------------------------------------------

framer::framer(framer_role role, framer_options options) : role_(role), options_(options) {}

std::span<char> framer::prepare(std::size_t n) { return input_.prepare(n); }

void framer::commit(std::size_t n) { input_.commit(n); }

void framer::feed(std::string_view bytes) { input_.append(bytes); }

std::string_view framer::message() const noexcept {
    return state_ == state::ready ? std::string_view(message_) : std::string_view{};
}

std::uint64_t framer::literal_limit() const noexcept {
    return role_ == framer_role::server ? options_.limits.max_literal_size : options_.limits.max_message_size;
}

std::uint64_t framer::skip_cap() const noexcept { return std::max(options_.max_skip, literal_limit()); }

void framer::consume(std::size_t n) {
    input_.consume(n);
    consumed_ += n;
}

void framer::reset_message() {
    message_.clear();
    literals_.clear();
    tag_.clear();
    kind_ = role_ == framer_role::server ? message_kind::command : message_kind::response;
    started_ = plain_ = tag_known_ = false;
    first_line_ = true;
    line_start_ = 0;
    scan_ = line_scanner{};
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
    const std::size_t sp = message_.find(' ', from);
    if (sp == std::string::npos) return;
    tag_.assign(message_, 0, sp);
    tag_known_ = true;
}

framer::announcement framer::classify() const noexcept {
    announcement a;
    if (plain_ || scan_.state != line_scanner::brace::closed) return a;
    // Response text may end in "{...}" (RFC 3501 resp-text); a command never
    // can outside a literal, since "{" is not an ATOM-CHAR.
    if (scan_.junk || scan_.digits == 0) {
        // No size to skip by: treated as a refused synchronizing literal, so
        // framing resumes at the next line even for "{+}".
        if (role_ == framer_role::server) a.kind = announcement::what::bad;
        return a;
    }
    a.synchronizing = !scan_.plus;
    a.is_binary = scan_.binary;
    if (scan_.overflow) {
        a.kind = announcement::what::overflow;
        return a;
    }
    a.kind = announcement::what::literal;
    a.size = scan_.value;
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
    // The message so far is dropped; the scanner keeps following the current
    // line so that a literal announced at its end is still skipped.
    message_.clear();
    literals_.clear();
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
    message_.clear();
    literals_.clear();
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
            case state::ready: return message_ready{kind_, message_.size()};
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

bool framer::step_line(event& out) {
    const std::string_view in = input_.unread();
    if (in.empty()) {
        out = need_more{};
        return true;
    }
    if (!started_) start_message();

    const std::size_t lf = in.find('\n');
    const std::size_t take = lf == std::string_view::npos ? in.size() : lf + 1;
    // Room left for this line and for the message, the LF included. Without
    // the LF in sight one more byte must still fit, so the limit is hit one
    // byte earlier; both ways exactly min(rooms) bytes are kept before the
    // refusal, whatever the chunking, so the reported tag is deterministic.
    const std::size_t line_len = message_.size() - line_start_;
    const std::size_t line_room =
        options_.limits.max_line_length > line_len ? options_.limits.max_line_length - line_len : 0;
    const std::size_t msg_room =
        options_.max_buffered_size > message_.size() ? options_.max_buffered_size - message_.size() : 0;
    const bool fits_line = lf != std::string_view::npos ? take <= line_room : take < line_room;
    const bool fits_msg = lf != std::string_view::npos ? take <= msg_room : take < msg_room;
    std::size_t n = take;
    if (!fits_line || !fits_msg) n = std::min({take, line_room, msg_room});

    bool too_deep = false;
    const bool check_depth = !plain_;
    for (std::size_t i = 0; i < n; ++i) {
        scan_.feed(in[i]);
        if (check_depth && scan_.depth > options_.limits.max_depth) {
            too_deep = true;
            n = i + 1;
            break;
        }
    }
    const std::size_t before = message_.size();
    message_.append(in.data(), n);
    consume(n);
    find_tag(before);

    if (too_deep) return reject(errc::nesting_too_deep, out);
    if (!fits_line) return reject(errc::line_too_long, out);
    if (!fits_msg) return reject(errc::message_too_large, out);
    if (lf == std::string_view::npos) {
        out = need_more{};
        return true;
    }
    return step_line_end(out);
}

// The line just copied into message_ ended with LF.
bool framer::step_line_end(event& out) {
    if (first_line_ && !tag_known_) {
        // No space on the first line: its whole content is the first token.
        std::string_view line(message_);
        line.remove_suffix(1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        tag_.assign(line);
        tag_known_ = true;
    }
    first_line_ = false;
    const announcement a = classify();
    scan_.new_line();
    line_start_ = message_.size();

    switch (a.kind) {
        case announcement::what::none:
            state_ = state::ready;
            out = message_ready{kind_, message_.size()};
            return true;
        case announcement::what::bad:
        case announcement::what::overflow: return refuse_literal(errc::bad_literal, a, out);
        case announcement::what::literal: break;
    }

    const bool streamed = a.size > options_.streaming_threshold;
    if (literals_.size() >= options_.max_literals) return refuse_literal(errc::too_many_literals, a, out);
    if (a.size > literal_limit()) return refuse_literal(errc::literal_too_large, a, out);
    if (!streamed &&
        a.size > options_.max_buffered_size - std::min(options_.max_buffered_size, message_.size()))
        return refuse_literal(errc::message_too_large, a, out);

    literals_.push_back({message_.size(), a.size, a.is_binary, a.synchronizing, streamed});
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
    message_.append(in.data(), n);
    consume(n);
    remaining_ -= n;
    if (remaining_ > 0) {
        out = need_more{};
        return true;
    }
    // RFC 3501 section 4.3: the command continues after the literal octets.
    line_start_ = message_.size();
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
        line_start_ = message_.size();
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
    for (std::size_t i = 0; i < take; ++i) scan_.feed(in[i]);
    consume(take);
    if (lf == std::string_view::npos) {
        out = need_more{};
        return true;
    }

    const announcement a = classify();
    scan_.new_line();
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
