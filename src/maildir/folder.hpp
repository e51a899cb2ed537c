#pragma once

// Internal to the maildir module: one folder directory ({cur,new,tmp} plus
// its UID list and keyword table) and how it is reconciled with what is on
// disk. Everything that reads or changes a folder goes through here, under
// the folder's lock.
//
// Like Dovecot, the process keeps an index per folder and only looks at the
// disk again where a stamp says something changed: a sync of an unchanged
// folder is a few stat() calls, and appends add lines to the UID list
// instead of rewriting it. Other processes (ours, MDAs, MUAs renaming files)
// are noticed through the stamps; a file missing when opened forces a rescan.

#include "file_lock.hpp"
#include "keywords.hpp"
#include "maildir_state.hpp"
#include "message_cache.hpp"
#include "posix_io.hpp"
#include "uidlist.hpp"

#include <mailaccess/core/result.hpp>
#include <mailaccess/store/mailbox.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

namespace mailaccess::maildir::detail {

/// Files in tmp/ older than this are leftovers of crashed deliveries and
/// are removed at a sync (Dovecot's rule: 36 hours).
inline constexpr std::chrono::seconds stale_tmp_age{36 * 3600};

/// How often one process looks for them in a folder (Dovecot: 8 hours).
inline constexpr std::chrono::seconds tmp_scan_interval{8 * 3600};

/// One message file as the index knows it.
struct folder_file {
    std::uint32_t uid = 0;
    std::uint64_t modseq = 1;
    std::string filename;  // in cur/ or new/; empty until a scan finds it
    bool in_new = false;
    // Cached from one stat (a flag rename keeps the inode, so they stay valid).
    bool stat_known = false;
    std::int64_t mtime = 0;
    std::uint64_t stat_size = 0;
    std::uint64_t seen = 0;  // scan generation that last found the file
};

/// A folder as this process last saw it: the UID list, the files it names,
/// the keyword table, and the stamps that tell whether the disk changed
/// since. One per folder directory per process (`maildir_state::index_for`),
/// shared by every handle on the folder and guarded by the folder lock.
struct folder_index {
    bool valid = false;  // false: reload everything at the next sync
    std::uint32_t uidvalidity = 0;
    std::uint32_t next_uid = 1;
    std::uint64_t highest_modseq = 1;
    keyword_table keywords;
    std::vector<folder_file> files;                          // ascending by uid
    std::unordered_map<std::string, std::uint32_t> by_base;  // basename -> uid

    // The uidlist file, held open so its inode cannot be reused by another
    // file while we compare stamps; `uidlist_clean` is the offset after its
    // last complete line (lines are only ever appended after it).
    fd_guard uidlist_fd;
    file_stamp uidlist_stamp;
    std::uint64_t uidlist_clean = 0;
    // Bytes of short modseq lines appended since the last full rewrite.
    std::uint64_t uidlist_update_bytes = 0;
    file_stamp keywords_file;
    file_stamp cur_dir, new_dir;  // at the last scan, taken before reading them
    // cur/ and new/ held open (checked against their inodes at each sync):
    // a message opens by its name alone instead of walking the whole path.
    fd_guard cur_fd, new_fd;
    std::uint64_t cur_fd_ino = 0, new_fd_ino = 0;
    std::int64_t scanned_at_ns = 0;  // wall clock before the last scan
    // When a sync last checked the disk (read_if_fresh); zero: never, or a
    // rescan or reload is due.
    std::chrono::steady_clock::time_point checked_at{};
    // STATUS's sums (unseen, size) and the index state they were summed
    // for: recomputed only after something changed, not at every status().
    struct totals {
        std::size_t files = 0;
        std::uint64_t highest_modseq = 0, scan_gen = 0;
        std::uint32_t next_uid = 0, uidvalidity = 0;
        std::uint32_t unseen = 0;
        std::uint64_t size = 0;
    };
    std::optional<totals> status_totals;
    // cur_dir was taken right after a change of ours to cur/, made under the
    // folder lock with the index in step (note_own_change): no racy rescan.
    bool cur_dir_own = false;
    std::uint64_t scan_gen = 0;

    // The folder's message cache; unlike the rest, guarded by its own mutex
    // (see message_cache), and told about the UIDs after each change.
    message_cache cache;

    folder_file* find(std::uint32_t uid);
    /// True when status_totals were summed for the index as it is now: every
    /// change that can move the sums moves one of the recorded fields (a flag
    /// change the modseq, an arrival the next UID, a removal the count, a
    /// rescan finding files renamed by others its generation).
    bool status_totals_current() const noexcept;
    /// Every keyword letter some file carries (letters that are not free).
    std::string letters_in_use() const;
    uidlist to_uidlist() const;
};

/// What one sync found that others should hear about.
struct sync_changes {
    std::vector<std::uint32_t> assigned;  // UIDs given out by this sync
    std::vector<std::uint32_t> vanished;  // UIDs whose files are gone
};

/// A file this process just put into cur/ (see `folder::add_files`).
struct added_file {
    std::string filename;
    std::uint64_t size = 0;
};

/// A folder directory. Methods other than `lock()` require the lock it returns.
class folder {
public:
    folder(state_ptr st, std::filesystem::path dir);

    const std::filesystem::path& dir() const noexcept { return dir_; }
    std::filesystem::path file_path(const folder_file& f) const;

    /// The folder's lock (in-process mutex + flock on its lock file);
    /// `store::errc::no_such_mailbox` if the folder is gone.
    result<file_lock> lock() const;

    /// Brings `index()` up to date with the disk: re-reads the UID list
    /// (importing dovecot-uidlist the first time) and the keyword table if
    /// their stamps changed, and reads cur/ and new/ again only if their
    /// stamps changed or were racy at the last scan (Dovecot's rule), stat-ing
    /// no file. New files get UIDs (and move to cur/ if `read_write`); the
    /// UID list is persisted if anything changed; now and then stale tmp/
    /// files are removed. With `scan == false` the directories are not read
    /// unless the UID list changed under us (enough to give out UIDs).
    /// On error the index is invalidated.
    result<sync_changes> sync(bool read_write, bool scan = true) const;

    /// Opens `uid`'s file where this process last saw it, under the
    /// in-process mutex only (no flock, no sync): the fast path of
    /// `maildir_mailbox::open`. An invalid fd when the index is not loaded,
    /// does not know the file, or the name no longer opens (errno set).
    /// `size` is set to the size the index has from its stat of the file,
    /// when it has one (listings stat every file: a RETR or FETCH after one
    /// needs no fstat), else left alone.
    fd_guard open_known(std::uint32_t uid, std::optional<std::uint64_t>& size) const;

    /// Opens `f` for reading (under the lock). An invalid fd on failure,
    /// with errno set.
    fd_guard open_file(const folder_file& f) const;

    /// The index; valid to use (and change) while holding the lock.
    folder_index& index() const noexcept { return *index_; }

    /// Runs `read(index())` under the in-process mutex only, with no flock
    /// and no sync, when a sync of this process checked the disk less than
    /// `max_age` ago and no rescan or reload is due since; returns false
    /// (and runs nothing) otherwise. What our own handles changed is in the
    /// index already; only other processes' changes can be missing.
    template <class Read>
    bool read_if_fresh(std::chrono::milliseconds max_age, Read&& read) const {
        std::lock_guard guard(*index_mutex_);
        folder_index& ix = *index_;
        if (!ix.valid || ix.checked_at == std::chrono::steady_clock::time_point{} ||
            std::chrono::steady_clock::now() - ix.checked_at >= max_age)
            return false;
        read(ix);
        return true;
    }

    /// Forces the next sync to re-read the directories (a file was missing).
    void rescan() const;
    /// After renaming or removing files in cur/ under the folder lock, right
    /// after a scanning sync and with the index updated to match: takes
    /// cur/'s new stamp as seen, so the next sync of this or any other handle
    /// does not list the directory again to find what we already know (a
    /// flag change used to cost every session a listing of the folder).
    /// Every writer of ours changes cur/ only under the lock, so nothing else
    /// of ours can have changed it meanwhile; deliveries go to new/, which
    /// keeps its own stamp. Foreign programs renaming in cur/ at the same
    /// moment are not supported while we serve the folder (as with Dovecot).
    void note_own_change() const;
    /// Forces the next sync to reload everything (after a failed change).
    void invalidate() const;

    /// Durably rewrites the UID list from the index.
    std::error_code persist() const;

    /// Durably records the index's modseqs of `uids` (after a flag change):
    /// appends one short line each to the UID list instead of rewriting it,
    /// and rewrites it only when those lines outgrow the list.
    std::error_code persist_modseqs(std::span<const std::uint32_t> uids) const;

    /// Gives UIDs to `files`, already renamed into cur/ (and that directory
    /// fsync'd), and durably appends them to the UID list. Precondition: a
    /// sync (at least with `scan == false`) under the same lock. UIDs are
    /// returned in `files` order.
    result<std::vector<std::uint32_t>> add_files(const std::vector<added_file>& files) const;

    /// The letters for keywords `names`, giving out new letters as
    /// `keyword_table::letters_for` does; a changed table is durably written
    /// to dovecot-keywords (and the index updated) before this returns, so
    /// no file ever carries a letter without a name.
    result<std::string> letters_for_keywords(const std::vector<std::string>& names) const;

    /// Durably makes `table` this folder's keyword table (for a new folder
    /// taking over another's files with their letters, as RENAME INBOX does).
    std::error_code adopt_keywords(const keyword_table& table) const;

    /// A file's flags: system flags from its name, keywords through `keywords`.
    static store::flag_set flags_of(const folder_file& f, const keyword_table& keywords);

    /// The file's size: S= from its name, else stat (cached in `f`).
    std::uint64_t size_of(folder_file& f) const;

    /// The listing entry for `f` (size as `size_of`, date from mtime).
    store::message_info info(folder_file& f) const;

    /// The folder's message cache. Usable without the lock (it has its own);
    /// its UIDs are those of the index at its last sync or change.
    message_cache& cache() const noexcept { return index_->cache; }

    /// Replaces a missing, stale or damaged cache file (see
    /// `message_cache::repair`). Requires the lock and a sync under it.
    std::error_code repair_cache() const;

    /// Compacts the cache file if expunged UIDs left it mostly garbage (see
    /// `message_cache::maybe_compact`). Requires the lock; best effort.
    void compact_cache() const;

private:
    void note_cache() const;
    void remove_stale_tmp() const;
    result<sync_changes> sync_impl(bool read_write, bool scan) const;
    std::error_code load_uidlist(bool& force_scan, bool& rewrite) const;
    std::error_code write_lines(const std::vector<const folder_file*>& added) const;
    // Appends complete lines after `uidlist_clean`, fdatasync'd; a full
    // rewrite instead when the file is not ours as we last wrote it.
    std::error_code append_lines(std::string_view text) const;
    void stat_file(folder_file& f) const;

    state_ptr state_;
    std::filesystem::path dir_;
    std::shared_ptr<folder_index> index_;
    std::shared_ptr<std::mutex> index_mutex_;  // the folder lock's in-process half
};

/// Creates cur/, new/ and tmp/ in `dir` (existing ones are fine).
std::error_code make_folder_dirs(const std::filesystem::path& dir);

/// Announces what a sync found (expunged, then appended) to `user`'s listeners.
void publish(maildir_state& st, const std::string& user, const std::string& mailbox,
             const sync_changes& changes);

}  // namespace mailaccess::maildir::detail
