#pragma once

#include <mailaccess/core/result.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

namespace mailaccess {

/// Random-access read of a byte sequence whose size is known up front: a
/// stored message, an attachment, a test string. Codecs stream from it a
/// bounded chunk at a time, so large bodies are never held whole. It lives in
/// core so that codecs (pop3, imap) can stream without depending on `store`,
/// whose `message_source` is this same type.
///
/// Reads are synchronous. For on-disk stores a chunk read is a pread() of a
/// file the kernel has usually cached; a host with remote storage should
/// prefetch inside its source.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class byte_source {
public:
    virtual ~byte_source() = default;

    /// Total size in bytes. Constant for the object's lifetime.
    virtual std::uint64_t size() const noexcept = 0;

    /// Copies up to `out.size()` bytes starting at `offset` into `out` and
    /// returns how many were copied; 0 only when `offset >= size()` or
    /// `out` is empty.
    virtual result<std::size_t> read(std::uint64_t offset, std::span<char> out) = 0;
};

}  // namespace mailaccess
