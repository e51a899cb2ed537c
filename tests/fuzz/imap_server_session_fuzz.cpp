// Feeds arbitrary client bytes to imap::server_session with a scripted
// engine. The first byte picks the options (bit 0: TLS active, bit 1:
// plaintext auth allowed, bit 2: logins succeed, bit 3: a tiny streaming
// threshold and literal limit, bit 4: APPEND begins fail, bit 5: FETCH is
// answered in three slices with a streamed body each, bit 6: the second
// slice's body cannot be read) and where the input is split. Requests that
// overlap output are answered the way net::connection does: only once the
// session returns something other than write_ready. Invariants: no crash or
// failed assertion; the driver contract holds (one request at a time, every
// request answered); every output line parses as a server response, so
// whatever a client sends, the server stays in protocol; the session ends
// only by close_connection.
#include <mailaccess/imap/framer.hpp>
#include <mailaccess/imap/response.hpp>
#include <mailaccess/imap/server_session.hpp>

#include "../support/string_source.hpp"
#include "fuzz_support.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

using namespace mailaccess;
using namespace mailaccess::imap;

using mailaccess::fuzz::check;
using mailaccess::test::string_source;

namespace {

// A FETCH answer in slices (control bit 5): one response with a streamed
// body per slice, `more` on all but the last.
command_reply fetch_slice(std::uint8_t control, int& slices) {
    command_reply c;
    c.text = "done";
    const std::string body = "Subject: s\r\n\r\nslice " + std::to_string(slices) + "\r\n";
    const bool failing = (control & 64) != 0 && slices == 1;
    fetch_body_section b;
    b.streamed_size = body.size();
    fetch_data f{static_cast<std::uint32_t>(slices + 1), {fetch_item_types::uid{7}, b}};
    c.untagged.push_back({f, {body_stream{std::make_shared<string_source>(body, failing), 0, body.size()}}});
    c.more = ++slices < 3;
    return c;
}

engine_reply answer(engine_request& r, std::uint8_t control, int& slices) {
    if (std::holds_alternative<login_request>(r.body))
        return login_reply{(control & 4) ? std::error_code{} : make_error_code(imap::errc::auth_failed)};
    if (std::holds_alternative<sasl_start_request>(r.body)) return sasl_reply{std::string("challenge"), {}};
    if (std::holds_alternative<sasl_step_request>(r.body))
        return sasl_reply{
            std::nullopt,
            login_reply{(control & 4) ? std::error_code{} : make_error_code(imap::errc::auth_failed)}};
    if (std::holds_alternative<append_begin_request>(r.body)) {
        if (control & 16)
            return append_reply{make_error_code(imap::errc::bad_syntax),
                                response_code::simple(response_code_kind::trycreate), "no"};
        return append_reply{};
    }
    if (std::holds_alternative<append_data_request>(r.body)) return append_reply{};
    if (std::holds_alternative<append_abort_request>(r.body)) return done_reply{};
    if (std::holds_alternative<idle_poll_request>(r.body)) {
        idle_reply i;
        i.untagged.push_back({exists_data{1}, {}});
        return i;
    }
    if (std::holds_alternative<continue_request>(r.body)) return fetch_slice(control, slices);
    if (auto* cmd = std::get_if<command_request>(&r.body);
        cmd != nullptr && (control & 32) != 0 && std::holds_alternative<cmd::fetch>(cmd->command.body)) {
        slices = 0;
        return fetch_slice(control, slices);
    }
    command_reply c;
    c.text = "done";
    if (auto* cmd = std::get_if<command_request>(&r.body)) {
        if (std::holds_alternative<cmd::select>(cmd->command.body)) c.new_state = session_state::selected;
        if (std::holds_alternative<cmd::close>(cmd->command.body)) c.new_state = session_state::authenticated;
    }
    return c;
}

// Every complete line the server wrote must be a response our own client
// parser accepts (framed as a client would).
void check_output(framer& client, std::string_view bytes) {
    client.feed(bytes);
    for (;;) {
        auto ev = client.next();
        if (std::holds_alternative<framer::need_more>(ev)) return;
        check(!std::holds_alternative<framer::fatal>(ev) &&
              !std::holds_alternative<framer::message_rejected>(ev));
        if (std::holds_alternative<framer::message_ready>(ev)) {
            check(parse_response(client.message(), client.literals()).has_value());
            client.consume_message();
        }
    }
}

void fuzz_one(const fuzz::steered_input& steered) {
    const std::uint8_t control = steered.control;

    server_options o;
    o.tls_active = (control & 1) != 0;
    o.allow_plaintext_auth = (control & 2) != 0;
    o.failed_auth_delay = std::chrono::milliseconds(0);
    o.engine_capabilities = {*capability::make("CONDSTORE"), *capability::make("QRESYNC")};
    if (control & 8) {
        o.streaming_threshold = 4;
        o.limits.max_literal_size = 64;
        o.limits.max_line_length = 128;
    }
    server_session s(o);
    framer_options client_options;
    client_options.limits.max_line_length = 1 << 20;
    framer client(framer_role::client, client_options);

    fuzz::two_pieces input(steered, 37);
    int slices = 0;
    std::optional<engine_request> overlapping;  // running while the session writes
    for (int steps = 0; steps < 1000000; ++steps) {
        auto act = s.next_action();
        if (overlapping && !std::holds_alternative<write_ready>(act)) {
            check(!std::holds_alternative<engine_request>(act));  // one request at a time
            auto r = std::move(*overlapping);
            overlapping.reset();
            s.complete(r.id, answer(r, control, slices));
            continue;  // the action is asked for again
        }
        if (std::holds_alternative<need_input>(act)) {
            const auto piece = input.next();
            if (!piece) break;
            s.feed(*piece);
        } else if (std::holds_alternative<write_ready>(act)) {
            check_output(client, s.pending_output());
            s.consume_output(s.pending_output().size());
        } else if (auto* r = std::get_if<engine_request>(&act)) {
            if (r->overlaps_output) {
                overlapping = std::move(*r);
                continue;
            }
            s.complete(r->id, answer(*r, control, slices));
            if (s.is_idling() && (steps % 3) == 0) s.notify();
        } else if (std::holds_alternative<delay>(act)) {
            s.resume();
        } else if (std::holds_alternative<start_tls>(act)) {
            s.tls_established();
        } else {
            break;  // close_connection
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mailaccess::fuzz::run(data, size, fuzz_one);
}
