// Feeds arbitrary bytes to imap::parse_response. The first byte picks the
// options (bit 0: UTF8=ACCEPT, bit 1: LITERAL+ output, bit 2: a tiny
// max_quoted_length, bit 3: a small nesting bound, bit 4: frame the input
// with a client framer that streams literals above 8 octets). Invariants: no
// crash or failed assertion; a parsed response serializes, the serialization
// parses back to an equal value, and serializing that again gives the same
// bytes (STYLE.md section 8, "Round trips"); streamed message text comes back
// as the same announcements at the writer's slots; parse_fetch_view agrees
// with parse_response on every message (accepts exactly the FETCH responses
// it accepts, with the same error otherwise, and its views copy out to an
// equal fetch_data; see tests/imap/fetch_view_check.hpp); ENVELOPEs kept in
// wire form (envelope_text) agree with the typed ones.
#include <mailaccess/imap/response.hpp>

#include "../imap/fetch_view_check.hpp"
#include "fuzz_support.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

using namespace mailaccess;
using namespace mailaccess::imap;

using mailaccess::fuzz::check;

namespace {

void clear_literal_indexes(response& r) {
    if (auto* f = std::get_if<fetch_data>(&r))
        for (auto& item : f->items)
            if (auto* b = std::get_if<fetch_body_section>(&item)) b->literal_index = 0;
}

// Round trip of one message; `literals` as the framer reported them.
void round_trip(std::string_view message, std::span<const framer::literal_info> literals,
                const parse_options& popt, const writer_options& wopt) {
    check(imap::test::fetch_view_mismatch(message, literals, popt).empty());
    auto first = parse_response(message, literals, popt);
    if (!first) return;
    writer out(wopt);
    std::vector<stream_slot> slots;
    write(out, *first, &slots);
    const std::string wire(out.buffer());
    // What a client framer would report for these bytes if it streamed
    // exactly the slots: each slot a streamed literal, the writer's own
    // literals inline, in wire order.
    std::vector<framer::literal_info> again;
    std::size_t next_slot = 0;
    for (const auto& lit : out.literals()) {
        while (next_slot < slots.size() && slots[next_slot].offset < lit.offset) {
            again.push_back({slots[next_slot].offset, slots[next_slot].size, false, true, true});
            ++next_slot;
        }
        again.push_back({lit.offset, lit.size, lit.binary, lit.mode == literal_mode::sync, false});
    }
    for (; next_slot < slots.size(); ++next_slot)
        again.push_back({slots[next_slot].offset, slots[next_slot].size, false, true, true});
    // An ENVELOPE kept in wire form is accepted back and sends the same
    // bytes as the typed one (in a session without UTF8=ACCEPT).
    if (const auto* f = std::get_if<fetch_data>(&*first)) {
        for (const auto& item : f->items) {
            const auto* e = std::get_if<fetch_item_types::envelope>(&item);
            if (e == nullptr) continue;
            const envelope_text text = envelope_text::from(e->value);
            check(envelope_text::make(text.text()).has_value());
            writer typed, preformatted;
            write(typed, fetch_data{1, {*e}});
            write(preformatted, fetch_data{1, {fetch_item_types::envelope_wire{text}}});
            check(typed.buffer() == preformatted.buffer());
        }
    }
    auto second = parse_response(wire, again, popt);
    check(second.has_value());
    clear_literal_indexes(*first);
    clear_literal_indexes(*second);
    check(*second == *first);
    writer out2(wopt);
    std::vector<stream_slot> slots2;
    write(out2, *second, &slots2);
    check(out2.buffer() == wire);
    check(slots2 == slots);
}

// envelope_text::make accepts only envelopes: what it takes, sent as a
// FETCH's ENVELOPE, parses, and the envelope it parses to is taken back.
void check_envelope_text(std::string_view input) {
    auto text = envelope_text::make(std::string(input));
    if (!text) return;
    framer f(framer_role::client);
    f.feed("* 1 FETCH (ENVELOPE " + text->text() + ")\r\n");
    check(std::holds_alternative<framer::message_ready>(f.next()));
    auto r = parse_response(f.message(), f.literals());
    check(r.has_value());
    const auto* data = std::get_if<fetch_data>(&*r);
    check(data != nullptr && data->items.size() == 1);
    const auto* e = std::get_if<fetch_item_types::envelope>(&data->items.front());
    check(e != nullptr);
    check(envelope_text::make(envelope_text::from(e->value).text()).has_value());
}

void fuzz_one(const fuzz::steered_input& steered) {
    const auto& [control, input] = steered;
    check_envelope_text(input);

    parse_options popt;
    popt.utf8_accept = (control & 0x01) != 0;
    if (control & 0x08) popt.max_depth = 4;
    writer_options wopt;
    wopt.utf8_accept = popt.utf8_accept;
    wopt.literals = (control & 0x02) ? literal_support::literal_plus : literal_support::sync_only;
    if (control & 0x04) wopt.max_quoted_length = 8;

    if ((control & 0x10) == 0) {
        round_trip(input, {}, popt, wopt);
        return;
    }
    framer_options fopt;
    fopt.streaming_threshold = 8;
    fopt.max_chunk_size = 4;
    framer f(framer_role::client, fopt);
    f.feed(input);
    for (int steps = 0; steps < 1000000; ++steps) {
        auto ev = f.next();
        if (std::holds_alternative<framer::need_more>(ev) || std::holds_alternative<framer::fatal>(ev)) break;
        if (std::holds_alternative<framer::message_ready>(ev)) {
            round_trip(f.message(), f.literals(), popt, wopt);
            f.consume_message();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mailaccess::fuzz::run(data, size, fuzz_one);
}
