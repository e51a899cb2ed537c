#pragma once

// Content-Transfer-Encoding (RFC 2045 section 6): which decoder a part
// needs, and one streaming decoder for all of them.

#include <mailaccess/core/api.hpp>
#include <mailaccess/mime/base64_decoder.hpp>
#include <mailaccess/mime/quoted_printable_decoder.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailaccess::mime {

/// The decoding a Content-Transfer-Encoding calls for. 7bit, 8bit and
/// binary are identity encodings (RFC 2045 section 6.2): the data is
/// already in its decoded form.
enum class transfer_decoding : std::uint8_t {
    identity,
    base64,
    quoted_printable,
};

/// The mechanism token of a Content-Transfer-Encoding value (RFC 2045
/// section 6.1: `encoding := "Content-Transfer-Encoding" ":" mechanism`),
/// with surrounding whitespace and comments removed, case kept
/// ("7bit (seven bit)" gives "7bit"). Empty when the value is not a single
/// RFC 2045 token (`???`, `7bit 8bit`, empty). A view into `value`.
MAILACCESS_API std::string_view parse_mechanism(std::string_view value) noexcept;

/// The decoding for a Content-Transfer-Encoding value: "7bit", "8bit",
/// "binary" (identity), "base64", "quoted-printable", any case, comments
/// allowed. nullopt for anything else, unparsable values included: IMAP
/// BINARY must refuse those with `[UNKNOWN-CTE]` (RFC 3516 section 4.3).
/// A part without the header field is 7bit (RFC 2045 section 6.1); the
/// caller handles that before calling.
MAILACCESS_API std::optional<transfer_decoding> find_transfer_decoding(std::string_view value) noexcept;

/// Like `find_transfer_decoding`, but an unknown or unparsable encoding is
/// treated as identity: the right choice for SEARCH and display, which
/// look at the data as it is (Dovecot does not search parts with an unknown
/// CTE at all, README item 37; a caller wanting that checks
/// `find_transfer_decoding` first).
MAILACCESS_API transfer_decoding transfer_decoding_for(std::string_view value) noexcept;

/// One streaming decoder for any `transfer_decoding`, so the caller
/// does not switch on the kind (see `base64_decoder` and
/// `quoted_printable_decoder` for the rules).
///
/// Output bounds: identity and base64 append at most what they are given;
/// quoted-printable may return held-back bytes (at most
/// `quoted_printable_decoder::max_held_whitespace + 2`) in a later call, and
/// with `crlf_line_ends` turns each bare LF into CRLF. Identity passes line
/// ends through unchanged, whatever `crlf_line_ends` says: converting the
/// bare LFs of a stored message is the job of the code that serves it.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API transfer_decoder {
public:
    explicit transfer_decoder(transfer_decoding kind, bool crlf_line_ends = false) noexcept
        : kind_(kind), qp_(crlf_line_ends) {}

    /// Decodes `chunk`, appending to `out`.
    void decode(std::string_view chunk, std::string& out);
    /// The number of bytes `decode` would append, without storing them.
    std::uint64_t measure(std::string_view chunk);
    /// Ends the input, appending what was held back.
    void finish(std::string& out);
    /// The number of bytes `finish` would append.
    std::uint64_t finish_measure();

    /// After `finish`: false when the data was not valid in its encoding
    /// (IMAP BINARY answers `NO [PARSE]`). Identity data is always clean.
    bool is_clean() const noexcept;
    transfer_decoding kind() const noexcept { return kind_; }

private:
    transfer_decoding kind_;
    base64_decoder b64_;
    quoted_printable_decoder qp_;
};

/// Decodes a whole body held in memory.
MAILACCESS_API std::string decode_transfer(transfer_decoding kind, std::string_view data,
                                           bool crlf_line_ends = false);

/// The decoded size of a whole body held in memory, without building it.
MAILACCESS_API std::uint64_t decoded_size(transfer_decoding kind, std::string_view data,
                                          bool crlf_line_ends = false);

}  // namespace mailaccess::mime
