#pragma once

// Internal to the maildir module (and its tests and fuzzers): the per-folder
// UID list. The format is Dovecot's dovecot-uidlist version 3, so a folder
// Dovecot wrote can be imported, plus one extension field for modseqs:
//
//   3 V<uidvalidity> N<nextuid> M<highestmodseq>      header; unknown fields ignored
//   <uid> M<modseq> :<basename>                        one line per message
//   <uid> M<modseq>                                    a later modseq of a listed message
//
// The short form is appended after a flag change instead of rewriting the
// whole list (O(mailbox) per STORE); the next full rewrite folds it in.
// `basename` is the Maildir file name without its ":2,<flags>" info part.
// Dovecot's own lines ("<uid> W<vsize> S<size> :<basename>", and version 1
// "1 <uidvalidity> <nextuid>" / "<uid> <basename>") parse as well; their
// unknown extension fields are dropped.

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::maildir::detail {

/// One message: its UID, its CONDSTORE modseq, its file's base name.
struct uidlist_entry {
    std::uint32_t uid = 0;
    std::uint64_t modseq = 1;
    std::string basename;
    friend bool operator==(const uidlist_entry&, const uidlist_entry&) = default;
};

/// A later modseq of a message listed earlier (the short line form).
struct modseq_update {
    std::uint32_t uid = 0;
    std::uint64_t modseq = 1;
    friend bool operator==(const modseq_update&, const modseq_update&) = default;
};

/// A whole uidlist file. Invariants after a successful parse: uidvalidity
/// is non-zero, entries are strictly ascending by UID, every UID is below
/// `next_uid`, and `highest_modseq` is at least every entry's and update's
/// modseq. Update lines for a UID in `entries` are folded into it; those
/// for other UIDs (a tail of the file read on its own, or a message since
/// removed) are kept in `updates`, in file order.
struct uidlist {
    std::uint32_t uidvalidity = 0;
    std::uint32_t next_uid = 1;
    std::uint64_t highest_modseq = 1;
    std::vector<uidlist_entry> entries;
    std::vector<modseq_update> updates;
    friend bool operator==(const uidlist&, const uidlist&) = default;
};

/// The short line for `update`, newline included.
MAILACCESS_API std::string serialize_modseq_update(const modseq_update& update);

/// Largest uidlist file accepted (bytes); larger files are `errc::corrupt`.
inline constexpr std::size_t max_uidlist_size = 64u * 1024 * 1024;

/// Parses a uidlist file's contents. Any malformed header or line, UIDs
/// that are zero, not ascending, or would leave no room for a next UID,
/// and inputs above `max_uidlist_size` fail with `store::errc::corrupt`.
/// Pure function; thread-safe.
MAILACCESS_API result<uidlist> parse_uidlist(std::string_view text);

/// Writes the version 3 form with the modseq extension, entries only.
/// Precondition: the invariants listed on `uidlist` hold, `updates` is
/// empty, and basenames contain no ':', '\n' or '/'.
/// `parse_uidlist(serialize_uidlist(x)) == x` for such an `x`.
MAILACCESS_API std::string serialize_uidlist(const uidlist& list);

}  // namespace mailaccess::maildir::detail
