#pragma once

// Internal to the maildir module: user and mailbox names, and how mailbox
// names map to Maildir++ directory names ("Work/2024" <-> ".Work.2024").

#include <mailaccess/core/result.hpp>

#include <string>
#include <string_view>
#include <system_error>

namespace mailaccess::maildir::detail {

/// The store-wide user name rule (store::detail::check_user_name), plus no
/// leading '.' so a user directory is never hidden or "..":
/// `store::errc::no_such_user` otherwise.
std::error_code check_user(std::string_view user);

/// The store-wide mailbox name rule (store::detail::normalize_mailbox_name),
/// plus no '.': it separates hierarchy levels on disk (Maildir++), so it
/// cannot be in a component. `store::errc::invalid_mailbox_name` otherwise.
result<std::string> normalize_name(std::string_view name);

/// A normalized name other than INBOX to its directory: ".A.B", each
/// component in modified UTF-7; at most 255 bytes.
result<std::string> disk_name(const std::string& name);

/// The inverse of `disk_name`.
result<std::string> name_from_disk(std::string_view dir);

}  // namespace mailaccess::maildir::detail
