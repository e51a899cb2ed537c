#include <mailaccess/net/stream.hpp>

#include <mailaccess/core/assert.hpp>
#include <mailaccess/net/error.hpp>
#include <mailaccess/net/tls_context.hpp>

#include <openssl/ssl.h>

namespace mailaccess::net {

stream::stream(asio::ip::tcp::socket socket) : layer_(std::in_place_index<0>, std::move(socket)) {}
stream::stream(stream&&) noexcept = default;
stream& stream::operator=(stream&&) noexcept = default;
stream::~stream() = default;

stream::executor_type stream::get_executor() noexcept { return socket().get_executor(); }

asio::ip::tcp::socket& stream::socket() noexcept {
    if (auto* tls = std::get_if<tls_stream_type>(&layer_)) return tls->next_layer();
    return std::get<asio::ip::tcp::socket>(layer_);
}

const asio::ip::tcp::socket& stream::socket() const noexcept {
    if (const auto* tls = std::get_if<tls_stream_type>(&layer_)) return tls->next_layer();
    return std::get<asio::ip::tcp::socket>(layer_);
}

bool stream::is_tls() const noexcept { return layer_.index() == 1; }

ssl_st* stream::native_tls_handle() noexcept {
    auto* tls = std::get_if<tls_stream_type>(&layer_);
    return tls != nullptr ? tls->native_handle() : nullptr;
}

void stream::start_tls_server(std::shared_ptr<asio::ssl::context> ctx) {
    MAILACCESS_ASSERT(ctx != nullptr && !is_tls());
    // Move the connected socket into the TLS layer; the fd is unchanged, so
    // the peer sees one connection (RFC 2595 section 4).
    asio::ip::tcp::socket sock = std::move(std::get<asio::ip::tcp::socket>(layer_));
    layer_.emplace<tls_stream_type>(std::move(sock), *ctx);
    ctx_ = std::move(ctx);
}

std::error_code stream::start_tls_client(std::shared_ptr<asio::ssl::context> ctx,
                                         std::string_view server_name) {
    MAILACCESS_ASSERT(ctx != nullptr && !is_tls());
    asio::ip::tcp::socket sock = std::move(std::get<asio::ip::tcp::socket>(layer_));
    layer_.emplace<tls_stream_type>(std::move(sock), *ctx);
    ctx_ = std::move(ctx);
    return set_client_server_name(native_tls_handle(), server_name);
}

void stream::close() noexcept {
    std::error_code ignored;
    asio::ip::tcp::socket& s = socket();
    if (s.is_open()) {
        s.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        s.close(ignored);
    }
}

}  // namespace mailaccess::net
