#pragma once

// Internal to the store backends: how STORE FLAGS / +FLAGS / -FLAGS combine
// flag sets, shared so every backend gives the same answers. Not installed.

#include <mailaccess/core/api.hpp>
#include <mailaccess/store/mailbox.hpp>

#include <string>
#include <vector>

namespace mailaccess::store::detail {

/// Sorts keywords case-insensitively and drops case-insensitive duplicates
/// (the first spelling wins), as `flag_set` promises its readers.
MAILACCESS_API void normalize_keywords(std::vector<std::string>& keywords);

/// `old` changed by `change` as `mode` says (RFC 3501 6.4.6); keywords are
/// matched case-insensitively and the result is normalized.
MAILACCESS_API flag_set apply_flags(const flag_set& old, flag_mode mode, const flag_set& change);

}  // namespace mailaccess::store::detail
