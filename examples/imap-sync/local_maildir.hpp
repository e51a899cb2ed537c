#pragma once

// The local side of mailaccess-imap-sync: a Maildir++ tree (INBOX is the
// root, a folder "A/B" is the directory ".A.B", as Dovecot and Courier lay
// it out, so mutt or any Maildir reader can open it) whose message files
// are named "UID.UIDVALIDITY.imap-sync:2,FLAGS". The base name (before
// ":2,") never changes, so a mail reader's flag change (a rename of the
// info part) or move (a rename into another folder) is recognised.

#include "maildir_writer.hpp"

#include <dirent.h>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace imap_sync {

/// The Maildir info letters of the IMAP system flags (maildir.html,
/// "Experimental semantics"), in the ASCII order the info part requires.
inline constexpr std::pair<char, std::string_view> flag_letters[] = {
    {'D', "\\Draft"}, {'F', "\\Flagged"}, {'R', "\\Answered"}, {'S', "\\Seen"}, {'T', "\\Deleted"}};

/// True for the flags a Maildir file name can carry.
inline bool is_maildir_flag(std::string_view flag) {
    for (const auto& [letter, name] : flag_letters)
        if (name.size() == flag.size() && std::equal(name.begin(), name.end(), flag.begin(),
                                                     [](char a, char b) { return (a | 0x20) == (b | 0x20); }))
            return true;
    return false;
}

inline std::string info_of(const std::set<std::string>& flags) {
    std::string info = "2,";
    for (const auto& [letter, name] : flag_letters)
        if (flags.count(std::string(name)) != 0) info += letter;
    return info;
}

inline std::set<std::string> flags_of_info(std::string_view info) {
    std::set<std::string> flags;
    if (info.substr(0, 2) != "2,") return flags;
    for (const auto& [letter, name] : flag_letters)
        if (info.find(letter, 2) != std::string_view::npos) flags.emplace(name);
    return flags;
}

/// One message file found on disk.
struct local_file {
    std::string folder;           ///< the mailbox it is in
    std::string path;             ///< full path
    std::set<std::string> flags;  ///< from the info part
};

class local_maildir {
public:
    explicit local_maildir(std::string root) : root_(std::move(root)) {}

    const std::string& root() const noexcept { return root_; }

    /// The directory of `mailbox`: the root for INBOX, else "." and the name
    /// with the hierarchy delimiter as "."; "." "/" and "%" inside a level
    /// are written %2E %2F %25 so no name can leave the tree or collide.
    std::string folder_dir(const std::string& mailbox, char delimiter) const {
        if (mailbox == "INBOX") return root_;
        std::string dir = root_ + "/.";
        for (const char c : mailbox) {
            if (c == delimiter && delimiter != '\0')
                dir += '.';
            else if (c == '.')
                dir += "%2E";
            else if (c == '/')
                dir += "%2F";
            else if (c == '%')
                dir += "%25";
            else
                dir += c;
        }
        return dir;
    }

    /// Creates the Maildir of `dir` (and marks it a Maildir++ folder).
    std::error_code ensure(const std::string& dir) {
        examples::maildir_writer probe;
        if (auto ec = probe.open(dir)) return ec;
        if (dir != root_) {
            const std::string marker = dir + "/maildirfolder";
            const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
            if (fd >= 0) ::close(fd);
        }
        return {};
    }

    /// Every message file of the given folders (mailbox -> dir), by base name.
    std::map<std::string, local_file> scan(const std::map<std::string, std::string>& folders) const {
        std::map<std::string, local_file> out;
        for (const auto& [mailbox, dir] : folders)
            for (const char* sub : {"/cur", "/new"}) {
                const std::string d = dir + sub;
                DIR* h = ::opendir(d.c_str());
                if (h == nullptr) continue;
                while (const dirent* e = ::readdir(h)) {
                    const std::string_view name = e->d_name;
                    if (name.empty() || name.front() == '.') continue;
                    const auto colon = name.find(':');
                    local_file f;
                    f.folder = mailbox;
                    f.path = d + "/" + std::string(name);
                    if (colon != std::string_view::npos) f.flags = flags_of_info(name.substr(colon + 1));
                    out.emplace(std::string(name.substr(0, colon)), std::move(f));
                }
                ::closedir(h);
            }
        return out;
    }

    /// The path a message with `base` name and `flags` has in `dir`.
    static std::string path_of(const std::string& dir, const std::string& base,
                               const std::set<std::string>& flags) {
        return dir + "/cur/" + base + ":" + info_of(flags);
    }

private:
    std::string root_;
};

}  // namespace imap_sync
