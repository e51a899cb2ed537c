#include <mailaccess/auth/passwd_file.hpp>

#include "hex.hpp"

#include <mailaccess/auth/password_hash.hpp>
#include <mailaccess/core/assert.hpp>

#include <openssl/md5.h>

#include <sys/stat.h>

#include <array>
#include <fstream>
#include <mutex>
#include <unordered_map>

namespace mailaccess::auth {
namespace {

constexpr std::size_t max_password_field = 4096;
constexpr std::size_t max_apop_timestamp = 1024;

struct database {
    std::unordered_map<std::string, std::string> users;  // name -> stored password
    std::vector<passwd_file::problem> problems;
    std::string dummy;  // stand-in stored password for unknown users
};

// What we compare to decide whether the file changed. mtime alone misses
// edits within one timestamp tick on coarse filesystems; size and inode
// catch most of those and every replace-by-rename.
struct file_stamp {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    time_t mtime_sec = 0;
    long mtime_nsec = 0;
    bool operator==(const file_stamp&) const = default;
};

std::optional<file_stamp> stat_file(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return file_stamp{st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
}

std::shared_ptr<const database> parse_database(std::string_view text) {
    auto db = std::make_shared<database>();
    std::size_t line_no = 0;
    std::string_view first_plain;
    std::string_view first_hashed;
    while (!text.empty()) {
        ++line_no;
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos || line.front() == '#') continue;

        auto report = [&](std::error_code ec, const char* why) {
            db->problems.push_back({line_no, ec, why});
        };
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            report(errc::bad_user_database, "missing password field");
            continue;
        }
        const std::string_view user = line.substr(0, colon);
        std::string_view pass = line.substr(colon + 1);
        pass = pass.substr(0, pass.find(':'));
        if (user.empty()) {
            report(errc::bad_user_database, "empty user name");
            continue;
        }
        if (user.size() > max_user_name_length) {
            report(errc::bad_user_database, "user name too long");
            continue;
        }
        if (pass.empty()) {
            report(errc::bad_user_database, "empty password field");
            continue;
        }
        if (pass.size() > max_password_field) {
            report(errc::bad_user_database, "password field too long");
            continue;
        }
        auto scheme = stored_password_scheme(pass);
        if (!scheme) {
            report(scheme.error(), scheme.error() == errc::unsupported_scheme ? "unsupported password scheme"
                                                                              : "malformed stored password");
            continue;
        }
        auto [it, inserted] = db->users.try_emplace(std::string(user), std::string(pass));
        if (!inserted) {
            report(errc::bad_user_database, "duplicate user");
            continue;
        }
        if (*scheme == password_scheme::plain) {
            if (first_plain.empty()) first_plain = it->second;
        } else if (first_hashed.empty()) {
            first_hashed = it->second;
        }
    }
    // unordered_map nodes are stable, so the views above are still valid.
    db->dummy = !first_hashed.empty() ? std::string(first_hashed) : std::string(first_plain);
    return db;
}

result<std::shared_ptr<const database>> read_database(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return unexpected(errc::temporary_failure);
    std::string text;
    std::array<char, 65536> buf{};
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        const auto n = static_cast<std::size_t>(in.gcount());
        if (text.size() + n > passwd_file::max_file_size) return unexpected(errc::bad_user_database);
        text.append(buf.data(), n);
    }
    if (in.bad()) return unexpected(errc::temporary_failure);
    auto db = parse_database(text);
    // The file may hold {PLAIN} passwords; do not leave them in freed memory.
    secure_wipe(text.data(), text.size());
    return db;
}

std::string md5_hex(std::string_view a, std::string_view b) {
    MD5_CTX ctx;
    MD5_Init(&ctx);
    MD5_Update(&ctx, a.data(), a.size());
    MD5_Update(&ctx, b.data(), b.size());
    std::array<std::uint8_t, MD5_DIGEST_LENGTH> digest{};
    MD5_Final(digest.data(), &ctx);
    return detail::to_hex(digest.data(), digest.size());
}

}  // namespace

struct passwd_file::state {
    std::filesystem::path path;  // empty for parse()
    mutable std::mutex mu;       // guards db and stamp only; held briefly
    std::shared_ptr<const database> db;
    std::optional<file_stamp> stamp;

    std::shared_ptr<const database> snapshot() const {
        std::lock_guard lock(mu);
        return db;
    }

    void install(std::shared_ptr<const database> d, std::optional<file_stamp> s) {
        std::lock_guard lock(mu);
        db = std::move(d);
        stamp = s;
    }

    // A cheap stat per call; the file is re-read outside the lock. Two
    // threads racing here may both re-read, which is harmless.
    void refresh_if_changed() {
        if (path.empty()) return;
        const auto now = stat_file(path);
        if (!now) return;  // keep serving what we have
        {
            std::lock_guard lock(mu);
            if (stamp == now) return;
        }
        auto fresh = read_database(path);
        if (fresh) install(std::move(*fresh), now);
    }
};

passwd_file::passwd_file(std::unique_ptr<state> s) : state_(std::move(s)) {}
passwd_file::passwd_file(passwd_file&&) noexcept = default;
passwd_file& passwd_file::operator=(passwd_file&&) noexcept = default;
passwd_file::~passwd_file() = default;

result<passwd_file> passwd_file::load(const std::filesystem::path& path) {
    auto s = std::make_unique<state>();
    s->path = path;
    // stat before reading: a change racing with the read is seen next time.
    const auto stamp = stat_file(path);
    if (!stamp) return unexpected(errc::temporary_failure);
    auto db = read_database(path);
    if (!db) return unexpected(db.error());
    s->install(std::move(*db), stamp);
    return passwd_file(std::move(s));
}

passwd_file passwd_file::parse(std::string_view contents) {
    auto s = std::make_unique<state>();
    s->db = parse_database(contents);
    return passwd_file(std::move(s));
}

std::error_code passwd_file::reload() {
    MAILACCESS_ASSERT(state_);
    if (state_->path.empty()) return {};
    const auto stamp = stat_file(state_->path);
    if (!stamp) return errc::temporary_failure;
    auto db = read_database(state_->path);
    if (!db) return db.error();
    state_->install(std::move(*db), stamp);
    return {};
}

std::size_t passwd_file::size() const {
    MAILACCESS_ASSERT(state_);
    return state_->snapshot()->users.size();
}

std::vector<passwd_file::problem> passwd_file::problems() const {
    MAILACCESS_ASSERT(state_);
    return state_->snapshot()->problems;
}

result<std::string> passwd_file::verify(std::string_view user, const secret<>& password) {
    MAILACCESS_ASSERT(state_);
    if (user.empty() || user.size() > max_user_name_length || password.size() > max_password_length)
        return unexpected(errc::invalid_credentials);
    state_->refresh_if_changed();
    const auto db = state_->snapshot();
    const auto it = db->users.find(std::string(user));
    if (it == db->users.end()) {
        // Same work as a wrong password; the outcome is irrelevant.
        if (!db->dummy.empty()) (void)verify_password(db->dummy, password);
        return unexpected(errc::invalid_credentials);
    }
    if (verify_password(it->second, password)) return unexpected(errc::invalid_credentials);
    return it->first;
}

result<std::string> passwd_file::verify_apop(std::string_view user, std::string_view timestamp,
                                             std::string_view digest_hex) {
    MAILACCESS_ASSERT(state_);
    if (user.empty() || user.size() > max_user_name_length || timestamp.size() > max_apop_timestamp ||
        digest_hex.size() != 2 * MD5_DIGEST_LENGTH)
        return unexpected(errc::invalid_credentials);
    state_->refresh_if_changed();
    const auto db = state_->snapshot();
    const auto it = db->users.find(std::string(user));

    // APOP needs the plaintext (RFC 1939 section 7), so only {PLAIN} users
    // qualify. Others still pay for one MD5 to keep the timing uniform.
    std::string_view plaintext;
    bool eligible = false;
    if (it != db->users.end()) {
        const std::string_view stored = it->second;
        const auto close = stored.find('}');
        auto scheme = stored.front() != '{' || close == std::string_view::npos
                          ? result<password_scheme>(unexpected(errc::unsupported_scheme))
                          : parse_password_scheme(stored.substr(1, close - 1));
        if (scheme && *scheme == password_scheme::plain) {
            plaintext = stored.substr(close + 1);
            eligible = true;
        }
    }
    std::string expected = md5_hex(timestamp, plaintext);
    std::string given(digest_hex);
    for (char& c : given)
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    const bool match = constant_time_equal(expected, given);
    if (!eligible || !match) return unexpected(errc::invalid_credentials);
    return it->first;
}

}  // namespace mailaccess::auth
