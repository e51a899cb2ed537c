#include <mailaccess/net/client.hpp>

#include <mailaccess/net/error.hpp>

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>

#include <optional>

namespace mailaccess::net {
namespace {

using tcp = asio::ip::tcp;

// One deadline for the whole sequence: the timer closes whatever is in
// flight, and the completion maps the resulting abort to errc::timed_out.
struct connect_op : std::enable_shared_from_this<connect_op> {
    connect_op(asio::any_io_executor ex, connect_options o, connect_handler h)
        : strand(asio::make_strand(ex)),
          resolver(strand),
          s(tcp::socket(strand)),
          timer(strand),
          options(std::move(o)),
          handler(std::move(h)) {}

    void start() {
        timer.expires_after(options.timeout);
        timer.async_wait([self = shared_from_this()](std::error_code ec) {
            if (ec || self->done) return;
            self->timed_out = true;
            self->resolver.cancel();
            self->s.close();
        });
        resolver.async_resolve(
            options.host, options.port,
            [self = shared_from_this()](std::error_code ec, tcp::resolver::results_type results) {
                if (ec) return self->complete(ec);
                self->connect(results);
            });
    }

    void connect(const tcp::resolver::results_type& results) {
        asio::async_connect(
            s.socket(), results, [self = shared_from_this()](std::error_code ec, const tcp::endpoint&) {
                if (ec) return self->complete(ec);
                // Commands are small and answered one by one; see server.cpp.
                std::error_code nodelay_error;
                self->s.socket().set_option(tcp::no_delay(true), nodelay_error);
                if (!self->options.tls) return self->complete({});
                const std::string& name =
                    self->options.server_name.empty() ? self->options.host : self->options.server_name;
                if (auto setup = self->s.start_tls_client(self->options.tls, name))
                    return self->complete(setup);
                self->s.async_handshake(asio::ssl::stream_base::client,
                                        [self](std::error_code hec) { self->complete(hec); });
            });
    }

    void complete(std::error_code ec) {
        if (done) return;
        done = true;
        timer.cancel();
        if (timed_out) ec = errc::timed_out;
        if (ec) s.close();
        handler(ec, std::move(s));
    }

    asio::strand<asio::any_io_executor> strand;
    tcp::resolver resolver;
    stream s;
    asio::steady_timer timer;
    connect_options options;
    connect_handler handler;
    bool done = false;
    bool timed_out = false;
};

struct start_tls_op : std::enable_shared_from_this<start_tls_op> {
    start_tls_op(stream& st, std::function<void(std::error_code)> h)
        : s(st), timer(st.get_executor()), handler(std::move(h)) {}

    void start(std::shared_ptr<asio::ssl::context> ctx, const std::string& name,
               std::chrono::milliseconds timeout) {
        if (!ctx || s.is_tls()) {
            return asio::post(s.get_executor(),
                              [self = shared_from_this()] { self->complete(errc::tls_setup_failed); });
        }
        if (auto ec = s.start_tls_client(std::move(ctx), name)) {
            return asio::post(s.get_executor(), [self = shared_from_this(), ec] { self->complete(ec); });
        }
        timer.expires_after(timeout);
        timer.async_wait([self = shared_from_this()](std::error_code ec) {
            if (ec || self->done) return;
            self->timed_out = true;
            self->s.close();
        });
        s.async_handshake(asio::ssl::stream_base::client,
                          [self = shared_from_this()](std::error_code ec) { self->complete(ec); });
    }

    void complete(std::error_code ec) {
        if (done) return;
        done = true;
        timer.cancel();
        if (timed_out) ec = errc::timed_out;
        handler(ec);
    }

    stream& s;
    asio::steady_timer timer;
    std::function<void(std::error_code)> handler;
    bool done = false;
    bool timed_out = false;
};

}  // namespace

void async_connect(asio::any_io_executor executor, connect_options options, connect_handler handler) {
    auto op = std::make_shared<connect_op>(std::move(executor), std::move(options), std::move(handler));
    asio::post(op->strand, [op] { op->start(); });
}

void async_start_tls(stream& s, std::shared_ptr<asio::ssl::context> ctx, std::string server_name,
                     std::chrono::milliseconds timeout, std::function<void(std::error_code)> handler) {
    auto op = std::make_shared<start_tls_op>(s, std::move(handler));
    op->start(std::move(ctx), server_name, timeout);
}

}  // namespace mailaccess::net
