#pragma once

// Internal to the maildir module (and its tests and fuzzers): IMAP keywords
// the Dovecot way. Each folder's `dovecot-keywords` file names the keyword
// letters a-z that may follow the system flag letters in ":2,<info>":
//
//   0 $Forwarded        letter 'a'
//   1 Work              letter 'b'
//   3 $Junk             letter 'd' (gaps are allowed)
//
// Lines are "<index> <name>"; index 0-25 stands for 'a'-'z'. As in Dovecot,
// lines that do not parse are skipped rather than failing the folder, and
// names are matched case-insensitively. The 26 letters bound the number of
// distinct keywords in use in one folder at once.

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::maildir::detail {

/// Keyword letters per folder: 'a'..'z'.
inline constexpr std::size_t max_keywords = 26;

/// Largest dovecot-keywords file read (bytes); larger is `store::errc::corrupt`.
inline constexpr std::size_t max_keywords_file = 64u * 1024;

/// A folder's letter-to-name map. Value type; not synchronised.
struct MAILACCESS_API keyword_table {
    /// names[i] is the keyword of letter 'a' + i; empty if the letter is free.
    std::array<std::string, max_keywords> names;

    /// The first letter whose name equals `name` case-insensitively.
    std::optional<char> letter_of(std::string_view name) const noexcept;

    /// The names of `letters` (lowercase a-z; others ignored), sorted and
    /// unique as `store::flag_set` keeps them. Letters without a name are
    /// left out: Dovecot invents "unknown-N" names for them, we do not
    /// report keywords nobody named.
    std::vector<std::string> names_of(std::string_view letters) const;

    /// Of `letters`, those that have no name (kept on files, never reported).
    std::string unnamed_letters(std::string_view letters) const;

    /// True if every name in `names` already has a letter.
    bool has_all(const std::vector<std::string>& names) const noexcept;

    /// The sorted letters for `names`, giving new names a letter. A letter
    /// can be given if no file uses it (`letters_in_use`): first one without
    /// a name, then one whose name no file carries any more (Dovecot never
    /// frees letters; reusing them lets a folder go on taking new keywords).
    /// Fails, leaving the table unchanged, with `mailaccess::errc::
    /// limit_exceeded` if no letter is left (more than 26 keywords in use
    /// in the folder), or `mailaccess::errc::invalid_argument` for a name
    /// that is empty or holds a space or control character (it could not be
    /// written back). `changed` is set when a letter was given out.
    result<std::string> letters_for(const std::vector<std::string>& names, std::string_view letters_in_use,
                                    bool& changed);

    friend bool operator==(const keyword_table&, const keyword_table&) = default;
};

/// Parses a dovecot-keywords file; never fails (bad lines are skipped; a
/// later line for the same index wins, as in Dovecot). Pure; thread-safe.
MAILACCESS_API keyword_table parse_keywords(std::string_view text);

/// Writes "<index> <name>\n" for each named letter, in index order.
/// `parse_keywords(serialize_keywords(t)) == t` for any table whose names
/// were accepted by `letters_for` or came from `parse_keywords`.
MAILACCESS_API std::string serialize_keywords(const keyword_table& table);

}  // namespace mailaccess::maildir::detail
