#include "rate_limit.hpp"

#include <algorithm>

namespace webmail {

bool login_rate_limiter::under_limit(const std::string& key, clock::time_point now) {
    auto it = failures_.find(key);
    if (it == failures_.end()) return true;
    window& w = it->second;
    while (!w.empty() && now - w.front() >= options_.window) w.pop_front();
    if (w.empty()) {
        failures_.erase(it);
        return true;
    }
    return w.size() < options_.max_failures;
}

void login_rate_limiter::add(const std::string& key, clock::time_point now) {
    if (failures_.size() >= options_.max_keys && failures_.count(key) == 0) {
        // Forget the key whose latest failure is oldest.
        auto oldest = std::min_element(failures_.begin(), failures_.end(), [](const auto& a, const auto& b) {
            return a.second.back() < b.second.back();
        });
        failures_.erase(oldest);
    }
    window& w = failures_[key];
    w.push_back(now);
    if (w.size() > options_.max_failures) w.pop_front();
}

bool login_rate_limiter::allowed(const std::string& address, const std::string& user, clock::time_point now) {
    std::lock_guard lock(mutex_);
    const bool by_address = under_limit("a:" + address, now);
    const bool by_user = under_limit("u:" + user, now);
    return by_address && by_user;
}

void login_rate_limiter::record_failure(const std::string& address, const std::string& user,
                                        clock::time_point now) {
    std::lock_guard lock(mutex_);
    add("a:" + address, now);
    add("u:" + user, now);
}

void login_rate_limiter::record_success(const std::string& user) {
    std::lock_guard lock(mutex_);
    failures_.erase("u:" + user);
}

}  // namespace webmail
