#include <mailaccess/core/input_buffer.hpp>

#include <mailaccess/core/assert.hpp>

#include <algorithm>
#include <cstring>
#include <utility>

namespace mailaccess {

input_buffer::input_buffer(const input_buffer& other)
    : capacity_(other.size_), size_(other.size_), read_(other.read_) {
    MAILACCESS_ASSERT(other.prepared_ == 0);
    if (size_ > 0) {
        bytes_ = std::make_unique_for_overwrite<char[]>(size_);
        std::memcpy(bytes_.get(), other.bytes_.get(), size_);
    }
}

input_buffer& input_buffer::operator=(const input_buffer& other) {
    if (this != &other) {
        input_buffer copy(other);
        *this = std::move(copy);
    }
    return *this;
}

input_buffer::input_buffer(input_buffer&& other) noexcept
    : bytes_(std::move(other.bytes_)),
      capacity_(std::exchange(other.capacity_, 0)),
      size_(std::exchange(other.size_, 0)),
      read_(std::exchange(other.read_, 0)),
      prepared_(std::exchange(other.prepared_, 0)) {}

input_buffer& input_buffer::operator=(input_buffer&& other) noexcept {
    bytes_ = std::move(other.bytes_);
    capacity_ = std::exchange(other.capacity_, 0);
    size_ = std::exchange(other.size_, 0);
    read_ = std::exchange(other.read_, 0);
    prepared_ = std::exchange(other.prepared_, 0);
    return *this;
}

void input_buffer::reserve_tail(std::size_t n) {
    // Dropping the consumed prefix only here keeps unread() views stable
    // between reads, and costs one memmove per read instead of one per line.
    if (read_ > 0) {
        const std::size_t unread = size_ - read_;
        if (unread > 0) std::memmove(bytes_.get(), bytes_.get() + read_, unread);
        size_ = unread;
        read_ = 0;
    }
    if (capacity_ - size_ >= n) return;
    const std::size_t wanted = std::max(size_ + n, capacity_ + capacity_ / 2);
    // Uninitialized: the driver writes the bytes (prepare) or we copy them (append).
    auto grown = std::make_unique_for_overwrite<char[]>(wanted);
    if (size_ > 0) std::memcpy(grown.get(), bytes_.get(), size_);
    bytes_ = std::move(grown);
    capacity_ = wanted;
}

std::span<char> input_buffer::prepare(std::size_t n) {
    MAILACCESS_ASSERT(prepared_ == 0);
    reserve_tail(n);
    prepared_ = n;
    return {bytes_.get() + size_, n};
}

void input_buffer::commit(std::size_t n) {
    MAILACCESS_ASSERT(n <= prepared_);
    size_ += n;
    prepared_ = 0;
}

void input_buffer::append(std::string_view bytes) {
    MAILACCESS_ASSERT(prepared_ == 0);
    reserve_tail(bytes.size());
    if (!bytes.empty()) std::memcpy(bytes_.get() + size_, bytes.data(), bytes.size());
    size_ += bytes.size();
}

void input_buffer::consume(std::size_t n) {
    MAILACCESS_ASSERT(n <= size());
    // No compaction here: views of the bytes just consumed (a parsed line)
    // must stay valid until the next prepare() or append().
    read_ += n;
}

void input_buffer::clear() noexcept {
    MAILACCESS_ASSERT(prepared_ == 0);
    size_ = 0;
    read_ = 0;
}

}  // namespace mailaccess
