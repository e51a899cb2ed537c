#pragma once

// Internal to the maildir module: what every object obtained from one
// maildir_store shares (options, the event hub, per-process lock tables and
// name generators). Objects hold it by shared_ptr so they may outlive the store.

#include <mailaccess/maildir/maildir_store.hpp>
#include <mailaccess/store/event_hub.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace mailaccess::maildir::detail {

struct folder_index;  // folder.hpp
struct quota_cache;   // quota.hpp

struct maildir_state {
    explicit maildir_state(maildir_store_options opts);

    maildir_store_options options;
    store::event_hub hub;
    std::string hostname;  // escaped for use in Maildir file names

    /// The in-process mutex paired with a lock file (flock alone does not
    /// order the threads of one process fairly).
    std::shared_ptr<std::mutex> mutex_for(const std::filesystem::path& lockfile);

    /// Time-based like Dovecot's, but strictly increasing within the process
    /// so a folder deleted and recreated in the same second differs.
    std::uint32_t new_uidvalidity();

    /// "<sec>.M<usec>P<pid>Q<n>.<host>": unique across processes and calls.
    std::string unique_basename();

    /// True if `dir`'s tmp/ was not scanned for stale files within
    /// `interval`; records the scan as done now.
    bool tmp_scan_due(const std::filesystem::path& dir, std::chrono::seconds interval);

    /// The in-memory index of folder `dir`, shared by every handle on that
    /// folder in this process (created empty on first use; dropped when the
    /// last holder lets go). Its contents are guarded by the folder lock.
    std::shared_ptr<folder_index> index_for(const std::filesystem::path& dir);

    /// The cached quota usage of the Maildir `maildir` (created on first use;
    /// lives as long as the state). Guarded by its own mutex.
    std::shared_ptr<quota_cache> quota_for(const std::filesystem::path& maildir);

    /// Marks `user`'s maildrop as held in this process; false if it already is.
    bool claim_maildrop(const std::string& user);
    void release_maildrop(const std::string& user);

private:
    // Moves `index` to the front of retained_; returns the one that fell off.
    std::shared_ptr<folder_index> retain(const std::shared_ptr<folder_index>& index);

    std::atomic<std::uint32_t> last_uidvalidity_{0};
    std::mutex mutex_;                                                        // guards the tables below
    std::map<std::string, std::shared_ptr<std::mutex>> lock_mutexes_;         // by lock file path
    std::set<std::string> maildrops_;                                         // users holding the POP3 lock
    std::map<std::string, std::chrono::steady_clock::time_point> tmp_scans_;  // by folder path
    std::map<std::string, std::weak_ptr<folder_index>> indexes_;              // by folder path
    std::size_t indexes_swept_at_ = 16;                                       // size at the last sweep
    std::deque<std::shared_ptr<folder_index>>
        retained_;  // most recently used first, options.retained_folder_indexes
    std::map<std::string, std::shared_ptr<quota_cache>> quotas_;  // by Maildir path
};

using state_ptr = std::shared_ptr<maildir_state>;

}  // namespace mailaccess::maildir::detail
