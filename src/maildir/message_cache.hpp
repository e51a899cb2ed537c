#pragma once

// Internal to the maildir module (and its tests and fuzzers): the message
// cache behind `store::mailbox::cache` / `cached`, one append-only file per
// folder directory, "mailaccess-cache", next to the UID list. Dovecot and our
// own folder scans ignore it (only cur/ and new/ hold messages; folders are
// hidden directories), and it moves or goes with its folder directory.
//
// Format, all integers little-endian:
//
//   header, 16 bytes:  "MACACHE" '\x02'    magic; the last byte is the format version
//                      u32 uidvalidity     the folder's UIDVALIDITY when the file was made
//                      u32 reserved        zero
//   records, appended: u32 magic           0x5243414d ("MACR")
//                      u32 uid             non-zero
//                      u32 key length      at most store::max_cache_key_size
//                      u32 value length    at most store::max_cache_value_size
//                      u32 crc             CRC-32C (Castagnoli) of the 16 bytes above,
//                                          then key, then value
//                      key, value
//
// A writer appends one record with a single write() on an O_APPEND
// descriptor, so writers in several processes need no lock. A record that
// does not verify ends the readable part of the file: the scan never looks
// for a record boundary past it (a value may hold bytes that look like a
// record), and the file is rewritten from its verified records before the
// next append. Later records for the same UID and key win. A header whose
// UIDVALIDITY is not the folder's makes the whole file stale.

#include "posix_io.hpp"

#include <mailaccess/core/api.hpp>
#include <mailaccess/store/mailbox.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mailaccess::maildir::detail {

inline constexpr const char* cache_file_name = "mailaccess-cache";
inline constexpr std::size_t cache_header_size = 16;
inline constexpr std::size_t cache_record_header_size = 20;
inline constexpr std::size_t max_cache_record_size =
    cache_record_header_size + store::max_cache_key_size + store::max_cache_value_size;

/// Files above this may be compacted when more than half of them is garbage.
inline constexpr std::uint64_t cache_compact_threshold = 1024 * 1024;

/// `cache` stores nothing while the file is larger than
/// max(cache_min_bound, cache_bound_per_message x messages).
inline constexpr std::uint64_t cache_min_bound = 64ull * 1024 * 1024;
inline constexpr std::uint64_t cache_bound_per_message = 4096;

/// CRC-32C (Castagnoli, reflected; RFC 3720 appendix B.4) of `bytes`,
/// continuing from `crc` (0 to start): the SSE4.2 instruction where the CPU
/// has it (every cache hit is verified, so this is on a header sync's path),
/// eight table lookups per eight bytes elsewhere. Pure function.
MAILACCESS_API std::uint32_t cache_crc32(std::uint32_t crc, std::string_view bytes) noexcept;
/// The same without the instruction, whatever the CPU (for tests).
MAILACCESS_API std::uint32_t cache_crc32_portable(std::uint32_t crc, std::string_view bytes) noexcept;

/// The 16-byte file header for `uidvalidity`.
MAILACCESS_API std::string serialize_cache_header(std::uint32_t uidvalidity);

/// The UIDVALIDITY in a file header, or nothing if `bytes` does not start
/// with a header of this format version (or the UIDVALIDITY is zero).
MAILACCESS_API std::optional<std::uint32_t> parse_cache_header(std::string_view bytes) noexcept;

/// One record. Precondition: uid != 0 and key and value within the limits.
MAILACCESS_API std::string serialize_cache_record(std::uint32_t uid, std::string_view key,
                                                  std::string_view value);

/// A record found in scanned bytes; the views point into those bytes.
struct cache_record {
    std::uint32_t uid = 0;
    std::string_view key;
    std::string_view value;
    std::size_t offset = 0;  // of the record within the scanned bytes
    std::size_t size = 0;    // of the whole record
};

/// Why a scan stopped.
enum class cache_scan_stop {
    end,      // every byte was a complete, verified record
    partial,  // the bytes end inside a record (being written, or torn)
    corrupt,  // a record fails to verify (bad magic, lengths, uid or CRC)
};

struct cache_scan_result {
    std::size_t consumed = 0;  // bytes of verified records before the stop
    cache_scan_stop stop = cache_scan_stop::end;
};

/// Parses the record that starts `bytes`. `partial` if `bytes` is too
/// short to hold it. Pure function.
MAILACCESS_API cache_scan_stop parse_cache_record(std::string_view bytes, cache_record& out) noexcept;

/// Calls `on_record` for each verified record of `bytes` (records only, no
/// file header), in order, and stops at the first that is incomplete or does
/// not verify. Pure function.
MAILACCESS_API cache_scan_result
scan_cache_records(std::string_view bytes, const std::function<void(const cache_record&)>& on_record);

/// What the cache knows of its folder: taken from the folder's index after
/// each sync or change in this process.
struct cache_folder_shape {
    std::uint32_t uidvalidity = 0;
    std::uint32_t next_uid = 1;
    std::size_t messages = 0;
    std::uint32_t first_uid = 0;
    std::uint32_t last_uid = 0;
    std::uint64_t uidlist_ino = 0;  // a recreated folder has a new UID list
    friend bool operator==(const cache_folder_shape&, const cache_folder_shape&) = default;
};

/// One folder's cache file as this process sees it: the folder's UIDs as of
/// its last sync here, an open descriptor on the file, and an index from
/// (UID, key) to where the latest record for them is. Values stay on disk
/// and are read (and verified again) at lookup.
///
/// One per folder directory per process, in `folder_index`, shared by every
/// handle on the folder. Thread safety: guarded by its own mutex, so lookups
/// and appends need no folder lock. `set_folder`, `repair` and
/// `maybe_compact` must be called under the folder lock (they trust the
/// folder state they are given to be current); the folder lock is always
/// taken before this mutex, never the other way round.
class message_cache {
public:
    enum class append_result { stored, refused, needs_repair };

    /// True if `shape` is what the cache already knows.
    bool has_folder(const cache_folder_shape& shape) const;
    /// Under the folder lock: the folder now has `uids` (ascending).
    void set_folder(const cache_folder_shape& shape, std::vector<std::uint32_t> uids);
    /// True if the folder's last known state covers `uid` (it is below the
    /// next UID then); if not, sync before asking.
    bool knows(std::uint32_t uid) const;

    /// The latest value for `uid` and `key` if `uid` is in the folder, the
    /// file belongs to the folder's UIDVALIDITY and the record verifies.
    std::optional<std::string> lookup(const std::filesystem::path& dir, std::uint32_t uid,
                                      std::string_view key);

    /// Appends a record if `uid` is in the folder and the file is usable and
    /// within its bound. `needs_repair`: the file is missing, stale or damaged
    /// (possibly found so just after writing the record, which is then lost);
    /// call `repair` under the folder lock, then try again.
    append_result append(const std::filesystem::path& dir, std::uint32_t uid, std::string_view key,
                         std::string_view value);

    /// Under the folder lock, after a sync: replaces a missing or stale file
    /// with an empty one, and a damaged one with its verified live records.
    /// `temp` is a unique path on the same file system.
    std::error_code repair(const std::filesystem::path& dir, const std::filesystem::path& temp, bool fsync);

    /// Under the folder lock, after UIDs went away: forgets their entries and,
    /// if the file is over `cache_compact_threshold` and more than half of it
    /// is garbage (expunged UIDs, superseded records), rewrites it with the
    /// live records only. Other processes notice the new inode at their next
    /// scan. A stale file is emptied.
    std::error_code maybe_compact(const std::filesystem::path& dir, const std::filesystem::path& temp,
                                  bool fsync);

private:
    struct slot {
        std::uint64_t offset = 0;
        std::uint32_t size = 0;
    };

    bool is_live(std::uint32_t uid) const;
    void close_file();
    void refresh(const std::filesystem::path& dir);
    void scan_new();
    // The interned id of `key`, given one on first sight.
    std::uint32_t key_id(std::string_view key);
    std::optional<std::string> read_slot(std::uint32_t uid, std::string_view key);
    std::uint64_t bound() const;
    std::error_code rewrite(const std::filesystem::path& dir, const std::filesystem::path& temp, bool fsync,
                            bool keep_records);

    mutable std::mutex mutex_;
    // The folder, as of its last sync or change in this process.
    bool folder_known_ = false;
    cache_folder_shape shape_;
    std::vector<std::uint32_t> live_;  // ascending
    bool verify_ = false;              // check the file's identity at the next lookup
    // The file.
    fd_guard fd_;
    bool writable_ = false;
    std::uint64_t dev_ = 0, ino_ = 0;
    std::uint32_t file_uidvalidity_ = 0;  // 0: no usable header
    std::uint64_t file_size_ = 0;         // at the last stat
    std::int64_t file_mtime_ns_ = 0;
    std::uint64_t scanned_to_ = 0;  // end of the last verified record
    bool damaged_ = false;          // a record failed to verify: rewrite before appending
    std::optional<std::chrono::steady_clock::time_point> repair_failed_at_;
    std::chrono::steady_clock::time_point path_checked_at_{};  // last lstat of the file's path
    // (uid << 32 | key id) -> the latest record; keys are interned.
    struct key_hash {
        using is_transparent = void;  // find() by string_view, no std::string per lookup
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, std::uint32_t, key_hash, std::equal_to<>> key_ids_;
    std::unordered_map<std::uint64_t, slot> slots_;
    // Bytes of the file read ahead of a lookup, from `ahead_offset_`: a FETCH
    // asks for its messages' entries in UID order, which is the order a
    // first sync appended them in, so one read serves a run of lookups.
    // Dropped whenever the file may have changed (refresh, append, close).
    std::string ahead_;
    std::uint64_t ahead_offset_ = 0;
};

}  // namespace mailaccess::maildir::detail
