#pragma once

// What mailaccess-imap-sync remembers between runs, per server folder: the
// UIDVALIDITY and HIGHESTMODSEQ it last saw (RFC 7162 resync), the UIDNEXT,
// and for each message its local file name, its flags as last agreed with
// the server, and whether the body is local. Comparing the local Maildir
// with this record tells what changed offline; comparing the server with it
// tells what changed there. Stored as JSON in DIR/.mailaccess-sync.json,
// replaced atomically.

#include "posix_file.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <system_error>

namespace imap_sync {

struct message_record {
    std::string file;             ///< the Maildir base name (before ":2,")
    std::set<std::string> flags;  ///< as last agreed with the server (system flags and keywords)
    bool body = false;            ///< the local file holds the whole message, not only its header
    std::uint64_t size = 0;       ///< RFC822.SIZE
};

struct folder_record {
    std::uint32_t uidvalidity = 0;
    std::uint64_t highestmodseq = 0;  ///< 0: unknown (no CONDSTORE)
    std::uint32_t uidnext = 0;
    std::map<std::uint32_t, message_record> messages;  ///< by UID

    std::uint32_t last_uid() const { return messages.empty() ? 0 : messages.rbegin()->first; }
};

struct sync_state {
    std::string account;  ///< user@host:port; a state for another account is not reused
    std::map<std::string, folder_record> folders;  ///< by mailbox name (UTF-8)

    static std::string path(const std::string& root) { return root + "/.mailaccess-sync.json"; }

    /// Reads the state of `root`; an absent file, or one for another account, gives an empty state.
    static sync_state load(const std::string& root, const std::string& account) {
        sync_state s;
        s.account = account;
        std::ifstream in(path(root), std::ios::binary);
        if (!in) return s;
        const auto j = nlohmann::json::parse(in, nullptr, false);
        if (j.is_discarded() || j.value("version", 0) != 1 || j.value("account", "") != account) return s;
        for (const auto& [name, f] : j.at("folders").items()) {
            folder_record fr;
            fr.uidvalidity = f.value("uidvalidity", 0u);
            fr.highestmodseq = f.value("highestmodseq", std::uint64_t{0});
            fr.uidnext = f.value("uidnext", 0u);
            for (const auto& [uid, m] : f.at("messages").items()) {
                message_record r;
                r.file = m.value("file", "");
                r.flags = m.value("flags", std::set<std::string>{});
                r.body = m.value("body", false);
                r.size = m.value("size", std::uint64_t{0});
                fr.messages.emplace(static_cast<std::uint32_t>(std::stoul(uid)), std::move(r));
            }
            s.folders.emplace(name, std::move(fr));
        }
        return s;
    }

    /// Writes the state atomically (temporary file, fsync, rename).
    std::error_code save(const std::string& root) const {
        nlohmann::json j;
        j["version"] = 1;
        j["account"] = account;
        auto& folders_json = j["folders"] = nlohmann::json::object();
        for (const auto& [name, f] : folders) {
            nlohmann::json messages_json = nlohmann::json::object();
            for (const auto& [uid, m] : f.messages)
                messages_json[std::to_string(uid)] = {
                    {"file", m.file}, {"flags", m.flags}, {"body", m.body}, {"size", m.size}};
            folders_json[name] = {{"uidvalidity", f.uidvalidity},
                                  {"highestmodseq", f.highestmodseq},
                                  {"uidnext", f.uidnext},
                                  {"messages", std::move(messages_json)}};
        }
        return examples::posix_file::write_file_atomically(root, path(root), j.dump(1));
    }
};

}  // namespace imap_sync
