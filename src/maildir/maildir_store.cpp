#include <mailaccess/maildir/maildir_store.hpp>

#include "account.hpp"
#include "folder.hpp"
#include "maildir_state.hpp"
#include "names.hpp"
#include "posix_io.hpp"

#include <mailaccess/store/error.hpp>

#include <cerrno>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

namespace mailaccess::maildir {

namespace fs = std::filesystem;
using mailaccess::store::errc;

namespace {

constexpr const char* pop3_lock_name = "mailaccess-pop3.lock";

// Held in-process (state table) and across processes (flock on its fd).
class maildir_drop_lock final : public mailaccess::store::maildrop_lock {
public:
    maildir_drop_lock(detail::state_ptr st, std::string user, detail::fd_guard fd)
        : state_(std::move(st)), user_(std::move(user)), fd_(std::move(fd)) {}
    ~maildir_drop_lock() override {
        fd_.reset();
        state_->release_maildrop(user_);
    }

private:
    detail::state_ptr state_;
    std::string user_;
    detail::fd_guard fd_;
};

}  // namespace

maildir_store::maildir_store(maildir_store_options options)
    : state_(std::make_shared<detail::maildir_state>(std::move(options))) {}

maildir_store::~maildir_store() = default;

const maildir_store_options& maildir_store::options() const noexcept { return state_->options; }

fs::path maildir_store::maildir_path(std::string_view user) const {
    return state_->options.root / user / "Maildir";
}

result<std::unique_ptr<mailaccess::store::account>> maildir_store::open_account(std::string_view user) {
    if (auto ec = detail::check_user(user)) return unexpected(ec);
    const fs::path maildir = maildir_path(user);
    if (!fs::is_directory(maildir / "cur")) {
        if (::mkdir(maildir.parent_path().c_str(), 0700) != 0 && errno != EEXIST)
            return unexpected(detail::errno_code(errno));
        // mkdir decides which of several racing first opens sets the account up.
        const bool first = ::mkdir(maildir.c_str(), 0700) == 0;
        if (!first && errno != EEXIST) return unexpected(detail::errno_code(errno));
        if (auto ec = detail::make_folder_dirs(maildir)) return unexpected(ec);
        if (auto ec = detail::fsync_dir(maildir, state_->options.fsync)) return unexpected(ec);
        if (auto ec = detail::fsync_dir(maildir.parent_path(), state_->options.fsync)) return unexpected(ec);
        if (first) {
            detail::maildir_account acct(state_, std::string(user), maildir);
            (void)acct.set_subscribed("INBOX", true);
            if (state_->options.create_special_use) {
                static constexpr std::pair<const char*, mailaccess::store::special_use> defaults[] = {
                    {"Drafts", mailaccess::store::special_use::drafts},
                    {"Sent", mailaccess::store::special_use::sent},
                    {"Trash", mailaccess::store::special_use::trash},
                    {"Junk", mailaccess::store::special_use::junk},
                    {"Archive", mailaccess::store::special_use::archive}};
                for (const auto& [name, use] : defaults) {
                    auto ec = acct.create_mailbox(name, use);
                    if (ec && ec != errc::mailbox_exists) return unexpected(ec);
                    (void)acct.set_subscribed(name, true);
                }
            }
        }
    }
    return std::unique_ptr<mailaccess::store::account>(
        std::make_unique<detail::maildir_account>(state_, std::string(user), maildir));
}

result<std::unique_ptr<mailaccess::store::maildrop_lock>> maildir_store::lock_maildrop(
    std::string_view user) {
    auto acct = open_account(user);  // creates the Maildir the lock file lives in
    if (!acct) return unexpected(acct.error());
    const std::string name(user);
    if (!state_->claim_maildrop(name)) return unexpected(errc::in_use);
    detail::fd_guard fd(
        ::open((maildir_path(user) / pop3_lock_name).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (fd.get() < 0) {
        const auto ec = detail::errno_code(errno);
        state_->release_maildrop(name);
        return unexpected(ec);
    }
    while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        const auto ec = errno == EWOULDBLOCK ? make_error_code(errc::in_use) : detail::errno_code(errno);
        state_->release_maildrop(name);
        return unexpected(ec);
    }
    return std::unique_ptr<mailaccess::store::maildrop_lock>(
        std::make_unique<maildir_drop_lock>(state_, name, std::move(fd)));
}

std::unique_ptr<mailaccess::store::subscription> maildir_store::subscribe(
    std::string_view user, mailaccess::store::change_listener listener) {
    return state_->hub.subscribe(user, std::move(listener));
}

}  // namespace mailaccess::maildir
