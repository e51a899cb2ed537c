#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/pop3/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailaccess::pop3 {

/// Streaming encoder for a POP3 multi-line body (RFC 1939 section 3): feeds
/// raw message bytes in chunks of any size and appends the wire form.
///
/// - Line ends are normalised to CRLF: CRLF stays, a bare LF and a bare CR
///   each become CRLF. A CR at the end of one chunk is held until the next
///   chunk (or `finish`) shows whether an LF follows.
/// - A line that starts with "." gets one more "." ("byte-stuffing"), also
///   when the dot is the first byte of a chunk.
/// - `finish` ends an unterminated last line with CRLF and appends the
///   terminating ".\r\n".
///
/// TOP mode (RFC 1939 section 7, `TOP msg n`): constructed with
/// `body_lines`, the encoder passes the header, the blank line after it and
/// then at most that many body lines, and drops everything else;
/// `is_complete()` turns true once nothing more can be emitted, so the caller
/// can stop reading the source.
///
/// Output per call is at most twice the input plus 2 bytes; `finish` adds at
/// most 5. Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API dot_stuffer {
public:
    /// A full-message (RETR) encoder.
    dot_stuffer() = default;
    /// A TOP encoder passing the header and at most `body_lines` body lines.
    explicit dot_stuffer(std::uint64_t body_lines) : top_lines_(body_lines) {}

    /// Encodes `chunk`, appending to `out`. Must not be called after `finish`.
    void encode(std::string_view chunk, std::string& out);

    /// Terminates the body: flushes a held CR, ends a partial line with CRLF,
    /// and appends ".\r\n". Call exactly once.
    void finish(std::string& out);

    /// True when a TOP encoder has emitted all it will (further input is
    /// ignored); always false for a RETR encoder.
    bool is_complete() const noexcept { return complete_; }

private:
    void end_line(std::string& out);
    void put(char c, std::string& out);

    std::optional<std::uint64_t> top_lines_;
    bool at_line_start_ = true;
    bool pending_cr_ = false;
    bool in_header_ = true;
    bool complete_ = false;
    bool finished_ = false;
};

/// Streaming decoder for a POP3 multi-line body (client side): undoes the
/// byte-stuffing and finds the terminating "." line, wherever chunk
/// boundaries fall.
///
/// Output is the body with CRLF line ends (a bare LF is normalised to CRLF,
/// a bare CR passes through), without the terminating line; for a body our
/// `dot_stuffer` produced, that is exactly the CRLF-normalised original.
/// A "." line ended by a bare LF is accepted as the terminator too, for
/// servers that do not send CRLF.
///
/// The decoded size is bounded by `max_size` (normally
/// `limits::max_message_size`): past it `decode` fails with
/// `errc::response_too_large`. Thread safety: distinct objects safe, shared
/// objects unsafe.
class MAILACCESS_API dot_unstuffer {
public:
    explicit dot_unstuffer(std::uint64_t max_size) : max_size_(max_size) {}

    /// Decodes from the front of `in`, appending payload to `out`, and
    /// returns how many bytes of `in` were consumed: all of them, or fewer
    /// when the terminator was found (the bytes after it belong to the next
    /// response and are not consumed). Errors are sticky.
    result<std::size_t> decode(std::string_view in, std::string& out);

    /// True once the terminating ".\r\n" has been consumed.
    bool is_done() const noexcept { return state_ == state::done; }

    /// Decoded bytes so far.
    std::uint64_t decoded_size() const noexcept { return size_; }

private:
    enum class state { line_start, dot, dot_cr, mid, cr, done };
    std::uint64_t max_size_;
    std::uint64_t size_ = 0;
    state state_ = state::line_start;
    std::error_code error_;
};

}  // namespace mailaccess::pop3
