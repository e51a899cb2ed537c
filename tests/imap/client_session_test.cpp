#include <mailaccess/imap/client_session.hpp>

#include <mailaccess/imap/server_session.hpp>

#include <catch2/catch.hpp>
#include <support/split_feed.hpp>

#include "rfc3501_examples.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

using namespace mailaccess;
using namespace mailaccess::imap;

namespace {

// A command from its wire form, through our own server-side parser.
command cmd_of(std::string_view text) {
    auto c = parse_command(text, {});
    REQUIRE(c);
    return std::move(*c);
}

std::string describe(const response& r) {
    writer w;
    std::vector<stream_slot> slots;
    write(w, r, &slots);
    std::string s(w.buffer());
    if (s.size() >= 2) s.resize(s.size() - 2);
    return s;
}

std::string_view status_name(status_kind k) {
    switch (k) {
        case status_kind::ok: return "OK";
        case status_kind::no: return "NO";
        case status_kind::bad: return "BAD";
        case status_kind::preauth: return "PREAUTH";
        case status_kind::bye: return "BYE";
    }
    return "?";
}

// Drives a session the way net will: writes everything it is asked to,
// feeds input only on need_input, and records events as text.
struct driver {
    client_session s;
    std::string written;
    std::vector<std::string> events;
    std::string body;  // all body_data, concatenated
    std::size_t max_chunk = 0;
    bool closed = false;
    bool auto_tls = false;

    explicit driver(client_options o = {}) : s(std::move(o)) {}

    void run() {
        for (int guard = 0; guard < 1000000; ++guard) {
            auto e = s.next();
            if (std::holds_alternative<need_input>(e)) return;
            if (std::holds_alternative<write_ready>(e)) {
                written += s.pending_output();
                s.consume_output(s.pending_output().size());
            } else if (std::holds_alternative<start_tls>(e)) {
                events.push_back("start_tls");
                if (!auto_tls) return;
                s.tls_established();
            } else if (std::holds_alternative<close_connection>(e)) {
                events.push_back("close");
                closed = true;
                return;
            } else if (auto* u = std::get_if<untagged>(&e)) {
                events.push_back(describe(u->data));
            } else if (auto* c = std::get_if<completed>(&e)) {
                events.push_back("completed " + c->tag.str() + " " + std::string(c->command) + " " +
                                 std::string(status_name(c->status.status)));
            } else if (auto* k = std::get_if<continuation>(&e)) {
                events.push_back("continuation " + k->text);
            } else if (auto* i = std::get_if<idling>(&e)) {
                events.push_back("idling " + i->tag.str());
            } else if (auto* b = std::get_if<body_begin>(&e)) {
                events.push_back("body_begin " + std::to_string(b->seq) + " " + std::to_string(b->size));
            } else if (auto* d = std::get_if<body_data>(&e)) {
                REQUIRE_FALSE(d->bytes.empty());
                max_chunk = std::max(max_chunk, d->bytes.size());
                body += d->bytes;
            } else if (std::holds_alternative<body_end>(e)) {
                events.push_back("body_end " + std::to_string(body.size()));
            } else if (auto* req = std::get_if<literal_request>(&e)) {
                events.push_back("literal_request " + req->tag.str() + " " + std::to_string(req->message) +
                                 " " + std::to_string(req->size));
            } else if (auto* err = std::get_if<client_error>(&e)) {
                events.push_back("error " + err->error.message());
            }
        }
        FAIL("the session did not settle");
    }

    void feed(std::string_view bytes) {
        s.feed(bytes);
        run();
    }

    // Takes what was written since the last call.
    std::string take_written() { return std::exchange(written, {}); }
    std::vector<std::string> take_events() { return std::exchange(events, {}); }
};

const std::string greeting = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n";

std::string error_text(errc e) { return "error " + make_error_code(e).message(); }

}  // namespace

TEST_CASE("RFC 3501 section 8: the sample session from the client side, at every split",
          "[imap][client_session]") {
    const std::string server =
        std::string("* OK IMAP4rev1 Service Ready\r\n") +
        "a001 OK LOGIN completed\r\n"
        "* 18 EXISTS\r\n"
        "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
        "* 2 RECENT\r\n"
        "* OK [UNSEEN 17] Message 17 is the first unseen message\r\n"
        "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
        "a002 OK [READ-WRITE] SELECT completed\r\n"
        "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
        "RFC822.SIZE 4286 ENVELOPE " +
        imap::test::rfc3501_envelope_wire +
        " BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n"
        "a003 OK FETCH completed\r\n"
        "* 12 FETCH (BODY[HEADER] {342}\r\n" +
        imap::test::rfc3501_header +
        ")\r\n"
        "a004 OK FETCH completed\r\n"
        "* 12 FETCH (FLAGS (\\Seen \\Deleted))\r\n"
        "a005 OK +FLAGS completed\r\n"
        "* BYE IMAP4rev1 server terminating connection\r\n"
        "a006 OK LOGOUT completed\r\n";
    const std::string client =
        "a001 LOGIN mrc secret\r\n"
        "a002 SELECT INBOX\r\n"
        "a003 FETCH 12 FULL\r\n"
        "a004 FETCH 12 BODY[HEADER]\r\n"
        "a005 STORE 12 +FLAGS (\\Deleted)\r\n"
        "a006 LOGOUT\r\n";

    auto session_run = [&](const std::vector<std::string_view>& chunks) {
        driver d;
        for (auto text :
             {"a001 login mrc secret\r\n", "a002 select inbox\r\n", "a003 fetch 12 full\r\n",
              "a004 fetch 12 body[header]\r\n", "a005 store 12 +flags \\deleted\r\n", "a006 logout\r\n"})
            REQUIRE(d.s.send(cmd_of(text)));
        d.run();
        CHECK(d.written.empty());  // nothing before the greeting
        for (auto c : chunks) d.feed(c);
        return d;
    };

    driver whole = session_run({server});
    CHECK(whole.written == client);
    REQUIRE(whole.events.size() == 17);
    CHECK(whole.events[0] == "* OK IMAP4rev1 Service Ready");
    CHECK(whole.events[1] == "completed a001 LOGIN OK");
    CHECK(whole.events[2] == "* 18 EXISTS");
    CHECK(whole.events[6] == "* OK [UIDVALIDITY 3857529045] UIDs valid");
    CHECK(whole.events[7] == "completed a002 SELECT OK");
    CHECK(whole.events[10] == "* 12 FETCH (BODY[HEADER] {342}\r\n" + imap::test::rfc3501_header + ")");
    CHECK(whole.events[12] == "* 12 FETCH (FLAGS (\\Seen \\Deleted))");
    CHECK(whole.events[14] == "* BYE IMAP4rev1 server terminating connection");
    CHECK(whole.events[15] == "completed a006 LOGOUT OK");
    CHECK(whole.events[16] == "close");
    CHECK(whole.s.state() == session_state::logout);

    mailaccess::test::for_each_chunking(server, [&](const mailaccess::test::chunking& c) {
        INFO(c.description);
        driver d = session_run(c.chunks);
        CHECK(d.written == whole.written);
        CHECK(d.events == whole.events);
    });
}

TEST_CASE("the greeting: capabilities, PREAUTH, anything else is an error", "[imap][client_session]") {
    driver d;
    d.feed("* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR] hello\r\n");
    CHECK(d.s.has_greeting());
    CHECK(d.s.state() == session_state::authenticated);
    CHECK(d.s.capabilities_known());
    CHECK(d.s.has_capability("literal+"));
    CHECK(d.s.capabilities().size() == 3);

    d.feed("* CAPABILITY IMAP4rev1 IDLE\r\n");
    CHECK_FALSE(d.s.has_capability("LITERAL+"));
    CHECK(d.s.has_capability("IDLE"));

    driver bad;
    bad.feed("* 3 EXISTS\r\n");
    CHECK(bad.events == std::vector<std::string>{error_text(errc::unexpected_response), "close"});

    driver tagged;
    tagged.feed("a1 OK hi\r\n");
    CHECK(tagged.events == std::vector<std::string>{error_text(errc::unexpected_response), "close"});

    driver bye;
    REQUIRE(bye.s.send(cmd::noop{}));
    bye.feed("* BYE too busy\r\n");
    CHECK(bye.events == std::vector<std::string>{"* BYE too busy", "close"});
    CHECK(bye.written.empty());
    CHECK(bye.s.send(cmd::noop{}).error() == errc::not_allowed);
}

TEST_CASE("tags: generated, or the caller's when unique", "[imap][client_session]") {
    client_options o;
    o.tag_prefix = "x";
    driver d(o);
    d.feed(greeting);
    auto t1 = d.s.send(cmd::noop{});
    REQUIRE(t1);
    CHECK(t1->str() == "x1");
    CHECK(d.s.send(cmd_of("x2 NOOP\r\n"))->str() == "x2");
    CHECK(d.s.send(cmd_of("x2 CAPABILITY\r\n")).error() == errc::tag_in_use);
    CHECK(d.s.send(cmd::noop{})->str() == "x3");  // x2 is in use
    d.run();
    CHECK(d.take_written() == "x1 NOOP\r\nx2 NOOP\r\nx3 NOOP\r\n");
}

TEST_CASE("a synchronizing literal waits for +", "[imap][client_session]") {
    driver d;
    d.feed(greeting);
    REQUIRE(d.s.send(cmd_of("a APPEND INBOX {5}\r\nhello\r\n")));
    REQUIRE(d.s.send(cmd::noop{}));
    d.run();
    CHECK(d.take_written() == "a APPEND INBOX {5}\r\n");
    d.feed("+ Ready for literal data\r\n");
    CHECK(d.take_written() == "hello\r\nA1 NOOP\r\n");
    CHECK(d.events.size() == 1);  // the greeting; the "+" is the session's
    d.feed("A1 OK done\r\na OK [APPENDUID 1 7] done\r\n");
    CHECK(d.take_events() == std::vector<std::string>{"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready",
                                                      "completed A1 NOOP OK", "completed a APPEND OK"});
}

// An APPEND message that is not in memory: the session announces it and asks
// the driver for its octets (literal_request / send_literal_data).
cmd::append streamed_append(std::vector<std::uint64_t> sizes) {
    cmd::append a;
    for (auto size : sizes) {
        auto& m = a.messages.emplace_back();
        m.streamed = true;
        m.size = size;
    }
    return a;
}

TEST_CASE("a streamed APPEND: the driver supplies each literal's octets", "[imap][client_session]") {
    SECTION("synchronizing literals: after each +") {
        driver d;
        d.feed(greeting);
        REQUIRE(d.s.send(streamed_append({10, 3})));
        REQUIRE(d.s.send(cmd::noop{}));
        d.run();
        CHECK(d.take_written() == "A1 APPEND INBOX {10}\r\n");
        d.take_events();
        CHECK(d.s.send_literal_data("x") == errc::not_allowed);  // no + yet
        d.feed("+ go\r\n");
        CHECK(d.take_events() == std::vector<std::string>{"literal_request A1 0 10"});
        CHECK(d.s.literal_remaining() == 10);
        CHECK_FALSE(d.s.send_literal_data("hello"));
        d.run();
        CHECK(d.take_written() == "hello");
        CHECK(d.s.send_literal_data("too many!!") == errc::bad_syntax);  // nothing written
        CHECK_FALSE(d.s.send_literal_data("world"));
        d.run();
        CHECK(d.take_written() == "world {3}\r\n");
        d.feed("+ more\r\n");
        CHECK(d.take_events() == std::vector<std::string>{"literal_request A1 1 3"});
        CHECK_FALSE(d.s.send_literal_data("abc"));
        d.run();
        CHECK(d.take_written() == "abc\r\nA2 NOOP\r\n");  // the NOOP only after the whole APPEND
        d.feed("A1 OK [APPENDUID 1 7:8] done\r\nA2 OK done\r\n");
        CHECK(d.take_events() == std::vector<std::string>{"completed A1 APPEND OK", "completed A2 NOOP OK"});
    }
    SECTION("LITERAL+: at once; a refusal of a later synchronizing literal is still possible") {
        driver d;
        d.feed("* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n");
        REQUIRE(d.s.send(streamed_append({4})));
        d.run();
        CHECK(d.take_written() == "A1 APPEND INBOX {4+}\r\n");
        CHECK(d.take_events().back() == "literal_request A1 0 4");
        CHECK_FALSE(d.s.send_literal_data("data"));
        d.run();
        CHECK(d.take_written() == "data\r\n");
        CHECK(d.s.literal_remaining() == 0);
    }
    SECTION("a refusal before + means no request and no octets") {
        driver d;
        d.feed(greeting);
        REQUIRE(d.s.send(streamed_append({1000})));
        d.run();
        d.take_written();
        d.take_events();
        d.feed("A1 NO [TOOBIG] too big\r\n");
        CHECK(d.take_events() == std::vector<std::string>{"completed A1 APPEND NO"});
        CHECK(d.s.send_literal_data("x") == errc::not_allowed);
    }
    SECTION("an answer in the middle of the octets is a protocol error") {
        driver d;
        d.feed("* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n");
        REQUIRE(d.s.send(streamed_append({4})));
        d.run();
        CHECK_FALSE(d.s.send_literal_data("da"));
        d.take_events();
        d.feed("A1 OK early\r\n");
        CHECK(d.take_events() == std::vector<std::string>{error_text(errc::unexpected_response), "close"});
    }
    SECTION("a streamed message carrying data is refused") {
        driver d;
        d.feed(greeting);
        auto a = streamed_append({3});
        a.messages[0].data = "abc";
        CHECK(d.s.send(a).error() == errc::bad_syntax);
    }
}

TEST_CASE("ENABLE UTF8=ACCEPT: UTF-8 mailbox names both ways after ENABLED (RFC 6855)",
          "[imap][client_session]") {
    driver d;
    d.feed("* OK [CAPABILITY IMAP4rev1 ENABLE UTF8=ACCEPT] ready\r\n");
    const auto drafts = *mailbox_name::make("Entw\xc3\xbcrfe");
    REQUIRE(d.s.send(cmd::select{{drafts, false, std::nullopt}}));
    d.run();
    CHECK(d.take_written() == "A1 SELECT Entw&APw-rfe\r\n");  // modified UTF-7 before
    d.feed("A1 OK selected\r\n");
    CHECK_FALSE(d.s.utf8_enabled());
    REQUIRE(d.s.send(cmd_of("e ENABLE UTF8=ACCEPT\r\n")));
    d.run();
    d.take_written();
    d.feed("* ENABLED UTF8=ACCEPT\r\ne OK enabled\r\n");
    CHECK(d.s.utf8_enabled());
    d.take_events();
    REQUIRE(d.s.send(cmd::select{{drafts, false, std::nullopt}}));
    d.run();
    CHECK(d.take_written() == "A2 SELECT \"Entw\xc3\xbcrfe\"\r\n");
    d.feed("* LIST () \"/\" \"Entw\xc3\xbcrfe/M\xc3\xa4rz\"\r\nA2 OK selected\r\n");
    const auto events = d.take_events();
    REQUIRE(events.size() == 2);
    // Parsed as UTF-8 (describe() writes it back in modified UTF-7).
    CHECK(events[0] == "* LIST () \"/\" Entw&APw-rfe/M&AOQ-rz");
}

TEST_CASE("a NO or BAD instead of + completes the command; the literal is never sent",
          "[imap][client_session]") {
    for (std::string status : {"NO [TOOBIG]", "BAD"}) {
        driver d;
        d.feed(greeting);
        REQUIRE(d.s.send(cmd_of("a APPEND INBOX {3}\r\nabc {6}\r\nsecret\r\n")));  // RFC 3502
        REQUIRE(d.s.send(cmd::noop{}));
        d.run();
        CHECK(d.take_written() == "a APPEND INBOX {3}\r\n");
        d.feed("+ go\r\n");
        CHECK(d.take_written() == "abc {6}\r\n");
        d.take_events();
        d.feed("a " + status + " nope\r\n");
        CHECK(d.take_events()[0].starts_with("completed a APPEND"));
        CHECK(d.take_written() == "A1 NOOP\r\n");  // no "secret"
        d.feed("+ late\r\n");                      // nobody waits for it now
        CHECK(d.take_events() == std::vector<std::string>{error_text(errc::unexpected_response), "close"});
    }
}

TEST_CASE("RFC 7888: LITERAL+ sends at once, LITERAL- only up to 4096 octets", "[imap][client_session]") {
    driver plus;
    plus.feed("* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n");
    REQUIRE(plus.s.send(cmd_of("a APPEND INBOX {5}\r\nhello\r\n")));
    plus.run();
    CHECK(plus.take_written() == "a APPEND INBOX {5+}\r\nhello\r\n");

    driver minus;
    minus.feed("* OK [CAPABILITY IMAP4rev1 LITERAL-] hi\r\n");
    const std::string big(5000, 'x');
    auto small = cmd_of("a APPEND INBOX {5}\r\nhello\r\n");
    auto large = cmd_of("b APPEND INBOX {5000}\r\n" + big + "\r\n");
    REQUIRE(minus.s.send(small));
    REQUIRE(minus.s.send(large));
    minus.run();
    CHECK(minus.take_written() == "a APPEND INBOX {5+}\r\nhello\r\nb APPEND INBOX {5000}\r\n");
    minus.feed("+ ok\r\n");
    CHECK(minus.take_written() == big + "\r\n");

    client_options off;
    off.use_non_sync_literals = false;
    driver sync(off);
    sync.feed("* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n");
    REQUIRE(sync.s.send(cmd_of("a APPEND INBOX {5}\r\nhello\r\n")));
    sync.run();
    CHECK(sync.take_written() == "a APPEND INBOX {5}\r\n");
}

TEST_CASE("pipelining, barriers and the RFC 3501 section 5.5 EXPUNGE rule", "[imap][client_session]") {
    driver d;
    d.feed(greeting);
    SECTION("independent commands are pipelined; a barrier waits for them and blocks what follows") {
        REQUIRE(d.s.send(cmd::noop{}));
        REQUIRE(d.s.send(cmd::capability{}));
        REQUIRE(d.s.send(cmd_of("s SELECT INBOX\r\n")));
        REQUIRE(d.s.send(cmd::noop{}));
        d.run();
        CHECK(d.take_written() == "A1 NOOP\r\nA2 CAPABILITY\r\n");
        CHECK(d.s.in_flight() == 2);
        CHECK(d.s.queued() == 2);
        d.feed("A2 OK\r\n");
        CHECK(d.take_written().empty());  // A1 still in flight
        d.feed("A1 OK\r\n");
        CHECK(d.take_written() == "s SELECT INBOX\r\n");
        d.feed("* 1 EXISTS\r\n");
        CHECK(d.take_written().empty());
        d.feed("s OK [READ-WRITE] done\r\n");
        CHECK(d.take_written() == "A3 NOOP\r\n");
        CHECK(d.s.state() == session_state::selected);
    }
    SECTION("FETCH + STORE + SEARCH + CHECK is valid; COPY + COPY is not") {
        for (auto t : {"f FETCH 1 FLAGS\r\n", "s STORE 1 +FLAGS (\\Seen)\r\n", "x SEARCH ALL\r\n",
                       "c CHECK\r\n", "c1 COPY 1 Trash\r\n", "c2 COPY 2 Trash\r\n"})
            REQUIRE(d.s.send(cmd_of(t)));
        d.run();
        CHECK(d.take_written() ==
              "f FETCH 1 FLAGS\r\ns STORE 1 +FLAGS (\\Seen)\r\nx SEARCH ALL\r\nc CHECK\r\n");
        d.feed("f OK\r\ns OK\r\nx OK\r\n");
        CHECK(d.take_written().empty());  // CHECK may expunge: COPY 1 waits
        d.feed("c OK\r\n");
        CHECK(d.take_written() == "c1 COPY 1 Trash\r\n");
        d.feed("c1 OK\r\n");
        CHECK(d.take_written() == "c2 COPY 2 Trash\r\n");
    }
    SECTION("a UID command is followed by sequence numbers only after it completes") {
        REQUIRE(d.s.send(cmd_of("u UID FETCH 1:* FLAGS\r\n")));
        REQUIRE(d.s.send(cmd_of("v UID STORE 5 +FLAGS (\\Seen)\r\n")));
        REQUIRE(d.s.send(cmd_of("f FETCH 1 UID\r\n")));
        d.run();
        CHECK(d.take_written() == "u UID FETCH 1:* FLAGS\r\nv UID STORE 5 +FLAGS (\\Seen)\r\n");
        d.feed("u OK\r\nv OK\r\n");
        CHECK(d.take_written() == "f FETCH 1 UID\r\n");
    }
}

TEST_CASE("unsolicited responses interleaved with a FETCH are delivered in order", "[imap][client_session]") {
    driver d;
    d.feed(greeting);
    REQUIRE(d.s.send(cmd_of("f UID FETCH 1:3 (FLAGS)\r\n")));
    d.run();
    d.take_events();
    d.feed(
        "* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n* 5 EXISTS\r\n* 2 FETCH (UID 2 FLAGS ())\r\n"
        "* 3 EXPUNGE\r\n* VANISHED 9\r\n* OK [ALERT] hi\r\nf OK done\r\n");
    CHECK(d.take_events() == std::vector<std::string>{"* 1 FETCH (UID 1 FLAGS (\\Seen))", "* 5 EXISTS",
                                                      "* 2 FETCH (UID 2 FLAGS ())", "* 3 EXPUNGE",
                                                      "* VANISHED 9", "* OK [ALERT] hi",
                                                      "completed f UID FETCH OK"});
}

TEST_CASE("a 5 MB BODY[] arrives as body events, exact and with bounded memory", "[imap][client_session]") {
    std::string message;
    message.reserve(5 * 1024 * 1024);
    for (std::uint32_t x = 1; message.size() < 5 * 1024 * 1024;) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        message.push_back(static_cast<char>(x));
    }
    const std::string input = "* 7 FETCH (UID 42 BODY[]<0> {" + std::to_string(message.size()) + "}\r\n" +
                              message + " FLAGS (\\Seen))\r\nA1 OK done\r\n";
    driver d;
    d.feed(greeting);
    REQUIRE(d.s.send(cmd_of("A1 FETCH 7 (UID BODY.PEEK[]<0.6000000>)\r\n")));
    d.run();
    d.take_events();
    std::size_t max_buffered = 0;
    for (std::size_t at = 0; at < input.size(); at += 16 * 1024) {
        d.s.feed(std::string_view(input).substr(at, 16 * 1024));
        max_buffered = std::max(max_buffered, d.s.buffered());
        d.run();
        max_buffered = std::max(max_buffered, d.s.buffered());
    }
    CHECK(max_buffered <= 16 * 1024);
    CHECK(d.max_chunk <= client_options{}.max_chunk_size);
    CHECK(d.body == message);
    const auto events = d.take_events();
    REQUIRE(events.size() == 4);
    CHECK(events[0] == "body_begin 7 " + std::to_string(message.size()));
    CHECK(events[1] == "body_end " + std::to_string(message.size()));
    CHECK(events[2] ==
          "* 7 FETCH (UID 42 BODY[]<0> {" + std::to_string(message.size()) + "}\r\n FLAGS (\\Seen))");
    CHECK(events[3] == "completed A1 FETCH OK");
}

TEST_CASE("body_begin names the streamed item", "[imap][client_session]") {
    client_options o;
    o.streaming_threshold = 4;
    client_session s(o);
    s.feed("* OK hi\r\n* 3 FETCH (BODY[1.HEADER.FIELDS (From \"X]\")]<5> {10}\r\n0123456789 UID 9)\r\n");
    REQUIRE(std::holds_alternative<untagged>(s.next()));
    auto e = s.next();
    auto* b = std::get_if<body_begin>(&e);
    REQUIRE(b);
    CHECK(b->seq == 3);
    CHECK(b->size == 10);
    CHECK(b->item.form == body_item_form::body);
    CHECK(b->item.origin == 5u);
    CHECK(b->item.streamed_size == 10u);
    CHECK(b->item.section.part() == std::vector<std::uint32_t>{1});
    CHECK(std::get<body_data>(s.next()).bytes == "0123456789");
    CHECK(std::holds_alternative<body_end>(s.next()));
    CHECK(std::holds_alternative<untagged>(s.next()));

    // A streamed literal that is not message text is a protocol error.
    client_session t(o);
    t.feed("* OK hi\r\n* LIST () \"/\" {10}\r\n0123456789\r\n");
    REQUIRE(std::holds_alternative<untagged>(t.next()));
    CHECK(std::get<client_error>(t.next()).error == errc::bad_syntax);
    CHECK(std::holds_alternative<close_connection>(t.next()));
}

TEST_CASE("a 1 GiB literal announcement is an error before any of its octets", "[imap][client_session]") {
    driver d;
    d.feed(greeting);
    REQUIRE(d.s.send(cmd::noop{}));
    d.run();
    d.take_events();
    d.feed("* 1 FETCH (BODY[] {1073741824}\r\n");
    CHECK(d.take_events() == std::vector<std::string>{error_text(errc::literal_too_large), "close"});
}

TEST_CASE("framer bounds and unparsable responses end the connection", "[imap][client_session]") {
    client_options o;
    o.limits.max_line_length = 64;
    driver d(o);
    d.feed(greeting.substr(0, 40) + "\r\n");
    d.feed(std::string(100, 'x'));
    CHECK(d.events.back() == "close");
    CHECK(d.events[d.events.size() - 2] == error_text(errc::line_too_long));

    driver p;
    p.feed(greeting);
    p.feed("* 1 FROB\r\n");
    CHECK(p.take_events().back() == "close");
    CHECK(p.s.send(cmd::noop{}).error() == errc::not_allowed);
}

TEST_CASE("a tagged response for an unknown tag is an error", "[imap][client_session]") {
    driver d;
    d.feed(greeting);
    REQUIRE(d.s.send(cmd::noop{}));
    d.run();
    d.take_events();
    d.feed("A9 OK what\r\n");
    CHECK(d.take_events() == std::vector<std::string>{error_text(errc::unknown_tag), "close"});
}

TEST_CASE("STARTTLS: start_tls after the OK, capabilities forgotten, plaintext after it is fatal",
          "[imap][client_session]") {
    driver d;
    d.feed("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi\r\n");
    CHECK(d.s.login("u", secret<>("p")).error() == errc::login_disabled);
    REQUIRE(d.s.send(cmd::starttls{}));
    REQUIRE(d.s.send(cmd::capability{}));
    d.run();
    CHECK(d.take_written() == "A1 STARTTLS\r\n");
    d.take_events();

    SECTION("clean") {
        d.feed("A1 OK begin TLS\r\n");
        CHECK(d.take_events() == std::vector<std::string>{"completed A1 STARTTLS OK", "start_tls"});
        CHECK_FALSE(d.s.capabilities_known());
        CHECK(d.take_written().empty());  // nothing before the handshake
        d.s.tls_established();
        d.run();
        CHECK(d.take_written() == "A2 CAPABILITY\r\n");
        d.feed("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA2 OK\r\n");
        CHECK(d.s.has_capability("AUTH=PLAIN"));
        REQUIRE(d.s.login("u", secret<>("p")));
    }
    SECTION("injected plaintext") {
        d.feed("A1 OK begin TLS\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n");
        CHECK(d.take_events() == std::vector<std::string>{"completed A1 STARTTLS OK",
                                                          error_text(errc::unexpected_response), "close"});
        CHECK(d.take_written().empty());
    }
    SECTION("plaintext read after start_tls") {
        d.feed("A1 OK begin TLS\r\n");
        d.s.feed("* OK injected\r\n");
        d.s.tls_established();
        d.take_events();
        d.run();
        CHECK(d.take_events() == std::vector<std::string>{error_text(errc::unexpected_response), "close"});
    }
}

TEST_CASE("LOGIN forgets the capabilities unless the server sent them again", "[imap][client_session]") {
    driver d;
    d.feed("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n");
    REQUIRE(d.s.login("fred", secret<>("pw")));
    d.run();
    CHECK(d.take_written() == "A1 LOGIN fred pw\r\n");
    d.feed("A1 OK logged in\r\n");
    CHECK(d.s.state() == session_state::authenticated);
    CHECK_FALSE(d.s.capabilities_known());

    driver e;
    e.feed("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n");
    REQUIRE(e.s.login("fred", secret<>("pw")));
    e.run();
    e.feed("A1 OK [CAPABILITY IMAP4rev1 IDLE MOVE] logged in\r\n");
    CHECK(e.s.has_capability("MOVE"));

    driver f;
    f.feed("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n");
    REQUIRE(f.s.login("fred", secret<>("pw")));
    f.run();
    f.feed("* CAPABILITY IMAP4rev1 IDLE\r\nA1 OK logged in\r\n");
    CHECK(f.s.has_capability("IDLE"));
}

TEST_CASE("AUTHENTICATE PLAIN with and without SASL-IR, AUTHENTICATE LOGIN", "[imap][client_session]") {
    // base64("\0tim\0tanstaaftanstaaf") (RFC 4616 section 4)
    const std::string plain = "AHRpbQB0YW5zdGFhZnRhbnN0YWFm";
    SECTION("SASL-IR: the response is on the command line (RFC 4959 section 3)") {
        driver d;
        d.feed("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] hi\r\n");
        REQUIRE(d.s.authenticate_plain("tim", secret<>("tanstaaftanstaaf")));
        d.run();
        CHECK(d.take_written() == "A1 AUTHENTICATE PLAIN " + plain + "\r\n");
        d.feed("+ \r\n");  // an unexpected challenge is cancelled
        CHECK(d.take_written() == "*\r\n");
    }
    SECTION("without SASL-IR: after the empty challenge") {
        driver d;
        d.feed(greeting);
        REQUIRE(d.s.authenticate_plain("tim", secret<>("tanstaaftanstaaf")));
        REQUIRE(d.s.send(cmd::noop{}));
        d.run();
        CHECK(d.take_written() == "A1 AUTHENTICATE PLAIN\r\n");
        d.feed("+\r\n");
        CHECK(d.take_written() == plain + "\r\n");
        d.take_events();
        d.feed("A1 OK [CAPABILITY IMAP4rev1 IDLE] welcome\r\n");
        CHECK(d.take_events() == std::vector<std::string>{"completed A1 AUTHENTICATE OK"});
        CHECK(d.take_written() == "A2 NOOP\r\n");
        CHECK(d.s.state() == session_state::authenticated);
    }
    SECTION("LOGIN") {
        driver d;
        d.feed(greeting);
        REQUIRE(d.s.authenticate_login("tim", secret<>("pw")));
        d.run();
        CHECK(d.take_written() == "A1 AUTHENTICATE LOGIN\r\n");
        d.feed("+ VXNlcm5hbWU6\r\n");
        CHECK(d.take_written() == "dGlt\r\n");
        d.feed("+ UGFzc3dvcmQ6\r\n");
        CHECK(d.take_written() == "cHc=\r\n");
    }
    SECTION("a mechanism the host runs: continuation events") {
        driver d;
        d.feed(greeting);
        CHECK(d.s.send_continuation("x") == errc::not_allowed);
        REQUIRE(d.s.send(cmd_of("a AUTHENTICATE CRAM-MD5\r\n")));
        d.run();
        d.take_events();
        CHECK(d.take_written() == "a AUTHENTICATE CRAM-MD5\r\n");
        d.feed("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n");
        CHECK(d.take_events() ==
              std::vector<std::string>{
                  "continuation PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"});
        CHECK(d.s.send_continuation("a\r\nb") == errc::bad_syntax);
        CHECK_FALSE(d.s.send_continuation("dGlt"));
        d.run();
        CHECK(d.take_written() == "dGlt\r\n");
        d.feed("a OK done\r\n");
        CHECK(d.take_events() == std::vector<std::string>{"completed a AUTHENTICATE OK"});
    }
}

TEST_CASE("IDLE: idling on +, DONE after it, updates meanwhile", "[imap][client_session]") {
    driver d;
    d.feed(greeting);
    CHECK(d.s.done() == errc::not_allowed);
    REQUIRE(d.s.idle());
    REQUIRE(d.s.send(cmd::noop{}));
    d.run();
    d.take_events();
    CHECK(d.take_written() == "A1 IDLE\r\n");
    SECTION("done after +") {
        d.feed("+ idling\r\n* 4 EXISTS\r\n");
        CHECK(d.take_events() == std::vector<std::string>{"idling A1", "* 4 EXISTS"});
        CHECK_FALSE(d.s.done());
        d.run();
        CHECK(d.take_written() == "DONE\r\n");
    }
    SECTION("done before +") {
        CHECK_FALSE(d.s.done());
        d.run();
        CHECK(d.take_written().empty());
        d.feed("+ idling\r\n");
        CHECK(d.take_written() == "DONE\r\n");
    }
    d.feed("A1 OK IDLE terminated\r\n");
    CHECK(d.take_events().back() == "completed A1 IDLE OK");
    CHECK(d.take_written() == "A2 NOOP\r\n");
}

TEST_CASE("BYE outside LOGOUT closes; LOGOUT closes after its tagged OK", "[imap][client_session]") {
    driver d;
    d.feed(greeting);
    REQUIRE(d.s.send(cmd::noop{}));
    d.run();
    d.take_events();
    d.feed("* BYE autologout\r\n");
    CHECK(d.take_events() == std::vector<std::string>{"* BYE autologout", "close"});
    CHECK(d.s.state() == session_state::logout);
}

TEST_CASE("the client against our server_session with a scripted engine", "[imap][client_session]") {
    server_options so;
    so.allow_plaintext_auth = true;
    so.failed_auth_delay = std::chrono::milliseconds(0);
    server_session server(so);
    driver client;

    REQUIRE(client.s.authenticate_plain("tim", secret<>("pw")));
    REQUIRE(client.s.send(cmd_of("s SELECT INBOX\r\n")));
    REQUIRE(client.s.send(cmd_of("a APPEND INBOX {11}\r\nhello world\r\n")));
    REQUIRE(client.s.send(cmd::noop{}));
    REQUIRE(client.s.idle());
    REQUIRE_FALSE(client.s.done());
    REQUIRE(client.s.send(cmd::logout{}));

    std::vector<std::string> engine_log;
    for (int round = 0; round < 1000 && !client.closed; ++round) {
        for (int guard = 0; guard < 1000; ++guard) {
            auto act = server.next_action();
            if (std::holds_alternative<need_input>(act) || std::holds_alternative<close_connection>(act))
                break;
            if (std::holds_alternative<write_ready>(act)) {
                client.s.feed(server.pending_output());
                server.consume_output(server.pending_output().size());
            } else if (auto* r = std::get_if<engine_request>(&act)) {
                engine_reply reply = command_reply{};
                if (std::holds_alternative<sasl_start_request>(r->body)) {
                    engine_log.push_back("sasl");
                    reply = sasl_reply{std::nullopt, login_reply{}};
                } else if (std::holds_alternative<append_begin_request>(r->body) ||
                           std::holds_alternative<append_data_request>(r->body)) {
                    engine_log.push_back("append");
                    reply = append_reply{};
                } else if (std::holds_alternative<idle_poll_request>(r->body)) {
                    reply = idle_reply{};
                } else if (auto* c = std::get_if<command_request>(&r->body)) {
                    engine_log.push_back(std::string(command_name(c->command)));
                    command_reply cr;
                    if (std::holds_alternative<cmd::select>(c->command.body)) {
                        cr.new_state = session_state::selected;
                        cr.untagged.push_back({exists_data{3}, {}});
                    }
                    reply = std::move(cr);
                }
                server.complete(r->id, std::move(reply));
            } else {
                FAIL("unexpected server action");
            }
        }
        client.run();
        server.feed(client.take_written());
    }
    CHECK(client.closed);
    std::vector<std::string> completions;
    for (const auto& e : client.events)
        if (e.starts_with("completed") || e.starts_with("error") || e.starts_with("idling"))
            completions.push_back(e);
    CHECK(completions == std::vector<std::string>{"completed A1 AUTHENTICATE OK", "completed s SELECT OK",
                                                  "completed a APPEND OK", "completed A2 NOOP OK",
                                                  "idling A3", "completed A3 IDLE OK",
                                                  "completed A4 LOGOUT OK"});
    CHECK(std::find(client.events.begin(), client.events.end(), "* 3 EXISTS") != client.events.end());
    CHECK(engine_log.front() == "sasl");
}
