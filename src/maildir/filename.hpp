#pragma once

// Internal to the maildir module: the parts of a Maildir file name,
// "<basename>:2,<flags>" with the size in the basename as ",S=<size>".

#include <mailaccess/core/api.hpp>
#include <mailaccess/store/mailbox.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailaccess::maildir::detail {

/// The file name up to its first ':' (the part the UID list records).
MAILACCESS_API std::string_view basename_of(std::string_view filename) noexcept;

/// System flags from the ":2,<letters>" info part; none if there is none.
MAILACCESS_API store::flag_set flags_from_filename(std::string_view filename);

/// The file name for `flags`: the basename plus ":2," and the sorted flag
/// letters; info letters we do not map (P, keyword letters a-z) are kept.
MAILACCESS_API std::string filename_with_flags(std::string_view filename, const store::flag_set& flags);

/// The ",S=<size>" field of the basename, if present and well-formed.
MAILACCESS_API std::optional<std::uint64_t> size_from_filename(std::string_view filename) noexcept;

}  // namespace mailaccess::maildir::detail
