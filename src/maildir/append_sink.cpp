#include "append_sink.hpp"

#include "filename.hpp"
#include "folder.hpp"
#include "quota.hpp"

#include <mailaccess/store/error.hpp>

#include <cerrno>

#include <sys/stat.h>
#include <unistd.h>

namespace mailaccess::maildir::detail {

using store::errc;

maildir_append_sink::maildir_append_sink(state_ptr st, append_target target, fd_guard fd,
                                         std::filesystem::path tmp_path, std::string basename,
                                         store::flag_set flags, std::int64_t date, std::uint64_t room)
    : state_(std::move(st)),
      target_(std::move(target)),
      fd_(std::move(fd)),
      tmp_path_(std::move(tmp_path)),
      basename_(std::move(basename)),
      flags_(std::move(flags)),
      date_(date),
      room_(room) {}

maildir_append_sink::~maildir_append_sink() { abort(); }

std::error_code maildir_append_sink::write(std::span<const char> bytes) {
    if (fd_.get() < 0) return errc::io_error;
    // size_ <= max_message_size and size_ <= room_ always hold, so neither subtraction wraps.
    if (bytes.size() > state_->options.max_message_size - size_) {
        abort();
        return errc::message_too_large;
    }
    if (bytes.size() > room_ - size_) {
        abort();
        return errc::over_quota;
    }
    if (auto ec = write_all(fd_.get(), bytes.data(), bytes.size())) {
        abort();
        return ec;
    }
    size_ += bytes.size();
    return {};
}

result<std::uint32_t> maildir_append_sink::commit() {
    if (fd_.get() < 0) return unexpected(errc::io_error);
    auto fail = [this](std::error_code ec) {
        abort();
        return unexpected(ec);
    };
    if (state_->options.fsync && ::fsync(fd_.get()) != 0) return fail(errno_code(errno));
    // Other sessions may have used the room measured at append(); re-check
    // (still best effort across processes: Maildir++ quota has no lock).
    if (state_->options.quota_bytes != 0 || state_->options.quota_messages != 0) {
        if (auto ec = check_quota(compute_usage(*state_, target_.maildir), size_, 1)) return fail(ec);
    }
    const std::string base = basename_ + ",S=" + std::to_string(size_);
    folder f(state_, target_.dir);
    auto lock = f.lock();
    if (!lock) return fail(lock.error());
    // Keyword letters are per folder, so they are only known under its lock;
    // giving out a new one needs to know which letters files still carry,
    // hence a full sync. Otherwise the UID list being current is enough.
    auto before = f.sync(true, !flags_.keywords.empty());
    if (!before) return fail(before.error());
    std::string letters;
    if (!flags_.keywords.empty()) {
        auto l = f.letters_for_keywords(flags_.keywords);
        if (!l) return fail(l.error());
        letters = std::move(*l);
    }
    std::string filename = filename_with_flags(base, flags_.system, letters);
    // Renamed under the folder lock so no other sync numbers it first.
    if (::rename(tmp_path_.c_str(), (target_.dir / "cur" / filename).c_str()) != 0)
        return fail(errno == ENOENT ? make_error_code(errc::no_such_mailbox) : errno_code(errno));
    tmp_path_.clear();
    // The internal date is set only now: in tmp/ an old mtime would make the
    // file look like a stale leftover to a concurrent tmp/ scan.
    if (date_ != 0) {
        const struct timespec times[2] = {{static_cast<time_t>(date_), 0}, {static_cast<time_t>(date_), 0}};
        ::futimens(fd_.get(), times);
    }
    fd_.reset();
    // From here on a failure leaves the file in cur/; the next sync numbers it.
    if (auto ec = fsync_dir(target_.dir / "cur", state_->options.fsync)) return unexpected(ec);
    auto uids = f.add_files({{std::move(filename), size_}});
    if (!uids) return unexpected(uids.error());
    const std::uint32_t uid = uids->front();
    note_quota_change(*state_, target_.maildir, target_.dir / "cur", static_cast<std::int64_t>(size_), 1);
    lock = unexpected(errc::io_error);  // release before publishing
    publish(*state_, target_.user, target_.mailbox, *before);
    publish(*state_, target_.user, target_.mailbox, sync_changes{{uid}, {}});
    return uid;
}

void maildir_append_sink::abort() noexcept {
    fd_.reset();
    if (!tmp_path_.empty()) {
        ::unlink(tmp_path_.c_str());
        tmp_path_.clear();
    }
}

}  // namespace mailaccess::maildir::detail
