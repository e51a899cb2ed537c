#include <mailaccess/pop3/client_session.hpp>

#include <catch2/catch.hpp>
#include <support/split_feed.hpp>

#include <string>

using namespace mailaccess;

namespace {

// Renders every client action as text so whole runs compare as strings.
// Body data is concatenated into one "data" entry per body, so the trace
// does not depend on how the input was chunked.
struct client_run {
    std::string trace;
    std::string written;
};

client_run drive(pop3::client_session& c, const std::vector<std::string_view>& chunks) {
    client_run r;
    std::size_t next = 0;
    std::string body;
    for (int guard = 0; guard < 100000; ++guard) {
        auto act = c.next();
        if (std::holds_alternative<pop3::need_input>(act)) {
            if (next == chunks.size()) {
                r.trace += "[eof]";
                return r;
            }
            auto buf = c.prepare(chunks[next].size());
            std::copy(chunks[next].begin(), chunks[next].end(), buf.begin());
            c.commit(chunks[next].size());
            ++next;
        } else if (std::holds_alternative<pop3::write_ready>(act)) {
            r.written += c.pending_output();
            c.consume_output(c.pending_output().size());
        } else if (std::holds_alternative<pop3::start_tls>(act)) {
            r.trace += "[start_tls]";
            c.tls_established();
        } else if (std::holds_alternative<pop3::close_connection>(act)) {
            r.trace += "[close]";
            return r;
        } else if (auto* s = std::get_if<pop3::client_status>(&act)) {
            r.trace += std::string("[") + (s->command ? pop3::to_string(*s->command) : "greeting") + " " +
                       (s->line.kind == pop3::status::ok ? "ok" : "err") + " " + s->line.code + "|" +
                       s->line.text + "]";
        } else if (auto* l = std::get_if<pop3::client_line>(&act)) {
            r.trace += "[line " + std::string(l->text) + "]";
        } else if (std::holds_alternative<pop3::client_lines_end>(act)) {
            r.trace += "[end]";
        } else if (std::holds_alternative<pop3::body_begin>(act)) {
            r.trace += "[body]";
            body.clear();
        } else if (auto* d = std::get_if<pop3::body_data>(&act)) {
            REQUIRE_FALSE(d->bytes.empty());
            body += d->bytes;
        } else if (std::holds_alternative<pop3::body_end>(act)) {
            r.trace += "[data " + body + "][body_end]";
        } else if (auto* e = std::get_if<pop3::client_error>(&act)) {
            r.trace += "[error " + e->error.message() + "]";
        }
    }
    FAIL("client did not settle");
    return r;
}

}  // namespace

TEST_CASE("client_session: a whole session at every split point", "[pop3][client_session]") {
    const std::string server =
        "+OK ready\r\n"
        "+OK\r\nTOP\r\nUIDL\r\n.\r\n"
        "+OK\r\n"
        "-ERR [AUTH] no\r\n"
        "+OK\r\n+OK Logged in.\r\n"
        "+OK 2 30\r\n"
        "+OK 2 messages:\r\n1 10\r\n2 20\r\n.\r\n"
        "+OK\r\n1 abc\r\n2 def\r\n.\r\n"
        "+OK 10 octets\r\nSubject: x\r\n\r\n..dot\r\n.\r\n"
        "+OK\r\nSubject: x\r\n.\r\n"
        "-ERR Message is deleted.\r\n"
        "+OK\r\n"
        "+OK Logging out.\r\n";
    const std::string expected =
        "[greeting ok |ready][CAPA ok |][line TOP][line UIDL][end][USER ok |][PASS err AUTH|no]"
        "[USER ok |][PASS ok |Logged in.][STAT ok |2 30][LIST ok |2 messages:][line 1 10][line 2 20][end]"
        "[UIDL ok |][line 1 abc][line 2 def][end][RETR ok |10 octets][body][data Subject: "
        "x\r\n\r\n.dot\r\n][body_end]"
        "[TOP ok |][body][data Subject: x\r\n][body_end][DELE err |Message is deleted.][NOOP ok |]"
        "[QUIT ok |Logging out.][close]";
    const std::string expected_wire =
        "CAPA\r\nUSER bob\r\nPASS wrong\r\nUSER bob\r\nPASS right pw\r\nSTAT\r\nLIST\r\nUIDL\r\nRETR "
        "1\r\nTOP 2 0\r\n"
        "DELE 1\r\nNOOP\r\nQUIT\r\n";
    for (bool pipelining : {false, true}) {
        test::for_each_chunking(server, [&](const test::chunking& ch) {
            INFO(ch.description << " pipelining " << pipelining);
            pop3::client_session c(pop3::client_options{{}, pipelining});
            REQUIRE_FALSE(c.capa());
            REQUIRE_FALSE(c.user("bob"));
            REQUIRE_FALSE(c.pass(secret<>(std::string("wrong"))));
            REQUIRE_FALSE(c.user("bob"));
            REQUIRE_FALSE(c.pass(secret<>(std::string("right pw"))));
            REQUIRE_FALSE(c.stat());
            REQUIRE_FALSE(c.list());
            REQUIRE_FALSE(c.uidl());
            REQUIRE_FALSE(c.retr(1));
            REQUIRE_FALSE(c.top(2, 0));
            REQUIRE_FALSE(c.dele(1));
            REQUIRE_FALSE(c.noop());
            REQUIRE_FALSE(c.quit());
            auto r = drive(c, ch.chunks);
            CHECK(r.trace == expected);
            CHECK(r.written == expected_wire);
            CHECK(c.capabilities() == std::vector<std::string>{"TOP", "UIDL"});
        });
    }
}

TEST_CASE("client_session waits for each reply unless pipelining", "[pop3][client_session]") {
    pop3::client_session c;
    REQUIRE_FALSE(c.stat());
    REQUIRE_FALSE(c.noop());
    CHECK(std::holds_alternative<pop3::need_input>(c.next()));  // nothing before the greeting
    CHECK(c.pending_output().empty());
    c.feed("+OK hi\r\n");
    CHECK(std::holds_alternative<pop3::client_status>(c.next()));
    REQUIRE(std::holds_alternative<pop3::write_ready>(c.next()));
    CHECK(c.pending_output() == "STAT\r\n");
    c.consume_output(6);
    CHECK(std::holds_alternative<pop3::need_input>(c.next()));
    c.feed("+OK 0 0\r\n");
    CHECK(std::holds_alternative<pop3::client_status>(c.next()));
    REQUIRE(std::holds_alternative<pop3::write_ready>(c.next()));
    CHECK(c.pending_output() == "NOOP\r\n");

    // After CAPA lists PIPELINING, everything queued goes out at once.
    pop3::client_session p;
    REQUIRE_FALSE(p.capa());
    p.feed("+OK hi\r\n+OK\r\nPIPELINING\r\n.\r\n");
    auto r = drive(p, {});
    CHECK(r.trace == "[greeting ok |hi][CAPA ok |][line PIPELINING][end][eof]");
    REQUIRE_FALSE(p.stat());
    REQUIRE_FALSE(p.list(3));
    REQUIRE_FALSE(p.uidl(3));
    REQUIRE(std::holds_alternative<pop3::write_ready>(p.next()));
    CHECK(p.pending_output() == "STAT\r\nLIST 3\r\nUIDL 3\r\n");
}

TEST_CASE("client_session STLS", "[pop3][client_session]") {
    pop3::client_session c(pop3::client_options{{}, true});
    REQUIRE_FALSE(c.stls());
    REQUIRE_FALSE(c.capa());
    auto r = drive(c, {"+OK hi\r\n+OK go\r\n"});
    CHECK(r.written == "STLS\r\nCAPA\r\n");  // CAPA only after the handshake
    CHECK(r.trace == "[greeting ok |hi][STLS ok |go][start_tls][eof]");

    // Plaintext bytes queued behind the +OK are an attack (CVE-2011-0411).
    pop3::client_session bad;
    REQUIRE_FALSE(bad.stls());
    auto b = drive(bad, {"+OK hi\r\n+OK go\r\n+OK injected\r\n"});
    CHECK(b.trace == "[greeting ok |hi][STLS ok |go][error unexpected response][close]");
}

TEST_CASE("client_session AUTH PLAIN", "[pop3][client_session]") {
    pop3::client_session c;
    REQUIRE_FALSE(c.auth_plain("bob", secret<>(std::string("pw"))));
    auto r = drive(c, {"+OK hi\r\n+OK Logged in.\r\n"});
    CHECK(r.written == "AUTH PLAIN AGJvYgBwdw==\r\n");
    CHECK(r.trace == "[greeting ok |hi][AUTH ok |Logged in.][eof]");

    // A response too long for the command line goes after the empty challenge.
    pop3::client_session l;
    REQUIRE_FALSE(l.auth_plain(std::string(200, 'u'), secret<>(std::string(100, 'p'))));
    auto lr = drive(l, {"+OK hi\r\n+ \r\n+OK\r\n"});
    REQUIRE(lr.written.substr(0, 12) == "AUTH PLAIN\r\n");
    CHECK(lr.written.size() > 300);
    CHECK(lr.trace == "[greeting ok |hi][AUTH ok |][eof]");
}

TEST_CASE("client_session AUTH LOGIN at every split point", "[pop3][client_session]") {
    // draft-murchison-sasl-login: server-first, so no initial response; the
    // challenge texts are ignored. STAT waits for the AUTH (a barrier).
    const std::string server =
        "+OK hi\r\n"
        "+ VXNlcm5hbWU6\r\n"  // "Username:"
        "+ UGFzc3dvcmQ6\r\n"  // "Password:"
        "+OK Logged in.\r\n"
        "+OK 0 0\r\n";
    for (bool pipelining : {false, true}) {
        test::for_each_chunking(server, [&](const test::chunking& ch) {
            INFO(ch.description << " pipelining " << pipelining);
            pop3::client_session c(pop3::client_options{{}, pipelining});
            REQUIRE_FALSE(c.auth_login("bob", secret<>(std::string("pw"))));
            REQUIRE_FALSE(c.stat());
            auto r = drive(c, ch.chunks);
            CHECK(r.written == "AUTH LOGIN\r\nYm9i\r\ncHc=\r\nSTAT\r\n");
            CHECK(r.trace == "[greeting ok |hi][AUTH ok |Logged in.][STAT ok |0 0][eof]");
        });
    }

    // The server may accept before asking for everything; what is left is
    // simply dropped.
    pop3::client_session early;
    REQUIRE_FALSE(early.auth_login("bob", secret<>(std::string("pw"))));
    auto e = drive(early, {"+OK hi\r\n+ \r\n+OK\r\n"});
    CHECK(e.written == "AUTH LOGIN\r\nYm9i\r\n");
    CHECK(e.trace == "[greeting ok |hi][AUTH ok |][eof]");
}

TEST_CASE("client_session AUTH LOGIN cancels a third challenge", "[pop3][client_session]") {
    const std::string server =
        "+OK hi\r\n+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n+ TW9yZTo=\r\n"
        "-ERR Authentication aborted by client.\r\n+OK\r\n";
    test::for_each_chunking(server, [&](const test::chunking& ch) {
        INFO(ch.description);
        pop3::client_session c;
        REQUIRE_FALSE(c.auth_login("bob", secret<>(std::string("pw"))));
        REQUIRE_FALSE(c.noop());
        auto r = drive(c, ch.chunks);
        // RFC 5034 section 4: "*" cancels; the -ERR ends the AUTH and the
        // session goes on.
        CHECK(r.written == "AUTH LOGIN\r\nYm9i\r\ncHc=\r\n*\r\nNOOP\r\n");
        CHECK(r.trace == "[greeting ok |hi][AUTH err |Authentication aborted by client.][NOOP ok |][eof]");
    });
}

TEST_CASE("client_session unexpected continuations are protocol errors", "[pop3][client_session]") {
    SECTION("after the cancel, the server owes -ERR") {
        const std::string server = "+OK hi\r\n+ \r\n+ \r\n+ \r\n+ \r\n";
        test::for_each_chunking(server, [&](const test::chunking& ch) {
            INFO(ch.description);
            pop3::client_session c;
            REQUIRE_FALSE(c.auth_login("bob", secret<>(std::string("pw"))));
            auto r = drive(c, ch.chunks);
            CHECK(r.written == "AUTH LOGIN\r\nYm9i\r\ncHc=\r\n*\r\n");
            CHECK(r.trace == "[greeting ok |hi][error unexpected response][close]");
        });
    }
    SECTION("AUTH PLAIN with an initial response cancels the first challenge") {
        pop3::client_session c;
        REQUIRE_FALSE(c.auth_plain("bob", secret<>(std::string("pw"))));
        auto r = drive(c, {"+OK hi\r\n+ \r\n+ \r\n"});
        CHECK(r.written == "AUTH PLAIN AGJvYgBwdw==\r\n*\r\n");
        CHECK(r.trace == "[greeting ok |hi][error unexpected response][close]");
    }
    SECTION("a continuation to a command other than AUTH") {
        pop3::client_session c;
        REQUIRE_FALSE(c.user("bob"));
        auto r = drive(c, {"+OK hi\r\n+ VXNlcm5hbWU6\r\n"});
        CHECK(r.written == "USER bob\r\n");
        CHECK(r.trace == "[greeting ok |hi][error unexpected response][close]");
    }
    SECTION("a continuation before the greeting") {
        pop3::client_session c;
        REQUIRE_FALSE(c.auth_login("bob", secret<>(std::string("pw"))));
        auto r = drive(c, {"+ VXNlcm5hbWU6\r\n"});
        CHECK(r.written.empty());
        CHECK(r.trace == "[error unexpected response][close]");
    }
}

TEST_CASE("client_session protocol errors are fatal and bounded", "[pop3][client_session]") {
    {
        pop3::client_session c;
        CHECK(drive(c, {"+OK hi\r\n+OK surprise\r\n"}).trace ==
              "[greeting ok |hi][error unexpected response][close]");
    }
    {
        pop3::client_session c;
        CHECK(drive(c, {"* OK imap?\r\n"}).trace == "[error syntax error][close]");
    }
    {
        pop3::client_session c;
        CHECK(drive(c, {"+OK " + std::string(600, 'x')}).trace == "[error line too long][close]");
    }
    {
        pop3::client_options o;
        o.limits.max_message_size = 100;
        pop3::client_session c(o);
        REQUIRE_FALSE(c.retr(1));
        const std::string big = "+OK hi\r\n+OK\r\n" + std::string(150, 'x');
        test::for_each_chunking(big, [&](const test::chunking& ch) {
            pop3::client_session s(o);
            REQUIRE_FALSE(s.retr(1));
            CHECK(drive(s, ch.chunks).trace ==
                  "[greeting ok |hi][RETR ok |][body][error response too large][close]");
        });
    }
    pop3::client_session c;
    CHECK(c.user("two words") == pop3::errc::bad_syntax);
}
