#pragma once

#include <mailaccess/core/byte_source.hpp>
#include <mailaccess/core/result.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>

namespace mailaccess::store {

/// Read access to one stored message's raw bytes (RFC 5322 text with CRLF or
/// bare-LF line ends exactly as stored). The size is known before the first
/// read, so protocol layers can announce it ({N} literals, POP3 LIST/RETR
/// sizes) and stream the body without ever holding it whole. It is the core
/// `byte_source`, so codecs can take it without depending on `store`.
using message_source = mailaccess::byte_source;

/// Receives a new message for APPEND or delivery. The protocol layer writes
/// the bytes as they arrive, then calls `commit()`; only when `commit()`
/// returns a UID is the message durable and may be acknowledged to a client
/// (for Maildir: written to tmp/, fsync, renamed into the mailbox, directory
/// fsync'd). Destroying an uncommitted sink aborts it and leaves no trace.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class append_sink {
public:
    virtual ~append_sink() = default;

    /// Appends bytes. Fails with `errc::message_too_large` or
    /// `errc::over_quota` as soon as the running size crosses a limit, so a
    /// client can be refused before it sends the rest.
    virtual std::error_code write(std::span<const char> bytes) = 0;

    /// Makes the message durable and visible; returns its UID.
    virtual result<std::uint32_t> commit() = 0;

    /// Discards the message. Safe to call more than once.
    virtual void abort() noexcept = 0;
};

}  // namespace mailaccess::store
