#include <mailaccess/maildir/maildir_store.hpp>

#include "filename.hpp"
#include "mutf7.hpp"
#include "uidlist.hpp"

#include <mailaccess/store/error.hpp>
#include <mailaccess/store/event_hub.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

namespace mailaccess::maildir {

namespace fs = std::filesystem;
using store::errc;
using store::flag_set;
using store::message_info;

namespace {

constexpr const char* uidlist_name = "mailaccess-uidlist";
constexpr const char* dovecot_uidlist_name = "dovecot-uidlist";
constexpr const char* uidlist_lock_name = "mailaccess-uidlist.lock";
constexpr const char* account_lock_name = "mailaccess-account.lock";
constexpr const char* pop3_lock_name = "mailaccess-pop3.lock";
constexpr const char* special_use_name = "mailaccess-special-use";
constexpr const char* subscriptions_name = "subscriptions";
constexpr std::size_t max_name_length = 1024;
constexpr std::size_t max_small_file = 1024 * 1024;  // subscriptions, special-use

std::error_code errno_code(int e) {
    if (e == EDQUOT || e == ENOSPC) return errc::over_quota;
    return errc::io_error;
}

class fd_guard {
public:
    explicit fd_guard(int fd = -1) noexcept : fd_(fd) {}
    fd_guard(fd_guard&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    fd_guard& operator=(fd_guard&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    ~fd_guard() { reset(); }
    int get() const noexcept { return fd_; }
    void reset() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_;
};

std::error_code fsync_dir(const fs::path& dir, bool enabled) {
    if (!enabled) return {};
    fd_guard fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return errno_code(errno);
    if (::fsync(fd.get()) != 0) return errno_code(errno);
    return {};
}

std::error_code write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_code(errno);
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return {};
}

// Reads a whole small file; ENOENT comes back as std::errc::no_such_file_or_directory.
result<std::string> read_file(const fs::path& path, std::size_t max_size) {
    fd_guard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return unexpected(std::make_error_code(std::errc::no_such_file_or_directory));
        return unexpected(errno_code(errno));
    }
    std::string out;
    char buf[8192];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return unexpected(errno_code(errno));
        }
        if (n == 0) break;
        if (out.size() + static_cast<std::size_t>(n) > max_size) return unexpected(errc::corrupt);
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

// Atomic replace: tmp file, fsync, rename, fsync the directory.
std::error_code replace_file(const fs::path& path, std::string_view contents, bool sync) {
    fs::path tmp = path;
    tmp += ".tmp";
    {
        fd_guard fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (fd.get() < 0) return errno == ENOENT ? errc::no_such_mailbox : errno_code(errno);
        if (auto ec = write_all(fd.get(), contents.data(), contents.size())) return ec;
        if (sync && ::fsync(fd.get()) != 0) return errno_code(errno);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) return errno_code(errno);
    return fsync_dir(path.parent_path(), sync);
}

std::vector<std::string> read_dir(const fs::path& dir, std::error_code& ec) {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
        ec = errno == ENOENT ? make_error_code(errc::no_such_mailbox) : errno_code(errno);
        return out;
    }
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;  // ".", "..", and Maildir's hidden files
        out.emplace_back(e->d_name);
    }
    ::closedir(d);
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

result<std::string> normalize_name(std::string_view name) {
    if (iequals(name, "INBOX")) return std::string("INBOX");
    if (name.empty() || name.size() > max_name_length || name.front() == '/' || name.back() == '/' ||
        name.find("//") != std::string_view::npos)
        return unexpected(errc::invalid_mailbox_name);
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        // '.' separates hierarchy levels on disk (Maildir++), so it cannot be in a component.
        if (u < 0x20 || u == 0x7f || c == '*' || c == '%' || c == '.')
            return unexpected(errc::invalid_mailbox_name);
    }
    return std::string(name);
}

// "Work/2024" -> ".Work.2024", components in modified UTF-7.
result<std::string> disk_name(const std::string& name) {
    std::string out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t slash = name.find('/', start);
        auto enc = detail::mutf7_encode(std::string_view(name).substr(start, slash - start));
        if (!enc) return unexpected(enc.error());
        out += '.';
        out += *enc;
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    if (out.size() > 255) return unexpected(errc::invalid_mailbox_name);
    return out;
}

result<std::string> name_from_disk(std::string_view dir) {
    if (dir.size() < 2 || dir[0] != '.') return unexpected(errc::invalid_mailbox_name);
    std::string out;
    std::size_t start = 1;
    for (;;) {
        const std::size_t dot = dir.find('.', start);
        const std::string_view part = dir.substr(start, dot - start);
        if (part.empty()) return unexpected(errc::invalid_mailbox_name);
        auto dec = detail::mutf7_decode(part);
        if (!dec) return unexpected(dec.error());
        if (!out.empty()) out += '/';
        out += *dec;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return out;
}

const char* special_use_word(store::special_use u) {
    switch (u) {
        case store::special_use::drafts: return "drafts";
        case store::special_use::sent: return "sent";
        case store::special_use::trash: return "trash";
        case store::special_use::junk: return "junk";
        case store::special_use::archive: return "archive";
        case store::special_use::none: break;
    }
    return "";
}

store::special_use special_use_from(std::string_view w) {
    for (auto u : {store::special_use::drafts, store::special_use::sent, store::special_use::trash,
                   store::special_use::junk, store::special_use::archive})
        if (w == special_use_word(u)) return u;
    return store::special_use::none;
}

}  // namespace

struct detail::maildir_state {
    maildir_store_options options;
    store::event_hub hub;
    std::string hostname;
    std::atomic<std::uint32_t> counter{0};
    std::atomic<std::uint32_t> last_uidvalidity{0};

    std::mutex mutex;                                                 // guards the two tables below
    std::map<std::string, std::shared_ptr<std::mutex>> lock_mutexes;  // by lock file path
    std::set<std::string> maildrops;                                  // users holding the POP3 lock

    std::shared_ptr<std::mutex> mutex_for(const fs::path& lockfile) {
        std::lock_guard lock(mutex);
        auto& m = lock_mutexes[lockfile.string()];
        if (!m) m = std::make_shared<std::mutex>();
        return m;
    }

    // Time-based like Dovecot's, but strictly increasing within the process
    // so a folder deleted and recreated in the same second differs.
    std::uint32_t new_uidvalidity() {
        const auto now = static_cast<std::uint32_t>(std::time(nullptr));
        std::uint32_t prev = last_uidvalidity.load();
        std::uint32_t next = 0;
        do {
            next = std::max(now, prev + 1);
        } while (!last_uidvalidity.compare_exchange_weak(prev, next));
        return next;
    }

    // "<sec>.M<usec>P<pid>Q<n>.<host>": unique across processes and calls.
    std::string unique_basename() {
        struct timeval tv {};
        ::gettimeofday(&tv, nullptr);
        return std::to_string(tv.tv_sec) + ".M" + std::to_string(tv.tv_usec) + "P" +
               std::to_string(::getpid()) + "Q" + std::to_string(++counter) + "." + hostname;
    }
};

namespace {

using state_ptr = std::shared_ptr<detail::maildir_state>;

// Exclusive lock on a lock file: the in-process mutex first (flock does not
// order threads fairly), then flock for other processes.
class file_lock {
public:
    static result<file_lock> acquire(detail::maildir_state& st, const fs::path& lockfile) {
        file_lock l;
        l.mutex_ = st.mutex_for(lockfile);
        l.lock_ = std::unique_lock(*l.mutex_);
        l.fd_ = fd_guard(::open(lockfile.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        if (l.fd_.get() < 0)
            return unexpected(errno == ENOENT ? make_error_code(errc::no_such_mailbox) : errno_code(errno));
        while (::flock(l.fd_.get(), LOCK_EX) != 0) {
            if (errno != EINTR) return unexpected(errno_code(errno));
        }
        return l;
    }

private:
    std::shared_ptr<std::mutex> mutex_;
    std::unique_lock<std::mutex> lock_;
    fd_guard fd_;  // closing it releases the flock
};

struct folder_file {
    std::uint32_t uid = 0;
    std::uint64_t modseq = 1;
    std::string filename;  // in cur/ or new/
    bool in_new = false;
};

struct folder_snapshot {
    detail::uidlist list;
    std::vector<folder_file> files;       // ascending by uid
    std::vector<std::uint32_t> assigned;  // UIDs given out by this sync
    std::vector<std::uint32_t> vanished;  // UIDs whose files are gone

    folder_file* find(std::uint32_t uid) {
        auto it = std::lower_bound(files.begin(), files.end(), uid,
                                   [](const folder_file& f, std::uint32_t u) { return f.uid < u; });
        return it != files.end() && it->uid == uid ? &*it : nullptr;
    }
};

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

// One folder directory: everything here requires the folder's file_lock.
class folder {
public:
    folder(state_ptr st, fs::path dir) : state_(std::move(st)), dir_(std::move(dir)) {}

    const fs::path& dir() const noexcept { return dir_; }
    fs::path lock_path() const { return dir_ / uidlist_lock_name; }
    fs::path file_path(const folder_file& f) const { return dir_ / (f.in_new ? "new" : "cur") / f.filename; }

    result<file_lock> lock() const {
        if (!fs::is_directory(dir_ / "cur")) return unexpected(errc::no_such_mailbox);
        return file_lock::acquire(*state_, lock_path());
    }

    // Reads the UID list, reconciles it with cur/ and new/, assigns UIDs to
    // new files and persists the list if anything changed.
    result<folder_snapshot> sync(bool read_write) const {
        folder_snapshot snap;
        auto text = read_file(dir_ / uidlist_name, detail::max_uidlist_size);
        if (!text && text.error() == std::errc::no_such_file_or_directory) {
            // First sync: keep a Dovecot-written folder's UIDs (best effort).
            auto dovecot = read_file(dir_ / dovecot_uidlist_name, detail::max_uidlist_size);
            detail::uidlist imported;
            if (dovecot) {
                auto parsed = detail::parse_uidlist(*dovecot);
                if (parsed) imported = std::move(*parsed);
            }
            if (imported.uidvalidity == 0) imported = detail::uidlist{state_->new_uidvalidity(), 1, 1, {}};
            snap.list = std::move(imported);
        } else if (!text) {
            return unexpected(text.error());
        } else {
            auto parsed = detail::parse_uidlist(*text);
            if (!parsed) return unexpected(parsed.error());
            snap.list = std::move(*parsed);
        }
        const bool had_file = text.has_value();

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
                on_disk.emplace(std::string(detail::basename_of(f.filename)), std::move(f));
            }
        }
        if (moved) {
            if (auto ec = fsync_dir(dir_ / "cur", state_->options.fsync)) return unexpected(ec);
            if (auto ec = fsync_dir(dir_ / "new", state_->options.fsync)) return unexpected(ec);
        }

        bool changed = !had_file;
        std::vector<detail::uidlist_entry> kept;
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

    std::error_code persist(const detail::uidlist& list) const {
        return replace_file(dir_ / uidlist_name, detail::serialize_uidlist(list), state_->options.fsync);
    }

    message_info info(const folder_file& f) const {
        message_info m;
        m.uid = f.uid;
        m.modseq = f.modseq;
        m.flags = detail::flags_from_filename(f.filename);
        struct stat sb {};
        if (::stat(file_path(f).c_str(), &sb) == 0) {
            m.internal_date = static_cast<std::int64_t>(sb.st_mtime);
            m.size = static_cast<std::uint64_t>(sb.st_size);
        }
        if (auto s = detail::size_from_filename(f.filename)) m.size = *s;
        return m;
    }

private:
    state_ptr state_;
    fs::path dir_;
};

// Sum of sizes and counts over INBOX and every folder of one Maildir.
store::quota_usage compute_usage(const detail::maildir_state& st, const fs::path& maildir) {
    store::quota_usage q;
    q.bytes_limit = st.options.quota_bytes;
    q.messages_limit = st.options.quota_messages;
    auto add_dir = [&](const fs::path& dir) {
        std::error_code ec;
        for (const auto& n : read_dir(dir, ec)) {
            ++q.messages_used;
            if (auto s = detail::size_from_filename(n)) {
                q.bytes_used += *s;
            } else {
                struct stat sb {};
                if (::stat((dir / n).c_str(), &sb) == 0)
                    q.bytes_used += static_cast<std::uint64_t>(sb.st_size);
            }
        }
    };
    add_dir(maildir / "cur");
    add_dir(maildir / "new");
    DIR* d = ::opendir(maildir.c_str());
    if (d == nullptr) return q;
    std::vector<std::string> subdirs;
    while (dirent* e = ::readdir(d)) {
        const std::string_view n = e->d_name;
        if (n.size() > 1 && n[0] == '.' && n != "..") subdirs.emplace_back(n);
    }
    ::closedir(d);
    for (const auto& s : subdirs) {
        add_dir(maildir / s / "cur");
        add_dir(maildir / s / "new");
    }
    return q;
}

std::error_code check_quota(const store::quota_usage& q, std::uint64_t bytes, std::uint64_t messages) {
    if (q.bytes_limit != 0 && (q.bytes_used > q.bytes_limit || bytes > q.bytes_limit - q.bytes_used))
        return errc::over_quota;
    if (q.messages_limit != 0 &&
        (q.messages_used > q.messages_limit || messages > q.messages_limit - q.messages_used))
        return errc::over_quota;
    return {};
}

void publish(detail::maildir_state& st, const std::string& user, const std::string& mailbox,
             const folder_snapshot& snap) {
    if (!snap.vanished.empty())
        st.hub.publish({store::change_event::kind::expunged, user, mailbox, {}, snap.vanished});
    if (!snap.assigned.empty())
        st.hub.publish({store::change_event::kind::appended, user, mailbox, {}, snap.assigned});
}

std::error_code make_folder_dirs(const fs::path& dir) {
    for (const char* sub : {"cur", "new", "tmp"}) {
        if (::mkdir((dir / sub).c_str(), 0700) != 0 && errno != EEXIST) return errno_code(errno);
    }
    return {};
}

class maildir_append_sink final : public store::append_sink {
public:
    maildir_append_sink(state_ptr st, std::string user, std::string mailbox, fs::path maildir, fs::path dir,
                        fd_guard fd, fs::path tmp_path, std::string basename, flag_set flags,
                        std::int64_t date, std::uint64_t room)
        : state_(std::move(st)),
          user_(std::move(user)),
          mailbox_(std::move(mailbox)),
          maildir_(std::move(maildir)),
          dir_(std::move(dir)),
          fd_(std::move(fd)),
          tmp_path_(std::move(tmp_path)),
          basename_(std::move(basename)),
          flags_(std::move(flags)),
          date_(date),
          room_(room) {}
    ~maildir_append_sink() override { abort(); }

    std::error_code write(std::span<const char> bytes) override {
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

    result<std::uint32_t> commit() override {
        if (fd_.get() < 0) return unexpected(errc::io_error);
        if (state_->options.fsync && ::fsync(fd_.get()) != 0) {
            const auto ec = errno_code(errno);
            abort();
            return unexpected(ec);
        }
        if (date_ != 0) {
            const struct timespec times[2] = {{static_cast<time_t>(date_), 0},
                                              {static_cast<time_t>(date_), 0}};
            ::futimens(fd_.get(), times);
        }
        fd_.reset();
        // Other sessions may have used the room measured at append(); re-check
        // (still best effort across processes: Maildir++ quota has no lock).
        if (state_->options.quota_bytes != 0 || state_->options.quota_messages != 0) {
            if (auto ec = check_quota(compute_usage(*state_, maildir_), size_, 1)) {
                abort();
                return unexpected(ec);
            }
        }
        const std::string base = basename_ + ",S=" + std::to_string(size_);
        const std::string filename = detail::filename_with_flags(base, flags_);
        folder f(state_, dir_);
        auto lock = f.lock();
        if (!lock) {
            abort();
            return unexpected(lock.error());
        }
        // Renamed under the folder lock so no other sync numbers it first.
        if (::rename(tmp_path_.c_str(), (dir_ / "cur" / filename).c_str()) != 0) {
            const auto ec = errno == ENOENT ? make_error_code(errc::no_such_mailbox) : errno_code(errno);
            abort();
            return unexpected(ec);
        }
        tmp_path_.clear();
        if (auto ec = fsync_dir(dir_ / "cur", state_->options.fsync)) return unexpected(ec);
        auto snap = f.sync(true);
        if (!snap) return unexpected(snap.error());
        std::uint32_t uid = 0;
        for (const auto& file : snap->files)
            if (detail::basename_of(file.filename) == base) uid = file.uid;
        lock = unexpected(errc::io_error);  // release before publishing
        publish(*state_, user_, mailbox_, *snap);
        if (uid == 0) return unexpected(errc::no_such_message);  // expunged by someone already
        return uid;
    }

    void abort() noexcept override {
        fd_.reset();
        if (!tmp_path_.empty()) {
            ::unlink(tmp_path_.c_str());
            tmp_path_.clear();
        }
    }

private:
    state_ptr state_;
    std::string user_;
    std::string mailbox_;
    fs::path maildir_;
    fs::path dir_;
    fd_guard fd_;
    fs::path tmp_path_;
    std::string basename_;
    flag_set flags_;
    std::int64_t date_;
    std::uint64_t room_;
    std::uint64_t size_ = 0;
};

flag_set apply_flags(const flag_set& old, store::flag_mode mode, const flag_set& change) {
    flag_set out = old;
    switch (mode) {
        case store::flag_mode::replace: out.system = change.system; break;
        case store::flag_mode::add: out.system = static_cast<std::uint8_t>(out.system | change.system); break;
        case store::flag_mode::remove:
            out.system = static_cast<std::uint8_t>(out.system & ~change.system);
            break;
    }
    return out;
}

class maildir_mailbox final : public store::mailbox {
public:
    maildir_mailbox(state_ptr st, std::string user, std::string name, fs::path maildir, fs::path dir,
                    store::open_mode mode)
        : state_(std::move(st)),
          user_(std::move(user)),
          name_(std::move(name)),
          maildir_(std::move(maildir)),
          folder_(state_, std::move(dir)),
          read_only_(mode == store::open_mode::read_only) {}

    const std::string& name() const noexcept override { return name_; }
    bool is_read_only() const noexcept override { return read_only_; }
    const fs::path& dir() const noexcept { return folder_.dir(); }
    const state_ptr& state() const noexcept { return state_; }
    const std::string& user() const noexcept { return user_; }

    result<store::mailbox_status> status() override {
        auto snap = synced();
        if (!snap) return unexpected(snap.error());
        store::mailbox_status s;
        s.uidvalidity = snap->list.uidvalidity;
        s.uidnext = snap->list.next_uid;
        s.highest_modseq = snap->list.highest_modseq;
        s.messages = static_cast<std::uint32_t>(snap->files.size());
        for (const auto& f : snap->files) {
            if (!detail::flags_from_filename(f.filename).has(store::system_flag::seen)) ++s.unseen;
            s.size += folder_.info(f).size;
        }
        return s;
    }

    result<std::vector<message_info>> list() override {
        auto snap = synced();
        if (!snap) return unexpected(snap.error());
        std::vector<message_info> out;
        out.reserve(snap->files.size());
        for (const auto& f : snap->files) out.push_back(folder_.info(f));
        return out;
    }

    result<std::unique_ptr<store::message_source>> open(std::uint32_t uid) override {
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
                return unexpected(errno == ENOENT ? make_error_code(errc::no_such_message)
                                                  : errno_code(errno));
        }
        publish(*state_, user_, name_, snap);
        struct stat sb {};
        if (::fstat(fd.get(), &sb) != 0) return unexpected(errno_code(errno));
        return std::unique_ptr<store::message_source>(
            std::make_unique<message_file_source>(std::move(fd), static_cast<std::uint64_t>(sb.st_size)));
    }

    result<std::vector<message_info>> store_flags(std::span<const std::uint32_t> uids, store::flag_mode mode,
                                                  const flag_set& flags) override {
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
            for (std::uint32_t uid : uids) {
                folder_file* f = snap.find(uid);
                if (f == nullptr) continue;
                const flag_set old = detail::flags_from_filename(f->filename);
                const flag_set next = apply_flags(old, mode, flags);
                if (next != old) {
                    const std::string renamed = detail::filename_with_flags(f->filename, next);
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
                out.push_back(folder_.info(*f));
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

    result<std::vector<std::uint32_t>> expunge(std::span<const std::uint32_t> uids) override {
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
                std::erase_if(snap.list.entries,
                              [&](const detail::uidlist_entry& e) { return gone.count(e.uid) != 0; });
                if (auto ec = fsync_dir(folder_.dir() / "cur", state_->options.fsync)) return unexpected(ec);
                if (auto ec = folder_.persist(snap.list)) return unexpected(ec);
            }
        }
        publish(*state_, user_, name_, snap);
        if (!removed.empty())
            state_->hub.publish({store::change_event::kind::expunged, user_, name_, {}, removed});
        return removed;
    }

    result<std::unique_ptr<store::append_sink>> append(const flag_set& flags,
                                                       std::int64_t internal_date) override {
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
        return std::unique_ptr<store::append_sink>(std::make_unique<maildir_append_sink>(
            state_, user_, name_, maildir_, folder_.dir(), std::move(fd), std::move(tmp), std::move(base),
            flags, internal_date, room));
    }

    result<std::vector<std::uint32_t>> copy(std::span<const std::uint32_t> uids,
                                            store::mailbox& target) override {
        auto* dest = dynamic_cast<maildir_mailbox*>(&target);
        if (dest == nullptr || dest->state_ != state_ || dest->user_ != user_)
            return unexpected(errc::no_such_mailbox);
        if (dest->read_only_) return unexpected(errc::read_only);
        if (!fs::is_directory(dest->dir() / "tmp")) return unexpected(errc::no_such_mailbox);
        struct staged {
            fs::path tmp;
            std::string base;
            std::string filename;
        };
        std::vector<staged> files;
        auto cleanup = [&] {
            for (const auto& s : files) ::unlink(s.tmp.c_str());
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
                bytes += folder_.info(*f).size;
            }
            if (auto ec = check_quota(compute_usage(*state_, maildir_), bytes, sources.size()))
                return unexpected(ec);
            // Hard links cost no space or time; Dovecot copies the same way.
            for (const folder_file* f : sources) {
                staged st;
                const auto size = folder_.info(*f).size;
                st.base = state_->unique_basename() + ",S=" + std::to_string(size);
                st.filename = detail::filename_with_flags(st.base, detail::flags_from_filename(f->filename));
                st.tmp = dest->dir() / "tmp" / st.base;
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
        {
            auto lock = dest->folder_.lock();
            if (!lock) {
                cleanup();
                return unexpected(lock.error());
            }
            for (auto& st : files) {
                if (::rename(st.tmp.c_str(), (dest->dir() / "cur" / st.filename).c_str()) != 0) {
                    const auto ec = errno_code(errno);
                    cleanup();
                    return unexpected(ec);
                }
                st.tmp.clear();
            }
            if (auto ec = fsync_dir(dest->dir() / "cur", state_->options.fsync)) return unexpected(ec);
            auto s = dest->folder_.sync(true);
            if (!s) return unexpected(s.error());
            dsnap = std::move(*s);
            for (const auto& st : files) {
                std::uint32_t uid = 0;
                for (const auto& f : dsnap.files)
                    if (detail::basename_of(f.filename) == st.base) uid = f.uid;
                out.push_back(uid);
            }
        }
        publish(*state_, user_, dest->name_, dsnap);
        return out;
    }

private:
    result<folder_snapshot> synced() {
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

    state_ptr state_;
    std::string user_;
    std::string name_;
    fs::path maildir_;
    folder folder_;
    bool read_only_;
};

class maildir_account final : public store::account {
public:
    maildir_account(state_ptr st, std::string user, fs::path maildir)
        : state_(std::move(st)), user_(std::move(user)), maildir_(std::move(maildir)) {}

    const std::string& user() const noexcept override { return user_; }

    result<std::vector<store::mailbox_entry>> list_mailboxes() override {
        const auto subs = read_lines(subscriptions_name);
        const auto uses = read_special_use();
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

    result<std::unique_ptr<store::mailbox>> open_mailbox(std::string_view name,
                                                         store::open_mode mode) override {
        auto n = normalize_name(name);
        if (!n) return unexpected(n.error());
        auto dir = folder_dir(*n);
        if (!dir) return unexpected(dir.error());
        if (!fs::is_directory(*dir / "cur")) return unexpected(errc::no_such_mailbox);
        return std::unique_ptr<store::mailbox>(
            std::make_unique<maildir_mailbox>(state_, user_, *n, maildir_, std::move(*dir), mode));
    }

    std::error_code create_mailbox(std::string_view name, store::special_use use) override {
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

    std::error_code delete_mailbox(std::string_view name) override {
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

    std::error_code rename_mailbox(std::string_view from, std::string_view to) override {
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
                events.push_back(
                    {store::change_event::kind::mailbox_renamed, user_, *old_name, *new_name, {}});
        }
        if (auto ec = fsync_dir(maildir_, state_->options.fsync)) return ec;
        auto uses = read_special_use();
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
            if (auto ec = write_special_use(uses)) return ec;
        }
        lock = unexpected(errc::io_error);
        for (const auto& ev : events) state_->hub.publish(ev);
        return {};
    }

    std::error_code set_subscribed(std::string_view name, bool subscribed) override {
        auto n = normalize_name(name);
        if (!n) return n.error();
        auto lock = file_lock::acquire(*state_, maildir_ / account_lock_name);
        if (!lock) return lock.error();
        auto subs = read_lines(subscriptions_name);
        if (subscribed == (subs.count(*n) != 0)) return {};
        if (subscribed)
            subs.insert(*n);
        else
            subs.erase(*n);
        std::string text;
        for (const auto& s : subs) text += s + "\n";
        return replace_file(maildir_ / subscriptions_name, text, state_->options.fsync);
    }

    result<store::quota_usage> quota() override { return compute_usage(*state_, maildir_); }

private:
    result<fs::path> folder_dir(const std::string& name) const {
        if (name == "INBOX") return maildir_;
        auto d = disk_name(name);
        if (!d) return unexpected(d.error());
        return maildir_ / *d;
    }

    // RFC 3501 6.3.5: INBOX's messages move to the new folder; INBOX stays,
    // empty, with its UIDVALIDITY and next UID (UIDs are never reused).
    std::error_code rename_inbox(const std::string& to, const fs::path& tdir) {
        if (auto ec = create_mailbox(to, store::special_use::none)) return ec;
        folder inbox(state_, maildir_);
        folder target(state_, tdir);
        folder_snapshot snap;
        {
            auto lock = inbox.lock();
            if (!lock) return lock.error();
            auto s = inbox.sync(true);
            if (!s) return s.error();
            snap = std::move(*s);
            for (const auto& f : snap.files) {
                if (::rename(inbox.file_path(f).c_str(), (tdir / "cur" / f.filename).c_str()) != 0)
                    return errno_code(errno);
                snap.vanished.push_back(f.uid);
            }
            snap.list.entries.clear();
            if (auto ec = fsync_dir(tdir / "cur", state_->options.fsync)) return ec;
            if (auto ec = fsync_dir(maildir_ / "cur", state_->options.fsync)) return ec;
            if (auto ec = inbox.persist(snap.list)) return ec;
        }
        publish(*state_, user_, "INBOX", snap);
        auto tlock = target.lock();
        if (!tlock) return tlock.error();
        auto ts = target.sync(true);
        if (!ts) return ts.error();
        return {};
    }

    std::set<std::string> read_lines(const char* file) const {
        std::set<std::string> out;
        auto text = read_file(maildir_ / file, max_small_file);
        if (!text) return out;
        std::string_view rest = *text;
        while (!rest.empty()) {
            const std::size_t nl = rest.find('\n');
            const std::string_view line = rest.substr(0, nl);
            rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
            if (!line.empty() && line.substr(0, 2) != "V\t") out.emplace(line);
        }
        return out;
    }

    std::map<std::string, store::special_use> read_special_use() const {
        std::map<std::string, store::special_use> out;
        for (const auto& line : read_lines(special_use_name)) {
            const std::size_t tab = line.find('\t');
            if (tab == std::string::npos) continue;
            const auto use = special_use_from(std::string_view(line).substr(0, tab));
            if (use != store::special_use::none) out[line.substr(tab + 1)] = use;
        }
        return out;
    }

    std::error_code write_special_use(const std::map<std::string, store::special_use>& uses) {
        std::string text;
        for (const auto& [name, use] : uses) text += std::string(special_use_word(use)) + "\t" + name + "\n";
        return replace_file(maildir_ / special_use_name, text, state_->options.fsync);
    }

    template <class F>
    std::error_code update_special_use(F&& change) {
        auto lock = file_lock::acquire(*state_, maildir_ / account_lock_name);
        if (!lock) return lock.error();
        auto uses = read_special_use();
        change(uses);
        return write_special_use(uses);
    }

    state_ptr state_;
    std::string user_;
    fs::path maildir_;
};

class maildir_drop_lock final : public store::maildrop_lock {
public:
    maildir_drop_lock(state_ptr st, std::string user, fd_guard fd)
        : state_(std::move(st)), user_(std::move(user)), fd_(std::move(fd)) {}
    ~maildir_drop_lock() override {
        fd_.reset();
        std::lock_guard lock(state_->mutex);
        state_->maildrops.erase(user_);
    }

private:
    state_ptr state_;
    std::string user_;
    fd_guard fd_;
};

std::error_code check_user(std::string_view user) {
    if (user.empty() || user.size() > 255 || user[0] == '.') return errc::no_such_user;
    for (char c : user) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || c == '/') return errc::no_such_user;
    }
    return {};
}

}  // namespace

maildir_store::maildir_store(maildir_store_options options)
    : state_(std::make_shared<detail::maildir_state>()) {
    state_->options = std::move(options);
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
        std::snprintf(host, sizeof host, "localhost");
    // Maildir forbids '/' and ':' in the host part; Dovecot escapes them as octal.
    for (const char* p = host; *p != '\0'; ++p) {
        if (*p == '/')
            state_->hostname += "\\057";
        else if (*p == ':')
            state_->hostname += "\\072";
        else
            state_->hostname += *p;
    }
}

maildir_store::~maildir_store() = default;

const maildir_store_options& maildir_store::options() const noexcept { return state_->options; }

fs::path maildir_store::maildir_path(std::string_view user) const {
    return state_->options.root / user / "Maildir";
}

result<std::unique_ptr<mailaccess::store::account>> maildir_store::open_account(std::string_view user) {
    if (auto ec = check_user(user)) return unexpected(ec);
    const fs::path maildir = maildir_path(user);
    if (!fs::is_directory(maildir / "cur")) {
        if (::mkdir(maildir.parent_path().c_str(), 0700) != 0 && errno != EEXIST)
            return unexpected(errno_code(errno));
        // mkdir decides which of several racing first opens sets the account up.
        const bool first = ::mkdir(maildir.c_str(), 0700) == 0;
        if (!first && errno != EEXIST) return unexpected(errno_code(errno));
        if (auto ec = make_folder_dirs(maildir)) return unexpected(ec);
        if (auto ec = fsync_dir(maildir, state_->options.fsync)) return unexpected(ec);
        if (auto ec = fsync_dir(maildir.parent_path(), state_->options.fsync)) return unexpected(ec);
        if (first) {
            maildir_account acct(state_, std::string(user), maildir);
            (void)acct.set_subscribed("INBOX", true);
            if (state_->options.create_special_use) {
                static constexpr std::pair<const char*, mailaccess::store::special_use> defaults[] = {
                    {"Drafts", mailaccess::store::special_use::drafts},
                    {"Sent", mailaccess::store::special_use::sent},
                    {"Trash", mailaccess::store::special_use::trash},
                    {"Junk", mailaccess::store::special_use::junk},
                    {"Archive", mailaccess::store::special_use::archive}};
                for (const auto& [name, use] : defaults) {
                    auto ec = acct.create_mailbox(name, use);
                    if (ec && ec != errc::mailbox_exists) return unexpected(ec);
                    (void)acct.set_subscribed(name, true);
                }
            }
        }
    }
    return std::unique_ptr<mailaccess::store::account>(
        std::make_unique<maildir_account>(state_, std::string(user), maildir));
}

result<std::unique_ptr<mailaccess::store::maildrop_lock>> maildir_store::lock_maildrop(
    std::string_view user) {
    auto acct = open_account(user);  // creates the Maildir the lock file lives in
    if (!acct) return unexpected(acct.error());
    {
        std::lock_guard lock(state_->mutex);
        if (!state_->maildrops.insert(std::string(user)).second) return unexpected(errc::in_use);
    }
    auto release = [&] {
        std::lock_guard lock(state_->mutex);
        state_->maildrops.erase(std::string(user));
    };
    fd_guard fd(::open((maildir_path(user) / pop3_lock_name).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (fd.get() < 0) {
        const auto ec = errno_code(errno);
        release();
        return unexpected(ec);
    }
    while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        const auto ec = errno == EWOULDBLOCK ? make_error_code(errc::in_use) : errno_code(errno);
        release();
        return unexpected(ec);
    }
    return std::unique_ptr<mailaccess::store::maildrop_lock>(
        std::make_unique<maildir_drop_lock>(state_, std::string(user), std::move(fd)));
}

std::unique_ptr<mailaccess::store::subscription> maildir_store::subscribe(
    std::string_view user, mailaccess::store::change_listener listener) {
    return state_->hub.subscribe(user, std::move(listener));
}

}  // namespace mailaccess::maildir
