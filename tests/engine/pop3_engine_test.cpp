#include <mailaccess/engine/pop3_engine.hpp>

#include <mailaccess/auth/passwd_file.hpp>
#include <mailaccess/auth/password_hash.hpp>
#include <mailaccess/core/base64.hpp>
#include <mailaccess/pop3/dot_stuffing.hpp>
#include <mailaccess/pop3/error.hpp>
#include <mailaccess/pop3/server_session.hpp>
#include <mailaccess/store/memory_store.hpp>

#include <catch2/catch.hpp>
#include <maildir/scratch_store.hpp>

#include <fstream>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

// A pop3::server_session driven against the real pop3_engine, on a
// memory_store and a passwd_file: the whole POP3 server minus the sockets.

using namespace mailaccess;

namespace {

constexpr std::string_view message_one =
    "From: a@example.org\r\nSubject: one\r\n\r\nHello\r\n.dot line\r\n..two dots\r\n";
constexpr std::string_view message_two = "Subject: two\r\n\r\nBody\r\n";

// Bob's password is stored hashed, so his logins run the real hash check.
std::string users_file() {
    auth::hash_options fast;
    fast.rounds = 1000;
    auto bob =
        auth::hash_password(auth::password_scheme::sha512_crypt, secret<>(std::string("hunter2")), fast);
    REQUIRE(bob);
    return "alice:{PLAIN}secret\nbob:" + *bob + "\n";
}

// One client connection: a session and its engine, driven by the loop of
// STYLE.md section 9 (need_input ends a round, delays are skipped).
struct connection {
    connection(store::store& store, auth::authenticator& users, pop3::server_options options = tls())
        : session(std::move(options)), engine(store, users) {
        greeting = run({});
    }

    static pop3::server_options tls() {
        pop3::server_options o;
        o.tls_active = true;
        return o;
    }

    // Feeds `input` and returns what the server wrote until it waits for
    // more input (or closes).
    std::string run(std::string_view input) {
        session.feed(input);
        std::string out;
        for (;;) {
            auto act = session.next_action();
            if (std::holds_alternative<pop3::need_input>(act)) return out;
            if (std::holds_alternative<pop3::write_ready>(act)) {
                out += session.pending_output();
                session.consume_output(session.pending_output().size());
            } else if (auto* req = std::get_if<pop3::engine_request>(&act)) {
                const auto id = req->id;
                session.complete(id, engine.handle(std::move(*req)));
            } else if (std::holds_alternative<pop3::delay>(act)) {
                ++delays;
                session.resume();
            } else {
                REQUIRE(std::holds_alternative<pop3::close_connection>(act));
                closed = true;
                return out;
            }
        }
    }

    pop3::server_session session;
    engine::pop3_engine engine;
    std::string greeting;
    int delays = 0;
    bool closed = false;
};

std::string plain(std::string_view authzid, std::string_view user, std::string_view password) {
    std::string msg(authzid);
    msg += '\0';
    msg += user;
    msg += '\0';
    msg += password;
    return base64_encode(msg);
}

std::vector<std::string> inbox_of(store::memory_store& store, std::string_view user) {
    auto account = store.open_account(user);
    REQUIRE(account);
    auto inbox = (*account)->open_mailbox("INBOX", store::open_mode::read_only);
    REQUIRE(inbox);
    auto listing = (*inbox)->list();
    REQUIRE(listing);
    std::vector<std::string> bodies;
    for (const auto& info : *listing) {
        auto source = (*inbox)->open(info.uid);
        REQUIRE(source);
        std::string bytes(static_cast<std::size_t>((*source)->size()), '\0');
        auto n = (*source)->read(0, std::span<char>(bytes.data(), bytes.size()));
        REQUIRE(n);
        bytes.resize(*n);
        bodies.push_back(bytes);
    }
    return bodies;
}

struct fixture {
    store::memory_store store;
    auth::passwd_file users = auth::passwd_file::parse(users_file());

    fixture() {
        REQUIRE(users.problems().empty());
        REQUIRE(store.deliver("alice", "INBOX", message_one));
        REQUIRE(store.deliver("alice", "INBOX", message_two));
        REQUIRE(store.deliver("bob", "INBOX", message_two));
    }
};

const std::string stat_alice = "+OK 2 " + std::to_string(message_one.size() + message_two.size()) + "\r\n";

}  // namespace

TEST_CASE_METHOD(fixture, "pop3_engine: USER/PASS logs in and lists INBOX", "[engine][pop3_engine]") {
    connection c(store, users);
    CHECK(c.greeting == "+OK mailaccess POP3 ready\r\n");
    CHECK(c.run("USER alice\r\nPASS secret\r\nSTAT\r\n") == "+OK\r\n+OK Logged in.\r\n" + stat_alice);
    CHECK(c.session.current_state() == pop3::state::transaction);
    CHECK(c.run("LIST\r\n") == "+OK 2 messages:\r\n1 " + std::to_string(message_one.size()) + "\r\n2 " +
                                   std::to_string(message_two.size()) + "\r\n.\r\n");
    connection b(store, users);
    CHECK(b.run("USER bob\r\nPASS hunter2\r\nSTAT\r\n") ==
          "+OK\r\n+OK Logged in.\r\n+OK 1 " + std::to_string(message_two.size()) + "\r\n");
    CHECK(c.delays == 0);
}

TEST_CASE_METHOD(fixture, "pop3_engine: AUTH PLAIN with an initial response", "[engine][pop3_engine]") {
    connection c(store, users);
    CHECK(c.run("AUTH PLAIN " + plain("", "alice", "secret") + "\r\nSTAT\r\n") ==
          "+OK Logged in.\r\n" + stat_alice);
    connection b(store, users);
    // An authzid equal to the authcid is no proxy login (RFC 4616 section 2).
    CHECK(b.run("AUTH PLAIN " + plain("bob", "bob", "hunter2") + "\r\n") == "+OK Logged in.\r\n");
    CHECK(b.delays == 0);
}

TEST_CASE_METHOD(fixture, "pop3_engine: AUTH PLAIN and LOGIN with continuations", "[engine][pop3_engine]") {
    SECTION("LOGIN") {
        connection c(store, users);
        CHECK(c.run("AUTH LOGIN\r\n") == "+ VXNlcm5hbWU6\r\n");               // "Username:"
        CHECK(c.run(base64_encode("bob") + "\r\n") == "+ UGFzc3dvcmQ6\r\n");  // "Password:"
        CHECK(c.run(base64_encode("hunter2") + "\r\n") == "+OK Logged in.\r\n");
        CHECK(c.session.current_state() == pop3::state::transaction);
    }
    SECTION("LOGIN with the user name as initial response") {
        connection c(store, users);
        CHECK(c.run("AUTH LOGIN " + base64_encode("alice") + "\r\n" + base64_encode("secret") +
                    "\r\nSTAT\r\n") == "+ UGFzc3dvcmQ6\r\n+OK Logged in.\r\n" + stat_alice);
    }
    SECTION("PLAIN") {
        connection c(store, users);
        CHECK(c.run("AUTH PLAIN\r\n") == "+ \r\n");
        CHECK(c.run(plain("", "alice", "secret") + "\r\n") == "+OK Logged in.\r\n");
    }
    SECTION("an abandoned exchange does not leak into the next one") {
        connection c(store, users);
        CHECK(c.run("AUTH LOGIN\r\n" + base64_encode("bob") + "\r\n*\r\n") ==
              "+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n-ERR Authentication aborted by client.\r\n");
        CHECK(c.run("AUTH PLAIN\r\n" + plain("", "alice", "secret") + "\r\nSTAT\r\n") ==
              "+ \r\n+OK Logged in.\r\n" + stat_alice);
    }
}

TEST_CASE_METHOD(fixture, "pop3_engine: failed logins", "[engine][pop3_engine]") {
    const std::string failed = "-ERR [AUTH] Authentication failed.\r\n";
    SECTION("each failure is delayed, the third closes") {
        connection c(store, users);
        CHECK(c.run("USER alice\r\nPASS wrong\r\n") == "+OK\r\n" + failed);
        CHECK(c.run("AUTH PLAIN " + plain("", "bob", "secret") + "\r\n") == failed);
        CHECK(c.delays == 2);
        CHECK_FALSE(c.closed);
        CHECK(c.run("AUTH LOGIN\r\n" + base64_encode("nobody") + "\r\n" + base64_encode("x") + "\r\n") ==
              "+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n" + failed);
        CHECK(c.delays == 3);
        CHECK(c.closed);
    }
    SECTION("acting as another user is refused like a wrong password") {
        connection c(store, users);
        CHECK(c.run("AUTH PLAIN " + plain("bob", "alice", "secret") + "\r\n") == failed);
        CHECK(c.delays == 1);
    }
    SECTION("a malformed SASL message is an error, not a strike") {
        connection c(store, users);
        const std::string no_nul = base64_encode("alice secret");
        for (int i = 0; i < 4; ++i)
            CHECK(c.run("AUTH PLAIN " + no_nul + "\r\n") == "-ERR Malformed SASL response.\r\n");
        CHECK(c.run("AUTH PLAIN =\r\n") == "-ERR Malformed SASL response.\r\n");
        CHECK(c.delays == 0);
        CHECK_FALSE(c.closed);
        CHECK(c.run("USER alice\r\nPASS secret\r\n") == "+OK\r\n+OK Logged in.\r\n");
    }
    SECTION("a mechanism the host offers but auth cannot run") {
        auto o = connection::tls();
        o.sasl_mechanisms.push_back("SCRAM-SHA-256");
        connection c(store, users, o);
        CHECK(c.run("AUTH SCRAM-SHA-256 biwsbj11c2VyLHI9bm9uY2U=\r\n") ==
              "-ERR Unsupported authentication mechanism.\r\n");
        CHECK(c.delays == 0);
    }
}

TEST_CASE_METHOD(fixture, "pop3_engine: one session per maildrop", "[engine][pop3_engine]") {
    auto first = std::make_unique<connection>(store, users);
    CHECK(first->run("USER alice\r\nPASS secret\r\n") == "+OK\r\n+OK Logged in.\r\n");
    connection second(store, users);
    CHECK(second.run("AUTH PLAIN " + plain("", "alice", "secret") + "\r\n") ==
          "-ERR [IN-USE] Mailbox is locked by another POP3 session.\r\n");
    CHECK(second.run("USER alice\r\nPASS secret\r\n") ==
          "+OK\r\n-ERR [IN-USE] Mailbox is locked by another POP3 session.\r\n");
    CHECK(second.delays == 0);
    // Another user's maildrop is independent.
    connection bob(store, users);
    CHECK(bob.run("USER bob\r\nPASS hunter2\r\n") == "+OK\r\n+OK Logged in.\r\n");
    // QUIT releases the lock.
    CHECK(first->run("QUIT\r\n") == "+OK Logging out.\r\n");
    CHECK(first->closed);
    CHECK(second.run("USER alice\r\nPASS secret\r\n") == "+OK\r\n+OK Logged in.\r\n");
}

TEST_CASE_METHOD(fixture, "pop3_engine: RETR and TOP send the delivered bytes, dot-stuffed",
                 "[engine][pop3_engine]") {
    connection c(store, users);
    REQUIRE(c.run("USER alice\r\nPASS secret\r\n") == "+OK\r\n+OK Logged in.\r\n");
    CHECK(c.run("RETR 1\r\n") == "+OK " + std::to_string(message_one.size()) +
                                     " octets\r\n"
                                     "From: a@example.org\r\nSubject: one\r\n\r\nHello\r\n"
                                     "..dot line\r\n...two dots\r\n.\r\n");
    CHECK(c.run("RETR 2\r\n") ==
          "+OK " + std::to_string(message_two.size()) + " octets\r\n" + std::string(message_two) + ".\r\n");
    CHECK(c.run("TOP 1 1\r\n") == "+OK\r\nFrom: a@example.org\r\nSubject: one\r\n\r\nHello\r\n.\r\n");
    CHECK(c.run("RETR 3\r\n") == "-ERR There's no message 3.\r\n");
}

TEST_CASE_METHOD(fixture, "pop3_engine: DELE and QUIT remove messages from the store",
                 "[engine][pop3_engine]") {
    connection c(store, users);
    REQUIRE(c.run("USER alice\r\nPASS secret\r\n") == "+OK\r\n+OK Logged in.\r\n");
    CHECK(c.run("DELE 1\r\nSTAT\r\n") ==
          "+OK Marked to be deleted.\r\n+OK 1 " + std::to_string(message_two.size()) + "\r\n");
    CHECK(inbox_of(store, "alice").size() == 2);  // nothing happens before QUIT
    CHECK(c.run("QUIT\r\n") == "+OK Logging out.\r\n");
    CHECK(c.closed);
    CHECK(inbox_of(store, "alice") == std::vector<std::string>{std::string(message_two)});
    CHECK(inbox_of(store, "bob").size() == 1);

    connection again(store, users);
    CHECK(again.run("USER alice\r\nPASS secret\r\nRETR 1\r\n") ==
          "+OK\r\n+OK Logged in.\r\n+OK " + std::to_string(message_two.size()) + " octets\r\n" +
              std::string(message_two) + ".\r\n");
}

TEST_CASE_METHOD(fixture, "pop3_engine: a dropped connection deletes nothing and unlocks",
                 "[engine][pop3_engine]") {
    {
        connection c(store, users);
        REQUIRE(c.run("USER alice\r\nPASS secret\r\n") == "+OK\r\n+OK Logged in.\r\n");
        CHECK(c.run("DELE 1\r\nDELE 2\r\n") == "+OK Marked to be deleted.\r\n+OK Marked to be deleted.\r\n");
    }  // no QUIT: the session and engine just go away
    CHECK(inbox_of(store, "alice").size() == 2);
    connection next(store, users);
    CHECK(next.run("AUTH PLAIN " + plain("", "alice", "secret") + "\r\nSTAT\r\n") ==
          "+OK Logged in.\r\n" + stat_alice);
}

TEST_CASE_METHOD(fixture, "pop3_engine: any other request ends an unfinished SASL exchange",
                 "[engine][pop3_engine]") {
    engine::pop3_engine e(store, users);
    auto reply = e.handle({1, pop3::sasl_start_request{"LOGIN", std::nullopt}});
    REQUIRE(std::get<pop3::sasl_reply>(reply).challenge == std::optional<std::string>("Username:"));
    reply = e.handle({2, pop3::login_request{"alice", secret<>(std::string("wrong"))}});
    CHECK(std::get<pop3::login_reply>(reply).error == pop3::errc::auth_failed);
    reply = e.handle({3, pop3::sasl_step_request{secret<>(std::string("alice"))}});
    const auto& sasl = std::get<pop3::sasl_reply>(reply);
    CHECK_FALSE(sasl.challenge);
    CHECK(sasl.outcome.error == pop3::errc::wrong_state);
}

TEST_CASE("pop3_engine: RETR from a Maildir sends every file whole and stuffed, in later sessions too",
          "[engine][pop3_engine]") {
    // Files an outside MDA delivered, with every kind of line end. The first
    // session's listing stats them; later opens take the size from that
    // stat instead of an fstat, and must still send every byte.
    test::scratch_store scratch;
    auto& store = scratch.store;
    auth::passwd_file users = auth::passwd_file::parse(users_file());
    const std::vector<std::string> messages{
        std::string(message_two),
        std::string(message_one),  // dot-led lines
        "Subject: lf\n\nbare LF\n",
        "Subject: end\r\n\r\nno final CRLF",
        "Subject: big\r\n\r\n" + std::string(100000, 'x') + "\r\n.dot\r\n",
    };
    for (std::size_t i = 0; i < messages.size(); ++i)
        std::ofstream(store.maildir_path("alice") / "new" / ("170000000" + std::to_string(i) + ".M1P1.test"),
                      std::ios::binary)
            << messages[i];
    std::string expected;
    for (const auto& text : messages) {
        expected += "+OK " + std::to_string(text.size()) + " octets\r\n";
        pop3::dot_stuffer stuffer;
        stuffer.encode(text, expected);
        stuffer.finish(expected);
    }
    auto retr_all = [&] {
        connection c(store, users);
        REQUIRE(c.run("USER alice\r\nPASS secret\r\n") == "+OK\r\n+OK Logged in.\r\n");
        std::string out;
        for (std::size_t i = 1; i <= messages.size(); ++i) out += c.run("RETR " + std::to_string(i) + "\r\n");
        return out;
    };
    CHECK(retr_all() == expected);
    CHECK(retr_all() == expected);
}
