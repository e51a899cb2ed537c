#pragma once

// Internal to the maildir module: Maildir++-style quota, computed from the
// "S=<size>" in file names (stat where a name has none) over every folder.

#include "maildir_state.hpp"

#include <mailaccess/store/store.hpp>

#include <cstdint>
#include <filesystem>
#include <system_error>

namespace mailaccess::maildir::detail {

/// Sum of sizes and counts over INBOX and every folder of `maildir`, with
/// the limits from the store options.
store::quota_usage compute_usage(const maildir_state& st, const std::filesystem::path& maildir);

/// `store::errc::over_quota` if `bytes` more bytes and `messages` more
/// messages would not fit in `q`.
std::error_code check_quota(const store::quota_usage& q, std::uint64_t bytes, std::uint64_t messages);

}  // namespace mailaccess::maildir::detail
