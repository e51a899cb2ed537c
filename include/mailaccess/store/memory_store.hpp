#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/limits.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/store/store.hpp>

#include <cstdint>
#include <memory>
#include <string_view>

namespace mailaccess::store {

namespace detail {
struct memory_state;  // every user's folders; defined in src/store/memory_store.cpp
}  // namespace detail

/// Configuration of a `memory_store`, fixed at construction.
struct memory_store_options {
    /// Per-user storage limit in bytes (sum of message sizes over all
    /// folders); 0 means unlimited. Default 500 MiB.
    std::uint64_t quota_bytes = 500ull * 1024 * 1024;
    /// Per-user message count limit; 0 means unlimited.
    std::uint64_t quota_messages = 0;
    /// Largest single message accepted by `append_sink::write`
    /// (`errc::message_too_large` above it).
    std::uint64_t max_message_size = limits{}.max_literal_size;
    /// On the first `open_account` of a user, also create Drafts, Sent,
    /// Trash, Junk and Archive with their RFC 6154 special-use attributes.
    bool create_special_use = true;
};

/// A complete store kept in memory: for tests, transcripts and examples,
/// and as the reference behaviour the on-disk backends are checked against
/// (tests/store runs one conformance suite over both).
///
/// Behaviour:
///  - `open_account` creates an unknown user (INBOX plus, if configured, the
///    special-use folders); there is no separate user registry.
///  - UIDs are strictly ascending per folder and never reused, also after
///    expunge, delete+create (a fresh UIDVALIDITY) or rename.
///  - every append and every flag change takes a fresh modseq
///    (RFC 7162 section 3.1.1); `mailbox_status::highest_modseq` follows.
///  - every change made through any handle is published to the listeners
///    registered with `subscribe` for that user, after the change is visible.
///  - nothing blocks on I/O: a host may call it inline on an I/O thread.
///
/// Lifetime: accounts, mailboxes, sinks, locks and subscriptions obtained
/// from the store may outlive it (they share its state).
///
/// Thread safety: every member, and every object obtained from it, follows
/// the interface contracts in store.hpp/mailbox.hpp; all state sits behind
/// one mutex.
class MAILACCESS_API memory_store final : public store {
public:
    explicit memory_store(memory_store_options options = {});
    ~memory_store() override;
    memory_store(const memory_store&) = delete;
    memory_store& operator=(const memory_store&) = delete;

    result<std::unique_ptr<account>> open_account(std::string_view user) override;
    result<std::unique_ptr<maildrop_lock>> lock_maildrop(std::string_view user) override;
    std::unique_ptr<subscription> subscribe(std::string_view user, change_listener listener) override;

    /// Test convenience: delivers `bytes` into `mailbox` of `user` (creating
    /// the account if needed) with no flags and the current time, as an MDA
    /// would. Returns the new UID; quota and size limits apply.
    result<std::uint32_t> deliver(std::string_view user, std::string_view mailbox, std::string_view bytes);

    const memory_store_options& options() const noexcept;

private:
    std::shared_ptr<detail::memory_state> state_;
};

}  // namespace mailaccess::store
