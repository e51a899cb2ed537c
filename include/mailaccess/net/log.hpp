#pragma once

#include <functional>
#include <string_view>

namespace mailaccess::net {

/// Severity of a message passed to a `log_function`.
enum class log_level {
    debug,    ///< per-connection detail: accepted, closed, timed out
    info,     ///< server lifecycle: listening, stopping
    warning,  ///< refused connections, failed handshakes
    error,    ///< a host callback or engine threw; a connection was dropped
};

/// The logging hook: the library has no global logger. The text is valid only
/// during the call and never contains credentials or message contents.
/// It may be called from any I/O or store thread, concurrently: the host
/// function must be thread-safe. An empty function disables logging.
using log_function = std::function<void(log_level, std::string_view)>;

}  // namespace mailaccess::net
