#include <mailaccess/net/pop3_client.hpp>

#include "client_fixture.hpp"
#include "fake_server.hpp"
#include "fixture.hpp"

#include <mailaccess/auth/passwd_file.hpp>
#include <mailaccess/engine/pop3_engine.hpp>
#include <mailaccess/net/error.hpp>
#include <mailaccess/net/server.hpp>
#include <mailaccess/pop3/error.hpp>
#include <mailaccess/pop3/server_session.hpp>
#include <mailaccess/store/memory_store.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

namespace net = mailaccess::net;
namespace pop3 = mailaccess::pop3;
using mailaccess::secret;
using namespace std::chrono_literals;

namespace {

std::string test_message(int n) {
    std::string m = "From: sender" + std::to_string(n) + "@example.org\r\nSubject: pop3 client test " +
                    std::to_string(n) + "\r\n\r\nbody " + std::to_string(n) +
                    "\r\n.leading dot\r\n..two dots\r\n";
    if (n == 2) {
        for (int i = 0; i < 3000; ++i) m += "line " + std::to_string(i) + " of a bigger message\r\n";
    }
    return m;
}

// Our reference server in-process with the POP3 engine.
struct reference_server : test::in_process_server<pop3::server_session, mailaccess::engine::pop3_engine> {
    reference_server()
        : in_process_server(test_message, [](in_process_server& s, const net::connection_info& info) {
              pop3::server_options o;
              o.tls_active = info.implicit_tls;
              o.failed_auth_delay = 10ms;
              parts_type parts;
              parts.session = std::make_unique<pop3::server_session>(std::move(o));
              parts.engine = std::make_unique<mailaccess::engine::pop3_engine>(s.store, s.users);
              return parts;
          }) {}
};

using target = test::client_target;
using test::connect_to;
using test::run_coroutine;

net::pop3_client_options client_options(const target& t) {
    net::pop3_client_options o;
    o.tls = t.tls;
    o.allow_plaintext_login = t.allow_plaintext;
    o.timeout = 10s;
    return o;
}

// The same cases against any server: ours in-process, ours as a binary, Dovecot.
asio::awaitable<void> scenario(asio::io_context& io, target t) {
    net::pop3_client client(io.get_executor(), client_options(t));
    auto caps = co_await client.async_connect(connect_to(t, client.tls_context()), asio::use_awaitable);
    CHECK(client.is_open());
    if (t.starttls && !t.implicit_tls) {
        CHECK(std::find(caps.begin(), caps.end(), "STLS") != caps.end());
        caps = co_await client.async_stls(asio::use_awaitable);
        CHECK(std::find(caps.begin(), caps.end(), "STLS") == caps.end());
    }
    CHECK(client.is_tls() == (t.starttls || t.implicit_tls));
    CHECK(client.has_capability("UIDL"));

    // A wrong password first: the connection survives it.
    std::error_code ec;
    co_await client.async_login(t.user, secret<>(std::string("wrong") + t.password),
                                asio::redirect_error(asio::use_awaitable, ec));
    CHECK(ec == pop3::errc::auth_failed);
    co_await client.async_login(t.user, secret<>(t.password), asio::use_awaitable);

    const auto st = co_await client.async_stat(asio::use_awaitable);
    CHECK(st.count == t.expected.size());
    const auto list = co_await client.async_list(asio::use_awaitable);
    const auto uidl = co_await client.async_uidl(asio::use_awaitable);
    REQUIRE(list.size() == t.expected.size());
    REQUIRE(uidl.size() == t.expected.size());
    std::set<std::string> uids;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
        CHECK(list[i].number == i + 1);
        CHECK(uidl[i].number == i + 1);
        uids.insert(uidl[i].uid);
        total += list[i].size;
    }
    CHECK(uids.size() == list.size());
    CHECK(st.size == total);

    std::vector<std::string> bodies;
    for (const auto& entry : list) {
        std::string body;
        std::size_t chunks = 0;
        const auto n = co_await client.async_retr(
            entry.number,
            [&](std::string_view chunk) {
                body.append(chunk);
                ++chunks;
                return std::error_code{};
            },
            asio::use_awaitable);
        CHECK(n == body.size());
        CHECK(body.size() == entry.size);
        CHECK(chunks >= 1);
        std::string head;
        co_await client.async_top(
            entry.number, 0,
            [&](std::string_view chunk) {
                head.append(chunk);
                return std::error_code{};
            },
            asio::use_awaitable);
        CHECK(head.size() < body.size());
        CHECK(body.compare(0, head.size(), head) == 0);
        CHECK(head.find("\r\n\r\n") != std::string::npos);
        bodies.push_back(std::move(body));
    }
    auto expected = t.expected;
    std::sort(expected.begin(), expected.end());
    std::sort(bodies.begin(), bodies.end());
    CHECK(bodies == expected);

    // Several operations queued at once complete in call order.
    std::vector<int> order;
    client.async_noop([&](std::error_code e, std::string) {
        CHECK_FALSE(e);
        order.push_back(1);
    });
    client.async_stat([&](std::error_code e, net::pop3_stat) {
        CHECK_FALSE(e);
        order.push_back(2);
    });
    client.async_uidl([&](std::error_code e, std::vector<net::pop3_uidl_entry>) {
        CHECK_FALSE(e);
        order.push_back(3);
    });
    co_await client.async_noop(asio::use_awaitable);
    // Callbacks run on the client's strand, this coroutine on the io_context:
    // a trip through the strand lets the callbacks posted before it run.
    co_await asio::post(client.get_executor(), asio::use_awaitable);
    CHECK(order == std::vector<int>{1, 2, 3});

    // DELE, then RSET undoes it; -ERR for a message that does not exist.
    co_await client.async_dele(1, asio::use_awaitable);
    CHECK((co_await client.async_stat(asio::use_awaitable)).count == t.expected.size() - 1);
    co_await client.async_dele(1, asio::redirect_error(asio::use_awaitable, ec));
    CHECK(ec == net::pop3_client_errc::negative_response);
    CHECK(client.last_error_response().kind == pop3::status::err);
    co_await client.async_retr(
        999, [](std::string_view) { return std::error_code{}; },
        asio::redirect_error(asio::use_awaitable, ec));
    CHECK(ec == net::pop3_client_errc::negative_response);
    co_await client.async_rset(asio::use_awaitable);
    CHECK((co_await client.async_stat(asio::use_awaitable)).count == t.expected.size());

    // A sink that fails: the body is skipped, the connection stays usable.
    const auto sink_error = std::make_error_code(std::errc::no_space_on_device);
    co_await client.async_retr(
        1, [&](std::string_view) { return sink_error; }, asio::redirect_error(asio::use_awaitable, ec));
    CHECK(ec == sink_error);
    co_await client.async_noop(asio::use_awaitable);

    co_await client.async_quit(asio::use_awaitable);
    co_await client.async_noop(asio::redirect_error(asio::use_awaitable, ec));
    CHECK(ec == net::pop3_client_errc::connection_closed);
    CHECK_FALSE(client.is_open());
}

// Logs in once with every method, each on its own connection (POP3 has no
// way back to AUTHORIZATION), with a wrong password first when asked to.
asio::awaitable<void> login_each_method(asio::io_context& io, target t, bool wrong_first) {
    for (auto method : {net::pop3_login_method::automatic, net::pop3_login_method::user_pass,
                        net::pop3_login_method::sasl_plain, net::pop3_login_method::sasl_login}) {
        INFO("method " << static_cast<int>(method));
        net::pop3_client client(io.get_executor(), client_options(t));
        co_await client.async_connect(connect_to(t, client.tls_context()), asio::use_awaitable);
        if (t.starttls && !t.implicit_tls) co_await client.async_stls(asio::use_awaitable);
        if (wrong_first) {
            std::error_code ec;
            co_await client.async_login(t.user, secret<>(std::string("wrong") + t.password),
                                        asio::redirect_error(asio::use_awaitable, ec), method);
            CHECK(ec == pop3::errc::auth_failed);
            CHECK(client.is_open());
        }
        co_await client.async_login(t.user, secret<>(t.password), asio::use_awaitable, method);
        CHECK((co_await client.async_stat(asio::use_awaitable)).count == t.expected.size());
        co_await client.async_quit(asio::use_awaitable);
    }
}

target reference_target(reference_server& srv, bool implicit) {
    target t;
    t.port = std::to_string((implicit ? srv.tls_ep : srv.plain_ep).port());
    t.implicit_tls = implicit;
    t.starttls = !implicit;
    t.user = "alice";
    t.password = "secret";
    t.tls = srv.tls.client;
    t.expected = srv.messages;
    return t;
}

// A client that talks to a fake server: plain text, no TLS, short deadline.
net::pop3_client_options fake_options() {
    net::pop3_client_options o;
    o.tls_options.insecure_skip_verify = true;
    o.allow_plaintext_login = true;
    o.timeout = 3s;
    return o;
}

net::connect_options fake_connect(const test::fake_server& fake) {
    net::connect_options c;
    c.host = "127.0.0.1";
    c.port = fake.port();
    c.timeout = 3s;
    return c;
}

// Greeting and a CAPA reply, then `rest`.
test::fake_server::script greet(std::string capa, std::function<void(test::fake_connection&)> rest) {
    return [capa = std::move(capa), rest = std::move(rest)](test::fake_connection& c) {
        c.write("+OK fake ready\r\n");
        if (!c.expect("CAPA")) return;
        c.write(capa);
        rest(c);
    };
}

const std::string no_capa = "-ERR what\r\n";

// Connects to the fake server and runs `body` with the client (callbacks).
struct fake_run {
    asio::io_context io;
    net::pop3_client client;
    explicit fake_run(net::pop3_client_options o = fake_options())
        : client(io.get_executor(), std::move(o)) {}
    std::error_code connect(const test::fake_server& fake) {
        std::error_code result = net::errc::timed_out;
        client.async_connect(fake_connect(fake),
                             [&](std::error_code ec, std::vector<std::string>) { result = ec; });
        io.restart();
        io.run_for(5s);
        return result;
    }
    // Runs until all outstanding work is done (bounded).
    void run() {
        io.restart();
        io.run_for(10s);
    }
};

std::error_code retr_error(fake_run& r, std::uint32_t n, std::string* body = nullptr) {
    std::error_code result = net::errc::session_failed;
    bool done = false;
    r.client.async_retr(
        n,
        [body](std::string_view chunk) {
            if (body) body->append(chunk);
            return std::error_code{};
        },
        [&](std::error_code ec, std::uint64_t) {
            result = ec;
            done = true;
        });
    r.run();
    CHECK(done);
    return result;
}

std::error_code noop_error(fake_run& r) {
    std::error_code result = net::errc::session_failed;
    r.client.async_noop([&](std::error_code ec, std::string) { result = ec; });
    r.run();
    return result;
}

}  // namespace

TEST_CASE("pop3_client against the reference server, STLS and implicit TLS (use_awaitable)",
          "[net][pop3_client]") {
    reference_server srv;
    SECTION("STLS") {
        run_coroutine([&](asio::io_context& io) { return scenario(io, reference_target(srv, false)); });
    }
    SECTION("implicit TLS") {
        run_coroutine([&](asio::io_context& io) { return scenario(io, reference_target(srv, true)); });
    }
    SECTION("every login method (the server offers SASL PLAIN LOGIN)") {
        run_coroutine(
            [&](asio::io_context& io) { return login_each_method(io, reference_target(srv, false), true); });
    }
}

TEST_CASE("pop3_client with plain callbacks", "[net][pop3_client]") {
    reference_server srv;
    asio::io_context io;
    net::pop3_client_options o;
    o.tls = srv.tls.client;
    net::pop3_client client(io.get_executor(), o);
    net::connect_options co;
    co.host = "127.0.0.1";
    co.port = std::to_string(srv.plain_ep.port());
    std::vector<std::string> steps;
    std::string body;
    client.async_connect(co, [&](std::error_code ec, std::vector<std::string> caps) {
        REQUIRE_FALSE(ec);
        CHECK_FALSE(caps.empty());
        steps.push_back("connect");
        client.async_stls([&](std::error_code ec2, std::vector<std::string>) {
            REQUIRE_FALSE(ec2);
            steps.push_back("stls");
            client.async_login("alice", secret<>(std::string("secret")),
                               [&](std::error_code ec3, std::string) {
                                   REQUIRE_FALSE(ec3);
                                   steps.push_back("login");
                                   client.async_retr(
                                       3,
                                       [&](std::string_view chunk) {
                                           body.append(chunk);
                                           return std::error_code{};
                                       },
                                       [&](std::error_code ec4, std::uint64_t n) {
                                           CHECK_FALSE(ec4);
                                           CHECK(n == body.size());
                                           steps.push_back("retr");
                                       });
                                   client.async_quit([&](std::error_code ec5, std::string) {
                                       CHECK_FALSE(ec5);
                                       steps.push_back("quit");
                                   });
                               });
        });
    });
    io.run_for(20s);
    CHECK(steps == std::vector<std::string>{"connect", "stls", "login", "retr", "quit"});
    CHECK(body == srv.messages[2]);
}

TEST_CASE("pop3_client with use_future", "[net][pop3_client]") {
    reference_server srv;
    asio::io_context io;
    auto guard = asio::make_work_guard(io);
    std::thread runner([&] { io.run(); });
    {
        net::pop3_client_options o;
        o.tls = srv.tls.client;
        net::pop3_client client(io.get_executor(), o);
        net::connect_options co;
        co.host = "127.0.0.1";
        co.port = std::to_string(srv.tls_ep.port());
        co.tls = client.tls_context();
        auto caps = client.async_connect(co, asio::use_future);
        REQUIRE(caps.wait_for(10s) == std::future_status::ready);
        CHECK_FALSE(caps.get().empty());
        auto login = client.async_login("alice", secret<>(std::string("secret")), asio::use_future);
        auto stat = client.async_stat(asio::use_future);  // queued behind the login
        auto list = client.async_list(asio::use_future);
        REQUIRE(login.wait_for(10s) == std::future_status::ready);
        login.get();
        REQUIRE(stat.wait_for(10s) == std::future_status::ready);
        CHECK(stat.get().count == 3);
        REQUIRE(list.wait_for(10s) == std::future_status::ready);
        CHECK(list.get().size() == 3);
        // Errors arrive as std::system_error from get().
        auto missing = client.async_dele(42, asio::use_future);
        REQUIRE(missing.wait_for(10s) == std::future_status::ready);
        try {
            missing.get();
            FAIL("DELE 42 should fail");
        } catch (const std::system_error& e) {
            CHECK(e.code() == net::pop3_client_errc::negative_response);
        }
        auto quit = client.async_quit(asio::use_future);
        REQUIRE(quit.wait_for(10s) == std::future_status::ready);
        quit.get();
    }
    guard.reset();
    runner.join();
}

TEST_CASE("pop3_client verifies certificates and refuses plaintext logins", "[net][pop3_client]") {
    reference_server srv;
    asio::io_context io;
    SECTION("an untrusted certificate fails implicit TLS, STLS; insecure_skip_verify opts out") {
        test::tls_setup other;  // trusts another self-signed certificate only
        net::pop3_client_options o;
        o.tls = other.client;
        net::pop3_client client(io.get_executor(), o);
        net::connect_options co;
        co.host = "127.0.0.1";
        co.port = std::to_string(srv.tls_ep.port());
        co.tls = client.tls_context();
        std::error_code implicit_ec, stls_ec, connect_ec;
        client.async_connect(co, [&](std::error_code ec, std::vector<std::string>) { implicit_ec = ec; });
        io.run_for(10s);
        CHECK(implicit_ec);
        CHECK(implicit_ec != net::errc::timed_out);

        co.port = std::to_string(srv.plain_ep.port());
        co.tls = nullptr;
        client.async_connect(co, [&](std::error_code ec, std::vector<std::string>) { connect_ec = ec; });
        client.async_stls([&](std::error_code ec, std::vector<std::string>) { stls_ec = ec; });
        io.restart();
        io.run_for(10s);
        CHECK_FALSE(connect_ec);
        CHECK(stls_ec);
        CHECK_FALSE(client.is_open());  // a failed handshake closes the connection

        net::pop3_client_options insecure;
        insecure.tls_options.insecure_skip_verify = true;
        net::pop3_client lax(io.get_executor(), insecure);
        co.port = std::to_string(srv.tls_ep.port());
        co.tls = lax.tls_context();
        std::error_code lax_ec = net::errc::timed_out;
        lax.async_connect(co, [&](std::error_code ec, std::vector<std::string>) { lax_ec = ec; });
        lax.async_quit([](std::error_code, std::string) {});
        io.restart();
        io.run_for(10s);
        CHECK_FALSE(lax_ec);
    }
    SECTION("no credentials over a plain connection unless allowed") {
        net::pop3_client_options o;
        o.tls = srv.tls.client;
        net::pop3_client client(io.get_executor(), o);
        net::connect_options co;
        co.host = "127.0.0.1";
        co.port = std::to_string(srv.plain_ep.port());
        std::error_code login_ec, noop_ec = net::errc::timed_out;
        client.async_connect(co, [](std::error_code ec, std::vector<std::string>) { CHECK_FALSE(ec); });
        client.async_login("alice", secret<>(std::string("secret")),
                           [&](std::error_code ec, std::string) { login_ec = ec; });
        client.async_capa([&](std::error_code ec, std::vector<std::string>) { noop_ec = ec; });
        io.run_for(10s);
        CHECK(login_ec == pop3::errc::tls_required);
        CHECK_FALSE(noop_ec);  // nothing was sent; the connection is fine
    }
    SECTION("operations before connecting fail at once") {
        net::pop3_client client(io.get_executor());
        std::error_code ec;
        client.async_stat([&](std::error_code e, net::pop3_stat) { ec = e; });
        io.run_for(5s);
        CHECK(ec == net::pop3_client_errc::not_connected);
    }
}

TEST_CASE("pop3_client against misbehaving servers", "[net][pop3_client]") {
    SECTION("the connection drops in the middle of RETR") {
        test::fake_server fake(greet(no_capa, [](test::fake_connection& c) {
            if (!c.expect("RETR 1")) return;
            c.write("+OK 4000 octets\r\nSubject: cut\r\n\r\npartial line\r\nand more");
            c.close();
        }));
        fake_run r;
        REQUIRE_FALSE(r.connect(fake));
        std::string body;
        const auto ec = retr_error(r, 1, &body);
        CHECK(ec == asio::error::eof);
        CHECK(body.find("partial line") != std::string::npos);
        CHECK(noop_error(r) == net::pop3_client_errc::connection_closed);
    }
    SECTION("garbage instead of a status line") {
        test::fake_server fake(greet(no_capa, [](test::fake_connection& c) {
            if (!c.expect("RETR 1")) return;
            c.write("HELLO THERE\r\n");
            c.wait_closed();
        }));
        fake_run r;
        REQUIRE_FALSE(r.connect(fake));
        CHECK(retr_error(r, 1) == pop3::errc::bad_syntax);
        CHECK(noop_error(r) == net::pop3_client_errc::connection_closed);
    }
    SECTION("a server that never answers: the deadline fires") {
        test::fake_server fake(greet(no_capa, [](test::fake_connection& c) { c.wait_closed(); }));
        fake_run r;
        REQUIRE_FALSE(r.connect(fake));
        r.client.set_timeout(200ms);
        std::error_code ec;
        const auto start = std::chrono::steady_clock::now();
        r.client.async_stat([&](std::error_code e, net::pop3_stat) { ec = e; });
        r.run();
        CHECK(ec == net::errc::timed_out);
        CHECK(std::chrono::steady_clock::now() - start < 5s);
        CHECK(noop_error(r) == net::pop3_client_errc::connection_closed);
        CHECK_FALSE(r.client.is_open());
    }
    SECTION("a greeting that never comes: the connect deadline fires") {
        test::fake_server fake([](test::fake_connection& c) { c.wait_closed(); });
        fake_run r;
        auto co = fake_connect(fake);
        co.timeout = 200ms;
        std::error_code ec;
        r.client.async_connect(co, [&](std::error_code e, std::vector<std::string>) { ec = e; });
        r.run();
        CHECK(ec == net::errc::timed_out);
    }
    SECTION("an announced body over the limit") {
        test::fake_server fake(greet(no_capa, [](test::fake_connection& c) {
            if (!c.expect("RETR 1")) return;
            c.write("+OK 5000 octets\r\n" + std::string(4000, 'x') + "\r\n.\r\n");
            c.wait_closed();
        }));
        auto o = fake_options();
        o.limits.max_message_size = 1000;
        fake_run r(o);
        REQUIRE_FALSE(r.connect(fake));
        CHECK(retr_error(r, 1) == pop3::errc::response_too_large);
        CHECK(noop_error(r) == net::pop3_client_errc::connection_closed);
    }
    SECTION("an unannounced body over the limit") {
        test::fake_server fake(greet(no_capa, [](test::fake_connection& c) {
            if (!c.expect("RETR 1")) return;
            std::string body = "+OK\r\n";
            for (int i = 0; i < 200; ++i) body += "0123456789012345678901234567890123456789\r\n";
            c.write(body + ".\r\n");
            c.wait_closed();
        }));
        auto o = fake_options();
        o.limits.max_message_size = 1000;
        fake_run r(o);
        REQUIRE_FALSE(r.connect(fake));
        std::string got;
        CHECK(retr_error(r, 1, &got) == pop3::errc::response_too_large);
        CHECK(got.size() <= 1000 + 64 * 1024);
    }
    SECTION("bytes behind the +OK to STLS are refused (CVE-2011-0411)") {
        test::fake_server fake(greet("+OK\r\nSTLS\r\n.\r\n", [](test::fake_connection& c) {
            if (!c.expect("STLS")) return;
            c.write("+OK go ahead\r\n+OK injected\r\n");
            c.wait_closed();
        }));
        fake_run r;
        REQUIRE_FALSE(r.connect(fake));
        std::error_code ec;
        r.client.async_stls([&](std::error_code e, std::vector<std::string>) { ec = e; });
        r.run();
        CHECK(ec == pop3::errc::unexpected_response);
        CHECK_FALSE(r.client.is_open());
    }
}

TEST_CASE("pop3_client login falls back to USER/PASS and maps RFC 3206 codes", "[net][pop3_client]") {
    std::vector<std::string> seen;
    {
        test::fake_server fake(greet("+OK\r\nUSER\r\nUIDL\r\n.\r\n", [&seen](test::fake_connection& c) {
            auto user = c.read_line();
            if (!user) return;
            seen.push_back(*user);
            c.write("+OK\r\n");
            auto pass = c.read_line();
            if (!pass) return;
            seen.push_back(*pass);
            c.write("-ERR [IN-USE] maildrop locked\r\n");
            c.wait_closed();
        }));
        fake_run r;
        REQUIRE_FALSE(r.connect(fake));
        std::error_code ec;
        r.client.async_login("bob", secret<>(std::string("pw")),
                             [&](std::error_code e, std::string) { ec = e; });
        r.run();
        CHECK(ec == pop3::errc::maildrop_in_use);
        CHECK(r.client.last_error_response().code == "IN-USE");
        CHECK(r.client.is_open());
        r.client.close();
        r.run();
    }
    CHECK(seen == std::vector<std::string>{"USER bob", "PASS pw"});
}

namespace {

// What a scripted server saw during one async_login, and how it ended.
struct login_outcome {
    std::vector<std::string> seen;  // the client's lines after CAPA
    std::error_code ec = net::errc::session_failed;
    std::string text;
    bool open_after = false;
};

// The server advertises `capa`, then answers the client's i-th line with
// `replies[i]`; the client logs in as bob/pw with `method`.
login_outcome login_against(std::string capa, std::vector<std::string> replies,
                            net::pop3_login_method method) {
    login_outcome out;
    {
        test::fake_server fake(greet(std::move(capa), [&out, replies](test::fake_connection& c) {
            for (const auto& reply : replies) {
                auto line = c.read_line();
                if (!line) return;
                out.seen.push_back(*line);
                c.write(reply);
            }
            c.wait_closed();
        }));
        fake_run r;
        REQUIRE_FALSE(r.connect(fake));
        r.client.async_login(
            "bob", secret<>(std::string("pw")),
            [&](std::error_code e, std::string text) {
                out.ec = e;
                out.text = std::move(text);
            },
            method);
        r.run();
        out.open_after = r.client.is_open();
        r.client.close();
        r.run();
    }
    return out;
}

const std::string sasl_plain_capa = "+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n";
const std::string sasl_both_capa = "+OK\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n";
const std::string username_challenge = "+ VXNlcm5hbWU6\r\n";  // "Username:"
const std::string password_challenge = "+ UGFzc3dvcmQ6\r\n";  // "Password:"

}  // namespace

TEST_CASE("pop3_client login methods send exactly these lines", "[net][pop3_client]") {
    using m = net::pop3_login_method;
    SECTION("automatic picks AUTH PLAIN when advertised") {
        auto o = login_against(sasl_both_capa, {"+OK Logged in.\r\n"}, m::automatic);
        CHECK_FALSE(o.ec);
        CHECK(o.text == "Logged in.");
        CHECK(o.seen == std::vector<std::string>{"AUTH PLAIN AGJvYgBwdw=="});
    }
    SECTION("user_pass even when SASL is advertised") {
        auto o = login_against(sasl_both_capa, {"+OK\r\n", "+OK Logged in.\r\n"}, m::user_pass);
        CHECK_FALSE(o.ec);
        CHECK(o.seen == std::vector<std::string>{"USER bob", "PASS pw"});
    }
    SECTION("sasl_plain even when not advertised") {
        auto o = login_against(no_capa, {"+OK Logged in.\r\n"}, m::sasl_plain);
        CHECK_FALSE(o.ec);
        CHECK(o.seen == std::vector<std::string>{"AUTH PLAIN AGJvYgBwdw=="});
    }
    SECTION("sasl_login: no initial response, user and password answer the challenges") {
        auto o = login_against(sasl_plain_capa,
                               {username_challenge, password_challenge, "+OK Logged in.\r\n"}, m::sasl_login);
        CHECK_FALSE(o.ec);
        CHECK(o.text == "Logged in.");
        CHECK(o.seen == std::vector<std::string>{"AUTH LOGIN", "Ym9i", "cHc="});
        CHECK(o.open_after);
    }
    SECTION("sasl_login refused: RFC 3206 codes") {
        auto o = login_against(sasl_both_capa,
                               {username_challenge, password_challenge, "-ERR [SYS/TEMP] try later\r\n"},
                               m::sasl_login);
        CHECK(o.ec == pop3::errc::temporary_failure);
        CHECK(o.open_after);
        o = login_against(sasl_both_capa, {"-ERR [IN-USE] locked\r\n"}, m::sasl_login);
        CHECK(o.ec == pop3::errc::maildrop_in_use);
        CHECK(o.seen == std::vector<std::string>{"AUTH LOGIN"});
        o = login_against(sasl_both_capa, {username_challenge, password_challenge, "-ERR [AUTH] no\r\n"},
                          m::sasl_login);
        CHECK(o.ec == pop3::errc::auth_failed);
    }
    SECTION("sasl_login cancels a third challenge") {
        auto o = login_against(sasl_both_capa,
                               {username_challenge, password_challenge, "+ TW9yZTo=\r\n", "-ERR aborted\r\n"},
                               m::sasl_login);
        CHECK(o.seen == std::vector<std::string>{"AUTH LOGIN", "Ym9i", "cHc=", "*"});
        CHECK(o.ec == pop3::errc::auth_failed);
        CHECK(o.open_after);
    }
    SECTION("a challenge after the cancel is a protocol error") {
        auto o = login_against(sasl_both_capa, {"+ \r\n", "+ \r\n", "+ \r\n", "+ \r\n"}, m::sasl_login);
        CHECK(o.seen == std::vector<std::string>{"AUTH LOGIN", "Ym9i", "cHc=", "*"});
        CHECK(o.ec == pop3::errc::unexpected_response);
        CHECK_FALSE(o.open_after);
    }
    SECTION("a challenge to USER is a protocol error") {
        auto o = login_against(no_capa, {username_challenge}, m::user_pass);
        CHECK(o.seen == std::vector<std::string>{"USER bob"});
        CHECK(o.ec == pop3::errc::unexpected_response);
        CHECK_FALSE(o.open_after);
    }
}

TEST_CASE("pop3_client pipelines when the server offers PIPELINING", "[net][pop3_client]") {
    std::vector<std::string> batch;
    test::fake_server fake(greet("+OK\r\nPIPELINING\r\n.\r\n", [&batch](test::fake_connection& c) {
        // All three commands must arrive before any reply is sent.
        for (int i = 0; i < 3; ++i) {
            auto line = c.read_line();
            if (!line) return;
            batch.push_back(*line);
        }
        c.write("+OK 2 30\r\n+OK\r\n1 10\r\n2 20\r\n.\r\n+OK\r\n1 aaa\r\n2 bbb\r\n.\r\n");
        c.wait_closed();
    }));
    fake_run r;
    REQUIRE_FALSE(r.connect(fake));
    net::pop3_stat st;
    std::vector<net::pop3_list_entry> list;
    std::vector<net::pop3_uidl_entry> uidl;
    r.client.async_stat([&](std::error_code ec, net::pop3_stat s) {
        CHECK_FALSE(ec);
        st = s;
    });
    r.client.async_list([&](std::error_code ec, std::vector<net::pop3_list_entry> l) {
        CHECK_FALSE(ec);
        list = std::move(l);
    });
    r.client.async_uidl([&](std::error_code ec, std::vector<net::pop3_uidl_entry> u) {
        CHECK_FALSE(ec);
        uidl = std::move(u);
    });
    r.run();
    CHECK(batch == std::vector<std::string>{"STAT", "LIST", "UIDL"});
    CHECK(st.count == 2);
    CHECK(st.size == 30);
    CHECK(list == std::vector<net::pop3_list_entry>{{1, 10}, {2, 20}});
    CHECK(uidl == std::vector<net::pop3_uidl_entry>{{1, "aaa"}, {2, "bbb"}});
    r.client.close();
    r.run();
}

TEST_CASE("pop3_client cancellation through a cancellation slot", "[net][pop3_client]") {
    test::fake_server fake(greet(no_capa, [](test::fake_connection& c) { c.wait_closed(); }));
    fake_run r;
    REQUIRE_FALSE(r.connect(fake));
    asio::cancellation_signal stat_signal, noop_signal;
    std::error_code stat_ec, noop_ec, later_ec;
    bool stat_done = false, noop_done = false;
    r.client.async_stat(
        asio::bind_cancellation_slot(stat_signal.slot(), [&](std::error_code e, net::pop3_stat) {
            stat_ec = e;
            stat_done = true;
        }));
    r.client.async_noop(asio::bind_cancellation_slot(noop_signal.slot(), [&](std::error_code e, std::string) {
        noop_ec = e;
        noop_done = true;
    }));
    r.io.restart();
    r.io.run_for(200ms);
    CHECK_FALSE(stat_done);
    CHECK_FALSE(noop_done);

    // The queued NOOP was never sent: removing it leaves the connection alone.
    noop_signal.emit(asio::cancellation_type::terminal);
    r.io.restart();
    r.io.run_for(200ms);
    CHECK(noop_ec == asio::error::operation_aborted);
    CHECK_FALSE(stat_done);
    CHECK(r.client.is_open());

    // The STAT is on the wire: cancelling it closes the connection.
    stat_signal.emit(asio::cancellation_type::terminal);
    r.io.restart();
    r.io.run_for(200ms);
    CHECK(stat_ec == asio::error::operation_aborted);
    CHECK_FALSE(r.client.is_open());
    CHECK(noop_error(r) == net::pop3_client_errc::connection_closed);
}

TEST_CASE("pop3_client cancellation of an awaited operation", "[net][pop3_client]") {
    test::fake_server fake(greet(no_capa, [](test::fake_connection& c) { c.wait_closed(); }));
    run_coroutine([&](asio::io_context& io) -> asio::awaitable<void> {
        net::pop3_client client(io.get_executor(), fake_options());
        co_await client.async_connect(fake_connect(fake), asio::use_awaitable);
        asio::cancellation_signal sig;
        asio::steady_timer t(io, 100ms);
        t.async_wait([&](std::error_code) { sig.emit(asio::cancellation_type::terminal); });
        std::error_code ec;
        co_await client.async_stat(
            asio::bind_cancellation_slot(sig.slot(), asio::redirect_error(asio::use_awaitable, ec)));
        CHECK(ec == asio::error::operation_aborted);
    });
}

// The scenario against a server outside the process (our binary, Dovecot);
// tests/interop/pop3_client_test.py sets these variables and runs this case.
TEST_CASE("pop3_client against an external server", "[.interop][pop3_client]") {
    const target t = test::external_target("MAILACCESS_POP3_", "tests/interop/pop3_client_test.py");
    run_coroutine([&](asio::io_context& io) { return scenario(io, t); });
    // Both our binary and the reference Dovecot offer SASL PLAIN and LOGIN.
    run_coroutine([&](asio::io_context& io) { return login_each_method(io, t, false); });
}
