#pragma once

// Internal to the maildir module: the few POSIX file operations every part
// of it needs, with errno mapped to store errors in one place.

#include <mailaccess/core/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace mailaccess::maildir::detail {

/// EDQUOT/ENOSPC become `store::errc::over_quota`, anything else `io_error`.
std::error_code errno_code(int e);

/// Owns a file descriptor; closing it also releases any `flock` on it.
class fd_guard {
public:
    explicit fd_guard(int fd = -1) noexcept : fd_(fd) {}
    fd_guard(fd_guard&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    fd_guard& operator=(fd_guard&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    ~fd_guard() { reset(); }
    int get() const noexcept { return fd_; }
    void reset() noexcept;

private:
    int fd_;
};

/// fsyncs a directory so renames and creations in it are durable; a no-op
/// when `enabled` is false (the store's `fsync` option).
std::error_code fsync_dir(const std::filesystem::path& dir, bool enabled);

/// Writes all of `data`, retrying short writes and EINTR.
std::error_code write_all(int fd, const char* data, std::size_t size);

/// Reads a whole small file. ENOENT comes back as
/// `std::errc::no_such_file_or_directory`; above `max_size`, `store::errc::corrupt`.
result<std::string> read_file(const std::filesystem::path& path, std::size_t max_size);

/// Atomically replaces `path`: "<path>.tmp", fsync, rename, fsync the
/// directory (the fsyncs only if `sync`). A missing directory is
/// `store::errc::no_such_mailbox`.
std::error_code replace_file(const std::filesystem::path& path, std::string_view contents, bool sync);

/// The names in `dir` that do not start with '.'. A missing directory sets
/// `ec` to `store::errc::no_such_mailbox`.
std::vector<std::string> read_dir(const std::filesystem::path& dir, std::error_code& ec);

/// What identifies one version of a file or directory cheaply: a change to
/// its contents or entries moves its mtime (ns), a replacement its inode.
struct file_stamp {
    bool exists = false;
    std::uint64_t ino = 0;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    friend bool operator==(const file_stamp&, const file_stamp&) = default;
};

/// stat()s `path`; a missing file gives `exists == false` and no error.
result<file_stamp> stamp_of(const std::filesystem::path& path);

/// fstat()s an open file.
result<file_stamp> stamp_of(int fd);

/// CLOCK_REALTIME in nanoseconds (the clock file timestamps come from).
std::int64_t wall_clock_ns();

/// Dovecot's "racy" rule: a directory whose mtime is this close to the time
/// we read it may change again within the same timestamp tick (coarse kernel
/// clocks, 1-second file systems) without its mtime moving, so a listing
/// taken then must not be trusted to stay current.
inline constexpr std::chrono::seconds racy_window{1};

/// True if `mtime_ns` is within `racy_window` of `read_at_ns` (or later).
constexpr bool is_racy(std::int64_t mtime_ns, std::int64_t read_at_ns) noexcept {
    return mtime_ns + std::chrono::nanoseconds(racy_window).count() > read_at_ns;
}

}  // namespace mailaccess::maildir::detail
