#include <mailaccess/net/imap_client.hpp>

#include "client_fixture.hpp"
#include "fake_server.hpp"
#include "fixture.hpp"

#include <mailaccess/auth/passwd_file.hpp>
#include <mailaccess/engine/imap_engine.hpp>
#include <mailaccess/imap/error.hpp>
#include <mailaccess/imap/server_session.hpp>
#include <mailaccess/net/error.hpp>
#include <mailaccess/net/server.hpp>
#include <mailaccess/store/memory_store.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace net = mailaccess::net;
namespace imap = mailaccess::imap;
using mailaccess::secret;
using namespace std::chrono_literals;

namespace {

// A command body from its wire form: the tests write commands the way the
// RFCs show them, and the parser checks them.
imap::command::body_type command_of(const std::string& text) {
    auto c = imap::parse_command("T " + text + "\r\n", {});
    REQUIRE(c);
    return std::move(c->body);
}

template <class Body>
Body command_as(const std::string& text) {
    return std::get<Body>(command_of(text));
}

std::string test_message(int n) {
    std::string m = "From: Sender " + std::to_string(n) + " <sender" + std::to_string(n) +
                    "@example.org>\r\nTo: alice@example.org\r\nSubject: imap client test " +
                    std::to_string(n) + "\r\nMessage-ID: <" + std::to_string(n) +
                    "@client.test>\r\n\r\nbody " + std::to_string(n) + "\r\n";
    // One message above the 64 KiB streaming threshold.
    if (n == 2)
        for (int i = 0; i < 4000; ++i) m += "line " + std::to_string(i) + " of a bigger message\r\n";
    return m;
}

std::string subject_of(const std::string& message) {
    const auto at = message.find("Subject: ");
    if (at == std::string::npos) return {};
    const auto end = message.find("\r\n", at);
    return message.substr(at + 9, end - at - 9);
}

// Our reference server in-process with the IMAP engine.
struct reference_server : test::in_process_server<imap::server_session, mailaccess::engine::imap_engine> {
    reference_server()
        : in_process_server(test_message, [](in_process_server& s, const net::connection_info& info) {
              imap::server_options o;
              o.tls_active = info.implicit_tls;
              o.failed_auth_delay = 10ms;
              o.engine_capabilities = mailaccess::engine::imap_engine::capabilities();
              parts_type parts;
              parts.session = std::make_unique<imap::server_session>(std::move(o));
              parts.engine = std::make_unique<mailaccess::engine::imap_engine>(s.store, s.users);
              return parts;
          }) {}
};

using target = test::client_target;
using test::connect_to;
using test::run_coroutine;

net::imap_client_options client_options(const target& t) {
    net::imap_client_options o;
    o.tls = t.tls;
    o.allow_plaintext_login = t.allow_plaintext;
    o.timeout = 10s;
    return o;
}

bool has(const std::vector<imap::capability>& caps, std::string_view name) {
    return std::any_of(caps.begin(), caps.end(), [&](const imap::capability& c) { return c.is(name); });
}

// Connects, upgrades and logs in as the target says.
asio::awaitable<void> open_session(net::imap_client& client, const target& t) {
    auto caps = co_await client.async_connect(connect_to(t, client.tls_context()), asio::use_awaitable);
    CHECK(has(caps, "IMAP4rev1"));
    if (t.starttls && !t.implicit_tls) {
        caps = co_await client.async_starttls(asio::use_awaitable);
        CHECK(client.is_tls());
        CHECK_FALSE(has(caps, "STARTTLS"));
    }
    caps = co_await client.async_login(t.user, secret<>(t.password), asio::use_awaitable);
    CHECK(client.state() == imap::session_state::authenticated);
    CHECK(has(caps, "IDLE"));
}

// The same cases against any server: ours in-process, ours as a binary, Dovecot.
asio::awaitable<void> scenario(asio::io_context& io, target t) {
    std::vector<imap::response> updates;
    auto options = client_options(t);
    options.on_update = [&updates](const imap::response& r) { updates.push_back(r); };
    net::imap_client client(io.get_executor(), options);
    co_await open_session(client, t);

    imap::cmd::id nil_id;  // named: GCC 12 destroys braced temporaries in a co_await expression twice
    auto id = co_await client.async_id(nil_id, asio::use_awaitable);
    CHECK(id.fields.has_value());
    auto ns = co_await client.async_namespace(asio::use_awaitable);
    REQUIRE_FALSE(ns.personal.empty());

    auto list = co_await client.async_list(
        command_as<imap::cmd::list>("LIST \"\" \"*\" RETURN (SPECIAL-USE)"), asio::use_awaitable);
    CHECK(std::any_of(list.mailboxes.begin(), list.mailboxes.end(),
                      [](const imap::list_data& l) { return l.mailbox.str() == "INBOX"; }));

    auto status = co_await client.async_status(
        command_as<imap::cmd::status>("STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY)"), asio::use_awaitable);
    std::uint64_t messages = 0;
    for (auto& [att, value] : status.items)
        if (att == imap::status_att::messages) messages = value;
    CHECK(messages == t.expected.size());

    auto box = co_await client.async_select(command_as<imap::cmd::select>("SELECT INBOX (CONDSTORE)"),
                                            asio::use_awaitable);
    CHECK(box.exists == t.expected.size());
    CHECK(box.uidvalidity.has_value());
    CHECK(box.uidnext.has_value());
    CHECK(box.highestmodseq.has_value());
    CHECK_FALSE(box.read_only);
    CHECK(client.state() == imap::session_state::selected);

    // The header sync, processed as it arrives.
    std::vector<std::string> subjects;
    std::vector<std::uint32_t> uids;
    std::uint32_t big_uid = 0;
    net::imap_fetch_sinks headers;
    headers.on_message = [&](imap::fetch_data& f) -> std::error_code {
        auto* env = imap::find_item<imap::fetch_item_types::envelope>(f);
        auto* uid = imap::find_item<imap::fetch_item_types::uid>(f);
        auto* size = imap::find_item<imap::fetch_item_types::rfc822_size>(f);
        if (env == nullptr || uid == nullptr || size == nullptr) return imap::errc::bad_syntax;
        subjects.push_back(env->value.subject.value_or(""));
        uids.push_back(uid->value);
        if (size->value > 64 * 1024) big_uid = uid->value;
        return {};
    };
    auto synced = co_await client.async_fetch(
        command_as<imap::cmd::fetch>(
            "UID FETCH 1:* (UID FLAGS RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])"),
        headers, asio::use_awaitable);
    CHECK(synced.messages.empty());
    REQUIRE(subjects.size() == t.expected.size());
    for (const auto& m : t.expected) CHECK(std::count(subjects.begin(), subjects.end(), subject_of(m)) == 1);

    // A body above the streaming threshold arrives in chunks.
    REQUIRE(big_uid != 0);
    std::string streamed;
    bool ended = false;
    net::imap_fetch_sinks bodies;
    bodies.on_body = [&](const net::imap_body_event& e) -> std::error_code {
        if (auto* d = std::get_if<imap::body_data>(&e)) streamed.append(d->bytes);
        if (std::holds_alternative<imap::body_end>(e)) ended = true;
        return {};
    };
    co_await client.async_fetch(
        command_as<imap::cmd::fetch>("UID FETCH " + std::to_string(big_uid) + " BODY.PEEK[]"), bodies,
        asio::use_awaitable);
    CHECK(ended);
    CHECK(std::count(t.expected.begin(), t.expected.end(), streamed) == 1);

    // Small bodies come inline, several fetches pipelined.
    std::vector<std::future<net::imap_fetch_result>> pending;
    for (auto uid : uids)
        if (uid != big_uid)
            pending.push_back(client.async_fetch(
                command_as<imap::cmd::fetch>("UID FETCH " + std::to_string(uid) + " BODY.PEEK[TEXT]"), {},
                asio::use_future));
    for (auto& p : pending) {
        while (p.wait_for(0s) != std::future_status::ready) {
            asio::steady_timer wait(io, 5ms);
            co_await wait.async_wait(asio::use_awaitable);
        }
        auto r = p.get();
        REQUIRE(r.messages.size() == 1);
        auto* text = imap::find_item<imap::fetch_body_section>(r.messages[0]);
        REQUIRE(text != nullptr);
        const std::string body = text->data.value_or("");
        CHECK(std::any_of(t.expected.begin(), t.expected.end(),
                          [&](const std::string& m) { return m.substr(m.find("\r\n\r\n") + 4) == body; }));
    }

    auto found = co_await client.async_search(
        command_as<imap::cmd::search>("UID SEARCH SUBJECT \"" + subject_of(t.expected.front()) + "\""),
        asio::use_awaitable);
    CHECK(found.numbers.size() == 1);

    auto stored = co_await client.async_command(
        command_of("UID STORE " + std::to_string(uids.front()) + " +FLAGS (\\Flagged)"), asio::use_awaitable);
    CHECK(stored.status.status == imap::status_kind::ok);
    REQUIRE(stored.untagged.size() == 1);
    CHECK(std::holds_alternative<imap::fetch_data>(stored.untagged[0]));

    // Errors keep the connection: a NO carries its code.
    std::error_code ec;
    auto missing = co_await client.async_command(command_of("UID COPY 1:* NoSuchFolder"),
                                                 asio::redirect_error(asio::use_awaitable, ec));
    CHECK(ec == net::imap_client_errc::command_failed);
    REQUIRE(missing.status.code.has_value());
    CHECK(missing.status.code->kind == imap::response_code_kind::trycreate);

    co_await client.async_command(command_of("CREATE ClientTest"), asio::use_awaitable);
    auto moved = co_await client.async_command(
        command_of("UID MOVE " + std::to_string(uids.back()) + " ClientTest"), asio::use_awaitable);
    CHECK(moved.status.status == imap::status_kind::ok);
    CHECK(std::any_of(moved.untagged.begin(), moved.untagged.end(), [](const imap::response& r) {
        return std::holds_alternative<imap::expunge_data>(r) ||
               std::holds_alternative<imap::vanished_data>(r);
    }));

    // IDLE: a second client appends; the EXISTS arrives as an update.
    const auto seen_before = updates.size();
    auto idle = client.async_idle(asio::use_future);
    {
        net::imap_client other(io.get_executor(), client_options(t));
        co_await open_session(other, t);
        imap::cmd::append append;
        append.mailbox = *imap::mailbox_name::make("INBOX");
        append.messages.emplace_back().data = "Subject: delivered while idling\r\n\r\nhello\r\n";
        auto appended = co_await other.async_command(append, asio::use_awaitable);
        REQUIRE(appended.status.code.has_value());
        CHECK(appended.status.code->kind == imap::response_code_kind::appenduid);
        co_await other.async_logout(asio::use_awaitable);
        CHECK_FALSE(other.is_open());
    }
    for (int i = 0; i < 1000; ++i) {
        if (std::any_of(updates.begin() + static_cast<std::ptrdiff_t>(seen_before), updates.end(),
                        [](const imap::response& r) { return std::holds_alternative<imap::exists_data>(r); }))
            break;
        asio::steady_timer wait(io, 10ms);
        co_await wait.async_wait(asio::use_awaitable);
    }
    CHECK(std::any_of(updates.begin() + static_cast<std::ptrdiff_t>(seen_before), updates.end(),
                      [](const imap::response& r) { return std::holds_alternative<imap::exists_data>(r); }));
    client.idle_done();
    while (idle.wait_for(0s) != std::future_status::ready) {
        asio::steady_timer wait(io, 5ms);
        co_await wait.async_wait(asio::use_awaitable);
    }
    CHECK(idle.get().status.status == imap::status_kind::ok);

    // APPEND streamed from a source, never held whole by the client.
    std::string big = "Subject: streamed append\r\n\r\n";
    for (int i = 0; big.size() < 300 * 1024; ++i) big += "streamed line " + std::to_string(i) + "\r\n";
    std::size_t offset = 0;
    std::size_t reads = 0;
    net::imap_append_source source;
    source.size = big.size();
    source.flags.push_back(*imap::flag::make("\\Seen"));
    source.read = [&](std::span<char> buffer, std::error_code&) -> std::size_t {
        const std::size_t n = std::min({buffer.size(), big.size() - offset, std::size_t{7777}});
        std::copy_n(big.data() + offset, n, buffer.data());
        offset += n;
        ++reads;
        return n;
    };
    std::vector<net::imap_append_source> sources;
    sources.push_back(std::move(source));
    auto appended = co_await client.async_append(*imap::mailbox_name::make("INBOX"), std::move(sources),
                                                 asio::use_awaitable);
    REQUIRE(appended.status.code.has_value());
    REQUIRE(appended.status.code->kind == imap::response_code_kind::appenduid);
    CHECK(reads >= big.size() / 7777);
    REQUIRE(appended.status.code->dest_uids.has_value());
    const auto new_uid = appended.status.code->dest_uids->ranges().front().first;
    streamed.clear();
    co_await client.async_fetch(
        command_as<imap::cmd::fetch>("UID FETCH " + std::to_string(new_uid) + " BODY.PEEK[]"), bodies,
        asio::use_awaitable);
    CHECK(streamed == big);

    auto quota = co_await client.async_getquotaroot(*imap::mailbox_name::make("INBOX"),
                                                    asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) CHECK_FALSE(quota.roots.empty());  // Dovecot without the quota plugin says BAD

    co_await client.async_logout(asio::use_awaitable);
    CHECK_FALSE(client.is_open());
}

target reference_target(reference_server& srv, bool implicit) {
    target t;
    t.port = std::to_string((implicit ? srv.tls_ep : srv.plain_ep).port());
    t.implicit_tls = implicit;
    t.user = "alice";
    t.password = "secret";
    t.tls = srv.tls.client;
    t.expected = srv.messages;
    return t;
}

// A client that talks to a fake server: plain text, short deadline.
net::imap_client_options fake_options() {
    net::imap_client_options o;
    o.allow_plaintext_login = true;
    o.timeout = 2s;
    return o;
}

net::connect_options fake_connect(const test::fake_server& fake) {
    net::connect_options c;
    c.host = "127.0.0.1";
    c.port = fake.port();
    c.timeout = 2s;
    return c;
}

constexpr std::string_view greeting = "* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] fake\r\n";

// The tag of a command line ("A3 UID FETCH ..." -> "A3").
std::string tag_of(const std::string& line) { return line.substr(0, line.find(' ')); }

// Connects to `fake` and runs `body` as a coroutine with the client.
template <class Body>
void with_fake(const test::fake_server& fake, Body body, net::imap_client_options options = fake_options()) {
    run_coroutine([&](asio::io_context& io) -> asio::awaitable<void> {
        net::imap_client client(io.get_executor(), options);
        co_await client.async_connect(fake_connect(fake), asio::use_awaitable);
        co_await body(io, client);
    });
}

}  // namespace

TEST_CASE("imap_client against the reference server, STARTTLS and implicit TLS", "[net][imap_client]") {
    for (bool implicit : {false, true}) {
        reference_server fresh;
        run_coroutine([&](asio::io_context& io) { return scenario(io, reference_target(fresh, implicit)); });
    }
}

TEST_CASE("imap_client with plain callbacks and use_future", "[net][imap_client]") {
    reference_server srv;
    asio::io_context io;
    auto t = reference_target(srv, true);
    net::imap_client client(io.get_executor(), client_options(t));
    std::vector<std::string> steps;
    client.async_connect(connect_to(t, client.tls_context()),
                         [&](std::error_code ec, std::vector<imap::capability> caps) {
                             CHECK_FALSE(ec);
                             CHECK(has(caps, "IMAP4rev1"));
                             steps.push_back("connect");
                         });
    client.async_login("alice", secret<>("secret"), [&](std::error_code ec, auto) {
        CHECK_FALSE(ec);
        steps.push_back("login");
    });
    client.async_select(
        command_as<imap::cmd::examine>("EXAMINE INBOX"),
        [&](std::error_code ec, net::imap_mailbox box) {
            CHECK_FALSE(ec);
            CHECK(box.read_only);
            CHECK(box.exists == 3);
            steps.push_back("examine");
        },
        true);
    client.async_logout([&](std::error_code ec, net::imap_reply) {
        CHECK_FALSE(ec);
        steps.push_back("logout");
    });
    io.run_for(20s);
    CHECK(steps == std::vector<std::string>{"connect", "login", "examine", "logout"});

    // use_future from a thread of its own.
    asio::io_context io2;
    auto guard = asio::make_work_guard(io2);
    std::thread runner([&] { io2.run(); });
    net::imap_client threaded(io2.get_executor(), client_options(t));
    auto caps = threaded.async_connect(connect_to(t, threaded.tls_context()), asio::use_future);
    CHECK(has(caps.get(), "AUTH=PLAIN"));
    threaded.async_login("alice", secret<>("secret"), asio::use_future).get();
    auto status =
        threaded.async_status(command_as<imap::cmd::status>("STATUS INBOX (MESSAGES)"), asio::use_future);
    CHECK(status.get().items.at(0).second == 3);
    std::error_code ec;
    try {
        threaded.async_login("alice", secret<>("secret"), asio::use_future).get();
    } catch (const std::system_error& e) {
        ec = e.code();
    }
    CHECK(ec == net::imap_client_errc::command_rejected);  // LOGIN in the authenticated state: BAD
    threaded.async_logout(asio::use_future).get();
    guard.reset();
    runner.join();
}

TEST_CASE("imap_client streamed APPEND: a failing source closes the connection", "[net][imap_client]") {
    reference_server srv;
    run_coroutine([&](asio::io_context& io) -> asio::awaitable<void> {
        auto t = reference_target(srv, true);
        net::imap_client client(io.get_executor(), client_options(t));
        co_await open_session(client, t);
        int calls = 0;
        net::imap_append_source source;
        source.size = 1'000'000;
        source.read = [&](std::span<char> buffer, std::error_code& ec) -> std::size_t {
            if (++calls == 3) {
                ec = std::make_error_code(std::errc::io_error);
                return 0;
            }
            std::fill(buffer.begin(), buffer.end(), 'x');
            return buffer.size();
        };
        std::vector<net::imap_append_source> sources;
        sources.push_back(std::move(source));
        std::error_code ec;
        co_await client.async_append(*imap::mailbox_name::make("INBOX"), std::move(sources),
                                     asio::redirect_error(asio::use_awaitable, ec));
        CHECK(ec == std::errc::io_error);
        CHECK(calls == 3);
        CHECK_FALSE(client.is_open());
        // Nothing half-written was stored.
        net::imap_client check(io.get_executor(), client_options(t));
        co_await open_session(check, t);
        auto status = co_await check.async_status(command_as<imap::cmd::status>("STATUS INBOX (MESSAGES)"),
                                                  asio::use_awaitable);
        CHECK(status.items.at(0).second == srv.messages.size());
    });
}

TEST_CASE("imap_client verifies certificates and refuses plaintext logins", "[net][imap_client]") {
    reference_server srv;
    SECTION("an untrusted certificate fails the handshake") {
        run_coroutine([&](asio::io_context& io) -> asio::awaitable<void> {
            auto t = reference_target(srv, true);
            net::imap_client_options o;
            o.tls_options.use_system_ca = true;  // the test CA is not among them
            net::imap_client client(io.get_executor(), o);
            std::error_code ec;
            co_await client.async_connect(connect_to(t, client.tls_context()),
                                          asio::redirect_error(asio::use_awaitable, ec));
            CHECK(ec);
            CHECK(ec.category() == asio::error::get_ssl_category());
            CHECK_FALSE(client.is_open());
        });
    }
    SECTION("STARTTLS with the wrong host name fails") {
        run_coroutine([&](asio::io_context& io) -> asio::awaitable<void> {
            auto t = reference_target(srv, false);
            net::imap_client client(io.get_executor(), client_options(t));
            auto c = connect_to(t);
            c.server_name = "mail.example.net";
            co_await client.async_connect(c, asio::use_awaitable);
            std::error_code ec;
            co_await client.async_starttls(asio::redirect_error(asio::use_awaitable, ec));
            CHECK(ec);
            CHECK_FALSE(client.is_open());
        });
    }
    SECTION("no login before TLS unless allowed") {
        run_coroutine([&](asio::io_context& io) -> asio::awaitable<void> {
            auto t = reference_target(srv, false);
            net::imap_client client(io.get_executor(), client_options(t));
            co_await client.async_connect(connect_to(t), asio::use_awaitable);
            std::error_code ec;
            co_await client.async_login("alice", secret<>("secret"),
                                        asio::redirect_error(asio::use_awaitable, ec));
            CHECK(ec == net::imap_client_errc::tls_required);
            CHECK(client.is_open());
            // Nor through async_command, which takes no LOGIN at all.
            co_await client.async_command(command_of("LOGIN alice secret"),
                                          asio::redirect_error(asio::use_awaitable, ec));
            CHECK(ec == imap::errc::not_allowed);
            CHECK(client.is_open());
            // Allowed by the client but not by the server: LOGINDISABLED.
            net::imap_client lax(io.get_executor(), fake_options());
            co_await lax.async_connect(connect_to(t), asio::use_awaitable);
            co_await lax.async_login("alice", secret<>("secret"),
                                     asio::redirect_error(asio::use_awaitable, ec),
                                     net::imap_login_method::login);
            CHECK(ec == imap::errc::login_disabled);
            co_await client.async_starttls(asio::use_awaitable);
            co_await client.async_login("alice", secret<>("wrong"),
                                        asio::redirect_error(asio::use_awaitable, ec));
            CHECK(ec == imap::errc::auth_failed);
            for (auto method : {net::imap_login_method::login, net::imap_login_method::sasl_login,
                                net::imap_login_method::sasl_plain}) {
                net::imap_client each(io.get_executor(), client_options(t));
                co_await each.async_connect(connect_to(t), asio::use_awaitable);
                co_await each.async_starttls(asio::use_awaitable);
                co_await each.async_login("alice", secret<>("secret"), asio::use_awaitable, method);
                CHECK(each.state() == imap::session_state::authenticated);
            }
        });
    }
}

TEST_CASE("imap_client against misbehaving servers", "[net][imap_client]") {
    auto expect_fetch_error = [](std::function<void(test::fake_connection&, const std::string&)> answer,
                                 std::function<void(std::error_code)> check) {
        test::fake_server fake([&](test::fake_connection& c) {
            c.write(greeting);
            auto line = c.read_line();
            if (!line) return;
            answer(c, tag_of(*line));
            c.wait_closed();
        });
        with_fake(fake, [&](asio::io_context&, net::imap_client& client) -> asio::awaitable<void> {
            std::error_code ec;
            net::imap_fetch_sinks no_sinks;
            co_await client.async_fetch(command_as<imap::cmd::fetch>("FETCH 1 BODY[]"), no_sinks,
                                        asio::redirect_error(asio::use_awaitable, ec));
            check(ec);
            CHECK_FALSE(client.is_open());
        });
    };
    SECTION("the connection drops in the middle of a literal") {
        expect_fetch_error(
            [](test::fake_connection& c, const std::string&) {
                c.write("* 1 FETCH (BODY[] {100}\r\nonly part");
                c.close();
            },
            [](std::error_code ec) { CHECK(ec == asio::error::eof); });
    }
    SECTION("garbage") {
        expect_fetch_error(
            [](test::fake_connection& c, const std::string&) { c.write("* 1 FETCH ((((garbage\r\n"); },
            [](std::error_code ec) { CHECK(ec == imap::errc::bad_syntax); });
    }
    SECTION("a 1 GiB literal announcement is refused before any octet") {
        expect_fetch_error([](test::fake_connection& c,
                              const std::string&) { c.write("* 1 FETCH (BODY[] {1073741824}\r\n"); },
                           [](std::error_code ec) { CHECK(ec == imap::errc::literal_too_large); });
    }
    SECTION("a tagged response for no command") {
        expect_fetch_error([](test::fake_connection& c, const std::string&) { c.write("Z99 OK what\r\n"); },
                           [](std::error_code ec) { CHECK(ec == imap::errc::unknown_tag); });
    }
    SECTION("a server that never answers: the deadline fires") {
        expect_fetch_error([](test::fake_connection&, const std::string&) {},
                           [](std::error_code ec) { CHECK(ec == net::errc::timed_out); });
    }
    SECTION("a BYE greeting") {
        test::fake_server fake([](test::fake_connection& c) {
            c.write("* BYE [UNAVAILABLE] go away\r\n");
            c.wait_closed();
        });
        run_coroutine([&](asio::io_context& io) -> asio::awaitable<void> {
            net::imap_client client(io.get_executor(), fake_options());
            std::error_code ec;
            co_await client.async_connect(fake_connect(fake), asio::redirect_error(asio::use_awaitable, ec));
            CHECK(ec == net::imap_client_errc::refused);
            CHECK_FALSE(client.is_open());
        });
    }
    SECTION("no greeting at all: the connect deadline fires") {
        test::fake_server fake([](test::fake_connection& c) { c.wait_closed(); });
        run_coroutine([&](asio::io_context& io) -> asio::awaitable<void> {
            net::imap_client client(io.get_executor(), fake_options());
            auto c = fake_connect(fake);
            c.timeout = 300ms;
            std::error_code ec;
            co_await client.async_connect(c, asio::redirect_error(asio::use_awaitable, ec));
            CHECK(ec == net::errc::timed_out);
        });
    }
    SECTION("bytes behind the STARTTLS OK (CVE-2011-0411)") {
        test::fake_server fake([](test::fake_connection& c) {
            c.write("* OK [CAPABILITY IMAP4rev1 STARTTLS] fake\r\n");
            auto line = c.read_line();
            if (!line) return;
            c.write(tag_of(*line) + " OK begin TLS\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n");
            c.wait_closed();
        });
        with_fake(fake, [](asio::io_context&, net::imap_client& client) -> asio::awaitable<void> {
            std::error_code ec;
            co_await client.async_starttls(asio::redirect_error(asio::use_awaitable, ec));
            CHECK(ec == imap::errc::unexpected_response);
            CHECK_FALSE(client.is_open());
        });
    }
}

TEST_CASE("imap_client pipelines commands and routes their data", "[net][imap_client]") {
    std::vector<std::string> batch;
    test::fake_server fake([&batch](test::fake_connection& c) {
        c.write(greeting);
        // Three commands arrive before any answer.
        for (int i = 0; i < 3; ++i) {
            auto line = c.read_line();
            if (!line) return;
            batch.push_back(*line);
        }
        std::string out;
        for (int i = 0; i < 3; ++i)
            out += "* STATUS box" + std::to_string(i) + " (MESSAGES " + std::to_string(i + 10) + ")\r\n" +
                   tag_of(batch[static_cast<std::size_t>(i)]) + " OK done\r\n";
        out += "* 4 EXISTS\r\n";  // unsolicited, after the last
        c.write(out);
        auto noop = c.read_line();
        if (noop) c.write("* 5 EXISTS\r\n" + tag_of(*noop) + " OK noop\r\n");
        c.wait_closed();
    });
    std::vector<imap::response> updates;
    auto options = fake_options();
    options.on_update = [&updates](const imap::response& r) { updates.push_back(r); };
    with_fake(
        fake,
        [&](asio::io_context& io, net::imap_client& client) -> asio::awaitable<void> {
            std::vector<std::future<imap::status_data>> results;
            for (int i = 0; i < 3; ++i)
                results.push_back(client.async_status(
                    command_as<imap::cmd::status>("STATUS box" + std::to_string(i) + " (MESSAGES)"),
                    asio::use_future));
            auto noop = co_await client.async_noop(asio::use_awaitable);
            CHECK(noop.status.text == "noop");
            for (int i = 0; i < 3; ++i) {
                auto& r = results[static_cast<std::size_t>(i)];
                while (r.wait_for(0s) != std::future_status::ready) {
                    asio::steady_timer wait(io, 5ms);
                    co_await wait.async_wait(asio::use_awaitable);
                }
                auto s = r.get();
                CHECK(s.mailbox.str() == "box" + std::to_string(i));
                CHECK(s.items.at(0).second == static_cast<std::uint64_t>(i + 10));
            }
        },
        options);
    CHECK(batch.size() == 3);
    REQUIRE(updates.size() >= 3);  // the greeting, 4 EXISTS, 5 EXISTS
    CHECK(std::get<imap::exists_data>(updates[updates.size() - 2]).count == 4);
    CHECK(std::get<imap::exists_data>(updates.back()).count == 5);
}

TEST_CASE("imap_client cancellation", "[net][imap_client]") {
    SECTION("a sent command: the connection closes") {
        test::fake_server fake([](test::fake_connection& c) {
            c.write(greeting);
            c.wait_closed();
        });
        with_fake(fake, [](asio::io_context& io, net::imap_client& client) -> asio::awaitable<void> {
            asio::cancellation_signal sig;
            asio::steady_timer t(io, 100ms);
            t.async_wait([&](std::error_code) { sig.emit(asio::cancellation_type::terminal); });
            std::error_code ec;
            co_await client.async_noop(
                asio::bind_cancellation_slot(sig.slot(), asio::redirect_error(asio::use_awaitable, ec)));
            CHECK(ec == asio::error::operation_aborted);
            CHECK_FALSE(client.is_open());
        });
    }
    SECTION("IDLE: DONE is sent and the connection stays usable") {
        std::vector<std::string> lines;
        test::fake_server fake([&lines](test::fake_connection& c) {
            c.write(greeting);
            auto idle = c.read_line();
            if (!idle) return;
            lines.push_back(*idle);
            c.write("+ idling\r\n* 7 EXISTS\r\n");
            auto done = c.read_line();
            if (!done) return;
            lines.push_back(*done);
            c.write(tag_of(*idle) + " OK IDLE terminated\r\n");
            auto noop = c.read_line();
            if (!noop) return;
            lines.push_back(*noop);
            c.write(tag_of(*noop) + " OK noop\r\n");
            c.wait_closed();
        });
        std::vector<imap::response> updates;
        auto options = fake_options();
        options.on_update = [&updates](const imap::response& r) { updates.push_back(r); };
        with_fake(
            fake,
            [&](asio::io_context& io, net::imap_client& client) -> asio::awaitable<void> {
                asio::cancellation_signal sig;
                asio::steady_timer t(io, 200ms);
                t.async_wait([&](std::error_code) { sig.emit(asio::cancellation_type::terminal); });
                std::error_code ec;
                co_await client.async_idle(
                    asio::bind_cancellation_slot(sig.slot(), asio::redirect_error(asio::use_awaitable, ec)));
                CHECK(ec == asio::error::operation_aborted);
                CHECK(client.is_open());
                auto noop = co_await client.async_noop(asio::use_awaitable);
                CHECK(noop.status.text == "noop");
            },
            options);
        REQUIRE(lines.size() == 3);
        CHECK(lines[0].find(" IDLE") != std::string::npos);
        CHECK(lines[1] == "DONE");
        CHECK(std::any_of(updates.begin(), updates.end(), [](const imap::response& r) {
            auto* e = std::get_if<imap::exists_data>(&r);
            return e != nullptr && e->count == 7;
        }));
    }
    SECTION("IDLE keepalive re-issues IDLE, and a queued command ends it") {
        std::vector<std::string> lines;
        test::fake_server fake([&lines](test::fake_connection& c) {
            c.write(greeting);
            for (;;) {
                auto line = c.read_line();
                if (!line) return;
                lines.push_back(*line);
                if (line->find(" IDLE") != std::string::npos) {
                    c.write("+ idling\r\n");
                    auto done = c.read_line();
                    if (!done) return;
                    lines.push_back(*done);
                    c.write(tag_of(*line) + " OK IDLE terminated\r\n");
                } else {
                    c.write(tag_of(*line) + " OK fine\r\n");
                }
            }
        });
        auto options = fake_options();
        options.idle_keepalive = 100ms;
        with_fake(
            fake,
            [](asio::io_context& io, net::imap_client& client) -> asio::awaitable<void> {
                auto idle = client.async_idle(asio::use_future);
                asio::steady_timer t(io, 600ms);  // several keepalive periods
                co_await t.async_wait(asio::use_awaitable);
                auto noop = co_await client.async_noop(asio::use_awaitable);
                CHECK(noop.status.text == "fine");
                CHECK(idle.wait_for(0s) == std::future_status::ready);
                CHECK(idle.get().status.status == imap::status_kind::ok);
            },
            options);
        const auto idles = std::count_if(lines.begin(), lines.end(), [](const std::string& l) {
            return l.find(" IDLE") != std::string::npos;
        });
        CHECK(idles >= 2);  // the first IDLE and at least one re-issued by the keepalive
        CHECK(std::count(lines.begin(), lines.end(), "DONE") == idles);
        CHECK(lines.back().find(" NOOP") != std::string::npos);
    }
}

// The scenario against a server outside the process (our binary, Dovecot);
// tests/interop/imap_client_test.py sets these variables and runs this case.
TEST_CASE("imap_client against an external server", "[.interop][imap_client]") {
    const target t = test::external_target("MAILACCESS_IMAP_", "tests/interop/imap_client_test.py");
    run_coroutine([&](asio::io_context& io) { return scenario(io, t); });
}
