#include "csrf.hpp"

#include <mailaccess/core/secret.hpp>

#include <openssl/rand.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace webmail {

std::string random_token(std::size_t bytes) {
    std::vector<std::uint8_t> raw(bytes);
    // BoringSSL's RAND_bytes cannot fail (it aborts instead).
    RAND_bytes(raw.data(), raw.size());
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * bytes);
    for (auto b : raw) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 15]);
    }
    mailaccess::secure_wipe(raw.data(), raw.size());
    return out;
}

bool token_matches(std::string_view expected, std::string_view given) noexcept {
    return !expected.empty() && mailaccess::constant_time_equal(expected, given);
}

std::string_view session_id_from_cookie(std::string_view cookie_header) noexcept {
    std::size_t pos = 0;
    while (pos < cookie_header.size()) {
        while (pos < cookie_header.size() && (cookie_header[pos] == ' ' || cookie_header[pos] == ';')) ++pos;
        std::size_t end = cookie_header.find(';', pos);
        if (end == std::string_view::npos) end = cookie_header.size();
        const std::string_view pair = cookie_header.substr(pos, end - pos);
        if (pair.size() > session_cookie.size() && pair.substr(0, session_cookie.size()) == session_cookie &&
            pair[session_cookie.size()] == '=')
            return pair.substr(session_cookie.size() + 1);
        pos = end;
    }
    return {};
}

bool is_cross_origin(std::string_view origin, std::string_view host) noexcept {
    if (origin.empty()) return false;
    constexpr std::string_view scheme = "http://";
    return !(origin.substr(0, scheme.size()) == scheme && origin.substr(scheme.size()) == host);
}

}  // namespace webmail
