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

/// Dovecot's keyword letters in the info part: 'a'..'z' (see keywords.hpp).
constexpr bool is_keyword_letter(char c) noexcept { return c >= 'a' && c <= 'z'; }

/// The file name up to its first ':' (the part the UID list records).
MAILACCESS_API std::string_view basename_of(std::string_view filename) noexcept;

/// System flags from the ":2,<letters>" info part; none if there is none.
/// Keywords need the folder's table: see keywords.hpp.
MAILACCESS_API store::flag_set flags_from_filename(std::string_view filename);

/// The keyword letters (a-z) of the info part, in file order.
MAILACCESS_API std::string keyword_letters(std::string_view filename);

/// The file name with system flags `system` (OR of `store::system_flag`)
/// and keyword letters `keywords` (a-z): the basename plus ":2," and the
/// sorted, unique letters. Info letters we do not map (e.g. P) are kept;
/// the old system and keyword letters are replaced.
MAILACCESS_API std::string filename_with_flags(std::string_view filename, std::uint8_t system,
                                               std::string_view keywords);

/// The ",S=<size>" field of the basename, if present and well-formed.
MAILACCESS_API std::optional<std::uint64_t> size_from_filename(std::string_view filename) noexcept;

/// The ",W=<size>" field (the size with CRLF line ends, Dovecot's "virtual
/// size"), if present and well-formed.
MAILACCESS_API std::optional<std::uint64_t> crlf_size_from_filename(std::string_view filename) noexcept;

}  // namespace mailaccess::maildir::detail
