// Feeds arbitrary bytes to one of the imap typed-model parsers. The first
// byte picks the parser (low nibble) and the options (high bits: UTF8=ACCEPT,
// literal style, a small nesting bound). Invariants: no crash or failed
// assertion; anything parsed serializes, the serialization parses back to an
// equal value consuming every byte, and serializing that value again gives
// the same bytes (STYLE.md section 8, "Round trips").
#include <mailaccess/imap/types.hpp>

#include "fuzz_support.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace mailaccess;
using namespace mailaccess::imap;

using mailaccess::fuzz::check;

namespace {

template <class F>
void round_trip(F parse, std::string_view input, const parse_options& popt, const writer_options& wopt) {
    parse_cursor in(input, popt);
    auto first = parse(in);
    if (!first) return;
    check(in.position() <= input.size());
    writer out(wopt);
    write(out, *first);
    const std::string wire(out.buffer());
    parse_cursor again(wire, popt);
    auto second = parse(again);
    check(second.has_value());
    check(again.at_end());
    check(*second == *first);
    writer out2(wopt);
    write(out2, *second);
    check(out2.buffer() == wire);
    check(out2.literals() == out.literals());
}

void fuzz_one(const fuzz::steered_input& steered) {
    const auto& [control, input] = steered;

    parse_options popt;
    popt.utf8_accept = (control & 0x10) != 0;
    if (control & 0x20) popt.max_depth = 4;
    writer_options wopt;
    wopt.utf8_accept = popt.utf8_accept;
    wopt.literals = (control & 0x40) ? literal_support::literal_plus : literal_support::sync_only;
    if (control & 0x80) wopt.max_quoted_length = 8;

    switch (control & 0x0f) {
        case 0: round_trip([](parse_cursor& in) { return parse_tag(in); }, input, popt, wopt); break;
        case 1: round_trip([](parse_cursor& in) { return parse_atom(in); }, input, popt, wopt); break;
        case 2: round_trip([](parse_cursor& in) { return parse_mailbox(in); }, input, popt, wopt); break;
        case 3: round_trip([](parse_cursor& in) { return parse_sequence_set(in); }, input, popt, wopt); break;
        case 4: round_trip([](parse_cursor& in) { return parse_flag_list(in); }, input, popt, wopt); break;
        case 5: round_trip([](parse_cursor& in) { return parse_flag_perm(in); }, input, popt, wopt); break;
        case 6: round_trip([](parse_cursor& in) { return parse_date(in); }, input, popt, wopt); break;
        case 7: round_trip([](parse_cursor& in) { return parse_date_time(in); }, input, popt, wopt); break;
        case 8: round_trip([](parse_cursor& in) { return parse_section(in); }, input, popt, wopt); break;
        case 9:
            round_trip([](parse_cursor& in) { return parse_fetch_att_list(in); }, input, popt, wopt);
            break;
        case 10: round_trip([](parse_cursor& in) { return parse_search_key(in); }, input, popt, wopt); break;
        case 11:
            round_trip([](parse_cursor& in) { return parse_status_att_list(in); }, input, popt, wopt);
            break;
        case 12:
            round_trip([](parse_cursor& in) { return parse_store_att_flags(in); }, input, popt, wopt);
            break;
        case 13:
            round_trip([](parse_cursor& in) { return parse_capability_data(in); }, input, popt, wopt);
            break;
        case 14: round_trip([](parse_cursor& in) { return parse_flag_fetch(in); }, input, popt, wopt); break;
        default: {
            // Strings have no value type of their own: write with the
            // writer's choice of form and read back as an astring.
            parse_cursor in(input, popt);
            auto s = parse_astring(in);
            if (!s) break;
            writer out(wopt);
            out.astring(*s);
            parse_cursor again(out.buffer(), popt);
            auto back = parse_astring(again);
            check(back.has_value() && again.at_end() && *back == *s);
            break;
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mailaccess::fuzz::run(data, size, fuzz_one);
}
