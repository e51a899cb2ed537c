// Feeds arbitrary bytes through a server imap::framer (every literal
// accepted) and each complete message to imap::parse_command. The first byte
// picks the options: UTF8=ACCEPT, a small streaming threshold, LITERAL+ and a
// short quoting limit for the writer. Invariants: no crash or failed
// assertion; a parsed command without streamed literals serializes, the
// serialization frames as one message that parses back to an equal command,
// and serializing that again gives the same bytes (STYLE.md section 8,
// "Round trips"); a streamed APPEND message keeps its announced size.
#include <mailaccess/imap/command.hpp>
#include <mailaccess/imap/framer.hpp>

#include "fuzz_support.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

using namespace mailaccess;
using namespace mailaccess::imap;

using mailaccess::fuzz::check;

namespace {

// Frames the serialized `wire` as one message with generous limits, since
// serializing may lengthen lines (escapes, literals).
void check_round_trip(const command& first, const parse_options& popt, const writer_options& wopt) {
    writer out(wopt);
    write(out, first);
    const std::string wire(out.buffer());
    framer_options fo;
    fo.limits.max_line_length = wire.size() + 2;
    fo.limits.max_literal_size = wire.size() + 1;
    fo.limits.max_depth = 1u << 20;
    fo.streaming_threshold = wire.size() + 1;
    fo.max_buffered_size = wire.size() + 1;
    fo.max_literals = wire.size() + 1;
    framer f(framer_role::server, fo);
    f.feed(wire);
    for (;;) {
        auto ev = f.next();
        if (std::holds_alternative<framer::literal_announced>(ev)) {
            f.accept_literal();
            continue;
        }
        check(std::holds_alternative<framer::message_ready>(ev));
        break;
    }
    check(f.message() == wire);
    auto second = parse_command(f.message(), f.literals(), popt);
    check(second.has_value());
    check(*second == first);
    writer out2(wopt);
    write(out2, *second);
    check(out2.buffer() == wire);
    check(out2.literals() == out.literals());
}

void fuzz_one(const fuzz::steered_input& steered) {
    const auto& [control, input] = steered;

    parse_options popt;
    popt.utf8_accept = (control & 1) != 0;
    framer_options fopt;
    if (control & 2) fopt.streaming_threshold = 16;
    writer_options wopt;
    wopt.utf8_accept = popt.utf8_accept;
    wopt.literals = (control & 4) ? literal_support::literal_plus : literal_support::sync_only;
    if (control & 8) wopt.max_quoted_length = 8;

    framer f(framer_role::server, fopt);
    f.feed(input);
    for (int steps = 0; steps < 100000; ++steps) {
        auto ev = f.next();
        if (std::holds_alternative<framer::need_more>(ev) || std::holds_alternative<framer::fatal>(ev)) break;
        if (std::holds_alternative<framer::literal_announced>(ev)) {
            f.accept_literal();
            continue;
        }
        if (!std::holds_alternative<framer::message_ready>(ev)) continue;
        auto cmd = parse_command(f.message(), f.literals(), popt);
        if (cmd) {
            check(!command_name(*cmd).empty());
            bool streamed = false;
            for (const auto& lit : f.literals()) streamed = streamed || lit.streamed;
            if (const auto* a = std::get_if<imap::cmd::append>(&cmd->body)) {
                for (const auto& m : a->messages) {
                    check(m.streamed || m.data.size() == m.size);
                    if (m.streamed) check(f.literals()[m.literal_index].size == m.size);
                }
            }
            if (!streamed) check_round_trip(*cmd, popt, wopt);
        }
        f.consume_message();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mailaccess::fuzz::run(data, size, fuzz_one);
}
