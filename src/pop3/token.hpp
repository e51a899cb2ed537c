#pragma once

#include <string_view>

namespace mailaccess::pop3::detail {

// RFC 2449 section 9: param = 1*VCHAR. Bytes >= 0x80 are let through so
// UTF-8 user names survive; only controls and spaces are refused. Shared by
// the parser (what we accept) and the serializer (what we may emit), so the
// two can never disagree.
inline bool is_token(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == 0x7F) return false;
    }
    return true;
}

}  // namespace mailaccess::pop3::detail
