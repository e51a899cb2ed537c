#include "session_table.hpp"

#include "csrf.hpp"
#include "http_routes.hpp"
#include "rate_limit.hpp"

#include <catch2/catch.hpp>

#include <asio/io_context.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

namespace {

struct dummy {
    int n = 0;
};

webmail::http_request post(const std::string& path, const std::string& cookie, const std::string& token) {
    webmail::http_request r;
    r.method = "POST";
    r.path = path;
    r.body = R"({"folder":"INBOX","uid":1,"flag":"seen","set":true})";
    r.headers["host"] = "127.0.0.1:8080";
    if (!cookie.empty())
        r.headers["cookie"] = "other=1; " + std::string(webmail::session_cookie) + "=" + cookie;
    if (!token.empty()) r.headers[webmail::csrf_header] = token;
    return r;
}

std::string header_of(const webmail::http_response& r, const std::string& name) {
    for (const auto& [n, v] : r.headers)
        if (n == name) return v;
    return {};
}

}  // namespace

TEST_CASE("random tokens are long, hex and distinct", "[webmail][csrf]") {
    const std::string a = webmail::random_token(), b = webmail::random_token();
    CHECK(a.size() == 64);
    CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(a != b);
}

TEST_CASE("token comparison", "[webmail][csrf]") {
    CHECK(webmail::token_matches("abc", "abc"));
    CHECK_FALSE(webmail::token_matches("abc", "abd"));
    CHECK_FALSE(webmail::token_matches("abc", "ab"));
    CHECK_FALSE(webmail::token_matches("", ""));
}

TEST_CASE("origin check", "[webmail][csrf]") {
    CHECK_FALSE(webmail::is_cross_origin("", "127.0.0.1:8080"));
    CHECK_FALSE(webmail::is_cross_origin("http://127.0.0.1:8080", "127.0.0.1:8080"));
    CHECK(webmail::is_cross_origin("http://127.0.0.1:9999", "127.0.0.1:8080"));
    CHECK(webmail::is_cross_origin("https://127.0.0.1:8080", "127.0.0.1:8080"));
    CHECK(webmail::is_cross_origin("null", "127.0.0.1:8080"));
}

TEST_CASE("session table finds, expires and evicts", "[webmail][session]") {
    webmail::session_table<dummy> table(2, 60s);
    const auto t0 = std::chrono::steady_clock::now();
    std::shared_ptr<dummy> evicted;
    const auto a = table.create("alice", std::make_shared<dummy>(dummy{1}), t0, evicted);
    const auto b = table.create("bob", std::make_shared<dummy>(dummy{2}), t0 + 1s, evicted);
    CHECK_FALSE(evicted);
    CHECK(a.id != b.id);
    CHECK(a.csrf_token != a.id);
    REQUIRE(table.find(a.id, t0 + 2s));
    CHECK(table.find(a.id, t0 + 2s)->user == "alice");
    CHECK_FALSE(table.find(a.id.substr(1), t0 + 2s));
    CHECK_FALSE(table.find("", t0 + 2s));
    // Full: the least recently used (bob; alice was just found) goes.
    const auto c = table.create("carol", std::make_shared<dummy>(dummy{3}), t0 + 3s, evicted);
    REQUIRE(evicted);
    CHECK(evicted->n == 2);
    CHECK_FALSE(table.find(b.id, t0 + 3s));
    // Idle past the timeout: not found, and expire() returns it.
    CHECK_FALSE(table.find(a.id, t0 + 70s));
    const auto gone = table.expire(t0 + 70s);
    CHECK(gone.size() == 2);
    CHECK(table.size() == 0);
    (void)c;
}

TEST_CASE("login rate limit per address and per user", "[webmail][rate_limit]") {
    webmail::login_rate_limiter limiter({.max_failures = 3, .window = 60s, .max_keys = 100});
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i) {
        CHECK(limiter.allowed("10.0.0.1", "demo", t0));
        limiter.record_failure("10.0.0.1", "demo", t0);
    }
    CHECK_FALSE(limiter.allowed("10.0.0.1", "demo", t0));
    CHECK_FALSE(limiter.allowed("10.0.0.1", "other", t0));  // the address is throttled
    CHECK_FALSE(limiter.allowed("10.0.0.2", "demo", t0));   // and so is the user
    CHECK(limiter.allowed("10.0.0.2", "other", t0));
    CHECK(limiter.allowed("10.0.0.1", "demo", t0 + 61s));  // the window moved on
}

TEST_CASE("state changes need the session's CSRF token", "[webmail][csrf]") {
    asio::io_context io;
    webmail::webmail_app app(io.get_executor(), {});
    const auto s = app.add_session("demo", nullptr);
    // No cookie, no token; cookie without token; wrong token; another session's token.
    CHECK(app.handle(post("/api/flag", "", "")).status == 403);
    CHECK(app.handle(post("/api/flag", s.id, "")).status == 403);
    CHECK(app.handle(post("/api/flag", s.id, s.csrf_token + "0")).status == 403);
    const auto other = app.add_session("eve", nullptr);
    CHECK(app.handle(post("/api/flag", s.id, other.csrf_token)).status == 403);
    CHECK(app.handle(post("/api/logout", s.id, "")).status == 403);
    // A cross-site request is refused even with the right token.
    auto cross = post("/api/flag", s.id, s.csrf_token);
    cross.headers["origin"] = "http://evil.example";
    CHECK(app.handle(cross).status == 403);
    // A move to the folder the message is in is refused before any IMAP.
    auto same = post("/api/move", s.id, s.csrf_token);
    same.body = R"({"folder":"INBOX","uid":1,"to":"INBOX"})";
    CHECK(app.handle(same).status == 400);
    // With the token the request gets past the check (this session has no
    // IMAP connection, so it fails later, with 500, not 403).
    CHECK(app.handle(post("/api/flag", s.id, s.csrf_token)).status == 500);
    // Logout with the token ends the session and clears the cookie.
    const auto out = app.handle(post("/api/logout", s.id, s.csrf_token));
    CHECK(out.status == 200);
    CHECK(header_of(out, "Set-Cookie").find("Max-Age=0") != std::string::npos);
    CHECK(app.handle(post("/api/flag", s.id, s.csrf_token)).status == 403);
}

TEST_CASE("every answer carries the CSP and API reads need a session", "[webmail][csrf]") {
    asio::io_context io;
    webmail::webmail_options options;
    options.static_files["index.html"] = "<html></html>";
    webmail::webmail_app app(io.get_executor(), options);
    webmail::http_request get;
    get.method = "GET";
    get.path = "/api/folders";
    const auto denied = app.handle(get);
    CHECK(denied.status == 401);
    CHECK(header_of(denied, "Content-Security-Policy").find("default-src 'self'") != std::string::npos);
    get.path = "/";
    const auto page = app.handle(get);
    CHECK(page.status == 200);
    CHECK(page.content_type.rfind("text/html", 0) == 0);
    CHECK(header_of(page, "Content-Security-Policy").find("script-src 'self'") != std::string::npos);
    CHECK(header_of(page, "X-Frame-Options") == "DENY");
    get.path = "/static/../../etc/passwd";
    CHECK(app.handle(get).status == 404);
    webmail::http_request put = get;
    put.method = "PUT";
    put.path = "/api/flag";
    CHECK(app.handle(put).status == 405);
    webmail::http_request login = post("/api/login", "", "");
    login.body = "not json";
    CHECK(app.handle(login).status == 400);
}

TEST_CASE("session id from the Cookie header", "[webmail][session]") {
    CHECK(webmail::session_id_from_cookie("webmail_session=abc") == "abc");
    CHECK(webmail::session_id_from_cookie("a=1; webmail_session=abc; b=2") == "abc");
    CHECK(webmail::session_id_from_cookie("xwebmail_session=abc") == "");
    CHECK(webmail::session_id_from_cookie("") == "");
}

TEST_CASE("a folder name that is not valid UTF-8 is a 400, not an IMAP error", "[webmail][session]") {
    asio::io_context io;
    webmail::webmail_app app(io.get_executor(), {});
    // Not connected: the name is refused before any IMAP command.
    const auto s = app.add_session(
        "demo", std::make_shared<webmail::web_session>(io.get_executor(), webmail::imap_endpoint{}));
    webmail::http_request get;
    get.method = "GET";
    get.path = "/api/messages";
    get.query["folder"] = "\xFF\xFE";
    get.headers["cookie"] = std::string(webmail::session_cookie) + "=" + s.id;
    const auto r = app.handle(get);
    CHECK(r.status == 400);
    CHECK(r.body == R"({"error":"bad folder name"})");
    auto move = post("/api/move", s.id, s.csrf_token);
    move.body = R"({"folder":"INBOX","uid":1,"to":"a\u0001b"})";
    CHECK(app.handle(move).status == 400);
}
