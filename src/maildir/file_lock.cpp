#include "file_lock.hpp"

#include <mailaccess/store/error.hpp>

#include <cerrno>

#include <fcntl.h>
#include <sys/file.h>

namespace mailaccess::maildir::detail {

result<file_lock> file_lock::acquire(maildir_state& st, const std::filesystem::path& lockfile) {
    file_lock l;
    l.mutex_ = st.mutex_for(lockfile);
    l.lock_ = std::unique_lock(*l.mutex_);
    l.fd_ = fd_guard(::open(lockfile.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (l.fd_.get() < 0)
        return unexpected(errno == ENOENT ? make_error_code(store::errc::no_such_mailbox)
                                          : errno_code(errno));
    while (::flock(l.fd_.get(), LOCK_EX) != 0) {
        if (errno != EINTR) return unexpected(errno_code(errno));
    }
    return l;
}

}  // namespace mailaccess::maildir::detail
