#pragma once

// The parameter list of Content-Type and Content-Disposition
// (`*(";" parameter)`, RFC 2045 section 5.1 and RFC 2183 section 2), with
// RFC 2231 continuations, charsets and languages.

#include <mailaccess/core/api.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::mime {

/// One parameter, after its RFC 2231 continuation segments are joined.
///
/// Two forms of the value are kept because they serve different readers:
/// `value` is what the sender meant (display, search, the charset of a
/// part); `wire_name`/`wire_value` is how the parameter was written, which
/// an IMAP server puts in BODYSTRUCTURE (Dovecot 2.3 joins continuations but
/// does not decode RFC 2231 values: `("filename*" "utf-8''Za%C5%BC...")`,
/// tests/data/mime/README.md item 10).
struct mime_parameter {
    /// The attribute as written, without the RFC 2231 section and "*"
    /// markers ("filename*0*" is "filename"). Compare case-insensitively.
    std::string name;
    /// The decoded value, valid UTF-8: unquoted, segments joined in section
    /// order, RFC 2231 %XX escapes decoded and converted from the declared
    /// charset (an unknown or missing charset is taken as UTF-8), and, for
    /// a value not in RFC 2231 extended form, RFC 2047 encoded words decoded
    /// (Outlook and others write `name="=?utf-8?B?...?="`; RFC 2047 section
    /// 5 forbids it, every common client decodes it).
    std::string value;
    /// The raw value: unquoted (quoted-pairs resolved, line breaks removed,
    /// the folding whitespace kept), segments concatenated as written, with
    /// the `charset'language'` prefix and %XX escapes of an extended value
    /// kept.
    std::string wire_value;
    /// From an extended value's `charset'language'` prefix; empty otherwise.
    std::string charset;
    std::string language;
    /// Written in RFC 2231 extended form: `name*=` or a continuation with
    /// at least one `name*N*=` segment.
    bool is_extended = false;
    /// Joined from `name*0`, `name*1`, ... continuation segments.
    bool is_continued = false;

    /// `name`, plus "*" when `is_extended`: the attribute to show next to
    /// `wire_value`.
    std::string wire_name() const { return is_extended ? name + "*" : name; }

    friend bool operator==(const mime_parameter&, const mime_parameter&) = default;
};

/// Parses `*(";" parameter)`, the text after the type/subtype of a
/// Content-Type or after the disposition type (leading ";" optional).
///
/// Parameters come out in the order their first segment appears. Plain and
/// extended parameters are not reordered (Dovecot lists extended ones last
/// in BODYSTRUCTURE; a caller that wants that does a stable partition).
///
/// Leniency, for mail that breaks RFC 2045:
/// - comments and whitespace anywhere between tokens; folded values;
/// - duplicates are all kept, in order (`find_parameter` picks one);
/// - `name=value` with an unquoted value containing tspecials (boundaries
///   such as `----=_Part_1.2`) or spaces (`name=my file.txt`): the value
///   runs to the next ";" unless what follows a space looks like another
///   `attribute=`;
/// - a missing ";" between parameters (RFC 2231 section 4.1's own example
///   omits them) when the next text looks like `attribute=`;
/// - an unterminated quoted string runs to the end;
/// - text that is not `attribute "=" value` is skipped up to the next ";"
///   outside quotes;
/// - continuation segments are sorted by section number; a missing section
///   leaves a gap rather than an error; a repeated section keeps the first;
///   `name*`, `name` and `name*0...` are three different parameters;
/// - section numbers have at most 3 digits (more makes the "*digits" part
///   of the name);
/// - at most `max_parameters` segments are read; the rest is ignored.
///
/// Linear in the input apart from an n log n sort of the segments.
/// Thread safety: pure function.
MAILACCESS_API std::vector<mime_parameter> parse_parameters(std::string_view text);

/// The bound on segments read by `parse_parameters`.
inline constexpr std::size_t max_parameters = 1000;

/// The parameter named `name` (ASCII case-insensitive): the RFC 2231
/// extended one when there is one (RFC 2231 section 4 means it to replace
/// a plain fallback such as `filename=x.txt; filename*=utf-8''...`), else
/// the first. nullptr when there is none. The pointer is into `params`.
MAILACCESS_API const mime_parameter* find_parameter(const std::vector<mime_parameter>& params,
                                                    std::string_view name) noexcept;

}  // namespace mailaccess::mime
