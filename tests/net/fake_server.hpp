#pragma once

// A scripted, misbehaving server for the client tests (POP3, IMAP): it accepts one
// connection on loopback and runs a blocking script on its own thread. The
// destructor shuts the sockets down, so a script blocked in a read ends and
// the thread is joined; nothing can hang the test.

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace test {

class fake_connection {
public:
    explicit fake_connection(asio::ip::tcp::socket& s) : s_(s) {}

    /// One line without CRLF; nullopt when the peer closed.
    std::optional<std::string> read_line() {
        for (;;) {
            const auto eol = buf_.find("\r\n");
            if (eol != std::string::npos) {
                std::string line = buf_.substr(0, eol);
                buf_.erase(0, eol + 2);
                return line;
            }
            char tmp[1024];
            std::error_code ec;
            const std::size_t n = s_.read_some(asio::buffer(tmp), ec);
            if (ec) return std::nullopt;
            buf_.append(tmp, n);
        }
    }

    /// Reads lines until one starts with `prefix`; false when the peer closed.
    bool expect(std::string_view prefix) {
        for (;;) {
            auto line = read_line();
            if (!line) return false;
            if (line->rfind(prefix, 0) == 0) return true;
        }
    }

    void write(std::string_view text) {
        std::error_code ec;
        asio::write(s_, asio::buffer(text.data(), text.size()), ec);
    }

    /// Blocks until the client closes the connection.
    void wait_closed() {
        while (read_line()) {
        }
    }

    void close() {
        std::error_code ec;
        s_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        s_.close(ec);
    }

private:
    asio::ip::tcp::socket& s_;
    std::string buf_;
};

class fake_server {
public:
    using script = std::function<void(fake_connection&)>;

    explicit fake_server(script s)
        : acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), socket_(io_) {
        thread_ = std::thread([this, s = std::move(s)] {
            std::error_code ec;
            acceptor_.accept(socket_, ec);
            if (ec) return;
            fd_ = socket_.native_handle();
            fake_connection c(socket_);
            s(c);
            fd_ = -1;
            c.close();
        });
    }

    ~fake_server() {
        ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes a blocked accept
        if (const int fd = fd_.load(); fd >= 0) ::shutdown(fd, SHUT_RDWR);
        thread_.join();
    }

    std::string port() const { return std::to_string(acceptor_.local_endpoint().port()); }

private:
    asio::io_context io_;
    asio::ip::tcp::acceptor acceptor_;
    asio::ip::tcp::socket socket_;
    std::atomic<int> fd_{-1};
    std::thread thread_;
};

}  // namespace test
