#pragma once

#include <mailaccess/core/api.hpp>

#include <system_error>

namespace mailaccess::store {

/// Failures a store reports. Protocol layers map them to response codes in
/// one place each (`pop3::response_code_for`, later `imap::response_code_for`).
enum class errc {
    no_such_user = 1,      ///< the account does not exist
    no_such_mailbox,       ///< the named mailbox does not exist   -> IMAP [NONEXISTENT]
    mailbox_exists,        ///< CREATE/RENAME target exists          -> IMAP [ALREADYEXISTS]
    no_such_message,       ///< the UID is not (or no longer) in the mailbox -> IMAP [EXPUNGEISSUED]
    invalid_mailbox_name,  ///< name has a forbidden character or component -> IMAP [CANNOT]
    over_quota,            ///< the append/copy would exceed the user's quota -> [OVERQUOTA]
    message_too_large,     ///< above the store's message size limit -> [TOOBIG]
    in_use,                ///< the maildrop is locked by another POP3 session -> [IN-USE]
    read_only,             ///< write on a mailbox opened read-only
    corrupt,               ///< on-disk state is unreadable          -> [SERVERBUG]/[SYS/TEMP]
    io_error,              ///< a system call failed                  -> [UNAVAILABLE]/[SYS/TEMP]
};

MAILACCESS_API const std::error_category& store_category() noexcept;
MAILACCESS_API std::error_code make_error_code(errc e) noexcept;

}  // namespace mailaccess::store

template <>
struct std::is_error_code_enum<mailaccess::store::errc> : std::true_type {};
