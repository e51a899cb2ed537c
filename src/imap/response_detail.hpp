#pragma once

// Parts of the response grammar shared by parse_response and
// parse_fetch_view (response_parser.cpp, fetch_view.cpp). Not installed.

#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/framer.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/response.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace mailaccess::imap::detail {

/// The framer's literals of the message being parsed: which were streamed,
/// and which of those the parser has taken as message text.
struct literal_context {
    std::span<const framer::literal_info> literals;
    std::size_t taken = 0;

    struct streamed_literal {
        std::uint64_t size = 0;
        std::size_t index = 0;
    };

    /// At `{N}` / `~{N}` CRLF whose body the framer streamed: consumes the
    /// announcement and returns the literal; otherwise leaves `in` alone.
    std::optional<streamed_literal> take_streamed(parse_cursor& in) {
        if (literals.empty()) return std::nullopt;
        const auto start = in.position();
        in.consume('~');
        if (!in.consume('{')) {
            in.set_position(start);
            return std::nullopt;
        }
        auto size = parse_number64(in);
        in.consume('+');
        if (!size || !in.consume('}') || !in.consume('\r') || !in.consume('\n')) {
            in.set_position(start);
            return std::nullopt;
        }
        for (std::size_t i = 0; i < literals.size(); ++i) {
            if (literals[i].offset != in.position()) continue;
            if (!literals[i].streamed || literals[i].size != *size) break;
            ++taken;
            return streamed_literal{*size, i};
        }
        in.set_position(start);
        return std::nullopt;
    }

    /// A streamed literal has no bytes in the message; anywhere but message
    /// text its position would have been read as inline data.
    bool all_streamed_taken() const noexcept {
        std::size_t streamed = 0;
        for (const auto& l : literals) streamed += l.streamed ? 1 : 0;
        return streamed == taken;
    }
};

/// The FETCH data item names of RFC 3501 section 9 `msg-att` (with RFC 3516
/// BINARY and RFC 7162 MODSEQ), by length and then text.
enum class msg_att_name {
    unknown,
    uid,
    flags,
    internaldate,
    rfc822_size,
    modseq,
    envelope,
    body,  // BODY (structure) or BODY[section]
    bodystructure,
    binary_size,
    binary,
    rfc822,
    rfc822_header,
    rfc822_text,
};
msg_att_name classify_msg_att(std::string_view name) noexcept;

/// `envelope` into `e` (RFC 3501 section 9).
result<void> parse_envelope(parse_cursor& in, envelope& e);

/// `body` into `b`; extension data only when `extended` (BODYSTRUCTURE).
result<void> parse_body(parse_cursor& in, bool extended, body_structure& b);

}  // namespace mailaccess::imap::detail
