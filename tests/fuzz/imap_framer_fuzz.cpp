// Feeds arbitrary bytes to imap::framer in either role. The first byte picks
// the role, small limits, the split point and how literal announcements are
// answered. Invariants: no crash or failed assertion; message() within
// max_buffered_size and every literal offset inside it; literal_data chunks
// non-empty, within max_chunk_size and summing to the announced size between
// literal_begin and literal_end; nothing but fatal after fatal; every byte
// received is either consumed or still buffered; the same events (literal
// data merged) whether the input arrives whole, in the two chunks, or byte
// by byte through prepare/commit (STYLE.md section 8: chunking does not
// change results).
#include <mailaccess/imap/framer.hpp>

#include "fuzz_support.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using namespace mailaccess;
using imap::framer;

using mailaccess::fuzz::check;

namespace {

// Runs the framer over `chunks` with the harness's decisions, checking the
// invariants; returns the events as text (literal_data merged).
std::vector<std::string> run(std::uint8_t control, const imap::framer_options& o,
                             const std::vector<std::string_view>& chunks, bool use_prepare) {
    const auto role = (control & 1) ? imap::framer_role::client : imap::framer_role::server;
    framer f(role, o);
    std::vector<std::string> log;
    std::size_t next = 0;
    std::uint64_t fed = 0;
    bool streaming = false;
    std::uint64_t stream_left = 0;
    std::size_t line_mode_toggle = 0;
    bool in_data = false;
    for (int steps = 0; steps < 10000000; ++steps) {
        auto ev = f.next();
        check(f.bytes_consumed() + f.buffered() == fed);
        if (!std::holds_alternative<framer::literal_data>(ev) &&
            !std::holds_alternative<framer::need_more>(ev))
            in_data = false;
        if (std::holds_alternative<framer::need_more>(ev)) {
            if (next == chunks.size()) break;
            if (use_prepare) {
                auto buf = f.prepare(chunks[next].size());
                std::copy(chunks[next].begin(), chunks[next].end(), buf.begin());
                f.commit(chunks[next].size());
            } else {
                f.feed(chunks[next]);
            }
            fed += chunks[next++].size();
        } else if (std::holds_alternative<framer::message_ready>(ev)) {
            check(!streaming);
            const std::string_view m = f.message();
            check(m.size() <= o.max_buffered_size);
            check(!m.empty() && m.back() == '\n');
            check(f.literals().size() <= o.max_literals);
            std::string entry = "ready " + std::string(m);
            for (const auto& l : f.literals()) {
                check(l.offset > 0 && l.offset <= m.size() && m[l.offset - 1] == '\n');
                check(l.streamed ? l.size > o.streaming_threshold : l.offset + l.size <= m.size());
                entry += " [" + std::to_string(l.offset) + "," + std::to_string(l.size) + "," +
                         std::to_string(l.is_binary) + std::to_string(l.synchronizing) +
                         std::to_string(l.streamed) + "]";
            }
            log.push_back(std::move(entry));
            // Exercise line mode the way an AUTHENTICATE exchange would.
            if ((control & 4) && ++line_mode_toggle % 3 == 0) f.set_line_mode(!f.is_line_mode());
            f.consume_message();
        } else if (auto* a = std::get_if<framer::literal_announced>(&ev)) {
            check(role == imap::framer_role::server && !streaming);
            check(a->size <= o.limits.max_literal_size);
            log.push_back("announced " + std::string(a->tag) + " " + std::to_string(a->size));
            if ((a->size + control) % 4 == 0)
                f.reject_literal();
            else
                f.accept_literal();
        } else if (auto* b = std::get_if<framer::literal_begin>(&ev)) {
            check(!streaming && b->size > o.streaming_threshold);
            check(b->index < f.literals().size());
            streaming = true;
            stream_left = b->size;
            log.push_back("begin " + std::to_string(b->size) + " " + std::to_string(b->index));
        } else if (auto* d = std::get_if<framer::literal_data>(&ev)) {
            check(streaming && !d->bytes.empty() && d->bytes.size() <= o.max_chunk_size);
            check(d->bytes.size() <= stream_left);
            stream_left -= d->bytes.size();
            if (!in_data) log.emplace_back("data ");
            log.back() += d->bytes;
            in_data = true;
        } else if (std::holds_alternative<framer::literal_end>(ev)) {
            check(streaming && stream_left == 0);
            streaming = false;
            log.emplace_back("end");
        } else if (auto* r = std::get_if<framer::message_rejected>(&ev)) {
            check(!streaming);  // a literal is streamed whole or not at all
            log.push_back("rejected " + r->reason.message() + " " + std::string(r->tag));
        } else if (auto* x = std::get_if<framer::fatal>(&ev)) {
            check(!streaming && f.is_failed());
            log.push_back("fatal " + x->reason.message());
            f.feed("a1 NOOP\r\n");
            check(std::holds_alternative<framer::fatal>(f.next()));
            break;
        }
    }
    return log;
}

void fuzz_one(const fuzz::steered_input& steered) {
    const auto& [control, input] = steered;
    const std::size_t split = steered.split(31);

    imap::framer_options o;
    if (control & 2) {
        o.limits.max_line_length = 64;
        o.limits.max_literal_size = 100;
        o.limits.max_message_size = 100;
        o.limits.max_depth = 4;
        o.streaming_threshold = 16;
        o.max_chunk_size = 5;
        o.max_buffered_size = 256;
        o.max_literals = 3;
        o.max_skip = 300;
    }
    const auto split_run = run(control, o, {input.substr(0, split), input.substr(split)}, (control & 8) != 0);
    check(run(control, o, {input}, false) == split_run);
    // Byte by byte costs a framer step per byte; keep it to short inputs.
    if (input.size() <= 4096) {
        std::vector<std::string_view> bytes;
        for (std::size_t i = 0; i < input.size(); ++i) bytes.push_back(input.substr(i, 1));
        check(run(control, o, bytes, true) == split_run);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mailaccess::fuzz::run(data, size, fuzz_one);
}
