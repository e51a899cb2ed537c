#include <mailaccess/core/output_buffer.hpp>

#include <mailaccess/core/assert.hpp>

namespace mailaccess {

namespace {
constexpr std::size_t compact_threshold = 64 * 1024;
}  // namespace

void output_buffer::consume(std::size_t n) {
    MAILACCESS_ASSERT(n <= bytes_.size() - sent_);
    sent_ += n;
    if (sent_ == bytes_.size()) {
        // Everything written: start over, keeping the capacity.
        bytes_.clear();
        sent_ = 0;
    } else if (sent_ >= compact_threshold && sent_ >= bytes_.size() / 2) {
        // Moves no more bytes than it drops: linear overall.
        bytes_.erase(0, sent_);
        sent_ = 0;
    }
}

}  // namespace mailaccess
