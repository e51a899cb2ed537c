#include <mailaccess/net/connection.hpp>

#include "fixture.hpp"
#include "test_client.hpp"

#include <mailaccess/net/error.hpp>

#include <catch2/catch.hpp>

#include <thread>

namespace net = mailaccess::net;
using namespace std::chrono_literals;

static_assert(net::driven_session<toy::session>);
static_assert(std::is_same_v<net::session_traits<toy::session>::delay, toy::delay>);

namespace {

// One server with a plain (STARTTLS-capable) listener and an implicit-TLS
// listener, engines on a host-supplied pool so the test can tell where they ran.
struct toy_server {
    explicit toy_server(std::chrono::milliseconds timeout = 5s, bool starttls = true) {
        net::server_options so;
        so.store_executor = store.get_executor();
        srv.emplace(so);
        net::listener_options plain_opts;
        if (starttls) plain_opts.tls = tls.server;
        auto p = srv->add_listener(plain_opts, test::toy_factory(timeout, &store));
        REQUIRE(p);
        plain = *p;
        net::listener_options tls_opts;
        tls_opts.implicit_tls = true;
        tls_opts.tls = tls.server;
        auto t = srv->add_listener(tls_opts, test::toy_factory(timeout, &store));
        REQUIRE(t);
        implicit = *t;
        REQUIRE_FALSE(srv->start());
    }
    ~toy_server() {
        srv.reset();
        store.join();
    }
    test::tls_setup tls;
    asio::thread_pool store{2};
    std::optional<net::server> srv;
    asio::ip::tcp::endpoint plain;
    asio::ip::tcp::endpoint implicit;
};

void exercise(test::client& c) {
    CHECK(c.write("ECHO hello\r\n"));
    CHECK(c.read_line() == "hello");
    CHECK(c.write("ENGINE ping\r\n"));
    CHECK(c.read_line() == "+OK engine [ping] store");  // ran on the store pool
    CHECK(c.write("SLEEP 50\r\n"));
    CHECK(c.read_line() == "+OK slept");
    CHECK(c.write("ECHO a\r\nECHO b\r\n"));  // pipelined
    CHECK(c.read_line() == "a");
    CHECK(c.read_line() == "b");
    CHECK(c.write("QUIT\r\n"));
    CHECK(c.read_line() == "+OK bye");
    CHECK(c.wait_closed());
}

}  // namespace

TEST_CASE("driver runs a session over plain TCP", "[net][driver]") {
    toy_server s;
    test::client c;
    REQUIRE_FALSE(c.connect(s.plain));
    CHECK(c.read_line() == "+OK toy ready");
    CHECK(c.write("TLS?\r\n"));
    CHECK(c.read_line() == "+OK tls no");
    exercise(c);
}

TEST_CASE("driver runs a session over implicit TLS", "[net][driver]") {
    toy_server s;
    test::client c;
    REQUIRE_FALSE(c.connect(s.implicit, s.tls.client, "localhost"));
    CHECK(c.read_line() == "+OK toy ready");
    CHECK(c.write("TLS?\r\n"));
    CHECK(c.read_line() == "+OK tls yes");
    exercise(c);
}

TEST_CASE("driver upgrades a plain connection with STARTTLS", "[net][driver]") {
    toy_server s;
    test::client c;
    REQUIRE_FALSE(c.connect(s.plain));
    CHECK(c.read_line() == "+OK toy ready");
    CHECK(c.write("STARTTLS\r\n"));
    CHECK(c.read_line() == "+OK begin TLS");
    REQUIRE_FALSE(c.start_tls(s.tls.client, "localhost"));
    CHECK(c.stream().is_tls());
    CHECK(c.write("TLS?\r\n"));
    CHECK(c.read_line() == "+OK tls yes");
    exercise(c);
}

TEST_CASE("STARTTLS without a TLS context closes the connection", "[net][driver]") {
    toy_server s(5s, false);
    test::client c;
    REQUIRE_FALSE(c.connect(s.plain));
    CHECK(c.read_line() == "+OK toy ready");
    CHECK(c.write("STARTTLS\r\n"));
    CHECK(c.read_line() == "+OK begin TLS");
    CHECK(c.wait_closed());
}

TEST_CASE("read timeout closes an idle connection", "[net][driver]") {
    toy_server s(200ms);
    test::client idle;
    REQUIRE_FALSE(idle.connect(s.plain));
    CHECK(idle.read_line() == "+OK toy ready");
    CHECK(idle.wait_closed(3s));

    // A TLS connection idling after its handshake is closed the same way.
    test::client idle_tls;
    REQUIRE_FALSE(idle_tls.connect(s.implicit, s.tls.client, "localhost"));
    CHECK(idle_tls.read_line() == "+OK toy ready");
    CHECK(idle_tls.wait_closed(3s));

    for (int i = 0; i < 100 && s.srv->connection_count() != 0; ++i) std::this_thread::sleep_for(10ms);
    CHECK(s.srv->connection_count() == 0);
}

TEST_CASE("a TLS handshake that never starts is bounded", "[net][driver]") {
    net::server srv;
    test::tls_setup tls;
    net::listener_options lo;
    lo.implicit_tls = true;
    lo.tls = tls.server;
    lo.connection.handshake_timeout = 200ms;
    auto ep = srv.add_listener(lo, test::toy_factory());
    REQUIRE(ep);
    REQUIRE_FALSE(srv.start());
    test::client c;
    REQUIRE_FALSE(c.connect(*ep));  // plain TCP to a TLS port: sends no ClientHello
    CHECK(c.wait_closed(3s));
}

TEST_CASE("a session that throws loses its connection, not the server", "[net][driver]") {
    net::server srv;
    net::listener_options lo;
    lo.connection.failure_line = "* BYE internal error\r\n";
    auto ep = srv.add_listener(lo, test::toy_factory());
    REQUIRE(ep);
    REQUIRE_FALSE(srv.start());
    test::client bad, good;
    REQUIRE_FALSE(bad.connect(*ep));
    REQUIRE_FALSE(good.connect(*ep));
    CHECK(bad.read_line() == "+OK toy ready");
    CHECK(good.read_line() == "+OK toy ready");
    CHECK(bad.write("CRASH\r\n"));
    CHECK(bad.read_line() == "* BYE internal error");
    CHECK(bad.wait_closed());
    CHECK(good.write("ECHO alive\r\n"));
    CHECK(good.read_line() == "alive");
}
