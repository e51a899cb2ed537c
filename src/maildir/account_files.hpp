#pragma once

// Internal to the maildir module: the account-wide files in a Maildir,
// `subscriptions` (Dovecot's version 2 format, see account_files.cpp; version 1
// is read too) and `mailaccess-special-use` ("<use>\t<name>" lines).
// Writers hold the account lock (`account_lock_name`).

#include <mailaccess/store/store.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <system_error>

namespace mailaccess::maildir::detail {

/// Serialises changes to the account-wide files and to the folder set.
inline constexpr const char* account_lock_name = "mailaccess-account.lock";

using special_use_map = std::map<std::string, store::special_use>;

/// The subscribed names; none if the file is missing or unreadable.
std::set<std::string> read_subscriptions(const std::filesystem::path& maildir);
std::error_code write_subscriptions(const std::filesystem::path& maildir, const std::set<std::string>& names,
                                    bool sync);

/// Special-use attributes by mailbox name; lines we do not understand are skipped.
special_use_map read_special_use(const std::filesystem::path& maildir);
std::error_code write_special_use(const std::filesystem::path& maildir, const special_use_map& uses,
                                  bool sync);

}  // namespace mailaccess::maildir::detail
