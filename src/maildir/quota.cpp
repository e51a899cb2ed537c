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

store::quota_usage compute_usage(const maildir_state& st, const fs::path& maildir) {
    store::quota_usage q;
    q.bytes_limit = st.options.quota_bytes;
    q.messages_limit = st.options.quota_messages;
    auto add_dir = [&](const fs::path& dir) {
        std::error_code ec;
        for (const auto& n : read_dir(dir, ec)) {
            ++q.messages_used;
            if (auto s = size_from_filename(n)) {
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
    // Folders are hidden directories, which read_dir skips.
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
        return store::errc::over_quota;
    if (q.messages_limit != 0 &&
        (q.messages_used > q.messages_limit || messages > q.messages_limit - q.messages_used))
        return store::errc::over_quota;
    return {};
}

}  // namespace mailaccess::maildir::detail
