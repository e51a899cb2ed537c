// Feeds arbitrary client responses to the PLAIN and LOGIN servers.
// Byte 0: bit 0 picks the mechanism, bit 1 whether the first chunk is an
// initial response, bit 2 whether chunks go through base64 decoding first.
// The rest is split at '\n' into responses. Invariants: a finished exchange
// yields bounded, non-empty credentials, and our own client replaying them
// against a fresh server yields the same credentials.
#include <mailaccess/auth/sasl_client.hpp>
#include <mailaccess/auth/sasl_server.hpp>

#include <mailaccess/core/assert.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace mailaccess;

std::optional<auth::sasl_done> run(auth::sasl_server& server, std::optional<std::string_view> ir,
                                   const std::vector<std::string>& responses) {
    auto step = server.start(ir);
    std::size_t next = 0;
    while (step && std::holds_alternative<auth::sasl_challenge>(*step)) {
        if (next == responses.size()) return std::nullopt;
        step = server.step(responses[next++]);
    }
    if (!step) return std::nullopt;
    return std::get<auth::sasl_done>(std::move(*step));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t flags = data[0];
    const std::string_view mech = (flags & 1) != 0 ? "LOGIN" : "PLAIN";
    const bool has_ir = (flags & 2) != 0;
    const bool encoded = (flags & 4) != 0;
    std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);

    std::vector<std::string> chunks;
    while (true) {
        const auto nl = rest.find('\n');
        std::string_view chunk = rest.substr(0, nl);
        if (encoded) {
            auto d = chunks.empty() && has_ir ? auth::decode_sasl_initial_response(chunk)
                                              : auth::decode_sasl_response(chunk);
            if (!d) return 0;
            chunks.emplace_back(d->reveal());
        } else {
            chunks.emplace_back(chunk);
        }
        if (nl == std::string_view::npos) break;
        rest.remove_prefix(nl + 1);
    }

    auto server = auth::make_sasl_server(mech);
    MAILACCESS_ASSERT(server);
    std::optional<std::string_view> ir;
    std::vector<std::string> responses(chunks.begin(), chunks.end());
    if (has_ir) {
        ir = chunks.front();
        responses.erase(responses.begin());
    }
    // `ir` views chunks, which outlives the exchange.
    auto done = run(**server, ir, responses);
    if (!done) return 0;
    MAILACCESS_ASSERT(!done->user.empty() && done->user.size() <= auth::max_user_name_length);
    MAILACCESS_ASSERT(!done->password.empty() && done->password.size() <= auth::max_password_length);

    auto client = auth::sasl_client::make(mech, done->user, done->password);
    MAILACCESS_ASSERT(client);
    auto replay_server = auth::make_sasl_server(mech);
    MAILACCESS_ASSERT(replay_server);
    auto step = (*replay_server)->start(std::nullopt);
    for (int i = 0; i < 3 && step && std::holds_alternative<auth::sasl_challenge>(*step); ++i) {
        auto response = client->respond(std::get<auth::sasl_challenge>(*step).data);
        MAILACCESS_ASSERT(response);
        step = (*replay_server)->step(response->reveal());
    }
    MAILACCESS_ASSERT(step && std::holds_alternative<auth::sasl_done>(*step));
    const auto& again = std::get<auth::sasl_done>(*step);
    MAILACCESS_ASSERT(again.user == done->user);
    MAILACCESS_ASSERT(again.password.reveal() == done->password.reveal());
    return 0;
}
