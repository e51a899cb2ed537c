#pragma once

// Internal to the maildir module: `store::account` over one user's Maildir:
// the folder set (LIST, CREATE, DELETE, RENAME), subscriptions, special use
// and quota.

#include "account_files.hpp"
#include "maildir_state.hpp"

#include <mailaccess/store/store.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::maildir::detail {

/// Thread safety: distinct objects safe (also on one Maildir), shared objects unsafe.
class maildir_account final : public store::account {
public:
    maildir_account(state_ptr st, std::string user, std::filesystem::path maildir);

    const std::string& user() const noexcept override { return user_; }
    result<std::vector<store::mailbox_entry>> list_mailboxes() override;
    result<std::unique_ptr<store::mailbox>> open_mailbox(std::string_view name,
                                                         store::open_mode mode) override;
    std::error_code create_mailbox(std::string_view name, store::special_use use) override;
    std::error_code delete_mailbox(std::string_view name) override;
    std::error_code rename_mailbox(std::string_view from, std::string_view to) override;
    std::error_code set_subscribed(std::string_view name, bool subscribed) override;
    result<store::quota_usage> quota() override;

private:
    result<std::filesystem::path> folder_dir(const std::string& name) const;
    std::error_code rename_inbox(const std::string& to, const std::filesystem::path& tdir);
    template <class F>
    std::error_code update_special_use(F&& change);

    state_ptr state_;
    std::string user_;
    std::filesystem::path maildir_;
};

}  // namespace mailaccess::maildir::detail
