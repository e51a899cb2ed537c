#include <mailaccess/imap/server_session.hpp>

#include <mailaccess/core/error.hpp>

#include <catch2/catch.hpp>
#include <support/contains.hpp>
#include <support/split_feed.hpp>
#include <support/string_source.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

using namespace mailaccess;
using namespace mailaccess::imap;

using mailaccess::test::contains;
using mailaccess::test::string_source;

namespace {

// One line per engine request or driver action, for assertions on order.
std::string trace(const engine_request& r) {
    return std::visit(
        [](const auto& b) -> std::string {
            using T = std::decay_t<decltype(b)>;
            if constexpr (std::is_same_v<T, login_request>)
                return "login " + b.user + " " + std::string(b.password.reveal());
            else if constexpr (std::is_same_v<T, sasl_start_request>)
                return "sasl_start " + b.mechanism +
                       (b.initial_response ? " [" + std::string(b.initial_response->reveal()) + "]" : "");
            else if constexpr (std::is_same_v<T, sasl_step_request>)
                return "sasl_step [" + std::string(b.response.reveal()) + "]";
            else if constexpr (std::is_same_v<T, command_request>)
                return "command " + std::string(command_name(b.command));
            else if constexpr (std::is_same_v<T, continue_request>)
                return "continue";
            else if constexpr (std::is_same_v<T, append_begin_request>)
                return "append_begin " + b.mailbox.str() + " " + std::to_string(b.size) + " #" +
                       std::to_string(b.literal_index);
            else if constexpr (std::is_same_v<T, append_data_request>)
                return "append_data " + b.bytes;
            else if constexpr (std::is_same_v<T, append_abort_request>)
                return "append_abort";
            else
                return "idle_poll";
        },
        r.body);
}

// Drives a session the way net does, with a scripted engine.
struct harness {
    server_session session;
    std::function<engine_reply(engine_request&)> engine = [](engine_request&) -> engine_reply {
        return command_reply{};
    };
    std::vector<std::string> events;
    std::vector<command> commands;  // every command_request, in order
    bool closed = false;

    explicit harness(server_options o = plaintext_auth()) : session(std::move(o)) {}

    static server_options plaintext_auth() {
        server_options o;
        o.allow_plaintext_auth = true;
        o.failed_auth_delay = std::chrono::milliseconds(0);
        return o;
    }

    // Runs until the session needs input (or closes); returns what it wrote.
    std::string run() {
        std::string out;
        for (int guard = 0; guard < 100000; ++guard) {
            auto act = session.next_action();
            if (std::holds_alternative<need_input>(act)) return out;
            if (std::holds_alternative<write_ready>(act)) {
                out += session.pending_output();
                session.consume_output(session.pending_output().size());
            } else if (auto* r = std::get_if<engine_request>(&act)) {
                events.push_back(trace(*r));
                if (auto* c = std::get_if<command_request>(&r->body)) commands.push_back(c->command);
                session.complete(r->id, engine(*r));
            } else if (std::holds_alternative<start_tls>(act)) {
                events.push_back("start_tls");
                session.tls_established();
            } else if (std::holds_alternative<delay>(act)) {
                events.push_back("delay");
                session.resume();
            } else {
                events.push_back("close");
                closed = true;
                return out;
            }
        }
        FAIL("session loops");
        return out;
    }

    std::string send(std::string_view bytes) {
        session.feed(bytes);
        return run();
    }

    void login() {
        engine = [](engine_request&) -> engine_reply { return login_reply{}; };
        const auto out = send("L LOGIN u p\r\n");
        REQUIRE(out.find("L OK [CAPABILITY ") == 0);
        REQUIRE(session.state() == session_state::authenticated);
        events.clear();
    }

    void select() {
        engine = [](engine_request&) -> engine_reply {
            command_reply r;
            r.untagged.push_back({exists_data{3}, {}});
            r.code = response_code::simple(response_code_kind::read_write);
            r.text = "Select completed.";
            r.new_state = session_state::selected;
            return r;
        };
        const auto out = send("S SELECT INBOX\r\n");
        REQUIRE(out == "* 3 EXISTS\r\nS OK [READ-WRITE] Select completed.\r\n");
        events.clear();
        commands.clear();
    }
};

}  // namespace

TEST_CASE("greeting and CAPABILITY follow TLS and the plaintext policy", "[imap][server_session]") {
    harness plain{server_options{}};
    const auto greeting = plain.run();
    CHECK(greeting ==
          "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED LITERAL+ ENABLE ID IDLE NAMESPACE] "
          "mailaccess IMAP ready\r\n");

    server_options tls;
    tls.tls_active = true;
    tls.engine_capabilities = {*capability::make("UIDPLUS")};
    harness secure{tls};
    CHECK(secure.run() ==
          "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN SASL-IR LITERAL+ ENABLE ID IDLE "
          "NAMESPACE] mailaccess IMAP ready\r\n");
    CHECK(secure.send("a CAPABILITY\r\n") ==
          "* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN SASL-IR LITERAL+ ENABLE "
          "ID IDLE NAMESPACE\r\na OK Capability completed.\r\n");
    // After login the engine's capabilities appear and AUTH= goes.
    secure.login();
    CHECK(secure.send("b capability\r\n") ==
          "* CAPABILITY IMAP4rev1 LITERAL+ ENABLE ID IDLE NAMESPACE UIDPLUS APPENDLIMIT=67108864\r\nb OK "
          "Capability completed.\r\n");
}

TEST_CASE("LOGIN on plaintext is refused unless enabled; STARTTLS discards pipelined input",
          "[imap][server_session]") {
    harness h{server_options{}};
    h.run();
    CHECK(h.send("a LOGIN u p\r\n") ==
          "a NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure connections.\r\n");
    CHECK(h.send("b AUTHENTICATE PLAIN\r\n") ==
          "b NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure connections.\r\n");
    CHECK(h.events.empty());
    // CVE-2011-0411: the LOGIN pipelined behind STARTTLS must not run.
    CHECK(h.send("c STARTTLS\r\nd LOGIN u p\r\n") == "c OK Begin TLS negotiation now.\r\n");
    CHECK(h.events == std::vector<std::string>{"start_tls"});
    CHECK(h.session.is_secure());
    CHECK(h.send("e STARTTLS\r\n") == "e BAD [CLIENTBUG] TLS is already active.\r\n");
    h.engine = [](engine_request&) -> engine_reply { return login_reply{}; };
    CHECK(h.send("f LOGIN u p\r\n").find("f OK [CAPABILITY IMAP4rev1 LITERAL+") == 0);
    CHECK(h.events.back() == "login u p");
}

TEST_CASE("failed logins are delayed and the third one disconnects", "[imap][server_session]") {
    harness h;
    h.run();
    h.engine = [](engine_request&) -> engine_reply { return login_reply{imap::errc::auth_failed}; };
    CHECK(h.send("a LOGIN u bad\r\n") == "a NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
    CHECK(h.events == std::vector<std::string>{"login u bad", "delay"});
    CHECK(h.send("b LOGIN u bad\r\n") == "b NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
    CHECK(h.send("c LOGIN u bad\r\n") ==
          "c NO [AUTHENTICATIONFAILED] Authentication failed.\r\n* BYE Too many invalid logins.\r\n");
    CHECK(h.closed);
    h.engine = [](engine_request&) -> engine_reply { return login_reply{imap::errc::temporary_failure}; };
    harness t;
    t.run();
    t.engine = h.engine;
    CHECK(t.send("a LOGIN u p\r\n") == "a NO [UNAVAILABLE] Temporary authentication failure.\r\n");
}

TEST_CASE("AUTHENTICATE: SASL-IR, challenges, cancel", "[imap][server_session]") {
    harness h;
    h.run();
    // RFC 4959: "AGFsaWNlAHNlY3JldA==" is "\0alice\0secret".
    h.engine = [](engine_request&) -> engine_reply { return sasl_reply{std::nullopt, login_reply{}}; };
    CHECK(h.send("a AUTHENTICATE PLAIN dGVzdA==\r\n").find("a OK [CAPABILITY ") == 0);
    CHECK(h.events == std::vector<std::string>{"sasl_start PLAIN [test]"});

    harness c;
    c.run();
    c.engine = [](engine_request& r) -> engine_reply {
        if (std::holds_alternative<sasl_start_request>(r.body))
            return sasl_reply{std::string("Username:"), {}};
        return sasl_reply{std::nullopt, login_reply{}};
    };
    CHECK(c.send("a authenticate login\r\n") == "+ VXNlcm5hbWU6\r\n");
    CHECK(c.send("dXNlcg==\r\n").find("a OK [CAPABILITY ") == 0);
    CHECK(c.events == std::vector<std::string>{"sasl_start LOGIN", "sasl_step [user]"});
    CHECK(c.session.state() == session_state::authenticated);

    harness x;
    x.run();
    x.engine = c.engine;
    CHECK(x.send("a AUTHENTICATE LOGIN\r\n") == "+ VXNlcm5hbWU6\r\n");
    CHECK(x.send("*\r\n") == "a BAD Authentication aborted.\r\n");
    CHECK(x.send("b AUTHENTICATE CRAM-MD5\r\n") == "b NO Unsupported authentication mechanism.\r\n");
    CHECK(x.send("c AUTHENTICATE PLAIN !!!\r\n") ==
          "c BAD [CLIENTBUG] Error in IMAP command: syntax error.\r\n");
    CHECK(x.send("d NOOP\r\n") == "d OK NOOP completed.\r\n");
    CHECK(x.session.state() == session_state::not_authenticated);
}

TEST_CASE("state rules: BAD [CLIENTBUG] outside the command's state, engine commands in order",
          "[imap][server_session]") {
    harness h;
    h.run();
    CHECK(h.send("a SELECT INBOX\r\n") == "a BAD [CLIENTBUG] Not authenticated.\r\n");
    h.login();
    CHECK(h.send("a FETCH 1 FLAGS\r\n") == "a BAD [CLIENTBUG] No mailbox selected.\r\n");
    CHECK(h.send("a LOGIN u p\r\n") == "a BAD [CLIENTBUG] Already authenticated.\r\n");
    CHECK(h.send("a FOO\r\n") == "a BAD [CLIENTBUG] Unknown command.\r\n");
    CHECK(h.send("a SELECT\r\n") == "a BAD [CLIENTBUG] Error in IMAP command: syntax error.\r\n");
    CHECK(h.send("* NOOP\r\n") == "* BAD [CLIENTBUG] Error in IMAP command: syntax error.\r\n");
    CHECK(h.events.empty());
    h.select();
    // Pipelined commands are answered one by one, in order.
    h.engine = [](engine_request& r) -> engine_reply {
        command_reply reply;
        reply.text = std::string(command_name(std::get<command_request>(r.body).command)) + " done.";
        return reply;
    };
    CHECK(h.send("1 NOOP\r\n2 UID FETCH 1:* FLAGS\r\n3 CLOSE\r\n") ==
          "1 OK NOOP done.\r\n2 OK UID FETCH done.\r\n3 OK CLOSE done.\r\n");
    CHECK(h.events == std::vector<std::string>{"command NOOP", "command UID FETCH", "command CLOSE"});
}

// One slice of a FETCH reply: message `seq` (UID 7) with `body` streamed as BODY[].
static command_reply body_slice(std::uint32_t seq, body_stream body) {
    command_reply reply;
    fetch_body_section b;
    b.streamed_size = body.size;
    fetch_data f{seq, {fetch_item_types::uid{7}, b}};
    reply.untagged.push_back({f, {std::move(body)}});
    return reply;
}

TEST_CASE("FETCH bodies stream from byte sources; replies come in slices", "[imap][server_session]") {
    harness h;
    h.run();
    h.login();
    h.select();
    const std::string body(200000, 'x');
    int slices = 0;
    h.engine = [&](engine_request& r) -> engine_reply {
        auto reply = body_slice(static_cast<std::uint32_t>(slices + 1),
                                {std::make_shared<string_source>("<" + body + ">"), 1, body.size()});
        reply.more = ++slices < 2;
        if (!reply.more) reply.text = "Fetch completed.";
        (void)r;
        return reply;
    };
    const auto out = h.send("f FETCH 1:2 BODY[]\r\n");
    const std::string expected = "* 1 FETCH (UID 7 BODY[] {200000}\r\n" + body + ")\r\n" +
                                 "* 2 FETCH (UID 7 BODY[] {200000}\r\n" + body + ")\r\n" +
                                 "f OK Fetch completed.\r\n";
    CHECK(out == expected);
    CHECK(h.events == std::vector<std::string>{"command FETCH", "continue"});
}

// Drives the session as net::connection does with overlapping requests: an
// engine call with overlaps_output runs (here: is held) while the session's
// writes go on, and completes when the session only waits for it.
struct overlap_run {
    std::string out;
    std::vector<std::string> order;  // "engine", "engine overlapped", "write", "wait", "close"
};

overlap_run run_overlapped(harness& h) {
    overlap_run r;
    std::optional<engine_request> running;
    for (int guard = 0; guard < 100000; ++guard) {
        auto act = h.session.next_action();
        if (running && !std::holds_alternative<write_ready>(act)) {
            // The driver's rule: only writes overlap; anything else is asked
            // for again once the reply is in.
            REQUIRE_FALSE(std::holds_alternative<engine_request>(act));  // one engine call at a time
            r.order.push_back("wait");
            auto held = std::move(*running);
            running.reset();
            h.session.complete(held.id, h.engine(held));
            continue;
        }
        if (auto* req = std::get_if<engine_request>(&act)) {
            if (req->overlaps_output) {
                r.order.push_back("engine overlapped");
                running = std::move(*req);
            } else {
                r.order.push_back("engine");
                h.session.complete(req->id, h.engine(*req));
            }
        } else if (std::holds_alternative<write_ready>(act)) {
            if (r.order.empty() || r.order.back() != "write") r.order.push_back("write");
            r.out += h.session.pending_output();
            h.session.consume_output(h.session.pending_output().size());
        } else if (std::holds_alternative<need_input>(act)) {
            return r;
        } else {
            r.order.push_back(std::holds_alternative<close_connection>(act) ? "close" : "other");
            return r;
        }
    }
    FAIL("session loops");
    return r;
}

TEST_CASE("FETCH slices: the next one is asked for while the last is written", "[imap][server_session]") {
    harness h;
    h.run();
    h.login();
    h.select();
    const std::string body(100000, 'x');
    int slices = 0;
    bool fail_second = false;
    h.engine = [&](engine_request& r) -> engine_reply {
        const bool failing = fail_second && slices == 1;
        auto reply = body_slice(static_cast<std::uint32_t>(slices + 1),
                                {std::make_shared<string_source>(body, failing), 0, body.size()});
        reply.more = ++slices < 3;
        if (!reply.more) reply.text = "Fetch completed.";
        (void)r;
        return reply;
    };

    SECTION("the output is the same, in order") {
        h.session.feed("f FETCH 1:3 BODY[]\r\n");
        const auto r = run_overlapped(h);
        std::string expected;
        for (int i = 1; i <= 3; ++i)
            expected += "* " + std::to_string(i) + " FETCH (UID 7 BODY[] {100000}\r\n" + body + ")\r\n";
        CHECK(r.out == expected + "f OK Fetch completed.\r\n");
        // The continue for slice 2 goes out before slice 1 is written, and
        // the session only waits for it once slice 1 is out.
        CHECK(r.order == std::vector<std::string>{"engine", "engine overlapped", "write", "wait",
                                                  "engine overlapped", "write", "wait", "write"});
        CHECK(h.send("n NOOP\r\n").find("n OK") != std::string::npos);
    }
    SECTION("a slice built while a literal of the last one failed is dropped") {
        fail_second = true;
        h.session.feed("f FETCH 1:3 BODY[]\r\n");
        const auto r = run_overlapped(h);
        // Slice 2's literal cannot be sent once announced: the connection
        // ends after its size, and slice 3 (built meanwhile) never follows.
        CHECK(r.order == std::vector<std::string>{"engine", "engine overlapped", "write", "wait",
                                                  "engine overlapped", "write", "wait", "close"});
        const std::string first = "* 1 FETCH (UID 7 BODY[] {100000}\r\n" + body + ")\r\n";
        CHECK(r.out == first + "* 2 FETCH (UID 7 BODY[] {100000}\r\n");
        CHECK(r.order.back() == "close");
        CHECK(slices == 3);
    }
}

TEST_CASE("IDLE: updates on notify, DONE ends it", "[imap][server_session]") {
    harness h;
    h.run();
    h.login();
    h.select();
    h.engine = [](engine_request&) -> engine_reply {
        idle_reply r;
        r.untagged.push_back({exists_data{4}, {}});
        return r;
    };
    CHECK(h.send("i IDLE\r\n") == "+ idling\r\n* 4 EXISTS\r\n");
    CHECK(h.session.is_idling());
    CHECK(h.run().empty());
    h.session.notify();
    CHECK(h.run() == "* 4 EXISTS\r\n");
    CHECK(h.send("done\r\n") == "i OK Idle completed.\r\n");
    CHECK_FALSE(h.session.is_idling());
    CHECK(h.events == std::vector<std::string>{"idle_poll", "idle_poll"});
    CHECK(h.send("j IDLE\r\nk NOOP\r\n") == "+ idling\r\n* 4 EXISTS\r\nj BAD [CLIENTBUG] Expected DONE.\r\n");
}

TEST_CASE("APPEND: small literals inline, large ones streamed after the engine accepted them",
          "[imap][server_session]") {
    server_options o = harness::plaintext_auth();
    o.streaming_threshold = 8;
    o.limits.max_literal_size = 1000;
    harness h{o};
    h.run();
    h.login();
    h.engine = [](engine_request& r) -> engine_reply {
        if (auto* b = std::get_if<append_begin_request>(&r.body)) {
            if (b->mailbox.str() == "missing")
                return append_reply{make_error_code(mailaccess::errc::io_error),
                                    response_code::simple(response_code_kind::trycreate), "No such mailbox."};
            return append_reply{};
        }
        if (std::holds_alternative<append_data_request>(r.body) ||
            std::holds_alternative<append_abort_request>(r.body))
            return append_reply{};
        command_reply done;
        done.text = "Append completed.";
        return done;
    };
    // Inline: "+ OK", then the whole command goes to the engine.
    CHECK(h.send("a APPEND INBOX {5}\r\n") == "+ OK\r\n");
    CHECK(h.send("hello\r\n") == "a OK Append completed.\r\n");
    REQUIRE(h.commands.size() == 1);
    CHECK(std::get<cmd::append>(h.commands[0].body).messages[0].data == "hello");

    // Streamed: the engine opens the mailbox before "+", gets the octets,
    // then the command.
    h.events.clear();
    CHECK(h.send("b APPEND INBOX (\\Seen) {12}\r\n") == "+ OK\r\n");
    CHECK(h.send("hello world!\r\n") == "b OK Append completed.\r\n");
    CHECK(h.events ==
          std::vector<std::string>{"append_begin INBOX 12 #0", "append_data hello world!", "command APPEND"});
    const auto& streamed = std::get<cmd::append>(h.commands[1].body).messages[0];
    CHECK(streamed.streamed);
    CHECK(streamed.size == 12);

    // Refused before "+": the client never sends the octets.
    h.events.clear();
    CHECK(h.send("c APPEND missing {12}\r\n") == "c NO [TRYCREATE] No such mailbox.\r\n");
    CHECK(h.send("d NOOP\r\n") == "d OK Append completed.\r\n");  // the fake answers NOOP like APPEND

    // LITERAL+: the octets come at once; a refusal drops them and fails the command.
    h.events.clear();
    CHECK(h.send("e APPEND missing {12+}\r\nhello world!\r\n") == "e NO [TRYCREATE] No such mailbox.\r\n");
    CHECK(h.events == std::vector<std::string>{"append_begin missing 12 #0"});

    // Above the literal limit: NO [TOOBIG] from the framer's refusal.
    CHECK(h.send("f APPEND INBOX {5000}\r\n") == "f NO [TOOBIG] Command too large: literal too large.\r\n");
    // The stream is in sync after every refusal.
    CHECK(h.send("h NOOP\r\n") == "h OK Append completed.\r\n");
}

TEST_CASE("large literals outside APPEND are refused before they are sent", "[imap][server_session]") {
    server_options o = harness::plaintext_auth();
    o.streaming_threshold = 8;
    harness h{o};
    h.run();
    CHECK(h.send("a LOGIN {20}\r\n") == "a NO [TOOBIG] Literal too large.\r\n");
    CHECK(h.send("b LOGIN {4}\r\n") == "+ OK\r\n");
    h.engine = [](engine_request&) -> engine_reply { return login_reply{}; };
    CHECK(h.send("user p\r\n").find("b OK [CAPABILITY ") == 0);
    CHECK(h.events == std::vector<std::string>{"login user p"});
}

TEST_CASE("ENABLE, ID, NAMESPACE, LOGOUT", "[imap][server_session]") {
    server_options o = harness::plaintext_auth();
    o.engine_capabilities = {*capability::make("CONDSTORE"), *capability::make("QRESYNC")};
    harness h{o};
    h.run();
    CHECK(h.send("a ID NIL\r\n") == "* ID (\"name\" \"mailaccess\")\r\na OK ID completed.\r\n");
    CHECK(h.send("b ENABLE CONDSTORE\r\n") == "b BAD [CLIENTBUG] Not authenticated.\r\n");
    h.login();
    CHECK(h.send("c ENABLE QRESYNC X-UNKNOWN\r\n") == "* ENABLED QRESYNC\r\nc OK Enabled.\r\n");
    CHECK(h.session.enabled().qresync);
    CHECK(h.session.enabled().condstore);
    CHECK(h.send("d NAMESPACE\r\n") == "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\nd OK Namespace completed.\r\n");
    CHECK(h.send("e LOGOUT\r\nf NOOP\r\n") == "* BYE Logging out\r\ne OK Logout completed.\r\n");
    CHECK(h.closed);
}

TEST_CASE("chunking does not change the session's answers", "[imap][server_session]") {
    const std::string input =
        "a LOGIN {1}\r\nu {1}\r\np\r\nb SELECT INBOX\r\nc APPEND INBOX {3+}\r\nabc\r\nd IDLE\r\nDONE\r\ne "
        "LOGOUT\r\n";
    std::string reference;
    std::vector<std::string> reference_events;
    mailaccess::test::for_each_chunking(input, [&](const mailaccess::test::chunking& c) {
        harness h;
        h.engine = [](engine_request& r) -> engine_reply {
            if (std::holds_alternative<login_request>(r.body)) return login_reply{};
            if (std::holds_alternative<idle_poll_request>(r.body)) return idle_reply{};
            command_reply reply;
            reply.text = "done";
            if (std::holds_alternative<cmd::select>(std::get<command_request>(r.body).command.body))
                reply.new_state = session_state::selected;
            return reply;
        };
        std::string out = h.run();
        for (auto chunk : c.chunks) out += h.send(chunk);
        if (reference.empty()) {
            reference = out;
            reference_events = h.events;
            CHECK(contains(out, "e OK Logout completed."));
        }
        INFO(c.description);
        CHECK(out == reference);
        CHECK(h.events == reference_events);
    });
}
