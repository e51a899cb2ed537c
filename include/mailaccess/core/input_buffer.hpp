#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/assert.hpp>

#include <cstddef>
#include <memory>
#include <span>
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
    input_buffer() = default;
    /// Copies the committed bytes, consumed ones still in place included
    /// (not a pending `prepare` span: copy between reads).
    input_buffer(const input_buffer& other);
    input_buffer& operator=(const input_buffer& other);
    /// Takes `other`'s bytes; `other` is left empty.
    input_buffer(input_buffer&& other) noexcept;
    input_buffer& operator=(input_buffer&& other) noexcept;
    ~input_buffer() = default;

    /// Returns `n` writable bytes at the end of the buffer, uninitialized.
    /// Invalidates views from `unread()`. Must be followed by `commit`
    /// before any other call.
    std::span<char> prepare(std::size_t n);

    /// Keeps the first `n` bytes written into the last `prepare` span
    /// (precondition: `n` is at most what was prepared).
    void commit(std::size_t n);

    /// Copies `bytes` to the end (tests, and drivers that already hold data).
    /// Invalidates views from `unread()`.
    void append(std::string_view bytes);

    /// Bytes committed but not yet consumed. Valid until the next `prepare`,
    /// `append` or `clear`.
    std::string_view unread() const noexcept { return std::string_view(bytes_.get() + read_, size_ - read_); }

    /// Marks the first `n` unread bytes as parsed (precondition: n <= size()).
    void consume(std::size_t n);

    /// The `n` bytes consumed last, which stay in place until the next
    /// `prepare`, `append` or `clear` (a codec can hand out a parsed line
    /// without copying it). Precondition: at least `n` bytes were consumed
    /// since then.
    std::string_view consumed_tail(std::size_t n) const noexcept {
        MAILACCESS_ASSERT(n <= read_);
        return std::string_view(bytes_.get() + read_ - n, n);
    }

    /// Drops every unread byte, e.g. plaintext pipelined behind STARTTLS.
    void clear() noexcept;

    std::size_t size() const noexcept { return size_ - read_; }
    bool empty() const noexcept { return size() == 0; }

private:
    // Drops the consumed prefix and makes room for `n` more bytes after the
    // committed ones.
    void reserve_tail(std::size_t n);

    std::unique_ptr<char[]> bytes_;  // not value-initialized: prepare() does not zero-fill
    std::size_t capacity_ = 0;
    std::size_t size_ = 0;      // committed bytes, consumed ones included
    std::size_t read_ = 0;      // consumed prefix, dropped at the next prepare() or append()
    std::size_t prepared_ = 0;  // bytes handed out by prepare() and not yet committed
};

}  // namespace mailaccess
