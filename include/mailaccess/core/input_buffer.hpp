#pragma once

#include <mailaccess/core/api.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace mailaccess {

/// The input side of every sans-I/O codec (STYLE.md section 2): the driver
/// asks for space with `prepare(n)`, reads into it, and reports how much it
/// got with `commit(n)`; the codec looks at `unread()` and `consume()`s what
/// it has parsed. Consumed bytes are dropped lazily at the next `prepare` or
/// `append`, so views taken from `unread()` stay valid until then.
///
/// The buffer itself is unbounded; each codec bounds it by refusing to ask
/// for input while `size()` is over its own limit (line length, message size).
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API input_buffer {
public:
    /// Returns `n` writable bytes at the end of the buffer. Invalidates views
    /// from `unread()`. Must be followed by `commit` before any other call.
    std::span<char> prepare(std::size_t n);

    /// Keeps the first `n` bytes written into the last `prepare` span
    /// (precondition: `n` is at most what was prepared).
    void commit(std::size_t n);

    /// Copies `bytes` to the end (tests, and drivers that already hold data).
    /// Invalidates views from `unread()`.
    void append(std::string_view bytes);

    /// Bytes committed but not yet consumed. Valid until the next `prepare`,
    /// `append` or `clear`.
    std::string_view unread() const noexcept {
        return std::string_view(bytes_).substr(read_, bytes_.size() - prepared_ - read_);
    }

    /// Marks the first `n` unread bytes as parsed (precondition: n <= size()).
    void consume(std::size_t n);

    /// Drops every unread byte, e.g. plaintext pipelined behind STARTTLS.
    void clear() noexcept;

    std::size_t size() const noexcept { return bytes_.size() - prepared_ - read_; }
    bool empty() const noexcept { return size() == 0; }

private:
    void compact();

    std::string bytes_;
    std::size_t read_ = 0;      // consumed prefix, dropped at the next compact()
    std::size_t prepared_ = 0;  // bytes handed out by prepare() and not yet committed
};

}  // namespace mailaccess
