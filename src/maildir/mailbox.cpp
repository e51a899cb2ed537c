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

template <class Read>
auto maildir_mailbox::read_synced(Read&& read) -> result<std::invoke_result_t<Read&, folder_index&>> {
    std::optional<std::invoke_result_t<Read&, folder_index&>> out;
    if (stale_ok_.count() > 0 &&
        folder_.read_if_fresh(stale_ok_, [&](folder_index& ix) { out.emplace(read(ix)); }))
        return std::move(*out);
    sync_changes changes;
    {
        auto lock = folder_.lock();
        if (!lock) return unexpected(lock.error());
        auto c = folder_.sync(!read_only_);
        if (!c) return unexpected(c.error());
        changes = std::move(*c);
        out.emplace(read(folder_.index()));
    }
    publish(*state_, user_, name_, changes);
    return std::move(*out);
}

result<store::mailbox_status> maildir_mailbox::status() {
    return read_synced([&](folder_index& ix) {
        store::mailbox_status s;
        s.uidvalidity = ix.uidvalidity;
        s.uidnext = ix.next_uid;
        s.highest_modseq = ix.highest_modseq;
        s.messages = static_cast<std::uint32_t>(ix.files.size());
        auto& t = ix.status_totals;
        if (!ix.status_totals_current()) {
            t = folder_index::totals{
                ix.files.size(), ix.highest_modseq, ix.scan_gen, ix.next_uid, ix.uidvalidity, 0, 0};
            for (auto& f : ix.files) {
                if (!flags_from_filename(f.filename).has(store::system_flag::seen)) ++t->unseen;
                t->size += folder_.size_of(f);
            }
        }
        s.unseen = t->unseen;
        s.size = t->size;
        return s;
    });
}

result<std::vector<message_info>> maildir_mailbox::list() {
    return read_synced([&](folder_index& ix) {
        std::vector<message_info> out;
        out.reserve(ix.files.size());
        for (auto& f : ix.files) out.push_back(folder_.info(f));
        return out;
    });
}

result<store::mailbox_changes> maildir_mailbox::list_changes(std::uint64_t modseq, bool with_uids) {
    return read_synced([&](folder_index& ix) {
        store::mailbox_changes out;
        if (with_uids) out.uids.reserve(ix.files.size());
        for (auto& f : ix.files) {
            if (with_uids) out.uids.push_back(f.uid);
            if (f.modseq > modseq) out.changed.push_back(folder_.info(f));
        }
        return out;
    });
}

result<std::unique_ptr<store::message_source>> maildir_mailbox::open(std::uint32_t uid) {
    sync_changes changes;
    fd_guard fd;
    std::error_code failed;
    // Fast path, what a FETCH of many messages takes: the file where our
    // index last saw it. A Maildir file never changes its bytes, and any
    // flag change or expunge (ours or another process's) renames or removes
    // it, so a name that still opens is this UID's message. Only a name that
    // does not (or an index that does not know it) costs the folder lock and
    // a sync below; Dovecot likewise syncs per command, not per message.
    std::optional<std::uint64_t> size;
    fd = folder_.open_known(uid, size);
    if (fd.get() < 0) {
        auto lock = folder_.lock();
        if (!lock) return unexpected(lock.error());
        // Twice at most: a file renamed or removed by another process since
        // our index last looked is found again by a rescan.
        for (int attempt = 0; attempt < 2; ++attempt) {
            auto c = folder_.sync(!read_only_);
            if (!c) {
                failed = c.error();
                break;
            }
            changes.vanished.insert(changes.vanished.end(), c->vanished.begin(), c->vanished.end());
            changes.assigned.insert(changes.assigned.end(), c->assigned.begin(), c->assigned.end());
            const folder_file* f = folder_.index().find(uid);
            if (f == nullptr) {
                failed = errc::no_such_message;
                break;
            }
            // Opened under the lock: no flag rename of ours can move it in between.
            fd = folder_.open_file(*f);
            if (fd.get() >= 0) {
                failed = {};
                break;
            }
            if (errno != ENOENT) {
                failed = errno_code(errno);
                break;
            }
            failed = errc::no_such_message;
            folder_.rescan();
        }
    }
    publish(*state_, user_, name_, changes);
    if (failed) return unexpected(failed);
    if (!size) {
        struct stat sb {};
        if (::fstat(fd.get(), &sb) != 0) return unexpected(errno_code(errno));
        size = static_cast<std::uint64_t>(sb.st_size);
    }
    return std::unique_ptr<store::message_source>(
        std::make_unique<message_file_source>(std::move(fd), *size));
}

result<std::vector<message_info>> maildir_mailbox::store_flags(std::span<const std::uint32_t> uids,
                                                               store::flag_mode mode, const flag_set& flags) {
    if (read_only_) return unexpected(errc::read_only);
    std::vector<message_info> out;
    store::change_event ev{store::change_event::kind::flags_changed, user_, name_, {}, {}};
    sync_changes changes;
    {
        auto lock = folder_.lock();
        if (!lock) return unexpected(lock.error());
        auto c = folder_.sync(true);
        if (!c) return unexpected(c.error());
        changes = std::move(*c);
        folder_index& ix = folder_.index();
        // Every keyword gets its letter before any file is renamed, so running
        // out of letters changes nothing.
        if (mode != store::flag_mode::remove) {
            auto letters = folder_.letters_for_keywords(flags.keywords);
            if (!letters) return unexpected(letters.error());
        }
        // STATUS's sums follow the change instead of being summed again.
        auto& totals = ix.status_totals;
        const bool totals_current = ix.status_totals_current();
        for (std::uint32_t uid : uids) {
            folder_file* f = ix.find(uid);
            if (f == nullptr) continue;
            const flag_set old = folder::flags_of(*f, ix.keywords);
            const flag_set next = store::detail::apply_flags(old, mode, flags);
            if (next != old) {
                const std::string renamed = filename_with_flags(
                    f->filename, next.system, letters_for_file(*f, ix.keywords, next.keywords));
                const fs::path from = folder_.file_path(*f);
                if (::rename(from.c_str(), (folder_.dir() / "cur" / renamed).c_str()) != 0) {
                    const auto ec = errno_code(errno);
                    folder_.invalidate();  // earlier renames are on disk, not in the UID list
                    return unexpected(ec);
                }
                f->filename = renamed;
                f->in_new = false;
                f->modseq = ++ix.highest_modseq;
                ev.uids.push_back(uid);
                if (totals_current &&
                    old.has(store::system_flag::seen) != next.has(store::system_flag::seen)) {
                    if (next.has(store::system_flag::seen))
                        --totals->unseen;
                    else
                        ++totals->unseen;
                }
            }
            out.push_back(folder_.info(*f));
        }
        if (!ev.uids.empty()) {
            if (auto ec = fsync_dir(folder_.dir() / "cur", state_->options.fsync)) {
                folder_.invalidate();
                return unexpected(ec);
            }
            if (auto ec = folder_.persist_modseqs(ev.uids)) return unexpected(ec);
            folder_.note_own_change();
            if (totals_current) totals->highest_modseq = ix.highest_modseq;
            note_quota_change(*state_, maildir_, folder_.dir() / "cur", 0, 0);
        }
    }
    publish(*state_, user_, name_, changes);
    if (!ev.uids.empty()) state_->hub.publish(ev);
    return out;
}

result<std::vector<std::uint32_t>> maildir_mailbox::expunge(std::span<const std::uint32_t> uids) {
    if (read_only_) return unexpected(errc::read_only);
    std::vector<std::uint32_t> removed;
    sync_changes changes;
    {
        auto lock = folder_.lock();
        if (!lock) return unexpected(lock.error());
        auto c = folder_.sync(true);
        if (!c) return unexpected(c.error());
        changes = std::move(*c);
        folder_index& ix = folder_.index();
        const std::set<std::uint32_t> wanted(uids.begin(), uids.end());
        std::int64_t bytes[2] = {0, 0};  // cur/, new/
        std::int64_t count[2] = {0, 0};
        for (auto& f : ix.files) {
            if (wanted.count(f.uid) == 0) continue;
            const std::uint64_t size = folder_.size_of(f);
            if (::unlink(folder_.file_path(f).c_str()) != 0 && errno != ENOENT) {
                const auto ec = errno_code(errno);
                folder_.invalidate();
                return unexpected(ec);
            }
            removed.push_back(f.uid);
            bytes[f.in_new ? 1 : 0] += static_cast<std::int64_t>(size);
            ++count[f.in_new ? 1 : 0];
        }
        if (!removed.empty()) {
            const std::set<std::uint32_t> gone(removed.begin(), removed.end());
            std::erase_if(ix.files, [&](const folder_file& f) {
                if (gone.count(f.uid) == 0) return false;
                ix.by_base.erase(std::string(basename_of(f.filename)));
                return true;
            });
            if (auto ec = fsync_dir(folder_.dir() / "cur", state_->options.fsync)) {
                folder_.invalidate();
                return unexpected(ec);
            }
            if (auto ec = folder_.persist()) return unexpected(ec);
            folder_.note_own_change();
            folder_.compact_cache();
            note_quota_change(*state_, maildir_, folder_.dir() / "cur", -bytes[0], -count[0]);
            if (count[1] != 0)
                note_quota_change(*state_, maildir_, folder_.dir() / "new", -bytes[1], -count[1]);
        }
    }
    publish(*state_, user_, name_, changes);
    if (!removed.empty())
        state_->hub.publish({store::change_event::kind::expunged, user_, name_, {}, removed});
    return removed;
}

bool maildir_mailbox::sync_for_cache(bool repair) {
    sync_changes changes;
    std::error_code ec;
    {
        auto lock = folder_.lock();
        if (!lock) return false;
        auto c = folder_.sync(!read_only_, !repair);
        if (!c) return false;
        changes = std::move(*c);
        if (repair) ec = folder_.repair_cache();
    }
    publish(*state_, user_, name_, changes);
    return !ec;
}

// The cache works from the UIDs of this process's last sync of the folder:
// a UID expunged elsewhere since may still hit, with its own (right) data.
// A UID beyond that sync is looked for with a sync first.
std::optional<std::string> maildir_mailbox::cached(std::uint32_t uid, std::string_view key) {
    if (key.size() > store::max_cache_key_size) return std::nullopt;
    message_cache& mc = folder_.cache();
    if (!mc.knows(uid) && !sync_for_cache(false)) return std::nullopt;
    return mc.lookup(folder_.dir(), uid, key);
}

void maildir_mailbox::cache(std::uint32_t uid, std::string_view key, std::string_view value) {
    if (key.size() > store::max_cache_key_size || value.size() > store::max_cache_value_size) return;
    message_cache& mc = folder_.cache();
    if (!mc.knows(uid) && !sync_for_cache(false)) return;
    if (mc.append(folder_.dir(), uid, key, value) != message_cache::append_result::needs_repair) return;
    // Creating or replacing the file needs the folder's current UIDVALIDITY,
    // which only a sync under the lock gives.
    if (!sync_for_cache(true)) return;
    (void)mc.append(folder_.dir(), uid, key, value);
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
        std::uint64_t size = 0;
    };
    std::vector<staged> files;
    auto cleanup = [&] {
        for (const auto& s : files)
            if (!s.tmp.empty()) ::unlink(s.tmp.c_str());
    };
    sync_changes changes;
    {
        auto lock = folder_.lock();
        if (!lock) return unexpected(lock.error());
        auto c = folder_.sync(!read_only_);
        if (!c) return unexpected(c.error());
        changes = std::move(*c);
        folder_index& ix = folder_.index();
        std::uint64_t bytes = 0;
        std::vector<folder_file*> sources;
        for (std::uint32_t uid : uids) {
            folder_file* f = ix.find(uid);
            if (f == nullptr) return unexpected(errc::no_such_message);
            sources.push_back(f);
            bytes += folder_.size_of(*f);
        }
        if (auto ec = check_quota(compute_usage(*state_, maildir_), bytes, sources.size()))
            return unexpected(ec);
        // Hard links cost no space or time; Dovecot copies the same way.
        for (folder_file* f : sources) {
            staged st;
            st.size = folder_.size_of(*f);
            st.base = state_->unique_basename() + ",S=" + std::to_string(st.size);
            st.flags = folder::flags_of(*f, ix.keywords);
            st.tmp = ddir / "tmp" / st.base;
            if (::link(folder_.file_path(*f).c_str(), st.tmp.c_str()) != 0) {
                const auto ec = errno_code(errno);
                cleanup();
                return unexpected(ec);
            }
            files.push_back(std::move(st));
        }
    }
    publish(*state_, user_, name_, changes);
    std::vector<std::uint32_t> out;
    sync_changes before;
    {
        auto lock = dest->folder_.lock();
        if (!lock) {
            cleanup();
            return unexpected(lock.error());
        }
        // Keyword letters are per folder: the target's letters, given out
        // before any file lands (see maildir_append_sink::commit). Without
        // keywords a light sync suffices: UIDs only need the UID list current.
        std::vector<std::string> names;
        for (const auto& st : files)
            names.insert(names.end(), st.flags.keywords.begin(), st.flags.keywords.end());
        store::detail::normalize_keywords(names);
        auto s = dest->folder_.sync(true, !names.empty());
        if (!s) {
            cleanup();
            return unexpected(s.error());
        }
        before = std::move(*s);
        folder_index& dix = dest->folder_.index();
        if (auto l = dest->folder_.letters_for_keywords(names); !l) {
            cleanup();
            return unexpected(l.error());
        }
        std::vector<added_file> added;
        std::uint64_t bytes = 0;
        for (auto& st : files) {
            std::string letters;
            if (!st.flags.keywords.empty()) {
                bool changed = false;
                auto l = dix.keywords.letters_for(st.flags.keywords, {}, changed);
                if (l) letters = std::move(*l);
            }
            std::string filename = filename_with_flags(st.base, st.flags.system, letters);
            if (::rename(st.tmp.c_str(), (ddir / "cur" / filename).c_str()) != 0) {
                const auto ec = errno_code(errno);
                cleanup();
                // Already renamed ones are found (and numbered) by the next sync.
                return unexpected(ec);
            }
            st.tmp.clear();
            bytes += st.size;
            added.push_back({std::move(filename), st.size});
        }
        if (auto ec = fsync_dir(ddir / "cur", state_->options.fsync)) return unexpected(ec);
        auto uids_out = dest->folder_.add_files(added);
        if (!uids_out) return unexpected(uids_out.error());
        out = std::move(*uids_out);
        note_quota_change(*state_, maildir_, ddir / "cur", static_cast<std::int64_t>(bytes),
                          static_cast<std::int64_t>(added.size()));
    }
    publish(*state_, user_, dest->name_, before);
    publish(*state_, user_, dest->name_, sync_changes{out, {}});
    return out;
}

}  // namespace mailaccess::maildir::detail
