#pragma once

#include <cstddef>
#include <string_view>

namespace mailaccess {

/// ASCII upper-casing, independent of the C locale: protocol keywords
/// (POP3 and IMAP commands, SASL mechanisms, password schemes, "INBOX") are
/// ASCII and must compare the same whatever locale a host process sets.
constexpr char ascii_to_upper(char c) noexcept {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

/// ASCII lower-casing, for case-insensitive ordering.
constexpr char ascii_to_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// ASCII case-insensitive equality; bytes >= 0x80 compare exactly.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_to_upper(a[i]) != ascii_to_upper(b[i])) return false;
    return true;
}

}  // namespace mailaccess
