#pragma once

// Internal to the maildir module: Maildir++-style quota, computed from the
// "S=<size>" in file names (stat where a name has none) over every folder.
//
// The totals are cached per Maildir and per cur/ or new/ directory, keyed by
// that directory's mtime (ns) and inode: a directory whose stamp is unchanged
// is not read again. This process's own changes adjust the cached counts
// (`note_quota_change`) instead of invalidating them. A count taken while
// the directory's mtime was within `racy_window` of the clock may miss a
// change in the same timestamp tick, so it is taken again once the window
// has passed; everything is recounted every `quota_recount_interval` to bound
// what a change racing with our own adjustments could hide. Maildir++ quota has no lock across
// processes, so it stays best effort, as before.

#include "maildir_state.hpp"

#include <mailaccess/store/store.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

namespace mailaccess::maildir::detail {

/// How long cached quota counts are trusted at most.
inline constexpr std::chrono::seconds quota_recount_interval{30};

/// One cur/ or new/ directory's count and the stamp it was taken at.
struct quota_dir_usage {
    std::int64_t mtime_ns = -1;
    std::uint64_t ino = 0;
    bool racy = false;  // recount once the mtime is out of the racy window
    std::uint64_t bytes = 0;
    std::uint64_t messages = 0;
};

/// Per-Maildir cache; `mutex` guards the rest (a leaf lock: taken under a
/// folder lock, never the other way round).
struct quota_cache {
    std::mutex mutex;
    std::int64_t root_mtime_ns = -1;
    std::uint64_t root_ino = 0;
    std::vector<std::string> folders;             // ".Name" directories in the Maildir
    std::map<std::string, quota_dir_usage> dirs;  // by path of cur/ or new/
    std::chrono::steady_clock::time_point counted_at{};
};

/// Sum of sizes and counts over INBOX and every folder of `maildir`, with
/// the limits from the store options.
store::quota_usage compute_usage(maildir_state& st, const std::filesystem::path& maildir);

/// Records that this process added `messages` messages of `bytes` bytes
/// (negative: removed) to `dir` (a cur/ or new/ directory of `maildir`)
/// and already made the change; call it under the folder lock.
void note_quota_change(maildir_state& st, const std::filesystem::path& maildir,
                       const std::filesystem::path& dir, std::int64_t bytes, std::int64_t messages);

/// `store::errc::over_quota` if `bytes` more bytes and `messages` more
/// messages would not fit in `q`.
std::error_code check_quota(const store::quota_usage& q, std::uint64_t bytes, std::uint64_t messages);

}  // namespace mailaccess::maildir::detail
