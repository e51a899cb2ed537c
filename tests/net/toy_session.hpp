#pragma once

// A line-based toy protocol with the same action shape as the POP3/IMAP
// server sessions, so the net driver is tested without either of them.
//
//   ECHO <text>    -> "<text>"
//   ENGINE <text>  -> engine_request; reply -> "+OK engine <reply>"
//   SLEEP <ms>     -> delay; resume -> "+OK slept"
//   STARTTLS       -> "+OK begin TLS", then start_tls
//   TLS?           -> "+OK tls yes" / "+OK tls no"
//   QUIT           -> "+OK bye", then close_connection
//   CRASH          -> the session throws

#include <asio/thread_pool.hpp>

#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

namespace toy {

struct need_input {};
struct write_ready {};
struct engine_request {
    std::uint64_t id = 0;
    std::string text;
};
struct start_tls {};
struct close_connection {};
struct delay {
    std::chrono::milliseconds duration{0};
};
using action = std::variant<need_input, write_ready, engine_request, start_tls, close_connection, delay>;

struct engine_reply {
    std::string text;
};

class session {
public:
    explicit session(std::chrono::milliseconds timeout = std::chrono::seconds(5), bool tls_active = false)
        : timeout_(timeout), tls_(tls_active), out_("+OK toy ready\r\n") {}

    action next_action() {
        for (;;) {
            if (!out_.empty()) return write_ready{};
            if (closing_) return close_connection{};
            if (tls_pending_) {
                tls_pending_ = false;
                return start_tls{};
            }
            if (has_request_) {
                has_request_ = false;
                return std::move(request_);
            }
            if (sleep_.count() > 0) {
                auto d = sleep_;
                sleep_ = {};
                return delay{d};
            }
            if (awaiting_) return need_input{};  // never reached: the driver waits for complete()
            const auto eol = in_.find("\r\n");
            if (eol == std::string::npos) {
                if (in_.size() > 1024)
                    closing_ = true;
                else
                    return need_input{};
                continue;
            }
            std::string line = in_.substr(0, eol);
            in_.erase(0, eol + 2);
            handle(line);
        }
    }

    std::span<char> prepare(std::size_t n) {
        committed_ = in_.size();
        in_.resize(committed_ + n);
        return {in_.data() + committed_, n};
    }
    void commit(std::size_t n) { in_.resize(committed_ + n); }
    std::string_view pending_output() const { return out_; }
    void consume_output(std::size_t n) { out_.erase(0, n); }
    void complete(std::uint64_t id, engine_reply reply) {
        if (id != request_.id) throw std::logic_error("wrong request id");
        awaiting_ = false;
        out_ += "+OK engine " + reply.text + "\r\n";
    }
    void resume() { out_ += "+OK slept\r\n"; }
    void tls_established() { tls_ = true; }
    std::chrono::milliseconds read_timeout() const { return timeout_; }

private:
    void handle(const std::string& line) {
        if (line.rfind("ECHO ", 0) == 0) {
            out_ += line.substr(5) + "\r\n";
        } else if (line.rfind("ENGINE ", 0) == 0) {
            request_ = engine_request{++next_id_, line.substr(7)};
            has_request_ = true;
            awaiting_ = true;
        } else if (line.rfind("SLEEP ", 0) == 0) {
            sleep_ = std::chrono::milliseconds(std::stoi(line.substr(6)));
        } else if (line == "STARTTLS") {
            out_ += "+OK begin TLS\r\n";
            tls_pending_ = true;
            in_.clear();  // RFC 2595 section 3.1: drop pipelined plaintext
        } else if (line == "TLS?") {
            out_ += tls_ ? "+OK tls yes\r\n" : "+OK tls no\r\n";
        } else if (line == "CRASH") {
            throw std::runtime_error("session exploded");
        } else if (line == "QUIT") {
            out_ += "+OK bye\r\n";
            closing_ = true;
        } else {
            out_ += "-ERR unknown\r\n";
        }
    }

    std::chrono::milliseconds timeout_;
    bool tls_;
    std::string in_;
    std::size_t committed_ = 0;
    std::string out_;
    bool closing_ = false;
    bool tls_pending_ = false;
    bool has_request_ = false;
    bool awaiting_ = false;
    engine_request request_;
    std::uint64_t next_id_ = 0;
    std::chrono::milliseconds sleep_{0};
};

/// Answers "ENGINE x" with "[x]" and throws for "ENGINE throw". When a pool
/// is given, reports whether it ran on that pool ("[x] store" / "[x] elsewhere").
class engine {
public:
    explicit engine(asio::thread_pool* pool = nullptr) : pool_(pool) {}
    engine_reply handle(engine_request&& r) {
        if (r.text == "throw") throw std::runtime_error("engine exploded");
        std::string text = "[" + r.text + "]";
        if (pool_ != nullptr)
            text += pool_->get_executor().running_in_this_thread() ? " store" : " elsewhere";
        return {text};
    }

private:
    asio::thread_pool* pool_;
};

}  // namespace toy
