#include "message_cache.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mailaccess::maildir::detail {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view header_magic{"MACACHE\x02", 8};  // 2: CRC-32C (1 had CRC-32)
constexpr std::uint32_t record_magic = 0x5243414d;          // "MACR"

// Reads in pieces of this size; larger than any record, so a full piece
// always ends at or after the end of its first record.
constexpr std::size_t scan_chunk = 1024 * 1024;
static_assert(scan_chunk > max_cache_record_size);

// After a failed repair, appends are refused for this long instead of
// retrying the rewrite at every call.
constexpr std::chrono::seconds repair_retry_after{60};
// How long refresh() trusts the open descriptor to still be the file at the
// path when it has links left (see refresh).
constexpr std::chrono::seconds path_check_interval{1};
// How much read_slot reads at once (see message_cache::ahead_).
constexpr std::uint64_t read_ahead = 64 * 1024;

// CRC-32C without the instruction: slicing-by-8 (eight tables let the loop
// take eight bytes a step instead of one).
using crc_tables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr crc_tables make_crc_tables() {
    crc_tables t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
        t[0][i] = c;
    }
    for (std::size_t n = 1; n < 8; ++n)
        for (std::size_t i = 0; i < 256; ++i) t[n][i] = (t[n - 1][i] >> 8) ^ t[0][t[n - 1][i] & 0xFF];
    return t;
}

constexpr crc_tables crc_table = make_crc_tables();

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

std::uint32_t get_u32(std::string_view bytes, std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
    return v;
}

// Reads up to `size` bytes at `offset`, fewer only at the end of the file.
std::size_t pread_full(int fd, char* buf, std::size_t size, std::uint64_t offset) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::pread(fd, buf + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    return done;
}

std::int64_t mtime_ns(const struct stat& sb) {
    return static_cast<std::int64_t>(sb.st_mtim.tv_sec) * 1000000000 + sb.st_mtim.tv_nsec;
}

std::uint64_t slot_key(std::uint32_t uid, std::uint32_t key_id) {
    return (static_cast<std::uint64_t>(uid) << 32) | key_id;
}

}  // namespace

namespace {

std::uint32_t crc32c_table(std::uint32_t crc, const unsigned char* p, std::size_t n) noexcept {
    for (; n >= 8; n -= 8, p += 8) {
        // Little-endian loads by hand: portable, and compilers fuse them.
        const std::uint32_t lo = crc ^ (std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 |
                                        std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24);
        const std::uint32_t hi = std::uint32_t{p[4]} | std::uint32_t{p[5]} << 8 | std::uint32_t{p[6]} << 16 |
                                 std::uint32_t{p[7]} << 24;
        crc = crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^ crc_table[5][(lo >> 16) & 0xFF] ^
              crc_table[4][lo >> 24] ^ crc_table[3][hi & 0xFF] ^ crc_table[2][(hi >> 8) & 0xFF] ^
              crc_table[1][(hi >> 16) & 0xFF] ^ crc_table[0][hi >> 24];
    }
    for (; n > 0; --n, ++p) crc = crc_table[0][(crc ^ *p) & 0xFF] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__) && defined(__GNUC__)
// About 8 bytes a cycle instead of about one.
[[gnu::target("sse4.2")]] std::uint32_t crc32c_sse42(std::uint32_t crc, const unsigned char* p,
                                                     std::size_t n) noexcept {
    std::uint64_t c = crc;
    for (; n >= 8; n -= 8, p += 8) {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
    }
    auto c32 = static_cast<std::uint32_t>(c);
    for (; n > 0; --n, ++p) c32 = __builtin_ia32_crc32qi(c32, *p);
    return c32;
}

bool has_sse42() noexcept {
    static const bool has = __builtin_cpu_supports("sse4.2");  // asked once; the CPU does not change
    return has;
}
#endif

}  // namespace

std::uint32_t cache_crc32(std::uint32_t crc, std::string_view bytes) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
#if defined(__x86_64__) && defined(__GNUC__)
    if (has_sse42()) return ~crc32c_sse42(~crc, p, bytes.size());
#endif
    return ~crc32c_table(~crc, p, bytes.size());
}

std::uint32_t cache_crc32_portable(std::uint32_t crc, std::string_view bytes) noexcept {
    return ~crc32c_table(~crc, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::string serialize_cache_header(std::uint32_t uidvalidity) {
    std::string out(header_magic);
    put_u32(out, uidvalidity);
    put_u32(out, 0);
    return out;
}

std::optional<std::uint32_t> parse_cache_header(std::string_view bytes) noexcept {
    if (bytes.size() < cache_header_size || bytes.substr(0, header_magic.size()) != header_magic)
        return std::nullopt;
    const std::uint32_t uidvalidity = get_u32(bytes, 8);
    if (uidvalidity == 0 || get_u32(bytes, 12) != 0) return std::nullopt;
    return uidvalidity;
}

std::string serialize_cache_record(std::uint32_t uid, std::string_view key, std::string_view value) {
    std::string out;
    out.reserve(cache_record_header_size + key.size() + value.size());
    put_u32(out, record_magic);
    put_u32(out, uid);
    put_u32(out, static_cast<std::uint32_t>(key.size()));
    put_u32(out, static_cast<std::uint32_t>(value.size()));
    std::uint32_t crc = cache_crc32(0, out);
    crc = cache_crc32(crc, key);
    crc = cache_crc32(crc, value);
    put_u32(out, crc);
    out += key;
    out += value;
    return out;
}

cache_scan_stop parse_cache_record(std::string_view bytes, cache_record& out) noexcept {
    // Fields are checked as soon as they are there, so garbage is told from
    // a record still being written as early as possible.
    for (std::size_t i = 0; i < 4 && i < bytes.size(); ++i)
        if (static_cast<unsigned char>(bytes[i]) != ((record_magic >> (8 * i)) & 0xFF))
            return cache_scan_stop::corrupt;
    if (bytes.size() >= 8 && get_u32(bytes, 4) == 0) return cache_scan_stop::corrupt;
    if (bytes.size() >= 12 && get_u32(bytes, 8) > store::max_cache_key_size) return cache_scan_stop::corrupt;
    if (bytes.size() >= 16 && get_u32(bytes, 12) > store::max_cache_value_size)
        return cache_scan_stop::corrupt;
    if (bytes.size() < cache_record_header_size) return cache_scan_stop::partial;
    const std::size_t key_size = get_u32(bytes, 8);
    const std::size_t value_size = get_u32(bytes, 12);
    const std::size_t size = cache_record_header_size + key_size + value_size;
    if (bytes.size() < size) return cache_scan_stop::partial;
    const std::string_view key = bytes.substr(cache_record_header_size, key_size);
    const std::string_view value = bytes.substr(cache_record_header_size + key_size, value_size);
    std::uint32_t crc = cache_crc32(0, bytes.substr(0, 16));
    crc = cache_crc32(crc, key);
    crc = cache_crc32(crc, value);
    if (crc != get_u32(bytes, 16)) return cache_scan_stop::corrupt;
    out.uid = get_u32(bytes, 4);
    out.key = key;
    out.value = value;
    out.offset = 0;
    out.size = size;
    return cache_scan_stop::end;
}

cache_scan_result scan_cache_records(std::string_view bytes,
                                     const std::function<void(const cache_record&)>& on_record) {
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        cache_record rec;
        const auto stop = parse_cache_record(bytes.substr(pos), rec);
        if (stop != cache_scan_stop::end) return {pos, stop};
        rec.offset = pos;
        on_record(rec);
        pos += rec.size;
    }
    return {pos, cache_scan_stop::end};
}

bool message_cache::has_folder(const cache_folder_shape& shape) const {
    std::lock_guard lock(mutex_);
    return folder_known_ && shape_ == shape;
}

void message_cache::set_folder(const cache_folder_shape& shape, std::vector<std::uint32_t> uids) {
    std::lock_guard lock(mutex_);
    if (folder_known_ && shape.uidvalidity != shape_.uidvalidity) close_file();
    // A recreated folder (new UID list) may come with another cache file even
    // if the UIDVALIDITY repeats: look at the path again before trusting hits.
    if (!folder_known_ || shape.uidlist_ino != shape_.uidlist_ino) verify_ = true;
    shape_ = shape;
    live_ = std::move(uids);
    folder_known_ = true;
}

bool message_cache::knows(std::uint32_t uid) const {
    std::lock_guard lock(mutex_);
    return folder_known_ && uid < shape_.next_uid;
}

bool message_cache::is_live(std::uint32_t uid) const {
    return std::binary_search(live_.begin(), live_.end(), uid);
}

std::uint64_t message_cache::bound() const {
    return std::max<std::uint64_t>(cache_min_bound, cache_bound_per_message * live_.size());
}

void message_cache::close_file() {
    fd_.reset();
    ahead_.clear();
    writable_ = false;
    dev_ = ino_ = 0;
    file_uidvalidity_ = 0;
    file_size_ = 0;
    file_mtime_ns_ = 0;
    scanned_to_ = 0;
    damaged_ = false;
    key_ids_.clear();
    slots_.clear();
}

// Follows the path to the file now there (another process may have replaced
// it) and indexes the records appended since the last scan.
void message_cache::refresh(const fs::path& dir) {
    ahead_.clear();  // whatever changed, the next lookup reads the disk again
    struct stat sb {};
    // Every lookup miss and append refreshes: by the open descriptor, which
    // needs no path lookup (those were a quarter of a first header sync).
    // A file replaced (compaction, repair) or removed behind us has no link
    // left, and then the path is looked at; so is it once a second anyway,
    // for a replaced file that someone had hard-linked.
    const auto now = std::chrono::steady_clock::now();
    if (fd_.get() >= 0 && now - path_checked_at_ < path_check_interval && ::fstat(fd_.get(), &sb) == 0 &&
        sb.st_nlink > 0 && S_ISREG(sb.st_mode)) {
        file_size_ = static_cast<std::uint64_t>(sb.st_size);
        file_mtime_ns_ = mtime_ns(sb);
        scan_new();
        return;
    }
    // No file when last looked, a moment ago: a body download of a folder
    // without a cache would otherwise look the path up per message. One
    // made meanwhile by another process is seen within the interval.
    if (fd_.get() < 0 && path_checked_at_ != std::chrono::steady_clock::time_point{} &&
        now - path_checked_at_ < path_check_interval)
        return;
    path_checked_at_ = now;
    const fs::path path = dir / cache_file_name;
    if (::lstat(path.c_str(), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close_file();  // gone, or something we never follow
        return;
    }
    if (fd_.get() < 0 || static_cast<std::uint64_t>(sb.st_ino) != ino_ ||
        static_cast<std::uint64_t>(sb.st_dev) != dev_) {
        close_file();
        int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
        writable_ = fd >= 0;
        if (fd < 0 && (errno == EACCES || errno == EROFS))
            fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return;
        fd_ = fd_guard(fd);
        if (::fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            close_file();
            return;
        }
        dev_ = static_cast<std::uint64_t>(sb.st_dev);
        ino_ = static_cast<std::uint64_t>(sb.st_ino);
        char head[cache_header_size];
        const std::size_t n = pread_full(fd, head, sizeof head, 0);
        if (auto v = parse_cache_header(std::string_view(head, n))) {
            file_uidvalidity_ = *v;
            scanned_to_ = cache_header_size;
        }
    }
    file_size_ = static_cast<std::uint64_t>(sb.st_size);
    file_mtime_ns_ = mtime_ns(sb);
    scan_new();
}

std::uint32_t message_cache::key_id(std::string_view key) {
    // Looked up by view: a std::string only for a key seen the first time.
    if (auto it = key_ids_.find(key); it != key_ids_.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(key_ids_.size());
    key_ids_.emplace(std::string(key), id);
    return id;
}

void message_cache::scan_new() {
    // Nothing past a record that failed is trusted; a stale file is not indexed.
    if (fd_.get() < 0 || damaged_ || file_uidvalidity_ == 0 || file_uidvalidity_ != shape_.uidvalidity)
        return;
    std::string buf;
    while (scanned_to_ < file_size_) {
        const std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(scan_chunk, file_size_ - scanned_to_));
        buf.resize(want);
        const std::size_t got = pread_full(fd_.get(), buf.data(), want, scanned_to_);
        const std::uint64_t base = scanned_to_;
        const auto r = scan_cache_records(std::string_view(buf.data(), got), [&](const cache_record& rec) {
            slots_[slot_key(rec.uid, key_id(rec.key))] =
                slot{base + rec.offset, static_cast<std::uint32_t>(rec.size)};
        });
        scanned_to_ += r.consumed;
        if (r.stop == cache_scan_stop::corrupt) {
            damaged_ = true;
            return;
        }
        // A partial record at the end: being written, or torn (see `append`).
        if (got < want || r.consumed == 0 || (r.stop == cache_scan_stop::partial && got < scan_chunk)) return;
    }
}

std::optional<std::string> message_cache::read_slot(std::uint32_t uid, std::string_view key) {
    if (fd_.get() < 0 || file_uidvalidity_ != shape_.uidvalidity) return std::nullopt;
    const auto k = key_ids_.find(key);
    if (k == key_ids_.end()) return std::nullopt;
    const auto it = slots_.find(slot_key(uid, k->second));
    if (it == slots_.end()) return std::nullopt;
    const slot& at = it->second;
    if (at.offset < ahead_offset_ || at.offset + at.size > ahead_offset_ + ahead_.size()) {
        const std::uint64_t to_end = file_size_ > at.offset ? file_size_ - at.offset : 0;
        ahead_.resize(
            static_cast<std::size_t>(std::max<std::uint64_t>(at.size, std::min(to_end, read_ahead))));
        ahead_.resize(pread_full(fd_.get(), ahead_.data(), ahead_.size(), at.offset));
        ahead_offset_ = at.offset;
    }
    std::string buf;
    if (at.offset + at.size <= ahead_offset_ + ahead_.size())
        buf.assign(ahead_, static_cast<std::size_t>(at.offset - ahead_offset_), at.size);
    // Verified again, checksum included: the bytes may have changed on disk
    // since the scan, and a flipped byte must never be returned.
    cache_record rec;
    if (buf.size() != at.size || parse_cache_record(buf, rec) != cache_scan_stop::end ||
        rec.size != buf.size() || rec.uid != uid || rec.key != key) {
        ahead_.clear();
        slots_.erase(it);
        damaged_ = true;
        return std::nullopt;
    }
    buf.erase(0, cache_record_header_size + key.size());  // the value, without a second allocation
    return buf;
}

std::optional<std::string> message_cache::lookup(const fs::path& dir, std::uint32_t uid,
                                                 std::string_view key) {
    std::lock_guard lock(mutex_);
    if (!folder_known_ || !is_live(uid)) return std::nullopt;
    bool fresh = false;
    if (verify_) {
        verify_ = false;
        refresh(dir);
        fresh = true;
    }
    if (auto v = read_slot(uid, key)) return v;
    if (fresh) return std::nullopt;
    refresh(dir);  // a miss: records appended since, or a replaced file
    return read_slot(uid, key);
}

message_cache::append_result message_cache::append(const fs::path& dir, std::uint32_t uid,
                                                   std::string_view key, std::string_view value) {
    if (key.size() > store::max_cache_key_size || value.size() > store::max_cache_value_size || uid == 0)
        return append_result::refused;
    std::lock_guard lock(mutex_);
    if (!folder_known_ || !is_live(uid)) return append_result::refused;
    if (repair_failed_at_ && std::chrono::steady_clock::now() - *repair_failed_at_ < repair_retry_after)
        return append_result::refused;
    refresh(dir);
    if (fd_.get() < 0 || file_uidvalidity_ != shape_.uidvalidity || damaged_)
        return append_result::needs_repair;
    // A partial record nobody has written to for a while is a torn write:
    // appending after it would make our record unreadable.
    if (scanned_to_ < file_size_ && !is_racy(file_mtime_ns_, wall_clock_ns())) {
        damaged_ = true;
        return append_result::needs_repair;
    }
    if (!writable_ || file_size_ > bound()) return append_result::refused;
    const std::string rec = serialize_cache_record(uid, key, value);
    const std::uint64_t before = scanned_to_;
    ssize_t n = 0;
    do {
        n = ::write(fd_.get(), rec.data(), rec.size());  // one write: appenders never interleave
    } while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(rec.size())) {
        if (n > 0) damaged_ = true;  // a torn record now ends the file
        return append_result::refused;
    }
    // Index it now: an older value for the same key may already be indexed.
    // Appends do not interleave, so everything before our record is complete:
    // if the scan does not reach it, it landed behind a torn record and is
    // unreadable. Repair (dropping the torn tail) and retry.
    struct stat sb {};
    if (::fstat(fd_.get(), &sb) != 0) return append_result::stored;
    file_size_ = static_cast<std::uint64_t>(sb.st_size);
    file_mtime_ns_ = mtime_ns(sb);
    if (file_size_ == before + rec.size()) {
        // Nobody else appended: our record is the whole tail, written in one
        // piece. Index it without reading it back.
        slots_[slot_key(uid, key_id(key))] = slot{before, static_cast<std::uint32_t>(rec.size())};
        scanned_to_ = file_size_;
        return append_result::stored;
    }
    scan_new();
    const auto k = key_ids_.find(key);
    const auto it = k == key_ids_.end() ? slots_.end() : slots_.find(slot_key(uid, k->second));
    if (it != slots_.end() && it->second.offset >= before) return append_result::stored;
    damaged_ = true;
    return append_result::needs_repair;
}

std::error_code message_cache::repair(const fs::path& dir, const fs::path& temp, bool fsync) {
    std::lock_guard lock(mutex_);
    if (!folder_known_) return {};
    // Under the folder lock: the file another process may have just made
    // must be seen (not replaced) even if we found none a moment ago.
    path_checked_at_ = {};
    refresh(dir);
    const bool usable = fd_.get() >= 0 && file_uidvalidity_ == shape_.uidvalidity;
    const bool torn = usable && scanned_to_ < file_size_ && !is_racy(file_mtime_ns_, wall_clock_ns());
    if (usable && !damaged_ && !torn) {
        repair_failed_at_.reset();
        return {};
    }
    return rewrite(dir, temp, fsync, usable);
}

std::error_code message_cache::maybe_compact(const fs::path& dir, const fs::path& temp, bool fsync) {
    std::lock_guard lock(mutex_);
    if (!folder_known_) return {};
    refresh(dir);
    if (fd_.get() < 0) return {};
    if (file_uidvalidity_ != shape_.uidvalidity)
        return file_size_ > cache_header_size ? rewrite(dir, temp, fsync, false) : std::error_code{};
    std::erase_if(slots_,
                  [&](const auto& kv) { return !is_live(static_cast<std::uint32_t>(kv.first >> 32)); });
    if (file_size_ <= cache_compact_threshold) return {};
    std::uint64_t live = cache_header_size;
    for (const auto& kv : slots_) live += kv.second.size;
    if (file_size_ - std::min(live, file_size_) <= file_size_ / 2) return {};
    return rewrite(dir, temp, fsync, true);
}

// Writes the header and, with `keep_records`, the live verified records to
// `temp` and renames it over the cache file. Appends other processes make to
// the old file meanwhile are lost: the cache is best effort.
std::error_code message_cache::rewrite(const fs::path& dir, const fs::path& temp, bool fsync,
                                       bool keep_records) {
    auto fail = [&](std::error_code ec) {
        ::unlink(temp.c_str());
        repair_failed_at_ = std::chrono::steady_clock::now();
        return ec;
    };
    fd_guard out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (out.get() < 0) {
        const auto ec = errno_code(errno);
        repair_failed_at_ = std::chrono::steady_clock::now();
        return ec;
    }
    std::string buf = serialize_cache_header(shape_.uidvalidity);
    if (keep_records && fd_.get() >= 0) {
        std::vector<slot> order;
        order.reserve(slots_.size());
        for (const auto& [k, s] : slots_)
            if (is_live(static_cast<std::uint32_t>(k >> 32))) order.push_back(s);
        std::sort(order.begin(), order.end(),
                  [](const slot& a, const slot& b) { return a.offset < b.offset; });
        std::string rec;
        for (const slot& s : order) {
            rec.resize(s.size);
            cache_record parsed;
            if (pread_full(fd_.get(), rec.data(), rec.size(), s.offset) != rec.size() ||
                parse_cache_record(rec, parsed) != cache_scan_stop::end || parsed.size != rec.size())
                continue;
            buf += rec;
            if (buf.size() >= scan_chunk) {
                if (auto ec = write_all(out.get(), buf.data(), buf.size())) return fail(ec);
                buf.clear();
            }
        }
    }
    if (auto ec = write_all(out.get(), buf.data(), buf.size())) return fail(ec);
    if (fsync && ::fsync(out.get()) != 0) return fail(errno_code(errno));
    out.reset();
    if (::rename(temp.c_str(), (dir / cache_file_name).c_str()) != 0) return fail(errno_code(errno));
    if (auto ec = fsync_dir(dir, fsync)) return fail(ec);
    repair_failed_at_.reset();
    close_file();
    path_checked_at_ = {};  // the file we just made: look at the path now
    refresh(dir);
    return {};
}

}  // namespace mailaccess::maildir::detail
