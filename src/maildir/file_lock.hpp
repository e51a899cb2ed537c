#pragma once

// Internal to the maildir module: an exclusive lock on a lock file, held
// against the other threads of this process and against other processes.

#include "maildir_state.hpp"
#include "posix_io.hpp"

#include <mailaccess/core/result.hpp>

#include <filesystem>
#include <memory>
#include <mutex>

namespace mailaccess::maildir::detail {

/// Takes the in-process mutex for `lockfile` first, then `flock(LOCK_EX)` on
/// it (created if missing). Released when the object is destroyed. A
/// missing directory is `store::errc::no_such_mailbox`.
class file_lock {
public:
    static result<file_lock> acquire(maildir_state& st, const std::filesystem::path& lockfile);

private:
    file_lock() = default;
    std::shared_ptr<std::mutex> mutex_;
    std::unique_lock<std::mutex> lock_;
    fd_guard fd_;  // declared last: closed (flock released) before the mutex unlocks
};

}  // namespace mailaccess::maildir::detail
