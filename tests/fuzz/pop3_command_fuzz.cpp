// Feeds arbitrary client bytes to pop3::server_session with a fake engine
// that accepts every login and serves a small maildrop; SASL requests run
// the real auth::sasl_server mechanisms, as engine::pop3_engine does, and
// any credentials they produce are accepted. The first byte picks the split
// point and the session options. Invariants: no crash or failed assertion,
// pending output stays bounded, update is requested only after a QUIT in
// TRANSACTION state, a SASL step is requested only while the engine's
// exchange awaits one.
#include <mailaccess/pop3/server_session.hpp>

#include <mailaccess/auth/sasl_server.hpp>

#include "../support/string_source.hpp"
#include "fuzz_support.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

using namespace mailaccess;

using mailaccess::fuzz::check;

using mailaccess::test::string_source;

namespace {

pop3::sasl_reply sasl_result(std::unique_ptr<auth::sasl_server>& sasl, result<auth::sasl_step> step) {
    if (step) {
        if (auto* c = std::get_if<auth::sasl_challenge>(&*step)) return {c->data, {}};
    }
    sasl.reset();
    if (!step) return {std::nullopt, {pop3::errc::sasl_malformed, {}, 0}};
    return {std::nullopt, {{}, {{1, 40}, {5, 7}, {9, 0}}, 42}};
}

void fuzz_one(const fuzz::steered_input& steered) {
    const std::uint8_t control = steered.control;

    pop3::server_options options;
    options.tls_active = (control & 1) != 0;
    options.allow_plaintext_auth = (control & 2) != 0;
    options.apop_enabled = (control & 4) != 0;
    options.apop_timestamp = "<1.2@fuzz>";
    if (control & 8) options.sasl_mechanisms.push_back("X-UNKNOWN");
    pop3::server_session session(options);
    std::unique_ptr<auth::sasl_server> sasl;

    fuzz::two_pieces input(steered, 7);
    for (int steps = 0; steps < 1000000; ++steps) {
        auto act = session.next_action();
        if (std::holds_alternative<pop3::need_input>(act)) {
            const auto piece = input.next();
            if (!piece) break;
            auto buf = session.prepare(piece->size());
            std::memcpy(buf.data(), piece->data(), piece->size());
            session.commit(piece->size());
        } else if (std::holds_alternative<pop3::write_ready>(act)) {
            const auto out = session.pending_output();
            check(!out.empty() && out.size() <= 256 * 1024);
            session.consume_output(out.size());
        } else if (auto* r = std::get_if<pop3::engine_request>(&act)) {
            if (std::holds_alternative<pop3::open_request>(r->body)) {
                session.complete(
                    r->id,
                    pop3::open_reply{
                        {}, std::make_unique<string_source>("Subject: a\r\n\r\n.x\nline\r\n.\r\nend")});
            } else if (std::holds_alternative<pop3::update_request>(r->body)) {
                check(session.current_state() == pop3::state::update);
                session.complete(r->id, pop3::update_reply{});
            } else if (auto* start = std::get_if<pop3::sasl_start_request>(&r->body)) {
                check(session.current_state() == pop3::state::authorization);
                auto made = auth::make_sasl_server(start->mechanism);
                if (!made) {
                    sasl.reset();
                    session.complete(
                        r->id, pop3::sasl_reply{std::nullopt, {pop3::errc::unsupported_mechanism, {}, 0}});
                    continue;
                }
                sasl = std::move(*made);
                std::optional<std::string_view> initial;
                if (start->initial_response) initial = start->initial_response->reveal();
                session.complete(r->id, sasl_result(sasl, sasl->start(initial)));
            } else if (auto* step = std::get_if<pop3::sasl_step_request>(&r->body)) {
                check(sasl != nullptr);
                session.complete(r->id, sasl_result(sasl, sasl->step(step->response.reveal())));
            } else {
                session.complete(r->id, pop3::login_reply{{}, {{1, 40}, {5, 7}, {9, 0}}, 42});
            }
        } else if (std::holds_alternative<pop3::delay>(act)) {
            session.resume();
        } else if (std::holds_alternative<pop3::start_tls>(act)) {
            session.tls_established();
        } else {
            check(session.current_state() == pop3::state::closed);
            break;
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mailaccess::fuzz::run(data, size, fuzz_one);
}
