#pragma once

// POSIX file helpers shared by the example programs (mailaccess-pop3-fetch,
// mailaccess-imap-sync): complete writes, directory fsync, and atomic file
// replacement. Errors are std::error_code in the generic category.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <system_error>

namespace examples::posix_file {

inline std::error_code last_errno() { return {errno, std::generic_category()}; }

inline std::error_code write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return last_errno();
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

inline std::error_code fsync_dir(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return last_errno();
    std::error_code ec;
    if (::fsync(fd) != 0) ec = last_errno();
    ::close(fd);
    return ec;
}

// Writes `content` to `path` atomically: a temporary file beside it, fsync,
// rename over the old one, fsync the directory.
inline std::error_code write_file_atomically(const std::string& dir, const std::string& path,
                                             std::string_view content) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return last_errno();
    std::error_code ec = write_all(fd, content);
    if (!ec && ::fsync(fd) != 0) ec = last_errno();
    if (::close(fd) != 0 && !ec) ec = last_errno();
    if (!ec && ::rename(tmp.c_str(), path.c_str()) != 0) ec = last_errno();
    if (ec) {
        ::unlink(tmp.c_str());
        return ec;
    }
    return fsync_dir(dir);
}

}  // namespace examples::posix_file
