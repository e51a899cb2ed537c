#pragma once

// Internal to the maildir module: `store::mailbox` over one folder. Each
// call takes the folder lock, syncs the folder's shared index (cheap when
// nothing changed on disk), does its work and announces changes.

#include "folder.hpp"
#include "maildir_state.hpp"

#include <mailaccess/store/mailbox.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::maildir::detail {

/// Thread safety: distinct objects safe (also on one folder), shared objects unsafe.
class maildir_mailbox final : public store::mailbox {
public:
    maildir_mailbox(state_ptr st, std::string user, std::string name, std::filesystem::path maildir,
                    std::filesystem::path dir, store::open_mode mode);

    const std::string& name() const noexcept override { return name_; }
    bool is_read_only() const noexcept override { return read_only_; }

    result<store::mailbox_status> status() override;
    result<std::vector<store::message_info>> list() override;
    result<store::mailbox_changes> list_changes(std::uint64_t modseq, bool with_uids) override;
    result<std::unique_ptr<store::message_source>> open(std::uint32_t uid) override;
    result<std::vector<store::message_info>> store_flags(std::span<const std::uint32_t> uids,
                                                         store::flag_mode mode,
                                                         const store::flag_set& flags) override;
    result<std::vector<std::uint32_t>> expunge(std::span<const std::uint32_t> uids) override;
    result<std::unique_ptr<store::append_sink>> append(const store::flag_set& flags,
                                                       std::int64_t internal_date) override;
    result<std::vector<std::uint32_t>> copy(std::span<const std::uint32_t> uids,
                                            store::mailbox& target) override;
    /// The folder's `mailaccess-cache` file (message_cache.hpp). Allowed on
    /// read-only handles too: the cache is not part of the mailbox's state.
    std::optional<std::string> cached(std::uint32_t uid, std::string_view key) override;
    void cache(std::uint32_t uid, std::string_view key, std::string_view value) override;
    void allow_stale_reads(std::chrono::milliseconds max_age) override { stale_ok_ = max_age; }

private:
    /// Syncs under the folder lock so the cache knows the current UIDs.
    bool sync_for_cache(bool repair);
    /// Syncs under the folder lock, returns `read(index)` taken under it,
    /// and announces what the sync found once the lock is released.
    template <class Read>
    auto read_synced(Read&& read) -> result<std::invoke_result_t<Read&, folder_index&>>;

    state_ptr state_;
    std::string user_;
    std::string name_;
    std::filesystem::path maildir_;
    folder folder_;
    bool read_only_;
    std::chrono::milliseconds stale_ok_{0};  // allow_stale_reads
};

}  // namespace mailaccess::maildir::detail
