#include "account.hpp"

#include "file_lock.hpp"
#include "folder.hpp"
#include "mailbox.hpp"
#include "names.hpp"
#include "posix_io.hpp"
#include "quota.hpp"

#include <mailaccess/store/error.hpp>

#include <algorithm>
#include <cerrno>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mailaccess::maildir::detail {

namespace fs = std::filesystem;
using store::errc;

maildir_account::maildir_account(state_ptr st, std::string user, fs::path maildir)
    : state_(std::move(st)), user_(std::move(user)), maildir_(std::move(maildir)) {}

result<std::vector<store::mailbox_entry>> maildir_account::list_mailboxes() {
    const auto subs = read_subscriptions(maildir_);
    const auto uses = read_special_use(maildir_);
    std::vector<store::mailbox_entry> out;
    out.push_back({"INBOX", store::special_use::none, subs.count("INBOX") != 0});
    DIR* d = ::opendir(maildir_.c_str());
    if (d == nullptr) return unexpected(errno_code(errno));
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
        const std::string_view n = e->d_name;
        if (n.size() < 2 || n[0] != '.' || n == "..") continue;
        if (!fs::is_directory(maildir_ / n / "cur")) continue;
        auto name = name_from_disk(n);
        if (name) names.push_back(std::move(*name));
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (auto& n : names) {
        auto it = uses.find(n);
        const auto use = it == uses.end() ? store::special_use::none : it->second;
        const bool sub = subs.count(n) != 0;
        out.push_back({std::move(n), use, sub});
    }
    return out;
}

result<std::unique_ptr<store::mailbox>> maildir_account::open_mailbox(std::string_view name,
                                                                      store::open_mode mode) {
    auto n = normalize_name(name);
    if (!n) return unexpected(n.error());
    auto dir = folder_dir(*n);
    if (!dir) return unexpected(dir.error());
    if (!fs::is_directory(*dir / "cur")) return unexpected(errc::no_such_mailbox);
    return std::unique_ptr<store::mailbox>(
        std::make_unique<maildir_mailbox>(state_, user_, *n, maildir_, std::move(*dir), mode));
}

std::error_code maildir_account::create_mailbox(std::string_view name, store::special_use use) {
    auto n = normalize_name(name);
    if (!n) return n.error();
    if (*n == "INBOX") return errc::mailbox_exists;
    auto dir = folder_dir(*n);
    if (!dir) return dir.error();
    if (::mkdir(dir->c_str(), 0700) != 0)
        return errno == EEXIST ? make_error_code(errc::mailbox_exists) : errno_code(errno);
    if (auto ec = make_folder_dirs(*dir)) return ec;
    // Dovecot marks Maildir++ folders with this empty file.
    fd_guard marker(::open((*dir / "maildirfolder").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (auto ec = fsync_dir(maildir_, state_->options.fsync)) return ec;
    if (use != store::special_use::none) {
        if (auto ec = update_special_use([&](auto& m) { m[*n] = use; })) return ec;
    }
    state_->hub.publish({store::change_event::kind::mailbox_created, user_, *n, {}, {}});
    return {};
}

std::error_code maildir_account::delete_mailbox(std::string_view name) {
    auto n = normalize_name(name);
    if (!n) return n.error();
    if (*n == "INBOX") return errc::invalid_mailbox_name;  // RFC 3501 6.3.4
    auto dir = folder_dir(*n);
    if (!dir) return dir.error();
    if (!fs::is_directory(*dir / "cur")) return errc::no_such_mailbox;
    // Rename out of sight first so no reader sees a half-deleted folder.
    const fs::path trash = maildir_ / "tmp" / (".deleted." + state_->unique_basename());
    if (::rename(dir->c_str(), trash.c_str()) != 0)
        return errno == ENOENT ? make_error_code(errc::no_such_mailbox) : errno_code(errno);
    std::error_code ec;
    fs::remove_all(trash, ec);
    if (auto e = update_special_use([&](auto& m) { m.erase(*n); })) return e;
    state_->hub.publish({store::change_event::kind::mailbox_deleted, user_, *n, {}, {}});
    return {};
}

std::error_code maildir_account::rename_mailbox(std::string_view from, std::string_view to) {
    auto f = normalize_name(from);
    if (!f) return f.error();
    auto t = normalize_name(to);
    if (!t) return t.error();
    if (*t == "INBOX") return errc::mailbox_exists;
    auto tdir = folder_dir(*t);
    if (!tdir) return tdir.error();
    if (fs::exists(*tdir)) return errc::mailbox_exists;
    if (t->size() > f->size() && t->compare(0, f->size() + 1, *f + "/") == 0)
        return errc::invalid_mailbox_name;
    if (*f == "INBOX") return rename_inbox(*t, *tdir);
    auto fdir = folder_dir(*f);
    if (!fdir) return fdir.error();
    if (!fs::is_directory(*fdir / "cur")) return errc::no_such_mailbox;
    // Inferiors follow their parent (RFC 3501 6.3.5): ".A" and ".A.*" on disk.
    auto lock = file_lock::acquire(*state_, maildir_ / account_lock_name);
    if (!lock) return lock.error();
    const std::string fprefix = fdir->filename().string();
    const std::string tprefix = tdir->filename().string();
    std::vector<std::string> moved;
    std::error_code iter_ec;
    for (const auto& e : fs::directory_iterator(maildir_, iter_ec)) {
        const std::string n = e.path().filename().string();
        if (n == fprefix || n.compare(0, fprefix.size() + 1, fprefix + ".") == 0) moved.push_back(n);
    }
    for (const auto& n : moved)
        if (fs::exists(maildir_ / (tprefix + n.substr(fprefix.size())))) return errc::mailbox_exists;
    std::vector<store::change_event> events;
    for (const auto& n : moved) {
        const std::string target = tprefix + n.substr(fprefix.size());
        if (::rename((maildir_ / n).c_str(), (maildir_ / target).c_str()) != 0) return errno_code(errno);
        auto old_name = name_from_disk(n);
        auto new_name = name_from_disk(target);
        if (old_name && new_name)
            events.push_back({store::change_event::kind::mailbox_renamed, user_, *old_name, *new_name, {}});
    }
    if (auto ec = fsync_dir(maildir_, state_->options.fsync)) return ec;
    auto uses = read_special_use(maildir_);
    bool changed = false;
    for (const auto& ev : events) {
        auto it = uses.find(ev.mailbox);
        if (it == uses.end()) continue;
        const auto use = it->second;
        uses.erase(it);
        uses[ev.new_name] = use;
        changed = true;
    }
    if (changed) {
        if (auto ec = write_special_use(maildir_, uses, state_->options.fsync)) return ec;
    }
    lock = unexpected(errc::io_error);  // release before publishing
    for (const auto& ev : events) state_->hub.publish(ev);
    return {};
}

std::error_code maildir_account::set_subscribed(std::string_view name, bool subscribed) {
    auto n = normalize_name(name);
    if (!n) return n.error();
    auto lock = file_lock::acquire(*state_, maildir_ / account_lock_name);
    if (!lock) return lock.error();
    auto subs = read_subscriptions(maildir_);
    if (subscribed == (subs.count(*n) != 0)) return {};
    if (subscribed)
        subs.insert(*n);
    else
        subs.erase(*n);
    return write_subscriptions(maildir_, subs, state_->options.fsync);
}

result<store::quota_usage> maildir_account::quota() { return compute_usage(*state_, maildir_); }

result<fs::path> maildir_account::folder_dir(const std::string& name) const {
    if (name == "INBOX") return maildir_;
    auto d = disk_name(name);
    if (!d) return unexpected(d.error());
    return maildir_ / *d;
}

// RFC 3501 6.3.5: INBOX's messages move to the new folder; INBOX stays,
// empty, with its UIDVALIDITY and next UID (UIDs are never reused).
std::error_code maildir_account::rename_inbox(const std::string& to, const fs::path& tdir) {
    if (auto ec = create_mailbox(to, store::special_use::none)) return ec;
    folder inbox(state_, maildir_);
    folder target(state_, tdir);
    sync_changes changes;
    {
        auto lock = inbox.lock();
        if (!lock) return lock.error();
        auto s = inbox.sync(true);
        if (!s) return s.error();
        changes = std::move(*s);
        folder_index& ix = inbox.index();
        // Keyword letters are per folder: the new folder takes INBOX's table
        // with its files. (The only place two folder locks nest, in this order.)
        auto tlock = target.lock();
        if (!tlock) return tlock.error();
        if (auto ec = target.adopt_keywords(ix.keywords)) return ec;
        for (const auto& f : ix.files) {
            if (::rename(inbox.file_path(f).c_str(), (tdir / "cur" / f.filename).c_str()) != 0) {
                inbox.invalidate();
                return errno_code(errno);
            }
            changes.vanished.push_back(f.uid);
        }
        ix.files.clear();
        ix.by_base.clear();
        if (auto ec = fsync_dir(tdir / "cur", state_->options.fsync)) return ec;
        if (auto ec = fsync_dir(maildir_ / "cur", state_->options.fsync)) return ec;
        if (auto ec = inbox.persist()) return ec;
        inbox.compact_cache();
    }
    publish(*state_, user_, "INBOX", changes);
    auto tlock = target.lock();
    if (!tlock) return tlock.error();
    auto ts = target.sync(true);
    if (!ts) return ts.error();
    return {};
}

template <class F>
std::error_code maildir_account::update_special_use(F&& change) {
    auto lock = file_lock::acquire(*state_, maildir_ / account_lock_name);
    if (!lock) return lock.error();
    auto uses = read_special_use(maildir_);
    change(uses);
    return write_special_use(maildir_, uses, state_->options.fsync);
}

}  // namespace mailaccess::maildir::detail
