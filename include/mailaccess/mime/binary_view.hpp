#pragma once

// BINARY[part]<partial> and BINARY.SIZE[part] (RFC 3516, RFC 9051 section
// 6.4.5): a part's content with its Content-Transfer-Encoding undone,
// streamed from the message's byte_source.

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/byte_source.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/section.hpp>
#include <mailaccess/mime/message_structure.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace mailaccess::mime {

/// What `BINARY[part]` decodes: a byte range of the message and how.
struct binary_content {
    /// False when the part does not exist; the content is then empty.
    bool found = true;
    /// The raw byte range: the part's body (`BINARY[]`: the whole message).
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    /// The range's size with bare LFs counted as CRLF (the encoded size).
    std::uint64_t imap_length = 0;
    /// How the range is decoded: `base64` and `quoted_printable` are
    /// decoded; anything else is sent as it is (RFC 3516 section 4.2: 7bit,
    /// 8bit and binary need no decoding; multipart and message parts are
    /// sent whole). Never `unknown` (refused by `resolve_binary`).
    transfer_encoding encoding = transfer_encoding::seven_bit;
    /// Bare LFs of the range are sent as CRLF, as in BODY[] (README item 1);
    /// NUL bytes stay NUL (README item 3).
    bool crlf = false;
    /// Answer with a literal8 `~{N}`: Dovecot does so exactly when the
    /// Content-Transfer-Encoding is base64, quoted-printable or binary,
    /// whatever the data (README item 25).
    bool literal8 = false;
    /// The decoded size when it is known without decoding (the range is sent
    /// as it is); nullopt for base64 and quoted-printable.
    std::optional<std::uint64_t> known_size;
};

/// Maps `BINARY[part]` (part numbers as `find_part` reads them; empty is
/// the whole message, undecoded) onto the message.
///
/// Errors: `mime::errc::unknown_transfer_encoding` when the part's
/// Content-Transfer-Encoding is not one of RFC 2045's five (or could not be
/// parsed): the server answers `NO [UNKNOWN-CTE]` (RFC 3516 section 4.3,
/// README item 26).
/// Thread safety: safe to call concurrently on a shared const structure.
MAILACCESS_API result<binary_content> resolve_binary(const message_structure& s,
                                                     std::span<const std::uint32_t> part);

/// `BINARY.SIZE[part]`: the decoded size. Known at once for content sent as
/// it is; base64 and quoted-printable are decoded (streaming, bounded
/// memory) to count, and validated: a server calls this before announcing
/// the literal of `BINARY[part]`.
///
/// Errors: `mime::errc::bad_encoded_data` when the encoded data is invalid
/// (the server answers `NO [PARSE]`, README item 26: Dovecot refuses the
/// whole FETCH); those of `message.read`; `errc::invalid_argument` (core)
/// when the message is shorter than the structure says.
MAILACCESS_API result<std::uint64_t> binary_size(byte_source& message, const binary_content& content);

/// Streams the decoded octets of `content`, `<partial>` applied (skips
/// `partial->offset` decoded octets, stops after `partial->length`).
/// Memory use is bounded (a buffer of a few KiB and the decoder's state).
///
/// Lifetime: keeps references to `message` and `content`.
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API binary_reader {
public:
    binary_reader(byte_source& message, const binary_content& content, std::optional<imap::partial> partial);
    ~binary_reader();
    binary_reader(binary_reader&&) noexcept;
    binary_reader& operator=(binary_reader&&) = delete;

    /// Copies the next decoded octets into `out` and returns how many; 0
    /// only at the end or when `out` is empty.
    /// Errors: as `binary_size`.
    result<std::size_t> read(std::span<char> out);

private:
    struct state;
    std::unique_ptr<state> state_;
};

/// Reads a whole decoded section into a string (tests, small parts).
MAILACCESS_API result<std::string> read_binary(byte_source& message, const binary_content& content,
                                               std::optional<imap::partial> partial);

}  // namespace mailaccess::mime
