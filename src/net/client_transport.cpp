#include "client_transport.hpp"

#include <asio/buffer.hpp>
#include <asio/write.hpp>

namespace mailaccess::net::detail {

bool client_transport::connect(connect_options options, done_handler done) {
    if (state_ == state::open || state_ == state::connecting) return false;
    state_ = state::connecting;
    ++generation_;
    server_name_ = options.server_name.empty() ? options.host : options.server_name;
    const bool implicit = options.tls != nullptr;
    net::async_connect(
        strand_, std::move(options),
        [this, gen = generation_, implicit, done = std::move(done)](std::error_code ec, stream s) {
            if (gen != generation_) {
                if (!ec) s.close();
                return;
            }
            if (ec) {
                state_ = state::closed;
                return done(ec);
            }
            stream_ = std::make_shared<stream>(std::move(s));
            tls_active_ = implicit;
            state_ = state::open;
            done({});
        });
    return true;
}

void client_transport::read(read_handler done) {
    reading_ = true;
    stream_->async_read_some(
        asio::buffer(rbuf_),
        [this, gen = generation_, keep = stream_, done = std::move(done)](std::error_code ec, std::size_t n) {
            if (gen != generation_) return;
            reading_ = false;
            done(ec, std::string_view(rbuf_.data(), ec ? 0 : n));
        });
}

void client_transport::write(std::string_view data, done_handler done) {
    writing_ = true;
    wbuf_.assign(data);
    asio::async_write(
        *stream_, asio::buffer(wbuf_),
        [this, gen = generation_, keep = stream_, done = std::move(done)](std::error_code ec, std::size_t) {
            if (gen != generation_) return;
            writing_ = false;
            done(ec);
        });
}

void client_transport::start_tls(std::shared_ptr<asio::ssl::context> ctx, std::chrono::milliseconds timeout,
                                 done_handler done) {
    handshaking_ = true;
    async_start_tls(*stream_, std::move(ctx), server_name_, timeout,
                    [this, gen = generation_, keep = stream_, done = std::move(done)](std::error_code ec) {
                        if (gen != generation_) return;
                        handshaking_ = false;
                        if (!ec) tls_active_ = true;
                        done(ec);
                    });
}

void client_transport::close() {
    ++generation_;
    if (stream_) stream_->close();
    stream_.reset();
    if (state_ != state::idle) state_ = state::closed;
    reading_ = writing_ = handshaking_ = false;
    tls_active_ = false;
}

}  // namespace mailaccess::net::detail
