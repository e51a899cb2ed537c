#include <mailaccess/core/input_buffer.hpp>

#include <mailaccess/core/assert.hpp>

namespace mailaccess {

void input_buffer::compact() {
    // Dropping the consumed prefix only here keeps unread() views stable
    // between reads, and costs one memmove per read instead of one per line.
    if (read_ > 0) {
        bytes_.erase(0, read_);
        read_ = 0;
    }
}

std::span<char> input_buffer::prepare(std::size_t n) {
    MAILACCESS_ASSERT(prepared_ == 0);
    compact();
    const std::size_t at = bytes_.size();
    bytes_.resize(at + n);
    prepared_ = n;
    return {bytes_.data() + at, n};
}

void input_buffer::commit(std::size_t n) {
    MAILACCESS_ASSERT(n <= prepared_);
    bytes_.resize(bytes_.size() - prepared_ + n);
    prepared_ = 0;
}

void input_buffer::append(std::string_view bytes) {
    MAILACCESS_ASSERT(prepared_ == 0);
    compact();
    bytes_.append(bytes);
}

void input_buffer::consume(std::size_t n) {
    MAILACCESS_ASSERT(n <= size());
    // No compaction here: views of the bytes just consumed (a parsed line)
    // must stay valid until the next prepare() or append().
    read_ += n;
}

void input_buffer::clear() noexcept {
    MAILACCESS_ASSERT(prepared_ == 0);
    bytes_.clear();
    read_ = 0;
}

}  // namespace mailaccess
