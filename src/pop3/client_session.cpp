#include <mailaccess/pop3/client_session.hpp>

#include <mailaccess/core/assert.hpp>
#include <mailaccess/core/base64.hpp>
#include <mailaccess/pop3/parser.hpp>
#include <mailaccess/pop3/serializer.hpp>

#include <utility>

namespace mailaccess::pop3 {
namespace {
constexpr std::size_t max_capabilities = 128;

secret<> base64_secret(std::string_view raw) { return secret<>(base64_encode(raw)); }
}  // namespace

client_session::client_session(client_options options)
    : options_(std::move(options)), pipelining_(options_.pipelining) {
    // The greeting is the first reply; nothing is sent before it arrives.
    pending greeting;
    greeting.barrier = true;
    in_flight_.push_back(std::move(greeting));
}

std::error_code client_session::send_simple(verb v) {
    command cmd;
    cmd.kind = v;
    return send(cmd);
}

std::error_code client_session::send(const command& cmd) { return enqueue(cmd, {}); }

std::error_code client_session::user(std::string_view name) {
    command cmd;
    cmd.kind = verb::user;
    cmd.name = std::string(name);
    return send(cmd);
}

std::error_code client_session::pass(secret<> password) {
    command cmd;
    cmd.kind = verb::pass;
    cmd.credential = std::move(password);
    return send(cmd);
}

std::error_code client_session::list(std::optional<std::uint32_t> n) {
    command cmd;
    cmd.kind = verb::list;
    cmd.message = n;
    return send(cmd);
}

std::error_code client_session::uidl(std::optional<std::uint32_t> n) {
    command cmd;
    cmd.kind = verb::uidl;
    cmd.message = n;
    return send(cmd);
}

std::error_code client_session::retr(std::uint32_t n) {
    command cmd;
    cmd.kind = verb::retr;
    cmd.message = n;
    return send(cmd);
}

std::error_code client_session::top(std::uint32_t n, std::uint32_t lines) {
    command cmd;
    cmd.kind = verb::top;
    cmd.message = n;
    cmd.lines = lines;
    return send(cmd);
}

std::error_code client_session::dele(std::uint32_t n) {
    command cmd;
    cmd.kind = verb::dele;
    cmd.message = n;
    return send(cmd);
}

std::error_code client_session::auth_plain(std::string_view user, const secret<>& password) {
    std::string raw;
    raw.push_back('\0');
    raw += user;
    raw.push_back('\0');
    raw += password.reveal();
    secret<> response = base64_secret(raw);
    secure_wipe(raw.data(), raw.size());
    command cmd;
    cmd.kind = verb::auth;
    cmd.name = "PLAIN";
    // RFC 5034 section 4: "=" stands for an empty initial response.
    cmd.credential = secret<>(std::string(response.empty() ? std::string_view("=") : response.reveal()));
    cmd.has_initial_response = true;
    if (auto wire = serialize_command(cmd)) return enqueue(cmd, {});
    // Too long for the 255-octet command line: wait for the empty challenge.
    cmd.credential = {};
    cmd.has_initial_response = false;
    std::vector<secret<>> sasl;
    sasl.push_back(std::move(response));
    return enqueue(cmd, std::move(sasl));
}

std::error_code client_session::auth_login(std::string_view user, const secret<>& password) {
    // LOGIN is server-first: no initial response (see the header).
    command cmd;
    cmd.kind = verb::auth;
    cmd.name = "LOGIN";
    std::vector<secret<>> sasl;
    sasl.push_back(base64_secret(user));
    sasl.push_back(base64_secret(password.reveal()));
    return enqueue(cmd, std::move(sasl));
}

std::error_code client_session::enqueue(const command& cmd, std::vector<secret<>> sasl) {
    auto wire = serialize_command(cmd);
    if (!wire) return wire.error();
    pending p;
    p.kind = cmd.kind;
    p.multiline = cmd.kind == verb::capa || cmd.kind == verb::retr || cmd.kind == verb::top ||
                  ((cmd.kind == verb::list || cmd.kind == verb::uidl) && !cmd.message) ||
                  (cmd.kind == verb::auth && cmd.name.empty());
    p.barrier = cmd.kind == verb::stls || cmd.kind == verb::auth;
    p.wire = std::move(*wire);
    p.sasl = std::move(sasl);
    queue_.push_back(std::move(p));
    return {};
}

// RFC 2449 section 6.6: with PIPELINING, commands may be sent without
// waiting; STLS and AUTH change the connection, so they go alone.
void client_session::flush_queue() {
    while (!queue_.empty() && !awaiting_tls_ && !start_tls_due_ && !close_due_) {
        const bool idle = in_flight_.empty();
        const bool may_pipeline =
            pipelining_ && !queue_.front().barrier && (in_flight_.empty() || !in_flight_.back().barrier);
        if (!idle && !may_pipeline) return;
        if (!in_flight_.empty() && in_flight_.back().kind == verb::quit) return;
        out_.append(queue_.front().wire);
        in_flight_.push_back(std::move(queue_.front()));
        queue_.pop_front();
    }
}

client_action client_session::fail(std::error_code ec) {
    error_ = ec;
    error_reported_ = true;
    return client_error{ec};
}

client_action client_session::next() {
    body_buf_.clear();
    for (;;) {
        if (error_) {
            if (!error_reported_) return fail(error_);
            return close_connection{};
        }
        if (closed_) return close_connection{};
        if (next_event_) {
            client_action e = std::move(*next_event_);
            next_event_.reset();
            return e;
        }
        flush_queue();
        if (out_.has_pending()) return write_ready{};
        if (start_tls_due_) {
            start_tls_due_ = false;
            awaiting_tls_ = true;
            return start_tls{};
        }
        if (close_due_) {
            closed_ = true;
            return close_connection{};
        }
        MAILACCESS_ASSERT(!awaiting_tls_);
        if (auto e = parse_one()) return std::move(*e);
        // An answered SASL challenge produced output; an error must be reported.
        if (error_ || out_.has_pending()) continue;
        return need_input{};
    }
}

// One line from the input, or nothing while it is incomplete; a line over
// 512 octets is fatal (RFC 2449 section 4).
std::optional<std::string_view> client_session::take_line() {
    const std::string_view unread = input_.unread();
    const std::size_t lf = unread.find('\n');
    if (lf == std::string_view::npos) {
        if (unread.size() > max_response_line) error_ = errc::line_too_long;
        return std::nullopt;
    }
    std::string_view line = unread.substr(0, lf);
    if (line.size() + 1 > max_response_line) {
        error_ = errc::line_too_long;
        return std::nullopt;
    }
    input_.consume(lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

std::optional<client_action> client_session::parse_one() {
    if (input_.empty()) return std::nullopt;
    switch (mode_) {
        case mode::body: {
            auto used = body_->decode(input_.unread(), body_buf_);
            if (!used) {
                error_ = used.error();
                return std::nullopt;
            }
            input_.consume(*used);
            if (body_->is_done()) {
                body_.reset();
                mode_ = mode::status;
                in_flight_.pop_front();
                if (body_buf_.empty()) return body_end{};
                next_event_ = body_end{};
            }
            if (body_buf_.empty()) return std::nullopt;
            return body_data{body_buf_};
        }
        case mode::lines: {
            auto line = take_line();
            if (!line) return std::nullopt;
            const verb kind = *in_flight_.front().kind;
            if (*line == ".") {
                mode_ = mode::status;
                in_flight_.pop_front();
                return client_lines_end{kind};
            }
            if (!line->empty() && line->front() == '.') line->remove_prefix(1);
            if (kind == verb::capa) {
                if (capa_reset_) {
                    capabilities_.clear();
                    capa_reset_ = false;
                }
                // A hostile server could send endless CAPA lines; keep a bounded list.
                if (capabilities_.size() < max_capabilities) capabilities_.emplace_back(*line);
                if (*line == "PIPELINING" || line->starts_with("PIPELINING ")) pipelining_ = true;
            }
            return client_line{kind, *line};
        }
        case mode::status: break;
    }

    auto line = take_line();
    if (!line) return std::nullopt;
    if (in_flight_.empty()) {
        error_ = errc::unexpected_response;
        return std::nullopt;
    }
    auto parsed = parse_status_line(*line);
    if (!parsed) {
        error_ = parsed.error();
        return std::nullopt;
    }
    pending& front = in_flight_.front();
    if (parsed->kind == status::continuation) {
        answer_challenge(front);
        return std::nullopt;
    }
    client_status st{front.kind, std::move(*parsed)};
    const bool ok = st.line.kind == status::ok;
    if (ok && front.multiline) {
        if (front.kind == verb::retr || front.kind == verb::top) {
            mode_ = mode::body;
            body_.emplace(options_.limits.max_message_size);
            next_event_ = body_begin{*front.kind};
        } else {
            mode_ = mode::lines;
            if (front.kind == verb::capa) capa_reset_ = true;
        }
        return st;
    }
    if (front.kind == verb::stls && ok) {
        // RFC 2595 section 4 / CVE-2011-0411: anything already here was sent
        // in plaintext before the handshake.
        // The status is still reported; the error follows it.
        if (!input_.empty())
            error_ = errc::unexpected_response;
        else
            start_tls_due_ = true;
    }
    if (front.kind == verb::quit) close_due_ = true;
    in_flight_.pop_front();
    return st;
}

// RFC 5034 section 4: only AUTH gets challenges. Each is answered with the
// next response or cancelled with "*"; after "*" the server MUST send -ERR.
void client_session::answer_challenge(pending& front) {
    if (front.kind != verb::auth || front.sasl_cancelled) {
        error_ = errc::unexpected_response;
        return;
    }
    if (front.next_sasl < front.sasl.size()) {
        secret<>& response = front.sasl[front.next_sasl++];
        out_.append(response.reveal());
        out_.append("\r\n");
        response.wipe();
    } else {
        out_.append("*\r\n");
        front.sasl_cancelled = true;
    }
}

std::span<char> client_session::prepare(std::size_t n) { return input_.prepare(n); }

void client_session::commit(std::size_t n) { input_.commit(n); }

void client_session::feed(std::string_view bytes) { input_.append(bytes); }

std::string_view client_session::pending_output() const noexcept { return out_.pending(); }

void client_session::consume_output(std::size_t n) { out_.consume(n); }

void client_session::tls_established() {
    MAILACCESS_ASSERT(awaiting_tls_);
    awaiting_tls_ = false;
    input_.clear();
}

}  // namespace mailaccess::pop3
