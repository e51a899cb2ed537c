// Feeds arbitrary server bytes to imap::client_session after queueing a
// set of commands. The first byte picks the options (bit 0: no LITERAL+,
// bit 1: a tiny streaming threshold and small limits, bit 2: AUTHENTICATE
// PLAIN instead of LOGIN, bit 3: a host-driven AUTHENTICATE, bit 4: DONE
// right after IDLE is queued, bit 5: the APPEND message streamed by the
// driver through literal_request) and where the input is split. Invariants: no
// crash or failed assertion; every event is sane (completed tags were sent,
// body events nest and add up to the announced size, chunks are bounded, an
// error is followed by close_connection, which then repeats); buffered input
// and queued commands stay bounded.
#include <mailaccess/imap/client_session.hpp>

#include "fuzz_support.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

using namespace mailaccess;
using namespace mailaccess::imap;

using mailaccess::fuzz::check;

namespace {

command parsed(std::string_view text) {
    auto c = parse_command(text, {});
    check(c.has_value());
    return std::move(*c);
}

void fuzz_one(const fuzz::steered_input& steered) {
    const std::uint8_t control = steered.control;
    client_options o;
    o.use_non_sync_literals = (control & 1) == 0;
    if (control & 2) {
        o.streaming_threshold = 4;
        o.max_chunk_size = 7;
        o.limits.max_line_length = 256;
        o.limits.max_message_size = 4096;
        o.max_buffered_size = 1024;
    }
    client_session s(o);
    std::set<std::string> tags;
    auto keep = [&tags](result<imap::tag> t) {
        if (t) tags.insert(t->str());
    };
    keep(s.send(cmd::capability{}));
    if (control & 8)
        keep(s.send(parsed("h AUTHENTICATE X-HOST\r\n")));
    else if (control & 4)
        keep(s.authenticate_plain("user", secret<>("pass")));
    else
        keep(s.login("user", secret<>("pass")));
    keep(s.send(parsed("s SELECT INBOX\r\n")));
    keep(s.send(parsed("f FETCH 1:* (FLAGS BODY.PEEK[])\r\n")));
    if (control & 32) {
        cmd::append streamed;
        auto& m = streamed.messages.emplace_back();
        m.streamed = true;
        m.size = 5;
        keep(s.send(std::move(streamed)));
    } else {
        keep(s.send(parsed("a APPEND INBOX {5}\r\nhello\r\n")));
    }
    keep(s.send(cmd::idle{}));
    if (control & 16) check(!s.done());
    keep(s.send(cmd::starttls{}));
    keep(s.send(cmd::noop{}));
    const std::size_t commands = tags.size();

    fuzz::two_pieces input(steered, 41);
    bool in_body = false;
    std::uint64_t body_left = 0;
    bool error_seen = false;
    for (int steps = 0; steps < 1000000; ++steps) {
        check(s.in_flight() + s.queued() <= commands);
        auto e = s.next();
        if (error_seen) check(std::holds_alternative<close_connection>(e));
        if (std::holds_alternative<need_input>(e)) {
            const auto piece = input.next();
            if (!piece) break;
            s.feed(*piece);
            check(s.buffered() <= steered.payload.size());
        } else if (std::holds_alternative<write_ready>(e)) {
            s.consume_output(s.pending_output().size());
        } else if (std::holds_alternative<start_tls>(e)) {
            s.tls_established();
        } else if (std::holds_alternative<close_connection>(e)) {
            check(std::holds_alternative<close_connection>(s.next()));
            check(!s.send(cmd::noop{}).has_value());
            break;
        } else if (auto* c = std::get_if<completed>(&e)) {
            check(!in_body);
            check(tags.count(c->tag.str()) == 1);
            check(c->status.tagged && *c->status.tagged == c->tag);
        } else if (std::holds_alternative<continuation>(e)) {
            check(!s.send_continuation("*"));
        } else if (std::holds_alternative<idling>(e)) {
            (void)s.done();
        } else if (auto* b = std::get_if<body_begin>(&e)) {
            check(!in_body && b->size > o.streaming_threshold && b->item.streamed_size == b->size);
            in_body = true;
            body_left = b->size;
        } else if (auto* d = std::get_if<body_data>(&e)) {
            check(in_body && !d->bytes.empty() && d->bytes.size() <= o.max_chunk_size);
            check(d->bytes.size() <= body_left);
            body_left -= d->bytes.size();
        } else if (std::holds_alternative<body_end>(e)) {
            check(in_body && body_left == 0);
            in_body = false;
        } else if (auto* req = std::get_if<literal_request>(&e)) {
            check((control & 32) != 0 && tags.count(req->tag.str()) == 1 && req->size == 5);
            check(s.literal_remaining() == 5);
            check(!s.send_literal_data("he"));
            check(s.send_literal_data("llo!") == errc::bad_syntax);
            check(!s.send_literal_data("llo"));
            check(s.literal_remaining() == 0);
        } else if (auto* err = std::get_if<client_error>(&e)) {
            check(static_cast<bool>(err->error));
            error_seen = true;
        } else {
            check(!in_body);  // untagged
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mailaccess::fuzz::run(data, size, fuzz_one);
}
