#include <mailaccess/pop3/serializer.hpp>
#include "token.hpp"

#include <mailaccess/pop3/parser.hpp>

namespace mailaccess::pop3 {
namespace {

using detail::is_token;

void append_clean(std::string& out, std::string_view text) {
    // A host-supplied string must never start a second reply line.
    for (char c : text) out.push_back((c == '\r' || c == '\n') ? ' ' : c);
}

}  // namespace

result<std::string> serialize_command(const command& cmd) {
    std::string out = to_string(cmd.kind);
    auto number = [&](std::optional<std::uint32_t> n) {
        out += ' ';
        out += std::to_string(n.value_or(0));
    };
    switch (cmd.kind) {
        case verb::user:
            if (!is_token(cmd.name)) return unexpected(errc::bad_syntax);
            out += ' ';
            out += cmd.name;
            break;
        case verb::pass: {
            const std::string_view pw = cmd.credential.reveal();
            if (pw.empty() || pw.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos)
                return unexpected(errc::bad_syntax);
            out += ' ';
            out += pw;
            break;
        }
        case verb::apop:
            if (!is_token(cmd.name) || cmd.digest.size() != 32 || !is_token(cmd.digest))
                return unexpected(errc::bad_syntax);
            out += ' ';
            out += cmd.name;
            out += ' ';
            out += cmd.digest;
            break;
        case verb::list:
        case verb::uidl:
            if (cmd.message) number(cmd.message);
            break;
        case verb::retr:
        case verb::dele:
            if (!cmd.message) return unexpected(errc::bad_syntax);
            number(cmd.message);
            break;
        case verb::top:
            if (!cmd.message) return unexpected(errc::bad_syntax);
            number(cmd.message);
            number(cmd.lines);
            break;
        case verb::auth:
            if (!cmd.name.empty()) {
                if (!is_token(cmd.name)) return unexpected(errc::bad_syntax);
                out += ' ';
                out += cmd.name;
                if (cmd.has_initial_response) {
                    // RFC 5034 section 4: the caller writes an empty initial
                    // response as "=", exactly as it appears on the wire.
                    const std::string_view ir = cmd.credential.reveal();
                    if (!is_token(ir)) return unexpected(errc::bad_syntax);
                    out += ' ';
                    out += ir;
                }
            } else if (cmd.has_initial_response) {
                return unexpected(errc::bad_syntax);
            }
            break;
        case verb::stat:
        case verb::noop:
        case verb::rset:
        case verb::quit:
        case verb::capa:
        case verb::stls: break;
    }
    if (out.size() + 2 > max_command_line) return unexpected(errc::line_too_long);
    out += "\r\n";
    return out;
}

std::string serialize_status(status kind, std::string_view code, std::string_view text) {
    std::string out;
    if (kind == status::continuation) {
        out = "+ ";
        append_clean(out, text);
    } else {
        out = kind == status::ok ? "+OK" : "-ERR";
        if (!code.empty()) {
            out += " [";
            append_clean(out, code);
            out += ']';
        }
        if (!text.empty()) {
            out += ' ';
            append_clean(out, text);
        }
    }
    out += "\r\n";
    return out;
}

std::string serialize_status(const status_line& line) {
    return serialize_status(line.kind, line.code, line.text);
}

}  // namespace mailaccess::pop3
