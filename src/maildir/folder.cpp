#include "folder.hpp"

#include "filename.hpp"
#include "posix_io.hpp"

#include <mailaccess/store/error.hpp>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <map>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mailaccess::maildir::detail {

namespace fs = std::filesystem;
using store::errc;

namespace {

constexpr const char* uidlist_name = "mailaccess-uidlist";
constexpr const char* dovecot_uidlist_name = "dovecot-uidlist";
constexpr const char* uidlist_lock_name = "mailaccess-uidlist.lock";
constexpr const char* keywords_name = "dovecot-keywords";

}  // namespace

folder_file* folder_snapshot::find(std::uint32_t uid) {
    auto it = std::lower_bound(files.begin(), files.end(), uid,
                               [](const folder_file& f, std::uint32_t u) { return f.uid < u; });
    return it != files.end() && it->uid == uid ? &*it : nullptr;
}

std::string folder_snapshot::letters_in_use() const {
    std::string out;
    for (const auto& f : files)
        for (char c : keyword_letters(f.filename))
            if (out.find(c) == std::string::npos) out += c;
    return out;
}

fs::path folder::file_path(const folder_file& f) const {
    return dir_ / (f.in_new ? "new" : "cur") / f.filename;
}

result<file_lock> folder::lock() const {
    if (!fs::is_directory(dir_ / "cur")) return unexpected(errc::no_such_mailbox);
    return file_lock::acquire(*state_, dir_ / uidlist_lock_name);
}

result<folder_snapshot> folder::sync(bool read_write) const {
    if (state_->tmp_scan_due(dir_, tmp_scan_interval)) remove_stale_tmp();
    folder_snapshot snap;
    auto text = read_file(dir_ / uidlist_name, max_uidlist_size);
    if (!text && text.error() == std::errc::no_such_file_or_directory) {
        // First sync: keep a Dovecot-written folder's UIDs (best effort).
        auto dovecot = read_file(dir_ / dovecot_uidlist_name, max_uidlist_size);
        uidlist imported;
        if (dovecot) {
            auto parsed = parse_uidlist(*dovecot);
            if (parsed) imported = std::move(*parsed);
        }
        if (imported.uidvalidity == 0) imported = uidlist{state_->new_uidvalidity(), 1, 1, {}};
        snap.list = std::move(imported);
    } else if (!text) {
        return unexpected(text.error());
    } else {
        auto parsed = parse_uidlist(*text);
        if (!parsed) return unexpected(parsed.error());
        snap.list = std::move(*parsed);
    }
    const bool had_file = text.has_value();

    auto keywords = read_file(dir_ / keywords_name, max_keywords_file);
    if (keywords)
        snap.keywords = parse_keywords(*keywords);
    else if (keywords.error() != std::errc::no_such_file_or_directory)
        return unexpected(keywords.error());

    std::map<std::string, folder_file, std::less<>> on_disk;  // by basename
    bool moved = false;
    for (const bool is_new : {false, true}) {
        std::error_code ec;
        const auto names = read_dir(dir_ / (is_new ? "new" : "cur"), ec);
        if (ec) return unexpected(ec);
        for (const auto& n : names) {
            folder_file f;
            f.filename = n;
            f.in_new = is_new;
            if (is_new && read_write) {
                // Like Dovecot: a read-write open claims new mail into cur/.
                std::string target = n.find(':') == std::string::npos ? n + ":2," : n;
                if (::rename((dir_ / "new" / n).c_str(), (dir_ / "cur" / target).c_str()) == 0) {
                    f.filename = std::move(target);
                    f.in_new = false;
                    moved = true;
                }
            }
            on_disk.emplace(std::string(basename_of(f.filename)), std::move(f));
        }
    }
    if (moved) {
        if (auto ec = fsync_dir(dir_ / "cur", state_->options.fsync)) return unexpected(ec);
        if (auto ec = fsync_dir(dir_ / "new", state_->options.fsync)) return unexpected(ec);
    }

    bool changed = !had_file;
    std::vector<uidlist_entry> kept;
    for (auto& e : snap.list.entries) {
        auto it = on_disk.find(e.basename);
        if (it == on_disk.end()) {
            snap.vanished.push_back(e.uid);
            changed = true;
            continue;
        }
        it->second.uid = e.uid;
        it->second.modseq = e.modseq;
        snap.files.push_back(std::move(it->second));
        on_disk.erase(it);
        kept.push_back(std::move(e));
    }
    // Unknown files, in name order (which starts with the delivery time).
    for (auto& [base, f] : on_disk) {
        if (snap.list.next_uid == UINT32_MAX) return unexpected(errc::corrupt);
        f.uid = snap.list.next_uid++;
        f.modseq = ++snap.list.highest_modseq;
        kept.push_back({f.uid, f.modseq, base});
        snap.assigned.push_back(f.uid);
        snap.files.push_back(std::move(f));
        changed = true;
    }
    snap.list.entries = std::move(kept);
    if (changed) {
        if (auto ec = persist(snap.list)) return unexpected(ec);
    }
    return snap;
}

std::error_code folder::persist(const uidlist& list) const {
    return replace_file(dir_ / uidlist_name, serialize_uidlist(list), state_->options.fsync);
}

result<std::string> folder::letters_for_keywords(const std::vector<std::string>& names,
                                                 folder_snapshot& snap) const {
    if (names.empty()) return std::string();
    bool changed = false;
    keyword_table table = snap.keywords;
    auto letters = table.letters_for(names, snap.letters_in_use(), changed);
    if (!letters) return letters;
    if (changed) {
        if (auto ec = replace_file(dir_ / keywords_name, serialize_keywords(table), state_->options.fsync))
            return unexpected(ec);
        snap.keywords = std::move(table);
    }
    return letters;
}

std::error_code folder::adopt_keywords(const keyword_table& table) const {
    if (table == keyword_table{}) return {};
    return replace_file(dir_ / keywords_name, serialize_keywords(table), state_->options.fsync);
}

store::flag_set folder::flags_of(const folder_file& f, const keyword_table& keywords) {
    store::flag_set out = flags_from_filename(f.filename);
    out.keywords = keywords.names_of(keyword_letters(f.filename));
    return out;
}

store::message_info folder::info(const folder_file& f, const keyword_table& keywords) const {
    store::message_info m;
    m.uid = f.uid;
    m.modseq = f.modseq;
    m.flags = flags_of(f, keywords);
    struct stat sb {};
    if (::stat(file_path(f).c_str(), &sb) == 0) {
        m.internal_date = static_cast<std::int64_t>(sb.st_mtime);
        m.size = static_cast<std::uint64_t>(sb.st_size);
    }
    if (auto s = size_from_filename(f.filename)) m.size = *s;
    return m;
}

// Best effort: a file we fail to remove is tried again at a later scan.
// mtime, not Dovecot's atime/ctime: a delivery still being written keeps
// its mtime fresh, and relatime makes atime unreliable.
void folder::remove_stale_tmp() const {
    const fs::path tmp = dir_ / "tmp";
    fd_guard dirfd(::open(tmp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dirfd.get() < 0) return;
    std::error_code ec;
    const auto names = read_dir(tmp, ec);
    const std::time_t cutoff = std::time(nullptr) - static_cast<std::time_t>(stale_tmp_age.count());
    for (const auto& n : names) {
        struct stat sb {};
        if (::fstatat(dirfd.get(), n.c_str(), &sb, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (!S_ISREG(sb.st_mode) || sb.st_mtime >= cutoff) continue;
        ::unlinkat(dirfd.get(), n.c_str(), 0);
    }
}

std::error_code make_folder_dirs(const fs::path& dir) {
    for (const char* sub : {"cur", "new", "tmp"}) {
        if (::mkdir((dir / sub).c_str(), 0700) != 0 && errno != EEXIST) return errno_code(errno);
    }
    return {};
}

void publish(maildir_state& st, const std::string& user, const std::string& mailbox,
             const folder_snapshot& snap) {
    if (!snap.vanished.empty())
        st.hub.publish({store::change_event::kind::expunged, user, mailbox, {}, snap.vanished});
    if (!snap.assigned.empty())
        st.hub.publish({store::change_event::kind::appended, user, mailbox, {}, snap.assigned});
}

}  // namespace mailaccess::maildir::detail
