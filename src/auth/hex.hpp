#pragma once

// Internal helpers shared by the auth sources; not installed.

#include <cstddef>

#include <cstdint>
#include <mailaccess/core/ascii.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace mailaccess::auth::detail {

/// Lowercase hex of `n` bytes at `p`.
inline std::string to_hex(const std::uint8_t* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(digits[p[i] >> 4]);
        out.push_back(digits[p[i] & 0x0f]);
    }
    return out;
}

/// Value of one hex digit (either case), or -1.
inline int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// Decodes an even-length hex string (either case); nullopt if malformed.
inline std::optional<std::string> from_hex(std::string_view text) {
    if (text.size() % 2 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int hi = hex_value(text[i]);
        const int lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>((hi << 4) | lo));
    }
    return out;
}

/// Scheme and mechanism names compare ASCII case-insensitively.
using mailaccess::iequals;

/// Parses a decimal number in [1, max] with no sign, spaces or leading '+'.
inline std::optional<std::uint32_t> parse_rounds(std::string_view text, std::uint32_t max) {
    if (text.empty() || text.size() > 10) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v == 0 || v > max) return std::nullopt;
    return static_cast<std::uint32_t>(v);
}

}  // namespace mailaccess::auth::detail
