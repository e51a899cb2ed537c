#include "http_routes.hpp"

#include "csrf.hpp"
#include "html_sanitizer.hpp"
#include "message_render.hpp"

#include <mailaccess/imap/error.hpp>
#include <mailaccess/net/error.hpp>
#include <mailaccess/net/imap_client.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace webmail {

using nlohmann::json;
namespace net = mailaccess::net;

namespace {

// The page may load only its own script, style and frames; no inline script
// (CSP Level 3). The message frame has its own, stricter policy.
constexpr const char* page_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
// Mail HTML: no script at all (also when opened outside the iframe: the
// sandbox directive), inline styles, inline images only, so nothing remote
// loads.
constexpr const char* message_policy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox";

constexpr std::size_t max_folder_name = 1000;
constexpr std::size_t max_query = 200;
constexpr std::size_t max_user = 256;
constexpr std::size_t max_password = 1024;

http_response with_security_headers(http_response r, const char* policy = page_policy) {
    r.set_header("Content-Security-Policy", policy);
    r.set_header("X-Content-Type-Options", "nosniff");
    r.set_header("Referrer-Policy", "no-referrer");
    r.set_header("Cache-Control", "no-store");
    r.set_header("X-Frame-Options", policy == page_policy ? "DENY" : "SAMEORIGIN");
    return r;
}

http_response json_response(int status, const json& body) {
    http_response r;
    r.status = status;
    r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    return r;
}

http_response error(int status, const std::string& message) {
    return json_response(status, json{{"error", message}});
}

template <class T>
bool parse_number(const std::string& text, T& out) {
    if (text.empty()) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

bool valid_folder(const std::string& f) { return !f.empty() && f.size() <= max_folder_name; }

// RFC 6266 with RFC 8187: an ASCII fallback and the UTF-8 name.
std::string content_disposition(const std::string& filename) {
    std::string ascii, encoded;
    static constexpr char hex[] = "0123456789ABCDEF";
    for (const char ch : filename) {
        const auto c = static_cast<unsigned char>(ch);
        ascii.push_back(c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? static_cast<char>(c) : '_');
        if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
            encoded.push_back(static_cast<char>(c));
        } else {
            encoded.push_back('%');
            encoded.push_back(hex[c >> 4]);
            encoded.push_back(hex[c & 15]);
        }
    }
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

std::string content_type_for(const std::string& name) {
    auto ends = [&](std::string_view s) { return name.size() >= s.size() && name.ends_with(s); };
    if (ends(".html")) return "text/html; charset=utf-8";
    if (ends(".js")) return "text/javascript; charset=utf-8";
    if (ends(".css")) return "text/css; charset=utf-8";
    if (ends(".svg")) return "image/svg+xml";
    return "application/octet-stream";
}

}  // namespace

webmail_app::webmail_app(asio::any_io_executor executor, webmail_options options)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      sessions_(options_.max_sessions, options_.session_idle_timeout),
      limiter_(options_.login_limits) {}

session_entry<web_session> webmail_app::add_session(std::string user, std::shared_ptr<web_session> state) {
    std::shared_ptr<web_session> evicted;
    auto e = sessions_.create(std::move(user), std::move(state), std::chrono::steady_clock::now(), evicted);
    if (evicted) evicted->logout();
    return e;
}

void webmail_app::expire_idle_sessions() {
    for (auto& s : sessions_.expire(std::chrono::steady_clock::now()))
        if (s) s->logout();
}

http_response webmail_app::handle(const http_request& request) {
    http_response r = route(request);
    if (r.headers.end() == std::find_if(r.headers.begin(), r.headers.end(),
                                        [](const auto& h) { return h.first == "Content-Security-Policy"; }))
        r = with_security_headers(std::move(r));
    return r;
}

http_response webmail_app::route(const http_request& request) {
    const bool is_get = request.method == "GET" || request.method == "HEAD";
    if (is_get && (request.path == "/" || request.path == "/index.html")) return static_file("index.html");
    if (is_get && request.path.rfind("/static/", 0) == 0) return static_file(request.path.substr(8));
    if (request.path.rfind("/api/", 0) != 0) return error(404, "not found");
    if (!is_get) {
        // A state change must come from our own page: a browser names the
        // page's origin in Origin; another site's form or script is refused
        // before anything else, as is a request without the session's token.
        if (request.method != "POST") return error(405, "method not allowed");
        if (is_cross_origin(request.header("origin"), request.header("host")))
            return error(403, "cross-origin request refused");
        if (request.path == "/api/login") return login(request);
    }
    const auto session =
        sessions_.find(session_id_from_cookie(request.header("cookie")), std::chrono::steady_clock::now());
    if (!is_get) {
        if (!session || !token_matches(session->csrf_token, request.header(csrf_header)))
            return error(403, "missing or wrong CSRF token");
        return api_post(request, *session);
    }
    if (!session) return error(401, "not logged in");
    return api_get(request, *session);
}

http_response webmail_app::static_file(const std::string& name) const {
    auto it = options_.static_files.find(name);
    if (it == options_.static_files.end()) return error(404, "not found");
    http_response r;
    r.content_type = content_type_for(name);
    r.body = it->second;
    return r;
}

http_response webmail_app::login(const http_request& request) {
    const json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("user") || !body.contains("password") ||
        !body["user"].is_string() || !body["password"].is_string())
        return error(400, "expected {\"user\": ..., \"password\": ...}");
    const std::string user = body["user"].get<std::string>();
    mailaccess::secret<> password(body["password"].get<std::string>());
    if (user.empty() || user.size() > max_user || password.reveal().size() > max_password)
        return error(400, "bad user name or password length");
    const auto now = std::chrono::steady_clock::now();
    if (!limiter_.allowed(request.remote_address, user, now))
        return error(429, "too many failed logins; try again later");
    auto opened = web_session::open(executor_, options_.imap, user, std::move(password));
    if (!opened) {
        if (opened.error() == mailaccess::imap::errc::auth_failed ||
            opened.error() == net::imap_client_errc::command_failed) {
            limiter_.record_failure(request.remote_address, user, now);
            return error(401, "wrong user name or password");
        }
        return error(503, "IMAP server unavailable: " + opened.error().message());
    }
    limiter_.record_success(user);
    const auto e = add_session(user, *opened);
    http_response r = json_response(200, json{{"user", e.user}, {"csrf_token", e.csrf_token}});
    // HttpOnly: no script reads it; SameSite=Strict: no other site's request
    // carries it. Not Secure: the webmail speaks plain HTTP on loopback.
    r.set_header("Set-Cookie",
                 std::string(session_cookie) + "=" + e.id + "; Path=/; HttpOnly; SameSite=Strict");
    return r;
}

http_response webmail_app::logout(const http_request&, const entry& session) {
    if (auto state = sessions_.remove(session.id)) state->logout();
    http_response r = json_response(200, json{{"ok", true}});
    r.set_header("Set-Cookie",
                 std::string(session_cookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    return r;
}

http_response webmail_app::imap_error(std::error_code ec, const entry& session) {
    if (ec == net::errc::timed_out) return error(504, "the IMAP server did not answer in time");
    if (ec == mailaccess::imap::errc::bad_mailbox_name) return error(400, "bad folder name");
    if (ec == net::imap_client_errc::command_failed || ec == net::imap_client_errc::command_rejected ||
        ec == std::errc::invalid_argument || ec == std::errc::no_such_file_or_directory) {
        const std::string text = session.state ? session.state->last_error_text() : std::string();
        return error(ec == std::errc::no_such_file_or_directory ? 404 : 400,
                     text.empty() ? ec.message() : text);
    }
    if (ec == net::imap_client_errc::connection_closed || ec == net::imap_client_errc::not_connected) {
        if (auto state = sessions_.remove(session.id)) state->logout();
        return error(401, "the IMAP connection was lost; log in again");
    }
    return error(502, "IMAP error: " + ec.message());
}

http_response webmail_app::api_get(const http_request& request, const entry& session) {
    const std::string& p = request.path;
    if (!session.state) return error(500, "session without an IMAP connection");
    if (p == "/api/session")
        return json_response(200, json{{"user", session.user}, {"csrf_token", session.csrf_token}});
    if (p == "/api/events")
        return json_response(
            200, json{{"version", session.state->version()}, {"folder", session.state->open_folder()}});
    if (p == "/api/folders") {
        auto r = session.state->folders();
        return r ? json_response(200, *r) : imap_error(r.error(), session);
    }
    if (p == "/api/quota") {
        auto r = session.state->quota();
        return r ? json_response(200, *r) : imap_error(r.error(), session);
    }
    const std::string folder = request.param("folder");
    if (!valid_folder(folder)) return error(400, "missing or bad folder");
    if (p == "/api/messages") {
        std::size_t page = 0;
        if (request.query.count("page") != 0 &&
            (!parse_number(request.param("page"), page) || page > 1000000))
            return error(400, "bad page");
        const std::string q = request.param("q");
        if (q.size() > max_query) return error(400, "search text too long");
        auto r = session.state->messages(folder, page, options_.page_size, q);
        return r ? json_response(200, *r) : imap_error(r.error(), session);
    }
    std::uint32_t uid = 0;
    if (!parse_number(request.param("uid"), uid) || uid == 0) return error(400, "missing or bad uid");
    if (p == "/api/message") {
        auto raw = session.state->message(folder, uid);
        if (!raw) return imap_error(raw.error(), session);
        json out = render_message(**raw).to_json();
        out["uid"] = uid;
        out["folder"] = folder;
        return json_response(200, out);
    }
    if (p == "/api/message/html") return message_html(request, session);
    if (p == "/api/attachment") return attachment(request, session);
    return error(404, "not found");
}

http_response webmail_app::message_html(const http_request& request, const entry& session) {
    std::uint32_t uid = 0;
    (void)parse_number(request.param("uid"), uid);
    auto raw = session.state->message(request.param("folder"), uid);
    if (!raw) return imap_error(raw.error(), session);
    const rendered_message m = render_message(**raw);
    http_response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = html_document(m.html.value_or(""));
    return with_security_headers(std::move(r), message_policy);
}

http_response webmail_app::attachment(const http_request& request, const entry& session) {
    std::uint32_t uid = 0, part = 0;
    (void)parse_number(request.param("uid"), uid);
    if (!parse_number(request.param("part"), part)) return error(400, "missing or bad part");
    auto raw = session.state->message(request.param("folder"), uid);
    if (!raw) return imap_error(raw.error(), session);
    auto extracted = extract_part(**raw, part);
    if (!extracted) return error(404, "no such part");
    http_response r;
    // Always a download, never rendered in our origin (an attached HTML
    // file must not run as the webmail).
    r.content_type = "application/octet-stream";
    r.body = std::move(extracted->data);
    r.set_header("Content-Disposition", content_disposition(extracted->filename));
    return r;
}

http_response webmail_app::api_post(const http_request& request, const entry& session) {
    const std::string& p = request.path;
    if (p == "/api/logout") return logout(request, session);
    const json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return error(400, "expected a JSON object");
    auto str = [&](const char* key) {
        return body.contains(key) && body[key].is_string() ? body[key].get<std::string>() : std::string();
    };
    const std::string folder = str("folder");
    if (!valid_folder(folder)) return error(400, "missing or bad folder");
    if (!body.contains("uid") || !body["uid"].is_number_unsigned() || body["uid"].get<std::uint64_t>() == 0 ||
        body["uid"].get<std::uint64_t>() > 0xFFFFFFFFu)
        return error(400, "missing or bad uid");
    const auto uid = body["uid"].get<std::uint32_t>();
    if (p == "/api/move" && str("to") == folder) return error(400, "the message is already in " + folder);
    if (!session.state) return error(500, "session without an IMAP connection");
    mailaccess::result<bool> r = true;
    if (p == "/api/flag") {
        const std::string flag = str("flag");
        if ((flag != "seen" && flag != "flagged") || !body.contains("set") || !body["set"].is_boolean())
            return error(400, "expected flag \"seen\" or \"flagged\" and set true/false");
        r = session.state->set_flag(folder, uid, flag, body["set"].get<bool>());
    } else if (p == "/api/move") {
        const std::string to = str("to");
        if (!valid_folder(to)) return error(400, "missing or bad target folder");
        r = session.state->move(folder, uid, to);
    } else if (p == "/api/delete") {
        r = session.state->remove(folder, uid);
    } else {
        return error(404, "not found");
    }
    return r ? json_response(200, json{{"ok", true}}) : imap_error(r.error(), session);
}

}  // namespace webmail
