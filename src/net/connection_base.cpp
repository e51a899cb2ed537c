#include <mailaccess/net/connection_base.hpp>

namespace mailaccess::net {

connection_base::~connection_base() {
    // The server's bookkeeping must never take a process down from a
    // destructor; it is noexcept in practice (a counter and a notify).
    if (on_destroy_) on_destroy_();
}

}  // namespace mailaccess::net
