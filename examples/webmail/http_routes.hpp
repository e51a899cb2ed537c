#pragma once
// The webmail's HTTP interface: static pages, the JSON API the page's
// script calls, and the security rules every request passes (session
// cookie, CSRF token on state changes, Origin check, CSP on every answer,
// login throttling).

#include "http_message.hpp"
#include "rate_limit.hpp"
#include "session_table.hpp"
#include "web_session.hpp"

#include <asio/any_io_executor.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace webmail {

struct webmail_options {
    imap_endpoint imap;
    /// Files served under / (index.html) and /static/NAME.
    std::map<std::string, std::string> static_files;
    std::size_t max_sessions = 64;
    std::chrono::seconds session_idle_timeout{30 * 60};
    std::size_t page_size = 50;
    rate_limit_options login_limits;
};

/// The header that carries the CSRF token on POST requests.
inline constexpr const char* csrf_header = "x-csrf-token";

/// Thread safety: `handle` and `expire_idle_sessions` may be called
/// concurrently (the HTTP server calls `handle` from a thread per connection).
class webmail_app {
public:
    webmail_app(asio::any_io_executor executor, webmail_options options);

    /// Answers one request. Never throws for bad input: errors are JSON
    /// `{"error": "..."}` with a 4xx/5xx status.
    http_response handle(const http_request& request);

    /// Logs out and forgets sessions idle longer than the timeout.
    void expire_idle_sessions();

    /// For tests: adds a session for `user` with the given state (may be
    /// null when the test makes no IMAP calls) and returns its id and token.
    session_entry<web_session> add_session(std::string user, std::shared_ptr<web_session> state);

    std::size_t session_count() const { return sessions_.size(); }

private:
    using entry = session_entry<web_session>;
    http_response route(const http_request& request);
    http_response login(const http_request& request);
    http_response logout(const http_request& request, const entry& session);
    http_response api_get(const http_request& request, const entry& session);
    http_response api_post(const http_request& request, const entry& session);
    http_response static_file(const std::string& name) const;
    http_response message_html(const http_request& request, const entry& session);
    http_response attachment(const http_request& request, const entry& session);
    http_response imap_error(std::error_code ec, const entry& session);

    asio::any_io_executor executor_;
    webmail_options options_;
    session_table<web_session> sessions_;
    login_rate_limiter limiter_;
};

}  // namespace webmail
