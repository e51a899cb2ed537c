#include <mailaccess/net/server.hpp>

#include "fixture.hpp"
#include "test_client.hpp"

#include <mailaccess/net/error.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace net = mailaccess::net;
using namespace std::chrono_literals;

TEST_CASE("add_listener validates its options", "[net][server]") {
    net::server srv;
    net::listener_options bad;
    bad.address = "not an address";
    CHECK(srv.add_listener(bad, test::toy_factory()).error() == net::errc::invalid_address);
    net::listener_options no_ctx;
    no_ctx.implicit_tls = true;
    CHECK(srv.add_listener(no_ctx, test::toy_factory()).error() == net::errc::tls_not_configured);
    auto ok = srv.add_listener(net::listener_options{}, test::toy_factory());
    REQUIRE(ok);
    CHECK(ok->port() != 0);
    CHECK(srv.local_endpoints().size() == 1);
    REQUIRE_FALSE(srv.start());
    CHECK(srv.start() == net::errc::server_stopped);
    CHECK(srv.add_listener(net::listener_options{}, test::toy_factory()).error() ==
          net::errc::server_stopped);
}

TEST_CASE("connection limit refuses the connection over the limit", "[net][server]") {
    net::server_options so;
    so.max_connections = 2;
    net::server srv(so);
    net::listener_options lo;
    lo.refusal_line = "-ERR [SYS/TEMP] Too many connections\r\n";
    auto ep = srv.add_listener(lo, test::toy_factory());
    REQUIRE(ep);
    REQUIRE_FALSE(srv.start());

    test::client a, b, c;
    REQUIRE_FALSE(a.connect(*ep));
    CHECK(a.read_line() == "+OK toy ready");
    REQUIRE_FALSE(b.connect(*ep));
    CHECK(b.read_line() == "+OK toy ready");
    REQUIRE_FALSE(c.connect(*ep));
    CHECK(c.read_line() == "-ERR [SYS/TEMP] Too many connections");
    CHECK(c.wait_closed());
    CHECK(srv.connection_count() == 2);

    // Freeing a slot admits the next one.
    CHECK(a.write("QUIT\r\n"));
    CHECK(a.read_line() == "+OK bye");
    CHECK(a.wait_closed());
    for (int i = 0; i < 100 && srv.connection_count() != 1; ++i) std::this_thread::sleep_for(10ms);
    test::client d;
    REQUIRE_FALSE(d.connect(*ep));
    CHECK(d.read_line() == "+OK toy ready");
}

TEST_CASE("an engine that throws closes only its own connection", "[net][server]") {
    std::mutex m;
    std::vector<std::pair<net::log_level, std::string>> logs;
    net::server_options so;
    so.io_threads = 2;
    so.log = [&](net::log_level level, std::string_view text) {
        std::lock_guard lock(m);
        logs.emplace_back(level, std::string(text));
    };
    net::server srv(so);
    net::listener_options lo;
    lo.connection.failure_line = "-ERR [SYS/TEMP] internal error\r\n";
    auto ep = srv.add_listener(lo, test::toy_factory());
    REQUIRE(ep);
    REQUIRE_FALSE(srv.start());

    test::client good, bad;
    REQUIRE_FALSE(good.connect(*ep));
    REQUIRE_FALSE(bad.connect(*ep));
    CHECK(good.read_line() == "+OK toy ready");
    CHECK(bad.read_line() == "+OK toy ready");

    CHECK(bad.write("ENGINE throw\r\n"));
    CHECK(bad.read_line() == "-ERR [SYS/TEMP] internal error");
    CHECK(bad.wait_closed());

    CHECK(good.write("ENGINE still\r\n"));
    CHECK(good.read_line() == "+OK engine [still]");
    test::client later;  // the server keeps accepting
    REQUIRE_FALSE(later.connect(*ep));
    CHECK(later.read_line() == "+OK toy ready");

    std::lock_guard lock(m);
    bool logged = false;
    for (auto& [level, text] : logs)
        if (level == net::log_level::error && text.find("engine exploded") != std::string::npos)
            logged = true;
    CHECK(logged);
}

TEST_CASE("a factory that throws refuses only that connection", "[net][server]") {
    net::server srv;
    std::atomic<int> calls{0};
    auto ep = srv.add_listener(net::listener_options{}, [&](const net::connection_info& info) {
        if (calls++ == 0) throw std::runtime_error("no session for you");
        return test::toy_factory()(info);
    });
    REQUIRE(ep);
    REQUIRE_FALSE(srv.start());
    test::client first, second;
    REQUIRE_FALSE(first.connect(*ep));
    CHECK(first.wait_closed());
    REQUIRE_FALSE(second.connect(*ep));
    CHECK(second.read_line() == "+OK toy ready");
}

TEST_CASE("stop() closes open connections and returns", "[net][server]") {
    test::tls_setup tls;
    net::server_options so;
    so.shutdown_timeout = 1s;
    net::server srv(so);
    net::listener_options plain;
    auto p = srv.add_listener(plain, test::toy_factory(60s));
    net::listener_options implicit;
    implicit.implicit_tls = true;
    implicit.tls = tls.server;
    auto t = srv.add_listener(implicit, test::toy_factory(60s));
    REQUIRE(p);
    REQUIRE(t);
    REQUIRE_FALSE(srv.start());

    test::client idle, sleeping, secure;
    REQUIRE_FALSE(idle.connect(*p));
    REQUIRE_FALSE(sleeping.connect(*p));
    REQUIRE_FALSE(secure.connect(*t, tls.client, "localhost"));
    CHECK(idle.read_line() == "+OK toy ready");
    CHECK(sleeping.read_line() == "+OK toy ready");
    CHECK(secure.read_line() == "+OK toy ready");
    CHECK(sleeping.write("SLEEP 30000\r\n"));
    std::this_thread::sleep_for(50ms);
    CHECK(srv.connection_count() == 3);

    const auto started = std::chrono::steady_clock::now();
    srv.stop();
    CHECK(std::chrono::steady_clock::now() - started < 3s);  // a bound, not a timing assertion
    CHECK(srv.connection_count() == 0);
    CHECK(idle.wait_closed());
    CHECK(sleeping.wait_closed());
    CHECK(secure.wait_closed());

    test::client late;
    CHECK(late.connect(*p));  // listener is gone
    srv.stop();               // idempotent
}

TEST_CASE("request_stop() wakes wait()", "[net][server]") {
    net::server srv;
    REQUIRE(srv.add_listener(net::listener_options{}, test::toy_factory()));
    REQUIRE_FALSE(srv.start());
    std::thread stopper([&] {
        std::this_thread::sleep_for(50ms);
        srv.request_stop();
    });
    srv.wait();
    stopper.join();
    CHECK(srv.connection_count() == 0);
}

TEST_CASE("async_connect reports a refused connection", "[net][client]") {
    asio::ip::tcp::endpoint closed;
    {
        net::server srv;  // bind a port, then release it
        auto ep = srv.add_listener(net::listener_options{}, test::toy_factory());
        REQUIRE(ep);
        closed = *ep;
    }
    test::client c;
    CHECK(c.connect(closed));
}
