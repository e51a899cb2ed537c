#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/limits.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/store/store.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

namespace mailaccess::maildir {

namespace detail {
struct maildir_state;  // options, lock tables, event hub; defined in src/maildir/maildir_state.hpp
}  // namespace detail

/// Configuration of a `maildir_store`, fixed at construction.
struct maildir_store_options {
    /// Directory holding one `<user>/Maildir` per user. Must exist.
    std::filesystem::path root;
    /// Per-user storage limit in bytes, summed from the `S=` sizes in the
    /// file names of all folders (Maildir++ quota style); 0 = unlimited.
    std::uint64_t quota_bytes = 500ull * 1024 * 1024;
    /// Per-user message count limit; 0 means unlimited.
    std::uint64_t quota_messages = 0;
    /// Largest single message `append_sink::write` accepts.
    std::uint64_t max_message_size = limits{}.max_literal_size;
    /// Create Drafts, Sent, Trash, Junk and Archive (RFC 6154) when a user's
    /// Maildir is created by `open_account`.
    bool create_special_use = true;
    /// fsync files and directories before reporting success. Only tests and
    /// throw-away data should turn this off.
    bool fsync = true;
    /// How many folders' in-memory indexes (UID list, file names, each
    /// file's stat, the message cache's table) stay loaded after the last
    /// session lets go of them, most recently used first. A client that
    /// reconnects (phones do, every few minutes) then finds its folder
    /// without re-reading the UID list and stat-ing every message; the
    /// index is still checked against the disk at every sync. 0 keeps none.
    std::size_t retained_folder_indexes = 32;
};

/// A Maildir++ store laid out as Dovecot lays it out by default, so the same
/// tree can be served by either (though not by both at once: UIDs are kept
/// in our own `mailaccess-uidlist`, imported once from `dovecot-uidlist`).
///
/// On-disk layout, per user:
///  - `<root>/<user>/Maildir/{tmp,new,cur}` is INBOX;
///  - `<root>/<user>/Maildir/.A.B/{tmp,new,cur}` is folder "A/B" (each
///    component in IMAP modified UTF-7, RFC 3501 5.1.3; a "." inside a
///    component is therefore refused with `errc::invalid_mailbox_name`);
///  - messages are `<time>.M<usec>P<pid>Q<n>.<host>,S=<size>:2,<flags>` with
///    flag letters D F R S T (Draft, Flagged, Answered, Seen, Deleted) and
///    keyword letters a-z;
///  - `dovecot-keywords` per folder names the keyword letters, in Dovecot's
///    format ("<0-25> <keyword>" lines), so keywords set by either server
///    are read by the other;
///  - `mailaccess-uidlist` per folder: UIDVALIDITY, next UID and
///    `<uid> M<modseq> :<basename>` lines (dovecot-uidlist version 3 syntax);
///  - `subscriptions` and `mailaccess-special-use` in the Maildir.
///
/// Guarantees:
///  - `append_sink::commit` returns only after the file is fsync'd, renamed
///    into cur/, the directory fsync'd and the new UID line appended to the
///    UID list and fdatasync'd (a line cut off by a crash was never
///    acknowledged and is ignored; the list is rewritten whole, via a temp
///    file and rename, on expunge and flag changes): an acknowledged UID
///    survives a crash, and UIDs are never reused.
///  - files delivered into new/ by another program get UIDs at the next
///    `status()`/`list()` (and move to cur/ when opened read-write).
///  - UID list updates are serialised by an in-process mutex per folder and
///    `flock` on `mailaccess-uidlist.lock`, so several processes may share
///    a tree. Expunge is unlink; flag changes rename within cur/.
///  - `lock_maildrop` is exclusive across threads and processes (`flock` on
///    `Maildir/mailaccess-pop3.lock`).
///  - change events are fanned out in-process only; changes made by other
///    processes are noticed (and announced) at the next sync of the folder.
///
///  - keywords: at most 26 distinct keywords can be on the messages of one
///    folder at a time (one letter each, Dovecot's limit). A STORE, APPEND
///    or COPY that would need a 27th fails with `mailaccess::errc::
///    limit_exceeded` (IMAP `[LIMIT]`, RFC 5530) and changes nothing; a
///    letter no message carries any more is reused. Keywords that are empty
///    or hold spaces or control characters are `mailaccess::errc::
///    invalid_argument`. Letters nobody named (no line in dovecot-keywords)
///    are kept on their files but not reported.
///  - files left in tmp/ by crashed deliveries are removed when their mtime
///    is over 36 hours old (Dovecot's rule), at a folder's first sync in a
///    process and at most every 8 hours after that.
///
/// Lifetime: objects obtained from the store may outlive it. Thread safety:
/// the store is safe to use from any number of threads; objects obtained
/// from it follow the contracts in store.hpp/mailbox.hpp.
class MAILACCESS_API maildir_store final : public mailaccess::store::store {
public:
    explicit maildir_store(maildir_store_options options);
    ~maildir_store() override;
    maildir_store(const maildir_store&) = delete;
    maildir_store& operator=(const maildir_store&) = delete;

    /// Opens (creating on first use) `<root>/<user>/Maildir`. A user name
    /// that is empty, longer than 255 bytes, starts with '.', or contains
    /// '/' or control characters fails with `store::errc::no_such_user`.
    result<std::unique_ptr<mailaccess::store::account>> open_account(std::string_view user) override;
    result<std::unique_ptr<mailaccess::store::maildrop_lock>> lock_maildrop(std::string_view user) override;
    std::unique_ptr<mailaccess::store::subscription> subscribe(
        std::string_view user, mailaccess::store::change_listener listener) override;

    /// The Maildir directory of `user` (whether or not it exists yet).
    std::filesystem::path maildir_path(std::string_view user) const;

    const maildir_store_options& options() const noexcept;

private:
    std::shared_ptr<detail::maildir_state> state_;
};

}  // namespace mailaccess::maildir
