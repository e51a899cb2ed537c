#pragma once

#include <mailaccess/core/api.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace mailaccess {

/// The output side of every sans-I/O session (STYLE.md section 2): the
/// session appends the bytes it wants sent, the driver writes `pending()`
/// and reports how much went out with `consume(n)` [nghttp2 `mem_send2`].
/// Once everything appended has been consumed the storage is reused, so a
/// session that keeps up with its peer holds one response's worth of bytes.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API output_buffer {
public:
    /// Bytes appended and not yet consumed. Valid until the next call of a
    /// non-const member.
    std::string_view pending() const noexcept { return std::string_view(bytes_).substr(sent_); }

    /// True when bytes are waiting to be written.
    bool has_pending() const noexcept { return sent_ < bytes_.size(); }

    /// How many bytes are waiting: a session that batches small responses
    /// into one write compares this with its high-water mark.
    std::size_t pending_size() const noexcept { return bytes_.size() - sent_; }

    /// Releases the first `n` bytes of `pending()` as written. The written
    /// prefix is dropped once everything is written, or once it is large and
    /// at least half the storage (a session that appends while partial
    /// writes go out never lets it drain), so the storage stays bounded.
    /// Precondition: `n <= pending().size()`.
    void consume(std::size_t n);

    /// Copies `bytes` to the end.
    void append(std::string_view bytes) { bytes_.append(bytes); }

    /// The storage, for encoders that append to a `std::string` (e.g.
    /// pop3::dot_stuffer). Append only: the bytes already there are the
    /// pending ones, and may be partly consumed.
    std::string& storage() noexcept { return bytes_; }

private:
    std::string bytes_;
    std::size_t sent_ = 0;  // consumed prefix of bytes_
};

}  // namespace mailaccess
