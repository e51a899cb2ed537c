#pragma once

// The header subsets of IMAP BODY[HEADER.FIELDS (...)] and
// BODY[HEADER.FIELDS.NOT (...)] (RFC 3501 section 6.4.5), built from a
// header block with `header_fields_view`.

#include <mailaccess/core/api.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mailaccess::mime {

/// HEADER.FIELDS: the raw bytes (`header_field_view::raw`) of every field
/// whose name is in `names`, in message order, all occurrences, followed by
/// the blank line "\r\n". Names match ASCII case-insensitively and exactly
/// otherwise ("Subject : x" is a Subject field); malformed lines never match.
///
/// Choices, matching Dovecot 2.3 (tests/data/mime/README.md item 22):
/// - the blank line is always "\r\n", even for an empty header or a header
///   without a blank line;
/// - a selected field that ends the data without a line end gets "\r\n",
///   so the blank line stays a separate line;
/// - line ends are otherwise kept as written (a bare-LF message keeps its
///   LFs; converting them for the wire is the section reader's job).
///
/// `header` is the header block, with or without its blank line. The output
/// is never longer than `header.size() + 4`.
MAILACCESS_API std::string select_header_fields(std::string_view header, std::span<const std::string> names);

/// HEADER.FIELDS.NOT: every entry of the header whose name is not in
/// `names`, malformed lines included, byte for byte, then the header's own
/// blank line when it has one. So a header without a blank line gives no
/// blank line (RFC 3501 section 6.4.5: "except in the case of a message
/// which has no body and no blank line"), and an empty header gives "".
MAILACCESS_API std::string select_header_fields_not(std::string_view header,
                                                    std::span<const std::string> names);

/// The size of the header block at the start of `message` (RFC 5322 section
/// 2.1), as `parse_structure` ends the top-level header: through the first
/// empty line ("\r\n" or a bare "\n", also as the very first line), that
/// line included. Nothing when `message` holds no empty line (then all of it
/// is header, or more of it is needed to tell). Lets a server answer
/// HEADER.FIELDS from the header block alone, without a parse.
MAILACCESS_API std::optional<std::size_t> header_block_size(std::string_view message) noexcept;

}  // namespace mailaccess::mime
