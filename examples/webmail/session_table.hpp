#pragma once
// The web sessions of the webmail: each has a random id (the cookie), a
// CSRF token bound to it, the user, and the host's per-session state (its
// IMAP connection). Bounded in number; idle sessions expire.

#include "csrf.hpp"

#include <mailaccess/core/secret.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace webmail {

/// One session as the table keeps it. `state` is the host's (for the
/// webmail, a `web_session` with its IMAP client).
template <class State>
struct session_entry {
    std::string id;
    std::string csrf_token;
    std::string user;
    std::shared_ptr<State> state;
    std::chrono::steady_clock::time_point last_used;
};

/// Sessions by id. Lookup compares the presented id with every stored one
/// in constant time and without stopping at a match, so timing tells
/// nothing about stored ids (the table is small: `max_sessions`).
///
/// Thread safety: safe to call concurrently. Removed states are returned,
/// not destroyed under the lock: the caller closes their connections.
template <class State>
class session_table {
public:
    using clock = std::chrono::steady_clock;
    using entry = session_entry<State>;

    session_table(std::size_t max_sessions, std::chrono::seconds idle_timeout)
        : max_sessions_(max_sessions), idle_timeout_(idle_timeout) {}

    /// Adds a session for `user` with fresh id and CSRF token. When the
    /// table is full, the least recently used session is evicted and
    /// returned in `evicted`.
    entry create(std::string user, std::shared_ptr<State> state, clock::time_point now,
                 std::shared_ptr<State>& evicted) {
        entry e{random_token(32), random_token(32), std::move(user), std::move(state), now};
        std::lock_guard lock(mutex_);
        if (entries_.size() >= max_sessions_ && !entries_.empty()) {
            auto lru = entries_.begin();
            for (auto it = entries_.begin(); it != entries_.end(); ++it)
                if (it->last_used < lru->last_used) lru = it;
            evicted = std::move(lru->state);
            entries_.erase(lru);
        }
        entries_.push_back(e);
        return e;
    }

    /// The live session with this id (and marks it used at `now`), or
    /// nothing. An expired session is not found (`expire` removes it).
    std::optional<entry> find(std::string_view id, clock::time_point now) {
        std::lock_guard lock(mutex_);
        entry* found = nullptr;
        for (auto& e : entries_)
            if (token_matches(e.id, id) && now - e.last_used < idle_timeout_) found = &e;
        if (found == nullptr) return std::nullopt;
        found->last_used = now;
        return *found;
    }

    /// Removes the session with this id; returns its state (null if none).
    std::shared_ptr<State> remove(std::string_view id) {
        std::lock_guard lock(mutex_);
        for (auto it = entries_.begin(); it != entries_.end(); ++it) {
            if (token_matches(it->id, id)) {
                auto state = std::move(it->state);
                entries_.erase(it);
                return state;
            }
        }
        return nullptr;
    }

    /// Removes every session idle for `idle_timeout` at `now`; returns their states.
    std::vector<std::shared_ptr<State>> expire(clock::time_point now) {
        std::vector<std::shared_ptr<State>> gone;
        std::lock_guard lock(mutex_);
        for (auto it = entries_.begin(); it != entries_.end();) {
            if (now - it->last_used >= idle_timeout_) {
                gone.push_back(std::move(it->state));
                it = entries_.erase(it);
            } else {
                ++it;
            }
        }
        return gone;
    }

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return entries_.size();
    }

private:
    const std::size_t max_sessions_;
    const std::chrono::seconds idle_timeout_;
    mutable std::mutex mutex_;
    std::vector<entry> entries_;
};

}  // namespace webmail
