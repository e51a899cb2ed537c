#pragma once

// Writes messages into a Maildir (tmp/ new/ cur/) the safe way: stream into
// tmp/, fsync, rename into place, fsync the directory. Shared by the example
// programs (mailaccess-pop3-fetch, mailaccess-imap-sync).

#include "posix_file.hpp"

#include <mailaccess/core/assert.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace examples {

using namespace posix_file;

// A Maildir (tmp/ new/ cur/) that receives one message at a time.
class maildir_writer {
public:
    /// Creates DIR and its subdirectories if they are missing.
    std::error_code open(const std::string& dir) {
        dir_ = dir;
        for (const std::string& d : {dir_, dir_ + "/tmp", dir_ + "/new", dir_ + "/cur"}) {
            if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) return fail("mkdir " + d);
            struct stat st {};
            if (::stat(d.c_str(), &st) != 0) return fail("stat " + d);
            if (!S_ISDIR(st.st_mode)) return fail(d, std::make_error_code(std::errc::not_a_directory));
        }
        char host[256] = {};
        if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "localhost");
        // Maildir names: '/' and ':' in the host name are written as \057 and \072.
        for (const char* p = host; *p != '\0'; ++p) {
            if (*p == '/')
                host_ += "\\057";
            else if (*p == ':')
                host_ += "\\072";
            else
                host_ += *p;
        }
        return {};
    }

    /// Starts a new message in tmp/ under a unique name.
    std::error_code begin() {
        MAILACCESS_ASSERT(fd_ < 0);
        for (int attempt = 0; attempt < 100; ++attempt) {
            const auto now = std::chrono::system_clock::now().time_since_epoch();
            const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
            name_ = std::to_string(usec / 1000000) + ".M" + std::to_string(usec % 1000000) + "P" +
                    std::to_string(::getpid()) + "Q" + std::to_string(++counter_) + "." + host_;
            tmp_path_ = dir_ + "/tmp/" + name_;
            fd_ = ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd_ >= 0) break;
            if (errno != EEXIST) return fail("create " + tmp_path_);
        }
        if (fd_ < 0) return fail("create " + tmp_path_);
        size_ = 0;
        held_cr_ = false;
        return {};
    }

    /// Appends body bytes. POP3 transmits CRLF; the Maildir gets the local
    /// convention, LF (a lone CR is kept as it is).
    std::error_code write(std::string_view bytes) {
        out_.clear();
        for (const char c : bytes) {
            if (held_cr_) {
                held_cr_ = false;
                if (c != '\n') out_.push_back('\r');
            }
            if (c == '\r') {
                held_cr_ = true;
                continue;
            }
            out_.push_back(c);
        }
        size_ += out_.size();
        if (auto ec = write_all(fd_, out_)) return fail("write " + tmp_path_, ec);
        return {};
    }

    /// Makes the message durable in new/ under its unique name: fsync,
    /// rename, fsync new/.
    std::error_code commit() { return commit_to("new", name_ + ",S=" + std::to_string(size_)); }

    /// Makes the message durable as `subdir`/`name` (e.g. "cur",
    /// "17.3857529045.sync:2,S"), replacing a file of that name.
    std::error_code commit_to(const std::string& subdir, const std::string& name) {
        if (held_cr_) {  // a lone CR at the very end
            held_cr_ = false;
            ++size_;
            if (auto ec = write_all(fd_, "\r")) return fail("write " + tmp_path_, ec);
        }
        if (::fsync(fd_) != 0) return fail("fsync " + tmp_path_);
        const int fd = std::exchange(fd_, -1);
        if (::close(fd) != 0) return fail("close " + tmp_path_);
        const std::string final_path = dir_ + "/" + subdir + "/" + name;
        if (::rename(tmp_path_.c_str(), final_path.c_str()) != 0) return fail("rename into " + final_path);
        if (auto ec = fsync_dir(dir_ + "/" + subdir)) return fail("fsync " + dir_ + "/" + subdir, ec);
        return {};
    }

    /// Bytes written so far (after the CRLF to LF conversion).
    std::uint64_t size() const noexcept { return size_; }

    /// Drops the message being written, if any.
    void abort() noexcept {
        if (fd_ < 0) return;
        ::close(std::exchange(fd_, -1));
        ::unlink(tmp_path_.c_str());
    }

    bool is_writing() const noexcept { return fd_ >= 0; }
    const std::string& what() const noexcept { return what_; }
    ~maildir_writer() { abort(); }

private:
    std::error_code fail(std::string what, std::error_code ec = last_errno()) {
        what_ = std::move(what);
        abort();
        return ec ? ec : std::make_error_code(std::errc::io_error);
    }

    std::string dir_;
    std::string host_;
    std::string name_;
    std::string tmp_path_;
    std::string out_;
    std::string what_;
    int fd_ = -1;
    std::uint64_t counter_ = 0;
    std::uint64_t size_ = 0;
    bool held_cr_ = false;
};

}  // namespace examples
