#include <mailaccess/pop3/server_session.hpp>

#include <mailaccess/auth/sasl_server.hpp>
#include <mailaccess/core/base64.hpp>
#include <mailaccess/core/error.hpp>
#include <mailaccess/pop3/error.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <support/split_feed.hpp>
#include <support/string_source.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

// Transcript tests (STYLE.md section 8): tests/data/pop3/*.json hold C:/S:
// exchanges that run against the sans-I/O session with a fake engine.
//
// File format:
//   "options": server_options fields (failed_auth_delay_ms for the delay),
//   "engine":  { "users": {name: {"password", "apop_digest", "in_use"}},
//                "uidvalidity": n, "messages": [{"uid", "body"}],
//                "update_fails": bool, "broken_uids": [uid, ...] },
//   "steps":   "C: line" (client sends line + CRLF), "R: bytes" (client sends
//              raw bytes), "S: line" (server sends line + CRLF), "E: event"
//              (the session asks the driver for something, see
//              fake_engine::trace; "E: verify user password" is the fake
//              engine checking what a SASL exchange produced).
// SASL requests are answered by the real auth::sasl_server, as the real
// engine does; their decoded data is traced in brackets with NUL as \0.
// The client's bytes are split into segments at each start_tls event: the
// runner feeds the next segment only after the handshake, as a real client
// would. Each segment is fed whole, split at every point and byte by byte,
// and the trace must be identical every time.

using namespace mailaccess;
using json = nlohmann::json;

using mailaccess::test::string_source;

namespace {

// Makes SASL data readable in a trace: NUL as \0, other controls as \xNN.
std::string escape(std::string_view data) {
    std::string out = "[";
    for (const char c : data) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\0') {
            out += "\\0";
        } else if (u < 0x20 || u >= 0x7f || c == '\\') {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "]";
}

// Answers engine requests from the "engine" object of a transcript.
struct fake_engine {
    json spec;
    std::unique_ptr<auth::sasl_server> sasl;

    static std::string trace(const pop3::engine_request& r) {
        return std::visit(
            [](const auto& b) -> std::string {
                using T = std::decay_t<decltype(b)>;
                if constexpr (std::is_same_v<T, pop3::login_request>)
                    return "login " + b.user + " " + std::string(b.password.reveal());
                else if constexpr (std::is_same_v<T, pop3::apop_request>)
                    return "apop " + b.user + " " + b.timestamp + " " + b.digest;
                else if constexpr (std::is_same_v<T, pop3::sasl_start_request>)
                    return "sasl_start " + b.mechanism +
                           (b.initial_response ? " " + escape(b.initial_response->reveal()) : "");
                else if constexpr (std::is_same_v<T, pop3::sasl_step_request>)
                    return "sasl_step " + escape(b.response.reveal());
                else if constexpr (std::is_same_v<T, pop3::open_request>)
                    return "open " + std::to_string(b.uid);
                else {
                    std::string s = "update";
                    for (std::size_t i = 0; i < b.uids_to_delete.size(); ++i)
                        s += (i == 0 ? " " : ",") + std::to_string(b.uids_to_delete[i]);
                    return s;
                }
            },
            r.body);
    }

    pop3::login_reply login(const std::string& user, bool ok) const {
        pop3::login_reply reply;
        const auto& users = spec.value("users", json::object());
        if (!ok || !users.contains(user)) {
            reply.error = pop3::errc::auth_failed;
            return reply;
        }
        if (users[user].value("in_use", false)) {
            reply.error = pop3::errc::maildrop_in_use;
            return reply;
        }
        reply.uidvalidity = spec.value("uidvalidity", 1u);
        for (const auto& m : spec.value("messages", json::array()))
            reply.messages.push_back({m["uid"].get<std::uint32_t>(), m["body"].get<std::string>().size()});
        return reply;
    }

    pop3::login_reply verify(const std::string& user, std::string_view password) const {
        const auto& users = spec.value("users", json::object());
        return login(user, users.contains(user) && users[user].value("password", "") == password);
    }

    // The SASL half of engine::pop3_engine, on the real mechanisms.
    pop3::sasl_reply sasl_result(result<auth::sasl_step> step, std::string& trace_out) {
        if (!step) {
            sasl.reset();
            std::error_code ec = pop3::errc::auth_failed;
            if (step.error() == auth::errc::malformed_response) ec = pop3::errc::sasl_malformed;
            if (step.error() == auth::errc::unsupported_mechanism) ec = pop3::errc::unsupported_mechanism;
            return {std::nullopt, {ec, {}, 0}};
        }
        if (auto* c = std::get_if<auth::sasl_challenge>(&*step)) return {c->data, {}};
        sasl.reset();
        const auto& done = std::get<auth::sasl_done>(*step);
        trace_out += "<<verify " + done.user + " " + std::string(done.password.reveal()) + ">>";
        return {std::nullopt, verify(done.user, done.password.reveal())};
    }

    pop3::engine_reply handle(const pop3::engine_request& r, std::string& trace_out) {
        const auto& users = spec.value("users", json::object());
        if (auto* l = std::get_if<pop3::login_request>(&r.body)) return verify(l->user, l->password.reveal());
        if (auto* a = std::get_if<pop3::apop_request>(&r.body)) {
            const bool ok = users.contains(a->user) && users[a->user].value("apop_digest", "") == a->digest;
            return login(a->user, ok);
        }
        if (auto* st = std::get_if<pop3::sasl_start_request>(&r.body)) {
            auto made = auth::make_sasl_server(st->mechanism);
            if (!made) return sasl_result(unexpected(made.error()), trace_out);
            sasl = std::move(*made);
            std::optional<std::string_view> initial;
            if (st->initial_response) initial = st->initial_response->reveal();
            return sasl_result(sasl->start(initial), trace_out);
        }
        if (auto* sp = std::get_if<pop3::sasl_step_request>(&r.body)) {
            REQUIRE(sasl);  // the session steps only a running exchange
            return sasl_result(sasl->step(sp->response.reveal()), trace_out);
        }
        if (auto* o = std::get_if<pop3::open_request>(&r.body)) {
            for (const auto& m : spec.value("messages", json::array())) {
                if (m["uid"].get<std::uint32_t>() != o->uid) continue;
                const auto broken = spec.value("broken_uids", json::array());
                const bool is_broken = std::find(broken.begin(), broken.end(), json(o->uid)) != broken.end();
                return pop3::open_reply{
                    {}, std::make_unique<string_source>(m["body"].get<std::string>(), is_broken)};
            }
            return pop3::open_reply{pop3::errc::no_such_message, nullptr};
        }
        if (spec.value("update_fails", false)) return pop3::update_reply{pop3::errc::temporary_failure};
        return pop3::update_reply{};
    }
};

pop3::server_options options_from(const json& j) {
    pop3::server_options o;
    o.greeting = j.value("greeting", o.greeting);
    o.tls_active = j.value("tls_active", o.tls_active);
    o.stls_available = j.value("stls_available", o.stls_available);
    o.allow_plaintext_auth = j.value("allow_plaintext_auth", o.allow_plaintext_auth);
    o.apop_enabled = j.value("apop_enabled", o.apop_enabled);
    o.apop_timestamp = j.value("apop_timestamp", o.apop_timestamp);
    o.failed_auth_delay = std::chrono::milliseconds(j.value("failed_auth_delay_ms", 2000));
    o.implementation = j.value("implementation", o.implementation);
    if (j.contains("sasl_mechanisms"))
        o.sasl_mechanisms = j["sasl_mechanisms"].get<std::vector<std::string>>();
    return o;
}

struct transcript {
    std::string name;
    json spec;
    std::vector<std::string> segments;  // client bytes between handshakes
    std::string expected;               // server bytes with <<events>>
};

transcript load(const std::filesystem::path& path) {
    std::ifstream in(path);
    transcript t;
    t.spec = json::parse(in);
    t.name = path.filename().string();
    t.segments.emplace_back();
    for (const auto& step : t.spec["steps"]) {
        const std::string s = step.get<std::string>();
        const std::string body = s.substr(3);
        if (s.rfind("C: ", 0) == 0)
            t.segments.back() += body + "\r\n";
        else if (s.rfind("R: ", 0) == 0)
            t.segments.back() += body;
        else if (s.rfind("S: ", 0) == 0)
            t.expected += body + "\r\n";
        else if (s.rfind("E: ", 0) == 0) {
            t.expected += "<<" + body + ">>";
            if (body == "start_tls") t.segments.emplace_back();
        } else {
            FAIL("bad step " << s);
        }
    }
    return t;
}

// Runs the session; each segment is fed as `cut` cuts it. Output is
// consumed `write_size` bytes at a time to exercise partial writes.
std::string run(const transcript& t,
                const std::function<std::vector<std::string_view>(std::string_view)>& cut,
                std::size_t write_size = SIZE_MAX) {
    fake_engine engine{t.spec.value("engine", json::object()), nullptr};
    pop3::server_session session(options_from(t.spec.value("options", json::object())));
    std::string trace;
    for (std::size_t seg = 0; seg < t.segments.size(); ++seg) {
        const auto chunks = cut(t.segments[seg]);
        std::size_t next_chunk = 0;
        bool segment_done = false;
        while (!segment_done) {
            auto act = session.next_action();
            if (std::holds_alternative<pop3::need_input>(act)) {
                if (next_chunk == chunks.size()) return trace;  // client hangs up
                const auto c = chunks[next_chunk++];
                auto buf = session.prepare(c.size() + 3);
                std::memcpy(buf.data(), c.data(), c.size());
                session.commit(c.size());
            } else if (std::holds_alternative<pop3::write_ready>(act)) {
                const auto out = session.pending_output();
                const auto n = std::min(out.size(), write_size);
                REQUIRE(n > 0);
                trace += out.substr(0, n);
                session.consume_output(n);
            } else if (auto* req = std::get_if<pop3::engine_request>(&act)) {
                trace += "<<" + fake_engine::trace(*req) + ">>";
                auto reply = engine.handle(*req, trace);
                session.complete(req->id, std::move(reply));
            } else if (auto* d = std::get_if<pop3::delay>(&act)) {
                trace += "<<delay " + std::to_string(d->duration.count()) + ">>";
                session.resume();
            } else if (std::holds_alternative<pop3::start_tls>(act)) {
                trace += "<<start_tls>>";
                session.tls_established();
                segment_done = true;
            } else {
                trace += "<<close>>";
                CHECK(session.current_state() == pop3::state::closed);
                return trace;
            }
        }
    }
    return trace;
}

// The session writes replies to pipelined commands in one batch, and keeps
// them while the engine opens the next RETR (flushing before every other
// engine call, a delay, STLS or the close): where an `<<open N>>` lands in
// the output depends on how the input was cut. So opens are compared as
// their own sequence, and the rest of the trace without them.
std::pair<std::string, std::string> split_opens(std::string trace) {
    std::string opens;
    for (std::size_t at; (at = trace.find("<<open ")) != std::string::npos;) {
        const std::size_t end = trace.find(">>", at) + 2;
        opens += trace.substr(at, end - at);
        trace.erase(at, end - at);
    }
    return {trace, opens};
}

std::vector<std::filesystem::path> transcript_files() {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(MAILACCESS_TEST_DATA_DIR "/pop3"))
        if (e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

TEST_CASE("POP3 server transcripts", "[pop3][server_session]") {
    const auto files = transcript_files();
    REQUIRE(files.size() >= 10);
    for (const auto& f : files) {
        const transcript t = load(f);
        SECTION(t.name) {
            const auto expected = split_opens(t.expected);
            const std::string whole = run(t, [](std::string_view s) { return test::split_at(s, s.size()); });
            CHECK(split_opens(whole) == expected);
            CHECK(split_opens(run(t, test::bytewise, 1)) == expected);
            CHECK(split_opens(run(
                      t, [](std::string_view s) { return test::split_at(s, s.size()); }, 3)) == expected);
            std::size_t longest = 0;
            for (const auto& s : t.segments) longest = std::max(longest, s.size());
            for (std::size_t i = 1; i < longest; ++i) {
                INFO("split at " << i);
                CHECK(split_opens(run(t, [i](std::string_view s) { return test::split_at(s, i); })) ==
                      expected);
            }
        }
    }
}

TEST_CASE("server_session greeting, timeout and APOP timestamp", "[pop3][server_session]") {
    pop3::server_options o;
    o.apop_enabled = true;
    o.hostname = "mail.example";
    o.idle_timeout = std::chrono::seconds(5);
    pop3::server_session a(o), b(o);
    CHECK(a.read_timeout() == std::chrono::seconds(600));  // RFC 1939 section 3 minimum
    CHECK(a.apop_timestamp() != b.apop_timestamp());
    CHECK(a.apop_timestamp().front() == '<');
    CHECK(a.apop_timestamp().find("@mail.example>") != std::string::npos);
    REQUIRE(std::holds_alternative<pop3::write_ready>(a.next_action()));
    CHECK(a.pending_output() == "+OK mailaccess POP3 ready " + a.apop_timestamp() + "\r\n");
    o.idle_timeout = std::chrono::seconds(1800);
    CHECK(pop3::server_session(o).read_timeout() == std::chrono::seconds(1800));
}

TEST_CASE("RETR streams the body in bounded chunks as output is consumed", "[pop3][server_session]") {
    pop3::server_options o;
    o.tls_active = true;
    pop3::server_session s(o);
    const std::string body = std::string(1000, 'x') + "\r\n";
    std::string message;
    for (int i = 0; i < 1000; ++i) message += body;  // ~1 MB
    s.feed("USER u\r\nPASS p\r\nRETR 1\r\nQUIT\r\n");
    std::string out;
    std::size_t max_pending = 0;
    bool closed = false;
    std::vector<std::uint32_t> deleted{99};
    while (!closed) {
        auto act = s.next_action();
        if (std::holds_alternative<pop3::write_ready>(act)) {
            max_pending = std::max(max_pending, s.pending_output().size());
            out += s.pending_output();
            s.consume_output(s.pending_output().size());
        } else if (auto* r = std::get_if<pop3::engine_request>(&act)) {
            if (std::holds_alternative<pop3::login_request>(r->body)) {
                s.complete(r->id, pop3::login_reply{{}, {{7, message.size()}}, 3});
            } else if (std::holds_alternative<pop3::open_request>(r->body)) {
                s.complete(r->id, pop3::open_reply{{}, std::make_unique<string_source>(message)});
            } else {
                deleted = std::get<pop3::update_request>(r->body).uids_to_delete;
                s.complete(r->id, pop3::update_reply{});
            }
        } else {
            REQUIRE(std::holds_alternative<pop3::close_connection>(act));
            closed = true;
        }
    }
    CHECK(max_pending <= 2 * 64 * 1024 + 8);
    const std::string head = "+OK mailaccess POP3 ready\r\n+OK\r\n+OK Logged in.\r\n+OK " +
                             std::to_string(message.size()) + " octets\r\n";
    CHECK(out == head + message + ".\r\n+OK Logging out.\r\n");
    CHECK(deleted.empty());
}

TEST_CASE("pipelined commands are answered in bounded batches", "[pop3][server_session]") {
    pop3::server_options o;
    o.tls_active = true;
    pop3::server_session s(o);
    std::string input = "USER u\r\nPASS p\r\n";
    for (int i = 0; i < 1000; ++i) input += "NOOP\r\n";
    s.feed(input);
    std::size_t max_pending = 0, requests = 0, writes = 0;
    std::string out;
    for (;;) {
        auto act = s.next_action();
        if (std::holds_alternative<pop3::need_input>(act)) break;
        ++writes;
        if (auto* r = std::get_if<pop3::engine_request>(&act)) {
            ++requests;
            // Later commands wait: nothing was answered after the PASS yet.
            CHECK(out == "+OK mailaccess POP3 ready\r\n+OK\r\n");
            s.complete(r->id, pop3::login_reply{{}, {}, 1});
            continue;
        }
        REQUIRE(std::holds_alternative<pop3::write_ready>(act));
        max_pending = std::max(max_pending, s.pending_output().size());
        out += s.pending_output();
        s.consume_output(s.pending_output().size());
    }
    CHECK(requests == 1);
    // The 1000 replies go out together (one write, not 1000)...
    CHECK(writes <= 4);
    // ...but the batch is bounded: 50,000 NOOPs still go out 64 KiB at a time.
    pop3::server_session big(o);
    std::string many = "USER u\r\nPASS p\r\n";
    for (int i = 0; i < 50000; ++i) many += "NOOP\r\n";
    big.feed(many);
    std::size_t big_max = 0, big_bytes = 0;
    for (;;) {
        auto act = big.next_action();
        if (std::holds_alternative<pop3::need_input>(act)) break;
        if (auto* r = std::get_if<pop3::engine_request>(&act)) {
            big.complete(r->id, pop3::login_reply{{}, {}, 1});
            continue;
        }
        REQUIRE(std::holds_alternative<pop3::write_ready>(act));
        big_max = std::max(big_max, big.pending_output().size());
        big_bytes += big.pending_output().size();
        big.consume_output(big.pending_output().size());
    }
    CHECK(big_bytes == 50000 * 5 + 48);
    CHECK(big_max <= 64 * 1024 + 64);
    std::string expected = "+OK mailaccess POP3 ready\r\n+OK\r\n+OK Logged in.\r\n";
    for (int i = 0; i < 1000; ++i) expected += "+OK\r\n";
    CHECK(out == expected);
}

TEST_CASE("SASL framing: challenges are base64, responses are decoded and bounded",
          "[pop3][server_session]") {
    pop3::server_options o;
    o.tls_active = true;
    o.sasl_mechanisms = {"X-TEST"};
    o.limits.max_line_length = 2000;
    pop3::server_session s(o);
    std::string out;
    auto drain = [&] {
        std::string got;
        for (;;) {
            auto act = s.next_action();
            if (!std::holds_alternative<pop3::write_ready>(act)) return std::make_pair(got, std::move(act));
            got += s.pending_output();
            s.consume_output(s.pending_output().size());
        }
    };
    auto [greeting, first] = drain();
    CHECK(greeting == "+OK mailaccess POP3 ready\r\n");
    REQUIRE(std::holds_alternative<pop3::need_input>(first));

    s.feed("AUTH X-TEST =\r\n");
    auto [none, act] = drain();
    CHECK(none.empty());
    auto* start = std::get_if<pop3::engine_request>(&act);
    REQUIRE(start);
    const auto& body = std::get<pop3::sasl_start_request>(start->body);
    CHECK(body.mechanism == "X-TEST");
    REQUIRE(body.initial_response);
    CHECK(body.initial_response->empty());  // "=" is the empty initial response
    // Raw challenge bytes, NUL and 0xFF included, go out base64-encoded.
    s.complete(start->id, pop3::sasl_reply{std::string("\0\xff<abc>", 7), {}});

    // A response longer than a command line (RFC 5034 section 4) is relayed whole.
    const std::string payload(1200, 'z');
    s.feed(base64_encode(payload) + "\r\n");
    auto [challenge, step_act] = drain();
    CHECK(challenge == "+ AP88YWJjPg==\r\n");
    auto* step = std::get_if<pop3::engine_request>(&step_act);
    REQUIRE(step);
    CHECK(std::get<pop3::sasl_step_request>(step->body).response.reveal() == payload);
    s.complete(step->id, pop3::sasl_reply{std::string{}, {}});

    // Above limits.max_line_length the line is refused and the exchange ends:
    // the next line is a command again.
    s.feed(std::string(2100, 'A') + "\r\nNOOP\r\n");
    auto [refused, after] = drain();
    CHECK(refused == "+ \r\n-ERR Line too long.\r\n-ERR Command not valid in this state.\r\n");
    CHECK(std::holds_alternative<pop3::need_input>(after));

    // The outcome ends the exchange like a USER/PASS login.
    s.feed("AUTH x-test\r\n");
    auto [nothing, again] = drain();
    CHECK(nothing.empty());
    auto* restart = std::get_if<pop3::engine_request>(&again);
    REQUIRE(restart);
    CHECK_FALSE(std::get<pop3::sasl_start_request>(restart->body).initial_response);
    s.complete(restart->id, pop3::sasl_reply{std::nullopt, pop3::login_reply{{}, {{4, 10}}, 9}});
    s.feed("STAT\r\n");
    auto [logged_in, idle] = drain();
    CHECK(logged_in == "+OK Logged in.\r\n+OK 1 10\r\n");
    CHECK(std::holds_alternative<pop3::need_input>(idle));
    CHECK(s.current_state() == pop3::state::transaction);
}
