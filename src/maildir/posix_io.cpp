#include "posix_io.hpp"

#include <mailaccess/store/error.hpp>

#include <cerrno>

#include <ctime>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mailaccess::maildir::detail {

namespace fs = std::filesystem;
using store::errc;

std::error_code errno_code(int e) {
    if (e == EDQUOT || e == ENOSPC) return errc::over_quota;
    return errc::io_error;
}

void fd_guard::reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

std::error_code fsync_dir(const fs::path& dir, bool enabled) {
    if (!enabled) return {};
    fd_guard fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return errno_code(errno);
    if (::fsync(fd.get()) != 0) return errno_code(errno);
    return {};
}

std::error_code write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_code(errno);
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return {};
}

result<std::string> read_file(const fs::path& path, std::size_t max_size) {
    fd_guard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return unexpected(std::make_error_code(std::errc::no_such_file_or_directory));
        return unexpected(errno_code(errno));
    }
    std::string out;
    char buf[8192];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return unexpected(errno_code(errno));
        }
        if (n == 0) break;
        if (out.size() + static_cast<std::size_t>(n) > max_size) return unexpected(errc::corrupt);
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

std::error_code replace_file(const fs::path& path, std::string_view contents, bool sync) {
    fs::path tmp = path;
    tmp += ".tmp";
    {
        fd_guard fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (fd.get() < 0) return errno == ENOENT ? errc::no_such_mailbox : errno_code(errno);
        if (auto ec = write_all(fd.get(), contents.data(), contents.size())) return ec;
        if (sync && ::fsync(fd.get()) != 0) return errno_code(errno);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) return errno_code(errno);
    return fsync_dir(path.parent_path(), sync);
}

namespace {

file_stamp stamp_from(const struct stat& sb) {
    file_stamp s;
    s.exists = true;
    s.ino = static_cast<std::uint64_t>(sb.st_ino);
    s.size = static_cast<std::uint64_t>(sb.st_size);
    s.mtime_ns = static_cast<std::int64_t>(sb.st_mtim.tv_sec) * 1000000000 + sb.st_mtim.tv_nsec;
    s.ctime_ns = static_cast<std::int64_t>(sb.st_ctim.tv_sec) * 1000000000 + sb.st_ctim.tv_nsec;
    return s;
}

}  // namespace

result<file_stamp> stamp_of(const fs::path& path) {
    struct stat sb {};
    if (::stat(path.c_str(), &sb) != 0) {
        if (errno == ENOENT) return file_stamp{};
        return unexpected(errno_code(errno));
    }
    return stamp_from(sb);
}

result<file_stamp> stamp_of(int fd) {
    struct stat sb {};
    if (::fstat(fd, &sb) != 0) return unexpected(errno_code(errno));
    return stamp_from(sb);
}

std::int64_t wall_clock_ns() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::vector<std::string> read_dir(const fs::path& dir, std::error_code& ec) {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
        ec = errno == ENOENT ? make_error_code(errc::no_such_mailbox) : errno_code(errno);
        return out;
    }
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;  // ".", "..", and Maildir's hidden files
        out.emplace_back(e->d_name);
    }
    ::closedir(d);
    return out;
}

}  // namespace mailaccess::maildir::detail
