#include "maildir_state.hpp"

#include "folder.hpp"
#include "quota.hpp"

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
    // Process-wide: two stores in one process share the pid and may share
    // the microsecond, so a per-store counter could repeat a name.
    static std::atomic<std::uint64_t> counter{0};
    struct timeval tv {};
    ::gettimeofday(&tv, nullptr);
    return std::to_string(tv.tv_sec) + ".M" + std::to_string(tv.tv_usec) + "P" + std::to_string(::getpid()) +
           "Q" + std::to_string(++counter) + "." + hostname;
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

std::shared_ptr<folder_index> maildir_state::index_for(const std::filesystem::path& dir) {
    std::shared_ptr<folder_index> evicted;  // destroyed after the lock is released
    std::lock_guard lock(mutex_);
    auto& w = indexes_[dir.string()];
    auto p = w.lock();
    if (p) {
        evicted = retain(p);
        return p;
    }
    p = std::make_shared<folder_index>();
    w = p;
    evicted = retain(p);
    // Forget folders nobody holds any more, amortised over insertions.
    if (indexes_.size() >= 2 * indexes_swept_at_) {
        std::erase_if(indexes_, [](const auto& kv) { return kv.second.expired(); });
        indexes_swept_at_ = std::max<std::size_t>(16, indexes_.size());
    }
    return p;
}

std::shared_ptr<folder_index> maildir_state::retain(const std::shared_ptr<folder_index>& index) {
    // Called with mutex_ held. A linear walk: the list is short.
    if (options.retained_folder_indexes == 0) return nullptr;
    if (auto it = std::find(retained_.begin(), retained_.end(), index); it != retained_.end())
        retained_.erase(it);
    retained_.push_front(index);
    if (retained_.size() <= options.retained_folder_indexes) return nullptr;
    auto evicted = std::move(retained_.back());
    retained_.pop_back();
    return evicted;
}

std::shared_ptr<quota_cache> maildir_state::quota_for(const std::filesystem::path& maildir) {
    std::lock_guard lock(mutex_);
    auto& q = quotas_[maildir.string()];
    if (!q) q = std::make_shared<quota_cache>();
    return q;
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
