#pragma once
// Secrets of a web session (session id, CSRF token) and the checks made on
// every state-changing request.

#include <cstddef>
#include <string>
#include <string_view>

namespace webmail {

/// The name of the session cookie.
inline constexpr std::string_view session_cookie = "webmail_session";

/// The value of the session cookie in a Cookie header (RFC 6265 section
/// 5.4: `name=value` pairs separated by ";" and spaces), "" when absent.
/// A view into `cookie_header`.
std::string_view session_id_from_cookie(std::string_view cookie_header) noexcept;

/// `bytes` random bytes from BoringSSL's CSPRNG, hex-encoded (so 2 *
/// `bytes` characters). Thread safety: safe to call concurrently.
std::string random_token(std::size_t bytes = 32);

/// True when `given` equals `expected`, compared in constant time
/// (`mailaccess::constant_time_equal`); an empty `expected` never matches.
bool token_matches(std::string_view expected, std::string_view given) noexcept;

/// True when a browser's Origin header names another site than the Host
/// the request was sent to ("http://" + host). A missing Origin (same-origin
/// GET, curl) is not cross-origin; "null" (sandboxed frames, privacy modes)
/// is.
bool is_cross_origin(std::string_view origin, std::string_view host) noexcept;

}  // namespace webmail
