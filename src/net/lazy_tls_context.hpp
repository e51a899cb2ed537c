#pragma once

// The TLS context of an async client, built on first use: loading the CA
// store is most of what constructing a client costs, and a client that
// speaks plain text, or many clients that share a context given to them,
// never need it. Not installed.

#include <mailaccess/net/tls_context.hpp>

#include <asio/ssl/context.hpp>

#include <memory>
#include <mutex>
#include <system_error>

namespace mailaccess::net::detail {

class lazy_tls_context {
public:
    /// `given` (if non-null) is used as it is; otherwise one is made from `options`.
    lazy_tls_context(std::shared_ptr<asio::ssl::context> given, client_tls_options options)
        : context_(std::move(given)), options_(std::move(options)) {}

    /// The context, or null when it could not be built (`error()` says why).
    /// Safe to call from any thread.
    std::shared_ptr<asio::ssl::context> get() const {
        std::call_once(once_, [this] {
            if (context_) return;
            if (auto made = make_client_tls_context(options_))
                context_ = *made;
            else
                error_ = made.error();
        });
        return context_;
    }

    /// Why `get()` returned null.
    std::error_code error() const {
        get();
        return error_;
    }

private:
    mutable std::once_flag once_;
    mutable std::shared_ptr<asio::ssl::context> context_;
    mutable std::error_code error_;
    client_tls_options options_;
};

}  // namespace mailaccess::net::detail
