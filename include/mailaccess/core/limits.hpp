#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace mailaccess {

/// Every size the network controls, in one place. Codecs and sessions take a
/// `limits` by value at construction; nothing a peer sends can grow a buffer
/// past these bounds. Defaults follow the RFCs' recommendations where they
/// give one and Dovecot's defaults otherwise.
struct limits {
    /// Longest command or response line, CRLF included. RFC 7162 section 4
    /// recommends at least 8192 octets for IMAP; RFC 2449 section 4 caps POP3
    /// commands at 255 octets and response lines at 512, which the POP3 codec
    /// applies on top of this bound.
    std::size_t max_line_length = 8192;
    /// Largest literal (IMAP) or message (APPEND, delivery) accepted.
    std::uint64_t max_literal_size = 64ull * 1024 * 1024;
    /// Largest multi-line POP3 response or IMAP literal a *client* accepts
    /// from a server before it gives up (a hostile server may announce 1 GiB).
    std::uint64_t max_message_size = 256ull * 1024 * 1024;
    /// Deepest parenthesised list (IMAP) or MIME nesting accepted.
    std::size_t max_depth = 64;
    /// Most simultaneous connections a server accepts; more are refused.
    std::size_t max_connections = 10000;
    /// Most unanswered pipelined commands queued before reading pauses.
    std::size_t max_pipelined_commands = 128;
};

}  // namespace mailaccess
