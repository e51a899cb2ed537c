#pragma once

// A blocking test client with bounded waits: each call runs a private
// io_context for at most a few seconds, so a broken server fails the test
// instead of hanging it.

#include <mailaccess/net/client.hpp>
#include <mailaccess/net/stream.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <system_error>

namespace test {

using namespace std::chrono_literals;

class client {
public:
    /// Connects (plain, or implicit TLS when `tls` is set) to `ep`.
    std::error_code connect(const asio::ip::tcp::endpoint& ep,
                            std::shared_ptr<asio::ssl::context> tls = nullptr, std::string server_name = {}) {
        mailaccess::net::connect_options o;
        o.host = ep.address().to_string();
        o.port = std::to_string(ep.port());
        o.timeout = 3s;
        o.tls = std::move(tls);
        o.server_name = std::move(server_name);
        std::error_code result = make_error_code(std::errc::timed_out);
        mailaccess::net::async_connect(ioc_.get_executor(), o,
                                       [&](std::error_code ec, mailaccess::net::stream s) {
                                           result = ec;
                                           if (!ec) s_.emplace(std::move(s));
                                       });
        ioc_.restart();
        ioc_.run_for(4s);
        return result;
    }

    /// One line without CRLF; nullopt on EOF, error or timeout.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout = 3s) {
        for (;;) {
            auto eol = buf_.find("\r\n");
            if (eol != std::string::npos) {
                std::string line = buf_.substr(0, eol);
                buf_.erase(0, eol + 2);
                return line;
            }
            if (!read_some(timeout)) return std::nullopt;
        }
    }

    bool write(std::string_view text) {
        bool ok = false, done = false;
        asio::async_write(*s_, asio::buffer(text.data(), text.size()), [&](std::error_code ec, std::size_t) {
            ok = !ec;
            done = true;
        });
        run_until(done, 3s);
        return ok;
    }

    std::error_code start_tls(std::shared_ptr<asio::ssl::context> ctx, std::string name) {
        std::error_code result = make_error_code(std::errc::timed_out);
        bool done = false;
        mailaccess::net::async_start_tls(*s_, std::move(ctx), std::move(name), 3s, [&](std::error_code ec) {
            result = ec;
            done = true;
        });
        run_until(done, 4s);
        return result;
    }

    /// True if the server closes the connection within `timeout`.
    bool wait_closed(std::chrono::milliseconds timeout = 3s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            if (!read_some(left)) return !timed_out_;
        }
    }

    mailaccess::net::stream& stream() { return *s_; }

private:
    bool read_some(std::chrono::milliseconds timeout) {
        char tmp[4096];
        bool ok = false, done = false;
        timed_out_ = false;
        s_->async_read_some(asio::buffer(tmp), [&](std::error_code ec, std::size_t n) {
            done = true;
            if (!ec) {
                buf_.append(tmp, n);
                ok = true;
            }
        });
        if (!run_until(done, timeout)) timed_out_ = true;
        return ok;
    }

    // Runs until `done`; on timeout closes the stream and drains the aborted
    // handler so no callback outlives the caller's locals.
    bool run_until(bool& done, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        ioc_.restart();
        while (!done && std::chrono::steady_clock::now() < deadline) {
            ioc_.run_one_until(deadline);
        }
        if (done) return true;
        s_->close();
        ioc_.restart();
        for (int i = 0; i < 20 && !done; ++i) ioc_.run_one_for(100ms);
        return false;
    }

    asio::io_context ioc_;
    std::optional<mailaccess::net::stream> s_;
    std::string buf_;
    bool timed_out_ = false;
};

}  // namespace test
