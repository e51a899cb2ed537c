#include "maildir_state.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <utility>

#include <sys/time.h>
#include <unistd.h>

namespace mailaccess::maildir::detail {

namespace {

// Maildir forbids '/' and ':' in the host part; Dovecot escapes them as octal.
std::string escaped_hostname() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
        std::snprintf(host, sizeof host, "localhost");
    std::string out;
    for (const char* p = host; *p != '\0'; ++p) {
        if (*p == '/')
            out += "\\057";
        else if (*p == ':')
            out += "\\072";
        else
            out += *p;
    }
    return out;
}

}  // namespace

maildir_state::maildir_state(maildir_store_options opts)
    : options(std::move(opts)), hostname(escaped_hostname()) {}

std::shared_ptr<std::mutex> maildir_state::mutex_for(const std::filesystem::path& lockfile) {
    std::lock_guard lock(mutex_);
    auto& m = lock_mutexes_[lockfile.string()];
    if (!m) m = std::make_shared<std::mutex>();
    return m;
}

std::uint32_t maildir_state::new_uidvalidity() {
    const auto now = static_cast<std::uint32_t>(std::time(nullptr));
    std::uint32_t prev = last_uidvalidity_.load();
    std::uint32_t next = 0;
    do {
        next = std::max(now, prev + 1);
    } while (!last_uidvalidity_.compare_exchange_weak(prev, next));
    return next;
}

std::string maildir_state::unique_basename() {
    struct timeval tv {};
    ::gettimeofday(&tv, nullptr);
    return std::to_string(tv.tv_sec) + ".M" + std::to_string(tv.tv_usec) + "P" + std::to_string(::getpid()) +
           "Q" + std::to_string(++counter_) + "." + hostname;
}

bool maildir_state::tmp_scan_due(const std::filesystem::path& dir, std::chrono::seconds interval) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    auto [it, inserted] = tmp_scans_.try_emplace(dir.string(), now);
    if (inserted) return true;
    if (now - it->second < interval) return false;
    it->second = now;
    return true;
}

bool maildir_state::claim_maildrop(const std::string& user) {
    std::lock_guard lock(mutex_);
    return maildrops_.insert(user).second;
}

void maildir_state::release_maildrop(const std::string& user) {
    std::lock_guard lock(mutex_);
    maildrops_.erase(user);
}

}  // namespace mailaccess::maildir::detail
