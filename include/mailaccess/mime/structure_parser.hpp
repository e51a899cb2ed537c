#pragma once

// The streaming MIME structure parser: raw message bytes in, a
// `message_structure` out (RFC 2045, RFC 2046 section 5, RFC 5322).

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/byte_source.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/mime/detail/part_header.hpp>
#include <mailaccess/mime/message_structure.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::mime {

/// Bounds on what a message can make the parser do. Hitting one is not an
/// error: the parser still returns a best-effort structure (and sets
/// `message_structure::is_truncated()`), as Dovecot does. The defaults are
/// Dovecot 2.3's, so structures match its answers (tests/data/mime/README.md
/// item 17).
struct structure_limits {
    /// Parts nest at most this deep: a multipart or message/rfc822 at depth
    /// `max_nesting - 1` (the root is depth 0) is not parsed further; it
    /// becomes an application/octet-stream leaf with its parameters kept,
    /// and its content is raw data. Dovecot's
    /// MESSAGE_PARSER_DEFAULT_MAX_NESTED_MIME_PARTS.
    std::uint32_t max_nesting = 100;
    /// At most this many parts are created; after that no more delimiters
    /// are recognised and the rest of the message belongs to the parts that
    /// are open. Dovecot's MESSAGE_PARSER_DEFAULT_MAX_TOTAL_MIME_PARTS.
    std::uint32_t max_parts = 10000;
    /// Bytes of one header block buffered to parse its fields. A longer
    /// header is still scanned to its end (offsets and sizes stay exact),
    /// but only the fields in its first `max_header_size` bytes are seen.
    std::size_t max_header_size = 1024 * 1024;
    /// Boundaries longer than this are truncated to it (and still matched by
    /// prefix). RFC 2046 section 5.1.1 allows 70; Dovecot keeps 80.
    std::size_t max_boundary_length = 80;
};

/// Computes a `message_structure` from a message fed in chunks of any size.
///
/// Streaming and bounded: it keeps the header block being parsed (up to
/// `max_header_size`), the first bytes of the current line (enough to
/// recognise a delimiter) and one small record per open part; never a body.
/// Time is linear in the message size, whatever the input: each byte is
/// looked at a constant number of times, plus one comparison per active
/// boundary (at most `max_nesting`) on lines that start with "--".
///
/// The result does not depend on how the input is chunked.
///
/// Usage: `feed()` every chunk in order, then `finish()`. The parser is
/// then ready for the next message (its buffers are reused).
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API structure_parser {
public:
    explicit structure_parser(structure_limits limits = {});

    /// Parses the next bytes of the message. Never fails: malformed MIME
    /// yields a best-effort structure, as Dovecot's parser does.
    void feed(std::string_view chunk);

    /// Ends the message (end of input closes every open part, README items
    /// 16 and 21) and returns its structure; resets the parser.
    message_structure finish();

    /// Bytes fed since construction or the last `finish()`.
    std::uint64_t bytes_fed() const noexcept { return offset_; }

    /// The limits given at construction.
    const structure_limits& limits() const noexcept { return limits_; }

private:
    struct frame {
        std::uint32_t part = 0;
        std::uint64_t lf_at_start = 0;    // LF count at header_offset
        std::uint64_t bare_at_start = 0;  // bare-LF count at header_offset
        std::uint64_t lf_at_body = 0;
        std::uint64_t bare_at_body = 0;
        bool in_header = true;
        bool has_boundary = false;  // a multipart whose boundary is still active
        bool is_digest = false;     // multipart/digest: children default to message/rfc822
    };
    struct boundary {
        std::string text;
        std::uint32_t frame = 0;  // index into frames_ of the owning multipart
    };
    enum class line_kind : std::uint8_t { unknown, normal, blank, delimiter, close_delimiter };

    void reset();
    void open_part(std::uint64_t offset);
    void open_part_at(std::uint64_t offset, std::uint64_t lf, std::uint64_t bare);
    void classify(std::string_view head);
    std::size_t find_boundary(std::string_view rest, std::string_view candidate) const noexcept;
    std::string_view candidate_boundary() const noexcept;
    bool can_nest(const frame& f) const noexcept;
    detail::header_analysis analyze_header() const;
    void end_header(std::uint64_t end, std::uint64_t lf, std::uint64_t bare, bool at_blank_line);
    void close_frames_above(std::size_t keep);
    void close_top(std::uint64_t end, std::uint64_t lf, std::uint64_t bare);
    void on_line_end(bool bare, std::uint64_t next_line);
    void append_header(const char* p, std::size_t n);
    void update_head_limit();
    bool can_add_part() const noexcept { return result_.parts_.size() < limits_.max_parts; }

    structure_limits limits_;
    message_structure result_;
    std::vector<frame> frames_;
    std::vector<boundary> boundaries_;
    std::string header_;  // the header block of the innermost frame, while in_header
    bool header_overflow_ = false;
    // The innermost header ended with a blank line, whose fields are in
    // pending_; decided at the next line (README item 16, `092`).
    bool pending_blank_ = false;
    detail::header_analysis pending_;
    std::string head_;  // the start of the current line when it spans chunks
    std::size_t head_limit_ = 3;
    std::size_t shortest_boundary_ = 0;  // of boundaries_; npos when there is none
    std::uint64_t offset_ = 0;
    std::uint64_t line_start_ = 0;
    std::uint64_t lf_count_ = 0;
    std::uint64_t bare_count_ = 0;
    bool prev_eol_bare_ = false;        // the line break before line_start_ was a bare LF
    bool prev_line_delimiter_ = false;  // the line before line_start_ was a delimiter line
    char last_byte_ = '\0';
    bool at_line_start_ = true;
    line_kind line_ = line_kind::unknown;
};

/// Parses a whole message read from `message` in chunks of `chunk_size`
/// bytes. Fails only when `message.read` fails (its error is returned).
MAILACCESS_API result<message_structure> parse_structure(byte_source& message, structure_limits limits = {},
                                                         std::size_t chunk_size = 64 * 1024);

/// Parses a message held in memory (tests, small messages).
MAILACCESS_API message_structure parse_structure(std::string_view message, structure_limits limits = {});

}  // namespace mailaccess::mime
