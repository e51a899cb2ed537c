#pragma once

// The synchronisation itself: local changes are pushed first (flags, moves,
// deletions made while offline), then each server folder is pulled (new
// messages' headers, or whole messages with --bodies; flag changes and
// expunges since the last run, through QRESYNC, CONDSTORE or a UID/flags
// comparison, whichever the server offers).

#include "local_maildir.hpp"
#include "sync_state.hpp"

#include <mailaccess/net/imap_client.hpp>

#include <asio/awaitable.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace imap_sync {

/// What one folder's synchronisation did, for the summary.
struct folder_summary {
    std::string mode;  ///< "qresync", "condstore", "full" or "new" (first run)
    std::uint64_t new_messages = 0;
    std::uint64_t bodies = 0;            ///< whole messages downloaded
    std::uint64_t bytes_downloaded = 0;  ///< message octets written locally
    std::uint64_t flags_pulled = 0;      ///< local files whose flags the server changed
    std::uint64_t expunged_pulled = 0;   ///< local files removed because the server expunged them
    std::uint64_t flags_pushed = 0;
    std::uint64_t moves_pushed = 0;
    std::uint64_t deletes_pushed = 0;
    bool uidvalidity_reset = false;

    nlohmann::json to_json() const;
    void add(const folder_summary& other);
};

/// How server changes are found: the best the server offers, or a forced
/// fallback (for servers whose CONDSTORE is broken, and for tests).
enum class resync_method { automatic, condstore, full };

struct sync_options {
    bool bodies = false;  ///< download whole messages, not only headers
    resync_method resync = resync_method::automatic;
    /// Called as messages arrive: folder, done, expected (0: unknown).
    std::function<void(const std::string&, std::uint64_t, std::uint64_t)> progress;
};

/// Synchronises every selectable folder of the logged-in `client` with
/// `local`, recording agreements in `state` (saved after each folder).
/// Throws std::system_error on failure (protocol, transport or disk).
asio::awaitable<std::map<std::string, folder_summary>> sync_account(mailaccess::net::imap_client& client,
                                                                    local_maildir& local, sync_state& state,
                                                                    const sync_options& options);

/// Downloads the whole message `uid` of `mailbox` (a body on demand) and
/// returns its local path.
asio::awaitable<std::string> fetch_body(mailaccess::net::imap_client& client, local_maildir& local,
                                        sync_state& state, const std::string& mailbox, std::uint32_t uid);

}  // namespace imap_sync
