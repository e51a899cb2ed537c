#pragma once
// Login throttling: failed logins are counted per client address and per
// user name in a sliding window; either count at the limit refuses further
// attempts (HTTP 429) until old failures leave the window. Guessing a
// password from one address, or one user's password from many, is slowed
// to `max_failures` tries per `window`.

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace webmail {

struct rate_limit_options {
    std::size_t max_failures = 5;
    std::chrono::seconds window{300};
    /// Keys tracked at most (addresses + users); beyond it the oldest
    /// windows are forgotten first, so memory stays bounded under a flood.
    std::size_t max_keys = 10000;
};

/// Thread safety: safe to call concurrently (one internal mutex).
class login_rate_limiter {
public:
    using clock = std::chrono::steady_clock;

    explicit login_rate_limiter(rate_limit_options options = {}) : options_(options) {}

    /// True when a login from `address` for `user` may be tried at `now`.
    bool allowed(const std::string& address, const std::string& user, clock::time_point now);
    /// Counts a failed login for both keys.
    void record_failure(const std::string& address, const std::string& user, clock::time_point now);
    /// A successful login clears the user's count (not the address's).
    void record_success(const std::string& user);

private:
    using window = std::deque<clock::time_point>;
    bool under_limit(const std::string& key, clock::time_point now);
    void add(const std::string& key, clock::time_point now);

    rate_limit_options options_;
    std::mutex mutex_;
    std::unordered_map<std::string, window> failures_;
};

}  // namespace webmail
