#pragma once

// Internal to the store backends (memory_store here, maildir_store in
// src/maildir): the name rules every backend shares, so they agree on which
// user and mailbox names exist. Not installed; exported only so the maildir
// library can link against it.

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/ascii.hpp>
#include <mailaccess/core/result.hpp>

#include <string>
#include <string_view>
#include <system_error>

namespace mailaccess::store::detail {

/// ASCII case-insensitive equality (core's) and ordering (IMAP keywords, "INBOX").
using mailaccess::iequals;
MAILACCESS_API bool iless(std::string_view a, std::string_view b) noexcept;

/// RFC 3501 5.1: INBOX is case-insensitive and comes back as "INBOX"; other
/// names are taken as given, minus what would make LIST patterns or the "/"
/// hierarchy ambiguous ('*', '%', control characters, empty components,
/// over 1024 bytes): those are `errc::invalid_mailbox_name`.
MAILACCESS_API result<std::string> normalize_mailbox_name(std::string_view name);

/// `errc::no_such_user` for an empty name, one over 255 bytes, or one with
/// '/' or control characters.
MAILACCESS_API std::error_code check_user_name(std::string_view user);

}  // namespace mailaccess::store::detail
