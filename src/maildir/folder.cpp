#include "folder.hpp"

#include "filename.hpp"
#include "posix_io.hpp"

#include <mailaccess/store/error.hpp>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <unordered_map>

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

bool folder_index::status_totals_current() const noexcept {
    const auto& t = status_totals;
    return t && t->files == files.size() && t->highest_modseq == highest_modseq && t->scan_gen == scan_gen &&
           t->next_uid == next_uid && t->uidvalidity == uidvalidity;
}

folder_file* folder_index::find(std::uint32_t uid) {
    auto it = std::lower_bound(files.begin(), files.end(), uid,
                               [](const folder_file& f, std::uint32_t u) { return f.uid < u; });
    return it != files.end() && it->uid == uid ? &*it : nullptr;
}

std::string folder_index::letters_in_use() const {
    std::string out;
    for (const auto& f : files)
        for (char c : keyword_letters(f.filename))
            if (out.find(c) == std::string::npos) out += c;
    return out;
}

uidlist folder_index::to_uidlist() const {
    uidlist l{uidvalidity, next_uid, highest_modseq, {}, {}};
    l.entries.reserve(files.size());
    for (const auto& f : files) l.entries.push_back({f.uid, f.modseq, std::string(basename_of(f.filename))});
    return l;
}

folder::folder(state_ptr st, fs::path dir)
    : state_(std::move(st)),
      dir_(std::move(dir)),
      index_(state_->index_for(dir_)),
      index_mutex_(state_->mutex_for(dir_ / uidlist_lock_name)) {}

fd_guard folder::open_known(std::uint32_t uid, std::optional<std::uint64_t>& size) const {
    // The index changes only under the folder lock, whose first half is
    // this mutex: holding it is enough to read a consistent entry.
    std::lock_guard guard(*index_mutex_);
    errno = ENOENT;
    if (!index_->valid) return fd_guard();
    const folder_file* f = index_->find(uid);
    if (f == nullptr || f->filename.empty()) return fd_guard();
    fd_guard fd = open_file(*f);
    // The name still opens, so it is the same inode (flag renames keep it)
    // and the bytes of a Maildir file never change.
    if (fd.get() >= 0 && f->stat_known) size = f->stat_size;
    return fd;
}

fd_guard folder::open_file(const folder_file& f) const {
    const folder_index& ix = *index_;
    const int dir = f.in_new ? ix.new_fd.get() : ix.cur_fd.get();
    if (dir >= 0) return fd_guard(::openat(dir, f.filename.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    return fd_guard(::open(file_path(f).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
}

fs::path folder::file_path(const folder_file& f) const {
    return dir_ / (f.in_new ? "new" : "cur") / f.filename;
}

result<file_lock> folder::lock() const {
    if (!fs::is_directory(dir_ / "cur")) return unexpected(errc::no_such_mailbox);
    return file_lock::acquire(*state_, dir_ / uidlist_lock_name);
}

void folder::rescan() const {
    index_->cur_dir = file_stamp{};
    index_->cur_dir_own = false;
    index_->checked_at = {};
}

void folder::note_own_change() const {
    folder_index& ix = *index_;
    if (!ix.valid) return;
    auto cur = stamp_of(dir_ / "cur");
    if (!cur || !cur->exists) return rescan();
    ix.cur_dir = *cur;
    ix.cur_dir_own = true;
}

void folder::invalidate() const {
    index_->valid = false;
    index_->checked_at = {};
}

result<sync_changes> folder::sync(bool read_write, bool scan) const {
    const auto began = std::chrono::steady_clock::now();
    auto r = sync_impl(read_write, scan);
    if (!r) {
        invalidate();
        return r;
    }
    // Taken before the stamps were: a change after it is not claimed seen.
    if (scan) index_->checked_at = began;
    note_cache();
    if (!r->vanished.empty()) compact_cache();
    return r;
}

// Tells the cache which UIDs exist; the list is copied only when the index
// changed (UIDs only grow, so these fields change whenever the set does).
void folder::note_cache() const {
    const folder_index& ix = *index_;
    cache_folder_shape shape;
    shape.uidvalidity = ix.uidvalidity;
    shape.next_uid = ix.next_uid;
    shape.messages = ix.files.size();
    shape.first_uid = ix.files.empty() ? 0 : ix.files.front().uid;
    shape.last_uid = ix.files.empty() ? 0 : ix.files.back().uid;
    shape.uidlist_ino = ix.uidlist_stamp.ino;
    if (ix.cache.has_folder(shape)) return;
    std::vector<std::uint32_t> uids;
    uids.reserve(ix.files.size());
    for (const auto& f : ix.files) uids.push_back(f.uid);
    index_->cache.set_folder(shape, std::move(uids));
}

std::error_code folder::repair_cache() const {
    note_cache();
    return index_->cache.repair(dir_, dir_ / "tmp" / (state_->unique_basename() + ".cache"),
                                state_->options.fsync);
}

void folder::compact_cache() const {
    note_cache();
    (void)index_->cache.maybe_compact(dir_, dir_ / "tmp" / (state_->unique_basename() + ".cache"),
                                      state_->options.fsync);
}

namespace {

// Reads all of `fd` from `offset` on.
result<std::string> read_from(int fd, std::uint64_t offset) {
    std::string out;
    char buf[16384];
    for (;;) {
        const ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(offset + out.size()));
        if (n < 0) {
            if (errno == EINTR) continue;
            return unexpected(errno_code(errno));
        }
        if (n == 0) break;
        if (out.size() + static_cast<std::size_t>(n) > max_uidlist_size) return unexpected(errc::corrupt);
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

// Lines after the last '\n' were being appended when a writer died (never
// acknowledged, as the append is fsync'd first): parse up to it only.
std::size_t clean_length(std::string_view text) {
    const std::size_t nl = text.rfind('\n');
    return nl == std::string_view::npos ? 0 : nl + 1;
}

}  // namespace

// Brings the UID list part of the index up to date. Sets `force_scan` when
// entries came from disk (their file names are only known after a scan) and
// `rewrite` when the list must be written (first sync).
std::error_code folder::load_uidlist(bool& force_scan, bool& rewrite) const {
    folder_index& ix = *index_;
    const fs::path path = dir_ / uidlist_name;
    auto st = stamp_of(path);
    if (!st) return st.error();
    if (ix.valid && ix.uidlist_stamp.exists && *st == ix.uidlist_stamp) return {};  // unchanged

    // Another process appended lines: read just those.
    if (ix.valid && ix.uidlist_stamp.exists && st->exists && st->ino == ix.uidlist_stamp.ino &&
        st->size > ix.uidlist_stamp.size && ix.uidlist_clean == ix.uidlist_stamp.size &&
        ix.uidlist_fd.get() >= 0) {
        auto tail = read_from(ix.uidlist_fd.get(), ix.uidlist_clean);
        if (!tail) return tail.error();
        const std::size_t len = clean_length(*tail);
        auto parsed = parse_uidlist("3 V" + std::to_string(ix.uidvalidity) + " N1\n" + tail->substr(0, len));
        if (parsed && (parsed->entries.empty() || ix.files.empty() ||
                       parsed->entries.front().uid > ix.files.back().uid)) {
            // Flag changes first: their UIDs are older than any new entry.
            // A line's file was renamed by the writer: forgetting the old
            // name keeps the scan from counting that as a foreign change.
            for (const modseq_update& u : parsed->updates)
                if (folder_file* f = ix.find(u.uid); f != nullptr && u.modseq > f->modseq) {
                    f->modseq = u.modseq;
                    f->filename.clear();
                }
            for (auto& e : parsed->entries) {
                folder_file f;
                f.uid = e.uid;
                f.modseq = e.modseq;
                ix.by_base[e.basename] = e.uid;
                ix.files.push_back(std::move(f));
                ix.next_uid = std::max(ix.next_uid, e.uid + 1);
            }
            ix.highest_modseq = std::max(ix.highest_modseq, parsed->highest_modseq);
            auto fst = stamp_of(ix.uidlist_fd.get());
            if (!fst) return fst.error();
            ix.uidlist_stamp = *fst;
            ix.uidlist_clean += len;
            force_scan = true;
            return {};
        }
        // Anything unexpected: read it all below.
    }

    // Keep what stat calls told us about files that are still listed.
    std::unordered_map<std::string, folder_file> old;
    for (auto& f : ix.files)
        if (!f.filename.empty()) old.emplace(std::string(basename_of(f.filename)), std::move(f));
    ix.files.clear();
    ix.by_base.clear();
    ix.uidlist_fd.reset();
    ix.uidlist_stamp = file_stamp{};
    ix.uidlist_clean = 0;
    ix.uidlist_update_bytes = 0;
    force_scan = true;

    uidlist list;
    if (!st->exists) {
        // First sync: keep a Dovecot-written folder's UIDs (best effort).
        auto dovecot = read_file(dir_ / dovecot_uidlist_name, max_uidlist_size);
        if (dovecot) {
            auto parsed = parse_uidlist(*dovecot);
            if (parsed) list = std::move(*parsed);
        }
        if (list.uidvalidity == 0) list = uidlist{state_->new_uidvalidity(), 1, 1, {}, {}};
        rewrite = true;
    } else {
        fd_guard fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
        if (fd.get() < 0) return errno_code(errno);
        auto text = read_from(fd.get(), 0);
        if (!text) return text.error();
        const std::size_t len = clean_length(*text);
        auto parsed =
            parse_uidlist(len == 0 ? std::string_view(*text) : std::string_view(*text).substr(0, len));
        if (!parsed) return parsed.error();
        list = std::move(*parsed);
        auto fst = stamp_of(fd.get());
        if (!fst) return fst.error();
        ix.uidlist_stamp = *fst;
        ix.uidlist_clean = len;
        ix.uidlist_fd = std::move(fd);
    }
    ix.uidvalidity = list.uidvalidity;
    ix.next_uid = list.next_uid;
    ix.highest_modseq = list.highest_modseq;
    ix.files.reserve(list.entries.size());
    for (auto& e : list.entries) {
        folder_file f;
        if (auto it = old.find(e.basename); it != old.end()) {
            f = std::move(it->second);
            // Changed by the list's writer (see the tail case above).
            if (f.modseq != e.modseq) f.filename.clear();
        }
        f.uid = e.uid;
        f.modseq = e.modseq;
        ix.by_base[std::move(e.basename)] = e.uid;
        ix.files.push_back(std::move(f));
    }
    return {};
}

result<sync_changes> folder::sync_impl(bool read_write, bool scan) const {
    if (state_->tmp_scan_due(dir_, tmp_scan_interval)) remove_stale_tmp();
    folder_index& ix = *index_;
    sync_changes changes;
    bool force_scan = !ix.valid;
    bool rewrite = false;
    if (auto ec = load_uidlist(force_scan, rewrite)) return unexpected(ec);

    auto kst = stamp_of(dir_ / keywords_name);
    if (!kst) return unexpected(kst.error());
    if (!ix.valid || *kst != ix.keywords_file) {
        ix.keywords = keyword_table{};
        if (kst->exists) {
            auto keywords = read_file(dir_ / keywords_name, max_keywords_file);
            if (keywords)
                ix.keywords = parse_keywords(*keywords);
            else if (keywords.error() != std::errc::no_such_file_or_directory)
                return unexpected(keywords.error());
        }
        ix.keywords_file = *kst;
    }

    // Taken before the stamps: a change after it moves them past it.
    const std::int64_t now = wall_clock_ns();
    auto cur = stamp_of(dir_ / "cur");
    if (!cur) return unexpected(cur.error());
    auto nw = stamp_of(dir_ / "new");
    if (!nw) return unexpected(nw.error());
    if (!cur->exists || !nw->exists) return unexpected(errc::no_such_mailbox);
    // The held directories must still be the ones at our path (a folder
    // renamed or deleted and made again has new ones).
    auto hold = [&](fd_guard& fd, std::uint64_t& ino, const file_stamp& at_path, const char* name) {
        if (fd.get() >= 0 && ino == at_path.ino) return;
        fd = fd_guard(::open((dir_ / name).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        ino = at_path.ino;
        if (fd.get() < 0) return;  // opened by path instead
        auto st = stamp_of(fd.get());
        if (!st || st->ino != at_path.ino) fd.reset();  // replaced in between: by path until the next sync
    };
    hold(ix.cur_fd, ix.cur_fd_ino, *cur, "cur");
    hold(ix.new_fd, ix.new_fd_ino, *nw, "new");
    auto racy = [&](const file_stamp& s) {
        return is_racy(std::max(s.mtime_ns, s.ctime_ns), ix.scanned_at_ns);
    };
    const bool dirs_changed =
        *cur != ix.cur_dir || *nw != ix.new_dir || (!ix.cur_dir_own && racy(ix.cur_dir)) || racy(ix.new_dir);
    if (force_scan || (scan && dirs_changed)) {
        const std::uint64_t gen = ++ix.scan_gen;
        std::vector<folder_file> unknown;
        bool moved = false;
        for (const bool is_new : {false, true}) {
            std::error_code ec;
            const auto names = read_dir(dir_ / (is_new ? "new" : "cur"), ec);
            if (ec) return unexpected(ec);
            for (const auto& n : names) {
                std::string filename = n;
                bool in_new = is_new;
                if (is_new && read_write) {
                    // Like Dovecot: a read-write open claims new mail into cur/.
                    std::string target = n.find(':') == std::string::npos ? n + ":2," : n;
                    if (::rename((dir_ / "new" / n).c_str(), (dir_ / "cur" / target).c_str()) == 0) {
                        filename = std::move(target);
                        in_new = false;
                        moved = true;
                    }
                }
                const std::string_view base = basename_of(filename);
                auto it = ix.by_base.find(std::string(base));
                if (it != ix.by_base.end()) {
                    if (folder_file* f = ix.find(it->second); f != nullptr && f->seen != gen) {
                        // Renamed by someone else: its flags changed, which
                        // CONDSTORE and list_changes see by its modseq.
                        if (!f->filename.empty() && f->filename != filename &&
                            (flags_from_filename(f->filename) != flags_from_filename(filename) ||
                             keyword_letters(f->filename) != keyword_letters(filename))) {
                            f->modseq = ++ix.highest_modseq;
                            rewrite = true;
                        }
                        f->filename = std::move(filename);
                        f->in_new = in_new;
                        f->seen = gen;
                    }
                    continue;
                }
                folder_file f;
                f.filename = std::move(filename);
                f.in_new = in_new;
                unknown.push_back(std::move(f));
            }
        }
        if (moved) {
            if (auto ec = fsync_dir(dir_ / "cur", state_->options.fsync)) return unexpected(ec);
            if (auto ec = fsync_dir(dir_ / "new", state_->options.fsync)) return unexpected(ec);
        }
        for (const auto& f : ix.files) {
            if (f.seen == gen) continue;
            changes.vanished.push_back(f.uid);
            if (!f.filename.empty()) ix.by_base.erase(std::string(basename_of(f.filename)));
        }
        if (!changes.vanished.empty()) {
            // Entries never located have no file name to erase by: rebuild.
            std::erase_if(ix.files, [gen](const folder_file& f) { return f.seen != gen; });
            ix.by_base.clear();
            for (const auto& f : ix.files) ix.by_base.emplace(std::string(basename_of(f.filename)), f.uid);
            rewrite = true;
        }
        // Unknown files, in name order (which starts with the delivery time);
        // a name in both cur/ and new/ counts once, cur/ first.
        std::stable_sort(unknown.begin(), unknown.end(), [](const folder_file& a, const folder_file& b) {
            return basename_of(a.filename) < basename_of(b.filename);
        });
        std::vector<const folder_file*> added;
        for (auto& f : unknown) {
            const std::string base(basename_of(f.filename));
            if (ix.by_base.count(base) != 0) continue;
            if (ix.next_uid == UINT32_MAX) return unexpected(errc::corrupt);
            f.uid = ix.next_uid++;
            f.modseq = ++ix.highest_modseq;
            f.seen = gen;
            ix.by_base.emplace(base, f.uid);
            changes.assigned.push_back(f.uid);
            ix.files.push_back(std::move(f));
        }
        for (std::size_t i = ix.files.size() - changes.assigned.size(); i < ix.files.size(); ++i)
            added.push_back(&ix.files[i]);
        ix.cur_dir = *cur;
        ix.cur_dir_own = false;
        ix.new_dir = *nw;
        ix.scanned_at_ns = now;
        ix.valid = true;
        if (rewrite) {
            if (auto ec = persist()) return unexpected(ec);
        } else if (!added.empty()) {
            if (auto ec = write_lines(added)) return unexpected(ec);
        }
    } else if (rewrite) {
        if (auto ec = persist()) return unexpected(ec);
    }
    return changes;
}

std::error_code folder::persist() const {
    folder_index& ix = *index_;
    const fs::path path = dir_ / uidlist_name;
    const std::string text = serialize_uidlist(ix.to_uidlist());
    ix.uidlist_fd.reset();
    ix.uidlist_stamp = file_stamp{};
    if (auto ec = replace_file(path, text, state_->options.fsync)) {
        ix.valid = false;
        return ec;
    }
    fd_guard fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (fd.get() < 0) {
        ix.valid = false;
        return errno_code(errno);
    }
    auto st = stamp_of(fd.get());
    if (!st) {
        ix.valid = false;
        return st.error();
    }
    ix.uidlist_stamp = *st;
    ix.uidlist_clean = text.size();
    ix.uidlist_update_bytes = 0;
    ix.uidlist_fd = std::move(fd);
    note_cache();
    return {};
}

// Dovecot's uidlist takes appended lines the same way: a line's UID at or
// above the header's next UID advances it (see parse_uidlist). The header
// catches up at the next full rewrite.
std::error_code folder::write_lines(const std::vector<const folder_file*>& added) const {
    if (added.empty()) return {};
    std::string text;
    for (const folder_file* f : added) {
        text += std::to_string(f->uid);
        text += " M";
        text += std::to_string(f->modseq);
        text += " :";
        text += basename_of(f->filename);
        text += '\n';
    }
    return append_lines(text);
}

std::error_code folder::persist_modseqs(std::span<const std::uint32_t> uids) const {
    folder_index& ix = *index_;
    if (uids.empty()) return {};
    if (ix.uidlist_fd.get() < 0 || ix.uidlist_clean != ix.uidlist_stamp.size) return persist();
    // Rewritten (folding the short lines in) once they outweigh the list,
    // so the file stays within twice its compact size.
    const std::uint64_t entry_bytes = ix.uidlist_clean - std::min(ix.uidlist_clean, ix.uidlist_update_bytes);
    if (ix.uidlist_update_bytes > std::max<std::uint64_t>(256 * 1024, entry_bytes)) return persist();
    std::string text;
    for (const std::uint32_t uid : uids)
        if (const folder_file* f = ix.find(uid)) text += serialize_modseq_update({uid, f->modseq});
    if (auto ec = append_lines(text)) return ec;
    ix.uidlist_update_bytes += text.size();
    return {};
}

std::error_code folder::append_lines(std::string_view text) const {
    folder_index& ix = *index_;
    if (text.empty()) return {};
    if (ix.uidlist_fd.get() < 0 || ix.uidlist_clean != ix.uidlist_stamp.size) return persist();
    const int fd = ix.uidlist_fd.get();
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n =
            ::pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(ix.uidlist_clean + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            ix.valid = false;
            return errno_code(errno);
        }
        done += static_cast<std::size_t>(n);
    }
    // fdatasync covers the new size: the lines are durable before any UID
    // or modseq in them is acknowledged.
    if (state_->options.fsync && ::fdatasync(fd) != 0) {
        ix.valid = false;
        return errno_code(errno);
    }
    auto st = stamp_of(fd);
    if (!st) {
        ix.valid = false;
        return st.error();
    }
    ix.uidlist_stamp = *st;
    ix.uidlist_clean += text.size();
    return {};
}

result<std::vector<std::uint32_t>> folder::add_files(const std::vector<added_file>& files) const {
    folder_index& ix = *index_;
    std::vector<std::uint32_t> uids;
    std::vector<const folder_file*> added;
    for (const auto& a : files) {
        if (ix.next_uid == UINT32_MAX) {
            invalidate();
            return unexpected(errc::corrupt);
        }
        folder_file f;
        f.uid = ix.next_uid++;
        f.modseq = ++ix.highest_modseq;
        f.filename = a.filename;
        f.seen = ix.scan_gen;
        ix.by_base.emplace(std::string(basename_of(f.filename)), f.uid);
        uids.push_back(f.uid);
        ix.files.push_back(std::move(f));
    }
    for (std::size_t i = ix.files.size() - files.size(); i < ix.files.size(); ++i)
        added.push_back(&ix.files[i]);
    if (auto ec = write_lines(added)) {
        invalidate();
        return unexpected(ec);
    }
    note_cache();
    return uids;
}

result<std::string> folder::letters_for_keywords(const std::vector<std::string>& names) const {
    if (names.empty()) return std::string();
    folder_index& ix = *index_;
    bool changed = false;
    keyword_table table = ix.keywords;
    auto letters = table.letters_for(names, ix.letters_in_use(), changed);
    if (!letters) return letters;
    if (changed) {
        if (auto ec = replace_file(dir_ / keywords_name, serialize_keywords(table), state_->options.fsync)) {
            invalidate();
            return unexpected(ec);
        }
        ix.keywords = std::move(table);
        auto st = stamp_of(dir_ / keywords_name);
        if (!st) {
            invalidate();
            return unexpected(st.error());
        }
        ix.keywords_file = *st;
    }
    return letters;
}

std::error_code folder::adopt_keywords(const keyword_table& table) const {
    if (table == keyword_table{}) return {};
    index_->keywords_file = file_stamp{};  // re-read at the next sync
    return replace_file(dir_ / keywords_name, serialize_keywords(table), state_->options.fsync);
}

store::flag_set folder::flags_of(const folder_file& f, const keyword_table& keywords) {
    store::flag_set out = flags_from_filename(f.filename);
    out.keywords = keywords.names_of(keyword_letters(f.filename));
    return out;
}

void folder::stat_file(folder_file& f) const {
    if (f.stat_known) return;
    struct stat sb {};
    const int dir = f.in_new ? index_->new_fd.get() : index_->cur_fd.get();
    const int r = dir >= 0 ? ::fstatat(dir, f.filename.c_str(), &sb, AT_SYMLINK_NOFOLLOW)
                           : ::lstat(file_path(f).c_str(), &sb);
    if (r != 0) return;  // gone: zeros, as a listing race gives
    f.mtime = static_cast<std::int64_t>(sb.st_mtime);
    f.stat_size = static_cast<std::uint64_t>(sb.st_size);
    f.stat_known = true;
}

std::uint64_t folder::size_of(folder_file& f) const {
    if (auto s = size_from_filename(f.filename)) return *s;
    stat_file(f);
    return f.stat_known ? f.stat_size : 0;
}

store::message_info folder::info(folder_file& f) const {
    store::message_info m;
    m.uid = f.uid;
    m.modseq = f.modseq;
    m.flags = flags_of(f, index_->keywords);
    stat_file(f);
    if (f.stat_known) {
        m.internal_date = f.mtime;
        m.size = f.stat_size;
    }
    if (auto s = size_from_filename(f.filename)) m.size = *s;
    m.crlf_size = crlf_size_from_filename(f.filename);
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
             const sync_changes& changes) {
    if (!changes.vanished.empty())
        st.hub.publish({store::change_event::kind::expunged, user, mailbox, {}, changes.vanished});
    if (!changes.assigned.empty())
        st.hub.publish({store::change_event::kind::appended, user, mailbox, {}, changes.assigned});
}

}  // namespace mailaccess::maildir::detail
