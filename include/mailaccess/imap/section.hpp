#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/writer.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mailaccess::imap {

namespace detail {
struct section_access;
}  // namespace detail

/// The text part named by a section, after its part numbers.
enum class section_text {
    none,               ///< the whole part (or the whole message: `BODY[]`)
    header,             ///< HEADER
    header_fields,      ///< HEADER.FIELDS (names)
    header_fields_not,  ///< HEADER.FIELDS.NOT (names)
    text,               ///< TEXT
    mime,               ///< MIME (only after part numbers)
};

/// What goes between the brackets of `BODY[...]` (RFC 3501 section 6.4.5):
/// part numbers ("1.2"), optionally followed by a text specifier.
///
/// Invariants: part numbers are non-zero; `mime` has at least one part
/// number; `fields` is non-empty exactly for `header_fields` and
/// `header_fields_not`, and no field name contains NUL, CR or LF.
/// Field names keep the case given.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API section_spec {
public:
    /// `BODY[]`: the whole message.
    section_spec() = default;
    /// Fails with `errc::bad_syntax` when an invariant above is broken.
    static result<section_spec> make(std::vector<std::uint32_t> part, section_text text = section_text::none,
                                     std::vector<std::string> fields = {});

    const std::vector<std::uint32_t>& part() const noexcept { return part_; }
    section_text text() const noexcept { return text_; }
    const std::vector<std::string>& fields() const noexcept { return fields_ ? *fields_ : no_fields(); }

    friend bool operator==(const section_spec& a, const section_spec& b) noexcept {
        return a.part_ == b.part_ && a.text_ == b.text_ && a.fields() == b.fields();
    }

private:
    friend struct detail::section_access;  // the grammar parser skips re-validation
    static const std::vector<std::string>& no_fields() noexcept;
    std::vector<std::uint32_t> part_;
    section_text text_ = section_text::none;
    // Immutable and shared: a server answering HEADER.FIELDS for 10,000
    // messages puts the section into every response, a copy each.
    std::shared_ptr<const std::vector<std::string>> fields_;
};

/// A byte range of a fetched section: `<offset.length>` (RFC 3501 section
/// 6.4.5). `length` is at least 1; both are at most `max_number64`.
struct partial {
    std::uint64_t offset = 0;
    std::uint64_t length = 1;

    friend bool operator==(const partial&, const partial&) = default;
};

/// RFC 3501 section 9:
///     section         = "[" [section-spec] "]"
///     section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list /
///                       "TEXT"
///                         ; top-level or MESSAGE/RFC822 part
///     section-part    = nz-number *("." nz-number)
///                         ; body part nesting
///     section-spec    = section-msgtext / (section-part ["." section-text])
///     section-text    = section-msgtext / "MIME"
///                         ; text other than actual body part (headers, etc.)
///     header-list     = "(" header-fld-name *(SP header-fld-name) ")"
///     header-fld-name = astring
MAILACCESS_API result<section_spec> parse_section(parse_cursor& in);

/// RFC 9051 section 9 (RFC 3516 section 4.2):
///     section-binary  = "[" [section-part] "]"
MAILACCESS_API result<std::vector<std::uint32_t>> parse_section_binary(parse_cursor& in);

/// RFC 9051 section 9:
///     partial         = "<" number64 "." nz-number64 ">"
///                         ; Partial FETCH request. 0-based offset of
///                         ; the first octet, followed by the number of
///                         ; octets in the fragment.
MAILACCESS_API result<partial> parse_partial(parse_cursor& in);

/// Writes `[section-spec]`, brackets included.
MAILACCESS_API void write(writer& out, const section_spec& value);
/// Writes `[section-part]` (a BINARY section), brackets included.
MAILACCESS_API void write_section_binary(writer& out, const std::vector<std::uint32_t>& part);
/// Writes `<offset.length>`.
MAILACCESS_API void write(writer& out, const partial& value);

}  // namespace mailaccess::imap
