#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/store/events.hpp>
#include <mailaccess/store/mailbox.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace mailaccess::store {

/// RFC 6154 special-use attributes a folder may carry.
enum class special_use : std::uint8_t { none, drafts, sent, trash, junk, archive };

/// One folder of an account, as LIST reports it.
struct mailbox_entry {
    std::string name;  ///< UTF-8, "/"-separated
    special_use use = special_use::none;
    bool subscribed = false;
    friend bool operator==(const mailbox_entry&, const mailbox_entry&) = default;
};

/// Storage used and allowed, for RFC 9208 STORAGE (bytes; the wire unit is
/// KiB) and MESSAGE resources. A limit of 0 means unlimited.
struct quota_usage {
    std::uint64_t bytes_used = 0;
    std::uint64_t bytes_limit = 0;
    std::uint64_t messages_used = 0;
    std::uint64_t messages_limit = 0;
};

/// How a session opens a mailbox.
enum class open_mode { read_write, read_only };

/// Held while a POP3 session owns a user's maildrop (RFC 1939 section 8:
/// "the POP3 server acquires an exclusive-access lock on the maildrop").
/// Releasing happens on destruction.
class maildrop_lock {
public:
    virtual ~maildrop_lock() = default;
};

/// One user's mail: the folders and the quota. Obtained from `store`.
/// Thread safety: distinct objects safe (also for the same user), shared
/// objects unsafe.
class account {
public:
    virtual ~account() = default;

    virtual const std::string& user() const noexcept = 0;

    /// Every folder, INBOX first, then by name.
    virtual result<std::vector<mailbox_entry>> list_mailboxes() = 0;

    /// Opens a folder. "INBOX" is matched case-insensitively (RFC 3501 5.1).
    virtual result<std::unique_ptr<mailbox>> open_mailbox(std::string_view name, open_mode mode) = 0;

    virtual std::error_code create_mailbox(std::string_view name, special_use use) = 0;
    virtual std::error_code delete_mailbox(std::string_view name) = 0;
    /// RFC 3501 6.3.5: renaming INBOX moves its messages into the new folder
    /// and leaves INBOX empty.
    virtual std::error_code rename_mailbox(std::string_view from, std::string_view to) = 0;
    virtual std::error_code set_subscribed(std::string_view name, bool subscribed) = 0;

    /// Usage summed over all folders, with the configured limits.
    virtual result<quota_usage> quota() = 0;
};

/// The root of a storage backend: a factory of accounts and the place that
/// fans out change events. Implementations are thread-safe: any number of
/// sessions on any threads may use one store.
class store {
public:
    virtual ~store() = default;

    /// Opens a user's account, creating its layout (INBOX and, if the store
    /// is configured so, the special-use folders) on first use.
    virtual result<std::unique_ptr<account>> open_account(std::string_view user) = 0;

    /// Takes the exclusive POP3 lock on a user's INBOX, or `errc::in_use`.
    virtual result<std::unique_ptr<maildrop_lock>> lock_maildrop(std::string_view user) = 0;

    /// Registers a listener for one user's changes. Keep the returned object
    /// alive for as long as events are wanted.
    virtual std::unique_ptr<subscription> subscribe(std::string_view user, change_listener listener) = 0;
};

}  // namespace mailaccess::store
