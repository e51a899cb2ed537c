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

// --- Idling sessions: store notifications and the poll (IMAP IDLE) ---------

static_assert(net::notifiable_session<toy::session>);
static_assert(net::change_source<toy::engine>);

namespace {

// A toy server whose engines watch `board` (the toy store). The default poll
// interval is long, so only the board's notifications can deliver updates.
struct idle_server {
    explicit idle_server(std::chrono::milliseconds poll = 60s, std::chrono::milliseconds timeout = 5s) {
        net::server_options so;
        so.store_executor = store.get_executor();
        srv.emplace(so);
        net::listener_options plain_opts;
        plain_opts.tls = tls.server;
        plain_opts.connection.idle_poll_interval = poll;
        auto p = srv->add_listener(plain_opts, test::toy_factory(timeout, &store, &board));
        REQUIRE(p);
        plain = *p;
        net::listener_options tls_opts = plain_opts;
        tls_opts.implicit_tls = true;
        auto t = srv->add_listener(tls_opts, test::toy_factory(timeout, &store, &board));
        REQUIRE(t);
        implicit = *t;
        REQUIRE_FALSE(srv->start());
    }
    ~idle_server() {
        srv.reset();
        store.join();
    }
    void connect(test::client& c, bool use_tls) {
        if (use_tls)
            REQUIRE_FALSE(c.connect(implicit, tls.client, "localhost"));
        else
            REQUIRE_FALSE(c.connect(plain));
        REQUIRE(c.read_line() == "+OK toy ready");
    }
    void start_idle(test::client& c) {
        REQUIRE(c.write("IDLE\r\n"));
        REQUIRE(c.read_line() == "+ idling");
    }
    test::tls_setup tls;
    toy::board board;
    asio::thread_pool store{2};
    std::optional<net::server> srv;
    asio::ip::tcp::endpoint plain;
    asio::ip::tcp::endpoint implicit;
};

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST_CASE("a store change reaches an idling session while its read is pending", "[net][driver][idle]") {
    idle_server s;
    const bool use_tls = GENERATE(false, true);
    CAPTURE(use_tls);
    test::client c;
    s.connect(c, use_tls);
    CHECK(s.board.listener_count() == 0);  // subscribed only while idling
    s.start_idle(c);
    CHECK(s.board.listener_count() == 1);

    const auto t0 = std::chrono::steady_clock::now();
    s.board.post("hello");  // from this thread, as another session's change would be
    CHECK(c.read_line(15s) == "* hello");
    // Pushed, not found by the 60 s poll (a loose bound: CI machines are busy).
    CHECK(seconds_since(t0) < 15.0);

    // A burst is coalesced into few polls, and nothing is lost.
    for (int i = 0; i < 200; ++i) s.board.post(std::to_string(i));
    std::vector<std::string> seen;
    while (seen.empty() || seen.back() != "199") {
        auto line = c.read_line();
        REQUIRE(line);
        REQUIRE(line->rfind("* ", 0) == 0);
        std::string rest = line->substr(2) + " ";
        for (std::size_t p = 0, q; (q = rest.find(' ', p)) != std::string::npos; p = q + 1)
            seen.push_back(rest.substr(p, q - p));
    }
    REQUIRE(seen.size() == 200);
    for (int i = 0; i < 200; ++i) CHECK(seen[static_cast<std::size_t>(i)] == std::to_string(i));
    CHECK(s.board.polls() < 200);

    // The read begun before the updates is still the one that gets DONE,
    // and input pipelined behind it is kept.
    CHECK(c.write("DONE\r\nECHO after\r\n"));
    CHECK(c.read_line() == "+OK idle done");
    CHECK(c.read_line() == "after");
    CHECK(s.board.listener_count() == 0);

    // Not idling: changes are not this session's business.
    s.board.post("unheard");
    CHECK(c.write("ECHO still here\r\n"));
    CHECK(c.read_line() == "still here");
    CHECK(s.board.take() == "unheard");
    exercise(c);
}

TEST_CASE("input that arrives while an idle update is being made is kept", "[net][driver][idle]") {
    idle_server s;
    const bool use_tls = GENERATE(false, true);
    CAPTURE(use_tls);
    s.board.set_poll_delay(300ms);  // a slow store: DONE arrives while the poll runs
    test::client c;
    s.connect(c, use_tls);
    s.start_idle(c);
    s.board.post("slow");
    std::this_thread::sleep_for(50ms);
    CHECK(c.write("DONE\r\nECHO next\r\n"));
    CHECK(c.read_line() == "* slow");
    CHECK(c.read_line() == "+OK idle done");
    CHECK(c.read_line() == "next");
    exercise(c);
}

TEST_CASE("the idle poll finds changes nobody announced", "[net][driver][idle]") {
    idle_server s(100ms);
    test::client c;
    s.connect(c, false);
    std::this_thread::sleep_for(300ms);
    CHECK(s.board.polls() == 0);  // no polling unless idling

    s.start_idle(c);
    const auto t0 = std::chrono::steady_clock::now();
    s.board.post("dropped into new/", false);  // no notification
    CHECK(c.read_line(15s) == "* dropped into new/");
    CHECK(seconds_since(t0) < 15.0);  // the poll ran (any bound far below "never")
    CHECK(c.write("DONE\r\n"));
    CHECK(c.read_line() == "+OK idle done");
    const int polls = s.board.polls();
    std::this_thread::sleep_for(300ms);
    CHECK(s.board.polls() == polls);  // the poll stopped with the idle state
    exercise(c);
}

TEST_CASE("updates do not extend an idling client's read deadline", "[net][driver][idle]") {
    idle_server s(50ms, 600ms);
    test::client c;
    s.connect(c, true);
    s.start_idle(c);
    int updates = 0;
    bool closed = false;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) {
        std::this_thread::sleep_for(100ms);
        s.board.post("tick");
        auto line = c.read_line(2s);
        if (!line) {
            closed = true;  // (a TLS stream reports the close once; reading again would wait)
            break;
        }
        CHECK(line == "* tick");
        ++updates;
    }
    if (!closed) closed = c.wait_closed(2s);
    CHECK(closed);
    CHECK(updates < 12);  // about 600 ms of updates, not 20
    CHECK(seconds_since(t0) < 2.0);
}

TEST_CASE("a session that closes after an idle update closes its connection", "[net][driver][idle]") {
    idle_server s;
    const bool use_tls = GENERATE(false, true);
    CAPTURE(use_tls);
    test::client c;
    s.connect(c, use_tls);
    s.start_idle(c);
    s.board.post("BYE");
    CHECK(c.read_line() == "* BYE");
    CHECK(c.wait_closed());
    // Up to shutdown_timeout (2 s) when the close went through a TLS
    // close_notify this client never answers.
    for (int i = 0; i < 300 && s.srv->connection_count() != 0; ++i) std::this_thread::sleep_for(10ms);
    CHECK(s.srv->connection_count() == 0);
    CHECK(s.board.listener_count() == 0);
}

TEST_CASE("stopping the server closes idling connections at once", "[net][driver][idle]") {
    idle_server s(100ms);
    test::client plain, secure, busy;
    s.connect(plain, false);
    s.connect(secure, true);
    s.connect(busy, true);
    s.start_idle(plain);
    s.start_idle(secure);
    s.start_idle(busy);
    CHECK(s.board.listener_count() == 3);
    // One of them is in the middle of an update when the stop comes.
    s.board.set_poll_delay(300ms);
    s.board.post("late");
    std::this_thread::sleep_for(50ms);
    const auto t0 = std::chrono::steady_clock::now();
    s.srv->stop();
    CHECK(seconds_since(t0) < 3.0);  // not the 10 s shutdown timeout
    CHECK(plain.wait_closed());
    CHECK(secure.wait_closed());
    CHECK(busy.wait_closed());
    CHECK(s.board.listener_count() == 0);
}

// --- Engine calls that overlap output (net::overlapping_request) ------------

TEST_CASE("an overlapping engine call runs while the output queued before it is written", "[net][driver]") {
    const bool use_tls = GENERATE(false, true);
    CAPTURE(use_tls);
    idle_server s;
    test::client c;
    s.connect(c, use_tls);

    // Small: the writes end first, the loop waits for the engine, whose
    // reply comes once the client has seen them.
    REQUIRE(c.write("BULK 3 after-read\r\n"));
    for (int i = 0; i < 3; ++i) REQUIRE(c.read_line() == "bulk " + std::to_string(i));
    s.board.post("read", false);
    CHECK(c.read_line(12s) == "+OK engine [after-read] overlapped");

    // Large: the engine ends while a write is blocked on a client that does
    // not read; its reply must wait for the end of that write and follow
    // every line queued before it, in order.
    constexpr int lines = 300000;  // ~3.5 MB, more than the socket buffers hold
    REQUIRE(c.write("BULK " + std::to_string(lines) + " after-read\r\n"));
    REQUIRE(c.read_line() == "bulk 0");
    s.board.post("read", false);
    std::this_thread::sleep_for(300ms);
    bool in_order = true;
    for (int i = 1; i < lines && in_order; ++i) in_order = c.read_line() == "bulk " + std::to_string(i);
    CHECK(in_order);
    CHECK(c.read_line(12s) == "+OK engine [after-read] overlapped");
    CHECK(c.write("ECHO still here\r\n"));
    CHECK(c.read_line() == "still here");
}
