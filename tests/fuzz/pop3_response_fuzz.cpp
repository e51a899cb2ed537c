// Feeds arbitrary server bytes to pop3::client_session after queueing one of
// every command. The first byte picks the split point and the options
// (bit 0: pipelining, bit 1: STLS, bit 2: AUTH LOGIN instead of AUTH PLAIN).
// Invariants: no crash or failed assertion, body data never exceeds the
// configured message limit, and the session ends (close or need_input).
#include <mailaccess/pop3/client_session.hpp>

#include "fuzz_support.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

using namespace mailaccess;

namespace {

void fuzz_one(const fuzz::steered_input& steered) {
    const std::uint8_t control = steered.control;

    pop3::client_options options;
    options.pipelining = (control & 1) != 0;
    options.limits.max_message_size = 4096;
    pop3::client_session c(options);
    (void)c.capa();
    if (control & 2) (void)c.stls();
    (void)c.user("user");
    (void)c.pass(secret<>(std::string("pass word")));
    if (control & 4)
        (void)c.auth_login("user", secret<>(std::string("pw")));
    else
        (void)c.auth_plain("user", secret<>(std::string("pw")));
    (void)c.stat();
    (void)c.list();
    (void)c.uidl(1);
    (void)c.retr(1);
    (void)c.top(1, 3);
    (void)c.dele(1);
    (void)c.rset();
    (void)c.noop();
    (void)c.quit();

    fuzz::two_pieces input(steered, 13);
    std::uint64_t body = 0;
    for (int steps = 0; steps < 1000000; ++steps) {
        auto act = c.next();
        if (std::holds_alternative<pop3::need_input>(act)) {
            const auto piece = input.next();
            if (!piece) break;
            c.feed(*piece);
        } else if (std::holds_alternative<pop3::write_ready>(act)) {
            c.consume_output(c.pending_output().size());
        } else if (std::holds_alternative<pop3::start_tls>(act)) {
            c.tls_established();
        } else if (std::holds_alternative<pop3::body_begin>(act)) {
            body = 0;
        } else if (auto* d = std::get_if<pop3::body_data>(&act)) {
            if (d->bytes.empty()) std::abort();
            body += d->bytes.size();
            if (body > options.limits.max_message_size) std::abort();
        } else if (std::holds_alternative<pop3::close_connection>(act)) {
            break;
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mailaccess::fuzz::run(data, size, fuzz_one);
}
