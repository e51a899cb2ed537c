// Feeds arbitrary bytes to imap::parse_response. The first byte picks the
// options (bit 0: UTF8=ACCEPT, bit 1: LITERAL+ output, bit 2: a tiny
// max_quoted_length, bit 3: a small nesting bound). Invariants: no crash or
// failed assertion; a parsed response serializes, the serialization parses
// back to an equal value, and serializing that again gives the same bytes
// (STYLE.md section 8, "Round trips").
#include <mailaccess/imap/response.hpp>

#include "fuzz_support.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace mailaccess;
using namespace mailaccess::imap;

using mailaccess::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto steered = mailaccess::fuzz::steer(data, size);
    if (!steered) return 0;
    const std::uint8_t control = steered->control;
    const std::string_view input = steered->payload;

    parse_options popt;
    popt.utf8_accept = (control & 0x01) != 0;
    if (control & 0x08) popt.max_depth = 4;
    writer_options wopt;
    wopt.utf8_accept = popt.utf8_accept;
    wopt.literals = (control & 0x02) ? literal_support::literal_plus : literal_support::sync_only;
    if (control & 0x04) wopt.max_quoted_length = 8;

    auto first = parse_response(input, {}, popt);
    if (!first) return 0;
    writer out(wopt);
    write(out, *first);
    const std::string wire(out.buffer());
    auto second = parse_response(wire, {}, popt);
    check(second.has_value());
    check(*second == *first);
    writer out2(wopt);
    write(out2, *second);
    check(out2.buffer() == wire);
    return 0;
}
