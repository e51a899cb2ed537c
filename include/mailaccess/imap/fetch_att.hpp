#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/section.hpp>
#include <mailaccess/imap/writer.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace mailaccess::imap {

/// One FETCH data item a client asks for (RFC 3501 section 6.4.5, RFC 3516
/// BINARY, RFC 7162 MODSEQ).
///
/// Invariants: only `body_section` has a section; only `binary` and
/// `binary_size` have a binary part; only `body_section` and `binary` have
/// `peek` and a partial range. The factories keep them.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API fetch_att {
public:
    enum class kind {
        envelope,       ///< ENVELOPE
        flags,          ///< FLAGS
        internaldate,   ///< INTERNALDATE
        rfc822,         ///< RFC822
        rfc822_header,  ///< RFC822.HEADER
        rfc822_size,    ///< RFC822.SIZE
        rfc822_text,    ///< RFC822.TEXT
        body,           ///< BODY (non-extensible BODYSTRUCTURE)
        bodystructure,  ///< BODYSTRUCTURE
        uid,            ///< UID
        body_section,   ///< BODY[section]<partial> / BODY.PEEK[...]
        binary,         ///< BINARY[part]<partial> / BINARY.PEEK[...] (RFC 3516)
        binary_size,    ///< BINARY.SIZE[part] (RFC 3516)
        modseq,         ///< MODSEQ (RFC 7162)
    };

    /// A data item without arguments. Precondition: `k` is not
    /// `body_section`, `binary` or `binary_size`.
    explicit fetch_att(kind k);
    /// `BODY[section]<range>`, or `BODY.PEEK[...]` when `peek`.
    static fetch_att body_section(section_spec section, bool peek = false,
                                  std::optional<partial> range = std::nullopt);
    /// `BINARY[part]<range>` / `BINARY.PEEK[...]`; fails with
    /// `errc::bad_syntax` when a part number is 0.
    static result<fetch_att> binary(std::vector<std::uint32_t> part, bool peek = false,
                                    std::optional<partial> range = std::nullopt);
    /// `BINARY.SIZE[part]`; fails with `errc::bad_syntax` when a part number is 0.
    static result<fetch_att> binary_size(std::vector<std::uint32_t> part);

    fetch_att::kind type() const noexcept { return kind_; }
    /// The section of a `body_section`; `BODY[]` otherwise.
    const section_spec& section() const noexcept { return section_; }
    /// The part numbers of `binary` / `binary_size`; empty otherwise.
    const std::vector<std::uint32_t>& binary_part() const noexcept { return binary_part_; }
    /// True for BODY.PEEK / BINARY.PEEK (the \Seen flag is not set).
    bool is_peek() const noexcept { return peek_; }
    /// The `<offset.length>` range, if any.
    const std::optional<partial>& range() const noexcept { return range_; }

    friend bool operator==(const fetch_att&, const fetch_att&) = default;

private:
    fetch_att::kind kind_;
    section_spec section_;
    std::vector<std::uint32_t> binary_part_;
    bool peek_ = false;
    std::optional<partial> range_;
};

/// The FETCH macros (RFC 3501 section 6.4.5).
enum class fetch_macro {
    all,   ///< ALL  = (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)
    fast,  ///< FAST = (FLAGS INTERNALDATE RFC822.SIZE)
    full,  ///< FULL = (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY)
};

/// What a FETCH command asks for: a macro or a non-empty list of items.
/// A single item and a one-item parenthesised list are the same value.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API fetch_att_list {
public:
    /// The macro `m`.
    explicit fetch_att_list(fetch_macro m) : macro_(m) {}
    /// The items; fails with `errc::bad_syntax` when `atts` is empty.
    static result<fetch_att_list> make(std::vector<fetch_att> atts);

    /// The macro, when one was used.
    const std::optional<fetch_macro>& macro() const noexcept { return macro_; }
    /// The items as given; empty when a macro was used.
    const std::vector<fetch_att>& atts() const noexcept { return atts_; }
    /// The items with a macro expanded (RFC 3501 section 6.4.5).
    std::vector<fetch_att> expanded() const;

    friend bool operator==(const fetch_att_list&, const fetch_att_list&) = default;

private:
    fetch_att_list() = default;
    std::optional<fetch_macro> macro_;
    std::vector<fetch_att> atts_;
};

/// RFC 3501 section 9, with RFC 3516 (as in RFC 9051) and RFC 7162:
///     fetch-att       = "ENVELOPE" / "FLAGS" / "INTERNALDATE" /
///                       "RFC822" [".HEADER" / ".SIZE" / ".TEXT"] /
///                       "BODY" ["STRUCTURE"] / "UID" /
///                       "BODY" section ["<" number "." nz-number ">"] /
///                       "BODY.PEEK" section ["<" number "." nz-number ">"]
///     fetch-att       =/ "BINARY" [".PEEK"] section-binary [partial] /
///                        "BINARY.SIZE" section-binary
///     fetch-att       =/ fetch-mod-sequence
///     fetch-mod-sequence  = "MODSEQ"
MAILACCESS_API result<fetch_att> parse_fetch_att(parse_cursor& in);

/// The argument of RFC 3501 section 9 `fetch` after the sequence set:
///     fetch           = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" /
///                       fetch-att / "(" fetch-att *(SP fetch-att) ")")
MAILACCESS_API result<fetch_att_list> parse_fetch_att_list(parse_cursor& in);

/// Writes one item ("BODY.PEEK[1.2.HEADER.FIELDS (DATE FROM)]<0.2048>").
MAILACCESS_API void write(writer& out, const fetch_att& value);
/// Writes the macro, a single item bare, or a parenthesised list.
MAILACCESS_API void write(writer& out, const fetch_att_list& value);

}  // namespace mailaccess::imap
