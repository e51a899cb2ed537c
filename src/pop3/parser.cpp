#include <mailaccess/core/ascii.hpp>
#include <mailaccess/pop3/parser.hpp>
#include "token.hpp"

#include <array>
#include <limits>
#include <utility>

namespace mailaccess::pop3 {
namespace {

using mailaccess::ascii_to_upper;
using mailaccess::iequals;

using detail::is_token;

// A decimal number that fits in 32 bits; anything longer is refused before
// it can overflow.
result<std::uint32_t> parse_number(std::string_view s) {
    if (s.empty()) return unexpected(errc::bad_syntax);
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return unexpected(errc::bad_syntax);
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
        if (v > std::numeric_limits<std::uint32_t>::max()) return unexpected(errc::bad_syntax);
    }
    return static_cast<std::uint32_t>(v);
}

// Splits on runs of spaces; at most `max` arguments, more is a syntax error.
template <std::size_t Max>
struct args {
    std::array<std::string_view, Max> v{};
    std::size_t n = 0;
};

template <std::size_t Max>
result<args<Max>> split_args(std::string_view rest) {
    args<Max> out;
    std::size_t i = 0;
    while (i < rest.size()) {
        if (rest[i] == ' ') {
            ++i;
            continue;
        }
        std::size_t end = rest.find(' ', i);
        if (end == std::string_view::npos) end = rest.size();
        if (out.n == Max) return unexpected(errc::bad_syntax);
        out.v[out.n++] = rest.substr(i, end - i);
        i = end;
    }
    return out;
}

constexpr std::array<std::pair<std::string_view, verb>, 15> keywords{{
    {"USER", verb::user},
    {"PASS", verb::pass},
    {"APOP", verb::apop},
    {"STAT", verb::stat},
    {"LIST", verb::list},
    {"RETR", verb::retr},
    {"DELE", verb::dele},
    {"NOOP", verb::noop},
    {"RSET", verb::rset},
    {"QUIT", verb::quit},
    {"TOP", verb::top},
    {"UIDL", verb::uidl},
    {"CAPA", verb::capa},
    {"STLS", verb::stls},
    {"AUTH", verb::auth},
}};

bool is_hex(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 2449 section 9: rchar = %x21-2E / %x30-5C / %x5E-7F, i.e. VCHAR minus
// "/" and "]".
bool is_rchar(char ch) noexcept {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x21 && c <= 0x7F && c != '/' && c != ']';
}

bool is_resp_code(std::string_view s) noexcept {
    if (s.empty()) return false;
    bool level_empty = true;
    for (char c : s) {
        if (c == '/') {
            if (level_empty) return false;
            level_empty = true;
        } else if (is_rchar(c)) {
            level_empty = false;
        } else {
            return false;
        }
    }
    return !level_empty;
}

}  // namespace

const char* to_string(verb v) noexcept {
    for (const auto& [name, kind] : keywords)
        if (kind == v) return name.data();
    return "";
}

// RFC 1939 section 3 / RFC 2449 section 9:
//   command = keyword *(SP param) CRLF ; keyword = 3*4VCHAR
result<command> parse_command(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() + 2 > max_command_line) return unexpected(errc::line_too_long);
    const std::size_t sp = line.find(' ');
    const std::string_view keyword = line.substr(0, sp);
    const std::string_view rest = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);

    command cmd;
    bool known = false;
    for (const auto& [name, kind] : keywords)
        if (iequals(keyword, name)) {
            cmd.kind = kind;
            known = true;
            break;
        }
    if (!known) return unexpected(is_token(keyword) ? errc::unknown_command : errc::bad_syntax);

    if (cmd.kind == verb::pass) {
        // RFC 1939 section 7: the password is the rest of the line, spaces and all.
        if (sp == std::string_view::npos || rest.empty()) return unexpected(errc::bad_syntax);
        for (char c : rest)
            if (c == '\0' || c == '\r' || c == '\n') return unexpected(errc::bad_syntax);
        cmd.credential = secret<>(std::string(rest));
        return cmd;
    }

    auto parsed = split_args<2>(rest);
    if (!parsed) return unexpected(parsed.error());
    const auto& a = *parsed;
    for (std::size_t i = 0; i < a.n; ++i)
        if (!is_token(a.v[i])) return unexpected(errc::bad_syntax);

    switch (cmd.kind) {
        case verb::stat:
        case verb::noop:
        case verb::rset:
        case verb::quit:
        case verb::capa:
        case verb::stls:
            if (a.n != 0) return unexpected(errc::bad_syntax);
            return cmd;
        case verb::user:
            if (a.n != 1) return unexpected(errc::bad_syntax);
            cmd.name = std::string(a.v[0]);
            return cmd;
        case verb::apop:
            // RFC 1939 section 7: APOP name digest, digest = 32 hex digits (MD5).
            if (a.n != 2 || a.v[1].size() != 32) return unexpected(errc::bad_syntax);
            for (char c : a.v[1])
                if (!is_hex(c)) return unexpected(errc::bad_syntax);
            cmd.name = std::string(a.v[0]);
            for (char c : a.v[1])
                cmd.digest.push_back((c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c);
            return cmd;
        case verb::list:
        case verb::uidl:
            if (a.n > 1) return unexpected(errc::bad_syntax);
            if (a.n == 1) {
                auto n = parse_number(a.v[0]);
                if (!n) return unexpected(n.error());
                cmd.message = *n;
            }
            return cmd;
        case verb::retr:
        case verb::dele: {
            if (a.n != 1) return unexpected(errc::bad_syntax);
            auto n = parse_number(a.v[0]);
            if (!n) return unexpected(n.error());
            cmd.message = *n;
            return cmd;
        }
        case verb::top: {
            if (a.n != 2) return unexpected(errc::bad_syntax);
            auto n = parse_number(a.v[0]);
            auto m = parse_number(a.v[1]);
            if (!n || !m) return unexpected(errc::bad_syntax);
            cmd.message = *n;
            cmd.lines = *m;
            return cmd;
        }
        case verb::auth:
            // RFC 5034 section 4: AUTH mechanism [initial-response]. A bare AUTH
            // (mechanism list, a common extension) is accepted as an empty name.
            if (a.n >= 1) {
                for (char c : a.v[0]) cmd.name.push_back(ascii_to_upper(c));
            }
            if (a.n == 2) {
                cmd.credential = secret<>(std::string(a.v[1]));
                cmd.has_initial_response = true;
            }
            return cmd;
        case verb::pass: break;
    }
    return unexpected(errc::bad_syntax);
}

// RFC 2449 section 9: single-line = status [SP text] CRLF;
//   text = *schar / resp-code *CHAR ; resp-code = "[" resp-level *("/" resp-level) "]"
// RFC 5034 section 4: continue-req = "+" SP [base64] CRLF
result<status_line> parse_status_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() + 2 > max_response_line) return unexpected(errc::line_too_long);
    status_line out;
    std::string_view rest;
    if (line.size() >= 3 && iequals(line.substr(0, 3), "+OK") && (line.size() == 3 || line[3] == ' ')) {
        out.kind = status::ok;
        rest = line.substr(std::min<std::size_t>(line.size(), 4));
    } else if (line.size() >= 4 && iequals(line.substr(0, 4), "-ERR") &&
               (line.size() == 4 || line[4] == ' ')) {
        out.kind = status::err;
        rest = line.substr(std::min<std::size_t>(line.size(), 5));
    } else if (!line.empty() && line[0] == '+' && (line.size() == 1 || line[1] == ' ')) {
        out.kind = status::continuation;
        out.text = std::string(line.substr(std::min<std::size_t>(line.size(), 2)));
        return out;
    } else {
        return unexpected(errc::bad_syntax);
    }
    if (!rest.empty() && rest[0] == '[') {
        const std::size_t close = rest.find(']');
        if (close != std::string_view::npos && is_resp_code(rest.substr(1, close - 1))) {
            out.code = std::string(rest.substr(1, close - 1));
            rest = rest.substr(close + 1);
            if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
        }
    }
    out.text = std::string(rest);
    return out;
}

}  // namespace mailaccess::pop3
