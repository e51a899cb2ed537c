#include "quota.hpp"

#include "filename.hpp"
#include "posix_io.hpp"

#include <mailaccess/store/error.hpp>

#include <string>
#include <string_view>
#include <vector>

#include <dirent.h>
#include <sys/stat.h>

namespace mailaccess::maildir::detail {

namespace fs = std::filesystem;

namespace {

std::int64_t mtime_ns(const struct stat& sb) {
    return static_cast<std::int64_t>(sb.st_mtim.tv_sec) * 1000000000 + sb.st_mtim.tv_nsec;
}

quota_dir_usage count_dir(const fs::path& dir) {
    quota_dir_usage u;
    std::error_code ec;
    for (const auto& n : read_dir(dir, ec)) {
        ++u.messages;
        if (auto s = size_from_filename(n)) {
            u.bytes += *s;
        } else {
            struct stat sb {};
            if (::stat((dir / n).c_str(), &sb) == 0) u.bytes += static_cast<std::uint64_t>(sb.st_size);
        }
    }
    return u;
}

std::uint64_t adjusted(std::uint64_t v, std::int64_t delta) {
    if (delta >= 0) return v + static_cast<std::uint64_t>(delta);
    const auto d = static_cast<std::uint64_t>(-delta);
    return v > d ? v - d : 0;
}

}  // namespace

store::quota_usage compute_usage(maildir_state& st, const fs::path& maildir) {
    store::quota_usage q;
    q.bytes_limit = st.options.quota_bytes;
    q.messages_limit = st.options.quota_messages;
    auto cache = st.quota_for(maildir);
    std::lock_guard lock(cache->mutex);
    const auto now = std::chrono::steady_clock::now();
    if (now - cache->counted_at >= quota_recount_interval) {
        cache->dirs.clear();
        cache->root_mtime_ns = -1;
        cache->counted_at = now;
    }
    // Folders are hidden directories; creating, deleting or renaming one
    // changes the Maildir's own mtime.
    struct stat rsb {};
    if (::stat(maildir.c_str(), &rsb) != 0) {
        cache->dirs.clear();
        cache->root_mtime_ns = -1;
        return q;
    }
    const std::int64_t wall = wall_clock_ns();
    if (mtime_ns(rsb) != cache->root_mtime_ns || static_cast<std::uint64_t>(rsb.st_ino) != cache->root_ino) {
        cache->folders.clear();
        if (DIR* d = ::opendir(maildir.c_str())) {
            while (dirent* e = ::readdir(d)) {
                const std::string_view n = e->d_name;
                if (n.size() > 1 && n[0] == '.' && n != "..") cache->folders.emplace_back(n);
            }
            ::closedir(d);
        }
        // A folder created in the same tick as this listing: list again later.
        cache->root_mtime_ns = is_racy(mtime_ns(rsb), wall) ? -1 : mtime_ns(rsb);
        cache->root_ino = static_cast<std::uint64_t>(rsb.st_ino);
    }
    std::map<std::string, quota_dir_usage> next;
    auto add = [&](const fs::path& dir) {
        struct stat sb {};
        if (::stat(dir.c_str(), &sb) != 0) return;
        const std::string key = dir.string();
        auto it = cache->dirs.find(key);
        quota_dir_usage u;
        if (it != cache->dirs.end() && it->second.mtime_ns == mtime_ns(sb) &&
            it->second.ino == static_cast<std::uint64_t>(sb.st_ino) &&
            !(it->second.racy && !is_racy(it->second.mtime_ns, wall))) {
            u = it->second;
        } else {
            u = count_dir(dir);
            u.ino = static_cast<std::uint64_t>(sb.st_ino);
            u.mtime_ns = mtime_ns(sb);
            u.racy = is_racy(u.mtime_ns, wall);
        }
        q.messages_used += u.messages;
        q.bytes_used += u.bytes;
        next.emplace(key, u);
    };
    add(maildir / "cur");
    add(maildir / "new");
    for (const auto& f : cache->folders) {
        add(maildir / f / "cur");
        add(maildir / f / "new");
    }
    cache->dirs = std::move(next);
    return q;
}

void note_quota_change(maildir_state& st, const fs::path& maildir, const fs::path& dir, std::int64_t bytes,
                       std::int64_t messages) {
    auto cache = st.quota_for(maildir);
    std::lock_guard lock(cache->mutex);
    auto it = cache->dirs.find(dir.string());
    if (it == cache->dirs.end()) return;  // counted at the next check anyway
    struct stat sb {};
    if (::stat(dir.c_str(), &sb) != 0) {
        cache->dirs.erase(it);
        return;
    }
    // Our own change moved the mtime; the counts follow it. A foreign change
    // in the same instant is missed until the periodic recount.
    it->second.bytes = adjusted(it->second.bytes, bytes);
    it->second.messages = adjusted(it->second.messages, messages);
    it->second.mtime_ns = mtime_ns(sb);
    it->second.ino = static_cast<std::uint64_t>(sb.st_ino);
    it->second.racy = true;  // recounted once things are quiet
}

std::error_code check_quota(const store::quota_usage& q, std::uint64_t bytes, std::uint64_t messages) {
    if (q.bytes_limit != 0 && (q.bytes_used > q.bytes_limit || bytes > q.bytes_limit - q.bytes_used))
        return store::errc::over_quota;
    if (q.messages_limit != 0 &&
        (q.messages_used > q.messages_limit || messages > q.messages_limit - q.messages_used))
        return store::errc::over_quota;
    return {};
}

}  // namespace mailaccess::maildir::detail
