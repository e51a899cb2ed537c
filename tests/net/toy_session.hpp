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
//   BULK <n> <text> -> n lines "bulk <i>" queued, then an engine request for
//                     <text> that overlaps their writing (overlaps_output);
//                     reply -> "+OK engine <reply>" after the last of them.
//                     The session throws if complete() comes while a write
//                     of its output is in flight (the driver's contract).
//   IDLE           -> "+ idling"; is_idling() until "DONE" -> "+OK idle done".
//                     While idling, notify() makes an engine poll; the
//                     engine's answer (what was posted to its `board`) is
//                     written as "* <text>" when not empty ("* BYE" then
//                     closes the connection).

#include <asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

namespace toy {

struct need_input {};
struct write_ready {};
struct engine_request {
    std::uint64_t id = 0;
    std::string text;
    bool poll = false;  // an idle poll, not an ENGINE command
    bool overlaps_output = false;
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
            if (has_request_ && request_.overlaps_output) {
                has_request_ = false;
                return request_;
            }
            if (!out_.empty()) return write_ready{};
            if (awaiting_ && request_.overlaps_output) return need_input{};  // a placeholder
            if (closing_) return close_connection{};
            if (tls_pending_) {
                tls_pending_ = false;
                return start_tls{};
            }
            if (has_request_) {
                has_request_ = false;
                return std::move(request_);
            }
            if (idling_ && poll_due_) {
                poll_due_ = false;
                request_ = engine_request{++next_id_, {}, true};
                awaiting_ = true;
                return request_;
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
    std::string_view pending_output() const {
        writing_ = true;  // the driver writes what it returns, then consumes
        return out_;
    }
    void consume_output(std::size_t n) {
        writing_ = false;
        out_.erase(0, n);
    }
    void complete(std::uint64_t id, engine_reply reply) {
        if (id != request_.id) throw std::logic_error("wrong request id");
        if (!awaiting_) throw std::logic_error("complete() without a request");
        if (writing_) throw std::logic_error("complete() while a write is in flight");
        awaiting_ = false;
        if (!request_.poll) {
            out_ += "+OK engine " + reply.text + "\r\n";
        } else if (!reply.text.empty()) {
            out_ += "* " + reply.text + "\r\n";
            if (reply.text == "BYE") closing_ = true;  // the session ends after an update
        }
    }
    void notify() {
        // The driver contract: never while an engine request is outstanding.
        if (awaiting_) throw std::logic_error("notify() while waiting for the engine");
        ++notifications_;
        if (idling_) poll_due_ = true;
    }
    bool is_idling() const { return idling_; }
    int notifications() const { return notifications_; }
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
        } else if (line.rfind("BULK ", 0) == 0) {
            const auto space = line.find(' ', 5);
            const int lines = std::stoi(line.substr(5, space - 5));
            for (int i = 0; i < lines; ++i) out_ += "bulk " + std::to_string(i) + "\r\n";
            request_ = engine_request{++next_id_, space == std::string::npos ? "" : line.substr(space + 1)};
            request_.overlaps_output = true;
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
        } else if (idling_) {
            idling_ = false;
            poll_due_ = false;
            out_ += line == "DONE" ? "+OK idle done\r\n" : "-ERR expected DONE\r\n";
        } else if (line == "IDLE") {
            out_ += "+ idling\r\n";
            idling_ = true;
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
    mutable bool writing_ = false;
    bool closing_ = false;
    bool tls_pending_ = false;
    bool has_request_ = false;
    bool awaiting_ = false;
    engine_request request_;
    std::uint64_t next_id_ = 0;
    std::chrono::milliseconds sleep_{0};
    bool idling_ = false;
    bool poll_due_ = false;
    int notifications_ = 0;
};

/// What a toy store holds for idling sessions: text posted by the test
/// (from any thread, like another session's change) and the listeners of
/// the engines watching it. `post(text, false)` changes the board without
/// telling anyone, like a file an outside MDA drops into Maildir new/.
class board {
public:
    class subscription {
    public:
        subscription(board& b, int id) : board_(b), id_(id) {}
        ~subscription() {
            std::lock_guard<std::recursive_mutex> lock(board_.mutex_);
            board_.listeners_.erase(id_);
        }
        subscription(const subscription&) = delete;
        subscription& operator=(const subscription&) = delete;

    private:
        board& board_;
        int id_;
    };

    std::unique_ptr<subscription> subscribe(std::function<void()> listener) {
        std::lock_guard<std::recursive_mutex> lock(mutex_);
        listeners_.emplace(++next_id_, std::move(listener));
        return std::make_unique<subscription>(*this, next_id_);
    }
    void post(const std::string& text, bool notify = true) {
        std::lock_guard<std::recursive_mutex> lock(mutex_);
        if (!text_.empty()) text_ += ' ';
        text_ += text;
        if (!notify) return;
        std::vector<std::function<void()>> snapshot;  // a listener may unsubscribe
        for (auto& entry : listeners_) snapshot.push_back(entry.second);
        for (auto& listener : snapshot) listener();
    }
    /// What an idle poll returns; waits `poll_delay` first (a slow store).
    std::string take() {
        std::chrono::milliseconds delay{};
        {
            std::lock_guard<std::recursive_mutex> lock(mutex_);
            ++polls_;
            delay = poll_delay_;
        }
        if (delay.count() > 0) std::this_thread::sleep_for(delay);
        std::lock_guard<std::recursive_mutex> lock(mutex_);
        return std::exchange(text_, {});
    }
    void set_poll_delay(std::chrono::milliseconds d) {
        std::lock_guard<std::recursive_mutex> lock(mutex_);
        poll_delay_ = d;
    }
    std::size_t listener_count() const {
        std::lock_guard<std::recursive_mutex> lock(mutex_);
        return listeners_.size();
    }
    int polls() const {
        std::lock_guard<std::recursive_mutex> lock(mutex_);
        return polls_;
    }

private:
    // Recursive, like store::event_hub's: a listener may drop the last
    // reference to its connection, whose subscription then unregisters here.
    mutable std::recursive_mutex mutex_;
    std::map<int, std::function<void()>> listeners_;
    int next_id_ = 0;
    std::string text_;
    int polls_ = 0;
    std::chrono::milliseconds poll_delay_{0};
};

/// Answers "ENGINE x" with "[x]" and throws for "ENGINE throw". When a pool
/// is given, reports whether it ran on that pool ("[x] store" / "[x] elsewhere").
///
/// With a board it is a `change_source`: idle polls take the board's text,
/// and `subscribe_changes` registers the driver's notifier with the board.
class engine {
public:
    explicit engine(asio::thread_pool* pool = nullptr, board* b = nullptr) : pool_(pool), board_(b) {}
    engine_reply handle(engine_request&& r) {
        if (r.poll) return {board_ != nullptr ? board_->take() : std::string()};
        if (r.text == "throw") throw std::runtime_error("engine exploded");
        if (r.text == "after-read" && board_ != nullptr) {
            // Answers once the test posted "read" to the board (its client
            // saw output written while this call ran), or after 10 s.
            const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (board_->take() != "read")
                if (std::chrono::steady_clock::now() > give_up)
                    return {"[after-read] not overlapped"};
                else
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
            return {"[after-read] overlapped"};
        }
        std::string text = "[" + r.text + "]";
        if (pool_ != nullptr)
            text += pool_->get_executor().running_in_this_thread() ? " store" : " elsewhere";
        return {text};
    }

    std::unique_ptr<board::subscription> subscribe_changes(std::function<void()> notifier) {
        if (board_ == nullptr) return nullptr;
        return board_->subscribe(std::move(notifier));
    }

private:
    asio::thread_pool* pool_;
    board* board_;
};

}  // namespace toy
