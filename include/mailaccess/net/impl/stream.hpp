#pragma once

// Template bodies of net::stream; included at the end of net/stream.hpp.

#include <asio/post.hpp>

namespace mailaccess::net {

template <class MutableBuffers, class Handler>
void stream::async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (auto* tls = std::get_if<tls_stream_type>(&layer_))
        tls->async_read_some(buffers, std::forward<Handler>(handler));
    else
        std::get<asio::ip::tcp::socket>(layer_).async_read_some(buffers, std::forward<Handler>(handler));
}

template <class ConstBuffers, class Handler>
void stream::async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (auto* tls = std::get_if<tls_stream_type>(&layer_))
        tls->async_write_some(buffers, std::forward<Handler>(handler));
    else
        std::get<asio::ip::tcp::socket>(layer_).async_write_some(buffers, std::forward<Handler>(handler));
}

template <class Handler>
void stream::async_handshake(asio::ssl::stream_base::handshake_type role, Handler&& handler) {
    std::get<tls_stream_type>(layer_).async_handshake(role, std::forward<Handler>(handler));
}

template <class Handler>
void stream::async_shutdown(Handler&& handler) {
    if (auto* tls = std::get_if<tls_stream_type>(&layer_)) {
        tls->async_shutdown(std::forward<Handler>(handler));
    } else {
        // Keep the asynchronous contract: never call the handler inline.
        asio::post(get_executor(), [h = std::forward<Handler>(handler)]() mutable { h(std::error_code{}); });
    }
}

}  // namespace mailaccess::net
