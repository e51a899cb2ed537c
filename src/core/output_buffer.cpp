#include <mailaccess/core/output_buffer.hpp>

#include <mailaccess/core/assert.hpp>

namespace mailaccess {

void output_buffer::consume(std::size_t n) {
    MAILACCESS_ASSERT(n <= bytes_.size() - sent_);
    sent_ += n;
    if (sent_ == bytes_.size()) {
        // Everything written: start over, keeping the capacity.
        bytes_.clear();
        sent_ = 0;
    }
}

}  // namespace mailaccess
