#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/writer.hpp>

#include <string_view>
#include <vector>

namespace mailaccess::imap {

/// A STATUS data item (RFC 3501 section 6.3.10, RFC 7162 HIGHESTMODSEQ,
/// RFC 8438 SIZE, RFC 9051 DELETED, RFC 9208 DELETED-STORAGE).
enum class status_att {
    messages,
    recent,
    uidnext,
    uidvalidity,
    unseen,
    highestmodseq,
    size,
    deleted,
    deleted_storage
};

/// The item's name on the wire, upper case ("UIDNEXT"). The view is static.
MAILACCESS_API std::string_view to_string(status_att value) noexcept;

/// RFC 3501 section 9, with RFC 7162 section 7, RFC 8438 and RFC 9051:
///     status-att      = "MESSAGES" / "RECENT" / "UIDNEXT" / "UIDVALIDITY" /
///                       "UNSEEN"
///     status-att      =/ "HIGHESTMODSEQ"
///     status-att      =/ "SIZE" / "DELETED"
///     status-att      =/ "DELETED-STORAGE"      ; RFC 9208 section 9
MAILACCESS_API result<status_att> parse_status_att(parse_cursor& in);

/// The parenthesised list of RFC 3501 section 9 `status`:
///     status          = "STATUS" SP mailbox SP
///                       "(" status-att *(SP status-att) ")"
MAILACCESS_API result<std::vector<status_att>> parse_status_att_list(parse_cursor& in);

/// Writes the item's name.
MAILACCESS_API void write(writer& out, status_att value);
/// Writes "(" items ")". Precondition: not empty.
MAILACCESS_API void write(writer& out, const std::vector<status_att>& list);

}  // namespace mailaccess::imap
