#pragma once

// Internal, not part of the API: what the structure parser needs from one
// header block. Kept apart from the scanner so the tree algorithm does not
// depend on how header fields are parsed.

#include <mailaccess/mime/message_structure.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::mime::detail {

/// The Content-* fields of a header block, reduced to what BODYSTRUCTURE
/// shows and what the parser must decide.
struct header_analysis {
    enum class container { none, multipart, message };
    part_fields fields;
    transfer_encoding cte = transfer_encoding::seven_bit;
    bool is_text = true;
    container kind = container::none;
    /// The multipart's boundary parameter; empty when it has none.
    std::string boundary;
    bool is_digest = false;  ///< multipart/digest (RFC 2046 section 5.1.5)
};

/// Reads the MIME fields of `header` (a complete header block, possibly
/// without its blank line). `in_digest`: the part is a body part of a
/// multipart/digest, so a missing Content-Type means message/rfc822.
header_analysis analyze_part_header(std::string_view header, bool in_digest);

/// Turns a container the parser will not enter (nesting or part limits)
/// into the leaf Dovecot shows for it: application/octet-stream with the
/// parameters kept (tests/data/mime/README.md item 17).
void make_opaque(header_analysis& a);

}  // namespace mailaccess::mime::detail
