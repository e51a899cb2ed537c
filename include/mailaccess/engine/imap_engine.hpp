#pragma once

#include <mailaccess/auth/authenticator.hpp>
#include <mailaccess/core/api.hpp>
#include <mailaccess/engine/detail/credentials.hpp>
#include <mailaccess/imap/server_actions.hpp>
#include <mailaccess/store/events.hpp>
#include <mailaccess/store/store.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mailaccess::engine {

/// Who gets \Recent (RFC 3501 section 2.3.2: "the message is recent in
/// exactly one session", the first to see it). One tracker is shared by all
/// the IMAP engines of a server process; the store keeps no such state, so
/// without a tracker no message is ever \Recent (as RFC 9051 allows).
///
/// Thread safety: safe to call concurrently.
class MAILACCESS_API recent_tracker {
public:
    /// The UIDs of `listing` (ascending) that no session has claimed yet
    /// for this mailbox; they are claimed by the caller from now on.
    std::vector<std::uint32_t> claim(std::string_view user, std::string_view mailbox,
                                     std::uint32_t uidvalidity, std::span<const store::message_info> listing);

private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::pair<std::uint32_t, std::uint32_t>> highest_;  // uidvalidity, UID
};

/// Settings of an `imap_engine`.
struct imap_engine_options {
    /// FETCH and SEARCH replies are cut into slices of this many messages
    /// (`command_reply::more`), so memory per session stays bounded and the
    /// client sees data while the rest is read.
    std::size_t slice_messages = 256;
    /// Shared \Recent bookkeeping; null: no \Recent.
    std::shared_ptr<recent_tracker> recent;
    /// An IDLE session's periodic look for changes made outside the store
    /// (`store::mailbox::allow_stale_reads`) may take what another session
    /// of this process read from the storage up to this long ago: with
    /// thousands of idlers on one mailbox, the storage is read a few times a
    /// second instead of once per idler and poll. Changes made through the
    /// store still reach idlers at once; outside ones up to this much later.
    /// Zero: every poll reads the storage.
    std::chrono::milliseconds idle_poll_max_staleness{100};
};

/// The response code a store or auth failure gets on a tagged NO (STYLE.md
/// section 5: one place). `target` is true when the failing mailbox is the
/// destination of APPEND/COPY/MOVE, where a missing mailbox is
/// `[TRYCREATE]` (RFC 3501 section 6.3.11) instead of `[NONEXISTENT]`.
MAILACCESS_API std::optional<imap::response_code> response_code_for(std::error_code ec, bool target = false);

/// Answers one IMAP session's engine requests (`imap::server_session`)
/// from a store and an authenticator: logins and SASL, mailbox management,
/// LIST/LSUB/STATUS, APPEND (inline and streamed), the selected-state
/// commands through a per-session `mailbox_view`, FETCH and SEARCH, and
/// quota. One engine per connection.
///
/// `handle` does blocking store I/O and password hashing: drivers call it on
/// the store executor, never on an I/O thread. The store and authenticator
/// must outlive the engine.
///
/// Thread safety: distinct objects safe, shared objects unsafe (calls for
/// one session are serialised by its driver).
class MAILACCESS_API imap_engine {
public:
    imap_engine(store::store& store, auth::authenticator& authenticator, imap_engine_options options = {});
    ~imap_engine();
    imap_engine(const imap_engine&) = delete;
    imap_engine& operator=(const imap_engine&) = delete;

    /// The capabilities the engine implements, for
    /// `imap::server_options::engine_capabilities`.
    static std::vector<imap::capability> capabilities();

    /// Performs one request. Expected failures come back as NO/BAD replies
    /// or error outcomes, never as exceptions.
    imap::engine_reply handle(imap::engine_request&& request);

    /// The logged-in user, empty before login.
    const std::string& user() const noexcept;
    /// True when `event` concerns the mailbox this session has selected, so
    /// an idling session should be notified.
    bool is_relevant(const store::change_event& event) const;
    /// Change notification for IMAP IDLE (the `net::change_source` protocol,
    /// see net/session_traits.hpp): subscribes to the store for changes to
    /// the mailbox selected now, and calls `notifier` after each, from
    /// whatever thread made the change (so it must be thread-safe and only
    /// post). Null when not logged in or nothing is selected. Destroy the
    /// result to stop; the driver holds it while the session is in IDLE,
    /// when the selection cannot change. Call it like `handle`: not
    /// concurrently with another call on this engine. It does no I/O (the
    /// store only registers the listener).
    std::unique_ptr<store::subscription> subscribe_changes(std::function<void()> notifier);

    /// The state and handlers (src/engine), named here so that the
    /// implementation files can share them.
    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

}  // namespace mailaccess::engine
