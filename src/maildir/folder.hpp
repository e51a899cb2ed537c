#pragma once

// Internal to the maildir module: one folder directory ({cur,new,tmp} plus
// its UID list and keyword table) and how it is reconciled with what is on
// disk. Everything that reads or changes a folder goes through here, under
// the folder's lock.

#include "file_lock.hpp"
#include "keywords.hpp"
#include "maildir_state.hpp"
#include "uidlist.hpp"

#include <mailaccess/core/result.hpp>
#include <mailaccess/store/mailbox.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace mailaccess::maildir::detail {

/// Files in tmp/ older than this are leftovers of crashed deliveries and
/// are removed at a sync (Dovecot's rule: 36 hours).
inline constexpr std::chrono::seconds stale_tmp_age{36 * 3600};

/// How often one process looks for them in a folder (Dovecot: 8 hours).
inline constexpr std::chrono::seconds tmp_scan_interval{8 * 3600};

/// One message file as found by a sync.
struct folder_file {
    std::uint32_t uid = 0;
    std::uint64_t modseq = 1;
    std::string filename;  // in cur/ or new/
    bool in_new = false;
};

/// A folder as of one sync: the (persisted) UID list, the files it names,
/// the keyword table, and what changed since the previous sync.
struct folder_snapshot {
    uidlist list;
    keyword_table keywords;
    std::vector<folder_file> files;       // ascending by uid
    std::vector<std::uint32_t> assigned;  // UIDs given out by this sync
    std::vector<std::uint32_t> vanished;  // UIDs whose files are gone

    folder_file* find(std::uint32_t uid);
    /// Every keyword letter some file carries (letters that are not free).
    std::string letters_in_use() const;
};

/// A folder directory. Methods other than `lock()` require the lock it returns.
class folder {
public:
    folder(state_ptr st, std::filesystem::path dir) : state_(std::move(st)), dir_(std::move(dir)) {}

    const std::filesystem::path& dir() const noexcept { return dir_; }
    std::filesystem::path file_path(const folder_file& f) const;

    /// The folder's lock (in-process mutex + flock on its lock file);
    /// `store::errc::no_such_mailbox` if the folder is gone.
    result<file_lock> lock() const;

    /// Reads the UID list (importing dovecot-uidlist the first time) and
    /// the keyword table, reconciles them with cur/ and new/, assigns UIDs
    /// to new files (moving them to cur/ if `read_write`), persists the list
    /// if anything changed, and now and then removes stale tmp/ files.
    result<folder_snapshot> sync(bool read_write) const;

    /// Durably replaces the UID list.
    std::error_code persist(const uidlist& list) const;

    /// The letters for keywords `names`, giving out new letters as
    /// `keyword_table::letters_for` does; a changed table is durably written
    /// to dovecot-keywords (and `snap.keywords` updated) before this returns,
    /// so no file ever carries a letter without a name.
    result<std::string> letters_for_keywords(const std::vector<std::string>& names,
                                             folder_snapshot& snap) const;

    /// Durably makes `table` this folder's keyword table (for a new folder
    /// taking over another's files with their letters, as RENAME INBOX does).
    std::error_code adopt_keywords(const keyword_table& table) const;

    /// A file's flags: system flags from its name, keywords through `keywords`.
    static store::flag_set flags_of(const folder_file& f, const keyword_table& keywords);

    /// The listing entry for `f` (size from S= or stat, date from mtime).
    store::message_info info(const folder_file& f, const keyword_table& keywords) const;

private:
    void remove_stale_tmp() const;

    state_ptr state_;
    std::filesystem::path dir_;
};

/// Creates cur/, new/ and tmp/ in `dir` (existing ones are fine).
std::error_code make_folder_dirs(const std::filesystem::path& dir);

/// Announces what a sync found (expunged, then appended) to `user`'s listeners.
void publish(maildir_state& st, const std::string& user, const std::string& mailbox,
             const folder_snapshot& snap);

}  // namespace mailaccess::maildir::detail
