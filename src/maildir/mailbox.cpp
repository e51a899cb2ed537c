#include "mailbox.hpp"

#include "append_sink.hpp"
#include "filename.hpp"
#include "posix_io.hpp"
#include "quota.hpp"

#include "../store/flag_ops.hpp"

#include <mailaccess/core/assert.hpp>
#include <mailaccess/store/error.hpp>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <set>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mailaccess::maildir::detail {

namespace fs = std::filesystem;
using store::errc;
using store::flag_set;
using store::message_info;

namespace {

class message_file_source final : public store::message_source {
public:
    message_file_source(fd_guard fd, std::uint64_t size) : fd_(std::move(fd)), size_(size) {}
    std::uint64_t size() const noexcept override { return size_; }
    result<std::size_t> read(std::uint64_t offset, std::span<char> out) override {
        if (offset >= size_ || out.empty()) return std::size_t{0};
        const std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), size_ - offset));
        for (;;) {
            const ssize_t n = ::pread(fd_.get(), out.data(), want, static_cast<off_t>(offset));
            if (n >= 0) return static_cast<std::size_t>(n);
            if (errno != EINTR) return unexpected(errno_code(errno));
        }
    }

private:
    fd_guard fd_;
    std::uint64_t size_;
};

// The keyword letters a file should carry for `keywords`, all of which
// already have letters, plus the letters on it nobody named (kept, as
// Dovecot keeps them).
std::string letters_for_file(const folder_file& f, keyword_table& table,
                             const std::vector<std::string>& keywords) {
    bool changed = false;
    auto letters = table.letters_for(keywords, {}, changed);
    MAILACCESS_ASSERT(letters && !changed);
    std::string out = letters ? *letters : std::string();
    return out + table.unnamed_letters(keyword_letters(f.filename));
}

}  // namespace

maildir_mailbox::maildir_mailbox(state_ptr st, std::string user, std::string name, fs::path maildir,
                                 fs::path dir, store::open_mode mode)
    : state_(std::move(st)),
      user_(std::move(user)),
      name_(std::move(name)),
      maildir_(std::move(maildir)),
      folder_(state_, std::move(dir)),
      read_only_(mode == store::open_mode::read_only) {}

result<store::mailbox_status> maildir_mailbox::status() {
    auto snap = synced();
    if (!snap) return unexpected(snap.error());
    store::mailbox_status s;
    s.uidvalidity = snap->list.uidvalidity;
    s.uidnext = snap->list.next_uid;
    s.highest_modseq = snap->list.highest_modseq;
    s.messages = static_cast<std::uint32_t>(snap->files.size());
    for (const auto& f : snap->files) {
        if (!flags_from_filename(f.filename).has(store::system_flag::seen)) ++s.unseen;
        s.size += folder_.info(f, snap->keywords).size;
    }
    return s;
}

result<std::vector<message_info>> maildir_mailbox::list() {
    auto snap = synced();
    if (!snap) return unexpected(snap.error());
    std::vector<message_info> out;
    out.reserve(snap->files.size());
    for (const auto& f : snap->files) out.push_back(folder_.info(f, snap->keywords));
    return out;
}

result<std::unique_ptr<store::message_source>> maildir_mailbox::open(std::uint32_t uid) {
    folder_snapshot snap;
    fd_guard fd;
    {
        auto lock = folder_.lock();
        if (!lock) return unexpected(lock.error());
        auto s = folder_.sync(!read_only_);
        if (!s) return unexpected(s.error());
        snap = std::move(*s);
        const folder_file* f = snap.find(uid);
        if (f == nullptr) return unexpected(errc::no_such_message);
        // Opened under the lock: no flag rename can move it in between.
        fd = fd_guard(::open(folder_.file_path(*f).c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.get() < 0)
            return unexpected(errno == ENOENT ? make_error_code(errc::no_such_message) : errno_code(errno));
    }
    publish(*state_, user_, name_, snap);
    struct stat sb {};
    if (::fstat(fd.get(), &sb) != 0) return unexpected(errno_code(errno));
    return std::unique_ptr<store::message_source>(
        std::make_unique<message_file_source>(std::move(fd), static_cast<std::uint64_t>(sb.st_size)));
}

result<std::vector<message_info>> maildir_mailbox::store_flags(std::span<const std::uint32_t> uids,
                                                               store::flag_mode mode, const flag_set& flags) {
    if (read_only_) return unexpected(errc::read_only);
    std::vector<message_info> out;
    store::change_event ev{store::change_event::kind::flags_changed, user_, name_, {}, {}};
    folder_snapshot snap;
    {
        auto lock = folder_.lock();
        if (!lock) return unexpected(lock.error());
        auto s = folder_.sync(true);
        if (!s) return unexpected(s.error());
        snap = std::move(*s);
        // Every keyword gets its letter before any file is renamed, so running
        // out of letters changes nothing.
        if (mode != store::flag_mode::remove) {
            auto letters = folder_.letters_for_keywords(flags.keywords, snap);
            if (!letters) return unexpected(letters.error());
        }
        for (std::uint32_t uid : uids) {
            folder_file* f = snap.find(uid);
            if (f == nullptr) continue;
            const flag_set old = folder::flags_of(*f, snap.keywords);
            const flag_set next = store::detail::apply_flags(old, mode, flags);
            if (next != old) {
                const std::string renamed = filename_with_flags(
                    f->filename, next.system, letters_for_file(*f, snap.keywords, next.keywords));
                const fs::path from = folder_.file_path(*f);
                if (::rename(from.c_str(), (folder_.dir() / "cur" / renamed).c_str()) != 0)
                    return unexpected(errno_code(errno));
                f->filename = renamed;
                f->in_new = false;
                f->modseq = ++snap.list.highest_modseq;
                for (auto& e : snap.list.entries)
                    if (e.uid == uid) e.modseq = f->modseq;
                ev.uids.push_back(uid);
            }
            out.push_back(folder_.info(*f, snap.keywords));
        }
        if (!ev.uids.empty()) {
            if (auto ec = fsync_dir(folder_.dir() / "cur", state_->options.fsync)) return unexpected(ec);
            if (auto ec = folder_.persist(snap.list)) return unexpected(ec);
        }
    }
    publish(*state_, user_, name_, snap);
    if (!ev.uids.empty()) state_->hub.publish(ev);
    return out;
}

result<std::vector<std::uint32_t>> maildir_mailbox::expunge(std::span<const std::uint32_t> uids) {
    if (read_only_) return unexpected(errc::read_only);
    std::vector<std::uint32_t> removed;
    folder_snapshot snap;
    {
        auto lock = folder_.lock();
        if (!lock) return unexpected(lock.error());
        auto s = folder_.sync(true);
        if (!s) return unexpected(s.error());
        snap = std::move(*s);
        const std::set<std::uint32_t> wanted(uids.begin(), uids.end());
        for (const auto& f : snap.files) {
            if (wanted.count(f.uid) == 0) continue;
            if (::unlink(folder_.file_path(f).c_str()) != 0 && errno != ENOENT)
                return unexpected(errno_code(errno));
            removed.push_back(f.uid);
        }
        if (!removed.empty()) {
            const std::set<std::uint32_t> gone(removed.begin(), removed.end());
            std::erase_if(snap.list.entries, [&](const uidlist_entry& e) { return gone.count(e.uid) != 0; });
            if (auto ec = fsync_dir(folder_.dir() / "cur", state_->options.fsync)) return unexpected(ec);
            if (auto ec = folder_.persist(snap.list)) return unexpected(ec);
        }
    }
    publish(*state_, user_, name_, snap);
    if (!removed.empty())
        state_->hub.publish({store::change_event::kind::expunged, user_, name_, {}, removed});
    return removed;
}

result<std::unique_ptr<store::append_sink>> maildir_mailbox::append(const flag_set& flags,
                                                                    std::int64_t internal_date) {
    if (read_only_) return unexpected(errc::read_only);
    if (!fs::is_directory(folder_.dir() / "tmp")) return unexpected(errc::no_such_mailbox);
    const auto usage = compute_usage(*state_, maildir_);
    if (auto ec = check_quota(usage, 0, 1)) return unexpected(ec);
    const std::uint64_t room = usage.bytes_limit == 0 ? UINT64_MAX : usage.bytes_limit - usage.bytes_used;
    std::string base = state_->unique_basename();
    fs::path tmp = folder_.dir() / "tmp" / base;
    fd_guard fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (fd.get() < 0)
        return unexpected(errno == ENOENT ? make_error_code(errc::no_such_mailbox) : errno_code(errno));
    flag_set f = flags;
    store::detail::normalize_keywords(f.keywords);
    return std::unique_ptr<store::append_sink>(std::make_unique<maildir_append_sink>(
        state_, append_target{user_, name_, maildir_, folder_.dir()}, std::move(fd), std::move(tmp),
        std::move(base), std::move(f), internal_date, room));
}

result<std::vector<std::uint32_t>> maildir_mailbox::copy(std::span<const std::uint32_t> uids,
                                                         store::mailbox& target) {
    auto* dest = dynamic_cast<maildir_mailbox*>(&target);
    if (dest == nullptr || dest->state_ != state_ || dest->user_ != user_)
        return unexpected(errc::no_such_mailbox);
    if (dest->read_only_) return unexpected(errc::read_only);
    const fs::path& ddir = dest->folder_.dir();
    if (!fs::is_directory(ddir / "tmp")) return unexpected(errc::no_such_mailbox);
    struct staged {
        fs::path tmp;
        std::string base;
        flag_set flags;
    };
    std::vector<staged> files;
    auto cleanup = [&] {
        for (const auto& s : files)
            if (!s.tmp.empty()) ::unlink(s.tmp.c_str());
    };
    folder_snapshot snap;
    {
        auto lock = folder_.lock();
        if (!lock) return unexpected(lock.error());
        auto s = folder_.sync(!read_only_);
        if (!s) return unexpected(s.error());
        snap = std::move(*s);
        std::uint64_t bytes = 0;
        std::vector<const folder_file*> sources;
        for (std::uint32_t uid : uids) {
            const folder_file* f = snap.find(uid);
            if (f == nullptr) return unexpected(errc::no_such_message);
            sources.push_back(f);
            bytes += folder_.info(*f, snap.keywords).size;
        }
        if (auto ec = check_quota(compute_usage(*state_, maildir_), bytes, sources.size()))
            return unexpected(ec);
        // Hard links cost no space or time; Dovecot copies the same way.
        for (const folder_file* f : sources) {
            staged st;
            st.base =
                state_->unique_basename() + ",S=" + std::to_string(folder_.info(*f, snap.keywords).size);
            st.flags = folder::flags_of(*f, snap.keywords);
            st.tmp = ddir / "tmp" / st.base;
            if (::link(folder_.file_path(*f).c_str(), st.tmp.c_str()) != 0) {
                const auto ec = errno_code(errno);
                cleanup();
                return unexpected(ec);
            }
            files.push_back(std::move(st));
        }
    }
    publish(*state_, user_, name_, snap);
    std::vector<std::uint32_t> out;
    folder_snapshot dsnap;
    std::optional<folder_snapshot> before;
    {
        auto lock = dest->folder_.lock();
        if (!lock) {
            cleanup();
            return unexpected(lock.error());
        }
        // Keywords are named per folder: the target's letters, given out
        // before any file lands (see maildir_append_sink::commit).
        std::vector<std::string> names;
        for (const auto& st : files)
            names.insert(names.end(), st.flags.keywords.begin(), st.flags.keywords.end());
        store::detail::normalize_keywords(names);
        if (!names.empty()) {
            auto s = dest->folder_.sync(true);
            if (!s) {
                cleanup();
                return unexpected(s.error());
            }
            before = std::move(*s);
            if (auto l = dest->folder_.letters_for_keywords(names, *before); !l) {
                cleanup();
                return unexpected(l.error());
            }
        }
        for (auto& st : files) {
            std::string letters;
            if (before) {
                bool changed = false;
                auto l = before->keywords.letters_for(st.flags.keywords, {}, changed);
                if (l) letters = std::move(*l);
            }
            const std::string filename = filename_with_flags(st.base, st.flags.system, letters);
            if (::rename(st.tmp.c_str(), (ddir / "cur" / filename).c_str()) != 0) {
                const auto ec = errno_code(errno);
                cleanup();
                return unexpected(ec);
            }
            st.tmp.clear();
        }
        if (auto ec = fsync_dir(ddir / "cur", state_->options.fsync)) return unexpected(ec);
        auto s = dest->folder_.sync(true);
        if (!s) return unexpected(s.error());
        dsnap = std::move(*s);
        for (const auto& st : files) {
            std::uint32_t uid = 0;
            for (const auto& f : dsnap.files)
                if (basename_of(f.filename) == st.base) uid = f.uid;
            out.push_back(uid);
        }
    }
    if (before) publish(*state_, user_, dest->name_, *before);
    publish(*state_, user_, dest->name_, dsnap);
    return out;
}

result<folder_snapshot> maildir_mailbox::synced() {
    folder_snapshot snap;
    {
        auto lock = folder_.lock();
        if (!lock) return unexpected(lock.error());
        auto s = folder_.sync(!read_only_);
        if (!s) return unexpected(s.error());
        snap = std::move(*s);
    }
    publish(*state_, user_, name_, snap);
    return snap;
}

}  // namespace mailaccess::maildir::detail
