#include "http_server.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace {

// One request over a fresh loopback connection; the whole answer.
std::string round_trip(std::uint16_t port, const std::string& request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    std::size_t sent = 0;
    while (sent < request.size()) {
        const auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;  // the server may stop reading once it has refused
        sent += static_cast<std::size_t>(n);
    }
    std::string answer;
    char buf[4096];
    for (;;) {
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        answer.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return answer;
}

}  // namespace

TEST_CASE("http_server passes requests to the handler and bounds bodies and headers", "[webmail][http]") {
    webmail::http_server_options options;
    options.port = 0;
    options.max_body_size = 100;
    options.max_header_memory = 4096;
    webmail::http_request seen;
    webmail::http_server server(options, [&seen](const webmail::http_request& r) {
        seen = r;
        if (r.path == "/throw") throw std::runtime_error("handler failure");
        webmail::http_response out;
        out.status = 201;
        out.body = "{\"ok\":true}";
        out.set_header("X-Test", "yes");
        return out;
    });
    REQUIRE_FALSE(server.start());
    const std::uint16_t port = server.port();
    REQUIRE(port != 0);

    const std::string ok = round_trip(port,
                                      "POST /api/x?folder=Za%C5%BC%C3%B3%C5%82%C4%87&uid=7 HTTP/1.1\r\n"
                                      "Host: 127.0.0.1\r\nX-CSRF-Token: abc\r\nContent-Length: 5\r\n"
                                      "Connection: close\r\n\r\nhello");
    CHECK(ok.rfind("HTTP/1.1 201", 0) == 0);
    CHECK(ok.find("X-Test: yes") != std::string::npos);
    CHECK(seen.method == "POST");
    CHECK(seen.path == "/api/x");
    CHECK(seen.param("folder") == "Zażółć");
    CHECK(seen.param("uid") == "7");
    CHECK(seen.header("x-csrf-token") == "abc");
    CHECK(seen.body == "hello");
    CHECK(seen.remote_address == "127.0.0.1");

    seen = {};
    const std::string big = round_trip(port,
                                       "POST /api/x HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n"
                                       "Connection: close\r\n\r\n" +
                                           std::string(1000, 'a'));
    CHECK(big.rfind("HTTP/1.1 413", 0) == 0);
    CHECK(seen.method.empty());  // the handler never saw it

    const std::string long_header =
        round_trip(port, "GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(8000, 'a') + "\r\n\r\n");
    CHECK(long_header.rfind("HTTP/1.1 431", 0) == 0);

    const std::string thrown =
        round_trip(port, "GET /throw HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    CHECK(thrown.rfind("HTTP/1.1 500", 0) == 0);
    server.stop();
}
