#include <mailaccess/auth/sasl_client.hpp>

#include <mailaccess/auth/authenticator.hpp>
#include <mailaccess/auth/sasl_server.hpp>
#include <mailaccess/core/error.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace mailaccess;
using namespace std::string_literals;

namespace {
auth::sasl_client make(std::string_view mech, std::string user, std::string password) {
    auto c = auth::sasl_client::make(mech, std::move(user), secret<>(std::move(password)));
    REQUIRE(c);
    return std::move(*c);
}
}  // namespace

TEST_CASE("PLAIN client initial response", "[auth][sasl][client]") {
    auto c = make("plain", "tim", "tanstaaf");
    CHECK(c.mechanism() == "PLAIN");
    auto ir = c.initial_response();
    REQUIRE(ir);
    CHECK(ir->reveal() == "\0tim\0tanstaaf"s);
    // No challenge may follow the message.
    CHECK(c.respond("").error() == auth::errc::malformed_response);
    CHECK_FALSE(c.initial_response());
}

TEST_CASE("PLAIN client answers the empty challenge", "[auth][sasl][client]") {
    auto c = make("PLAIN", "tim", "tanstaaf");
    auto r = c.respond("");
    REQUIRE(r);
    CHECK(r->reveal() == "\0tim\0tanstaaf"s);
    CHECK(c.respond("").error() == auth::errc::malformed_response);
    auto d = make("PLAIN", "tim", "x");
    CHECK(d.respond("unexpected").error() == auth::errc::malformed_response);
}

TEST_CASE("LOGIN client answers two challenges", "[auth][sasl][client]") {
    auto c = make("LOGIN", "tim", "tanstaaf");
    CHECK(c.mechanism() == "LOGIN");
    CHECK_FALSE(c.initial_response());
    CHECK(c.respond("Username:")->reveal() == "tim");
    CHECK(c.respond("Password:")->reveal() == "tanstaaf");
    CHECK(c.respond("More:").error() == auth::errc::malformed_response);
}

TEST_CASE("client rejects unusable credentials", "[auth][sasl][client]") {
    CHECK(auth::sasl_client::make("CRAM-MD5", "u", secret<>("p"s)).error() ==
          auth::errc::unsupported_mechanism);
    CHECK(auth::sasl_client::make("PLAIN", "", secret<>("p"s)).error() == mailaccess::errc::invalid_argument);
    CHECK(auth::sasl_client::make("PLAIN", "a\0b"s, secret<>("p"s)).error() ==
          mailaccess::errc::invalid_argument);
    CHECK(auth::sasl_client::make("PLAIN", "u", secret<>("p\0"s)).error() ==
          mailaccess::errc::invalid_argument);
    CHECK(auth::sasl_client::make("LOGIN", "u\r\n", secret<>("p"s)).error() ==
          mailaccess::errc::invalid_argument);
    CHECK(auth::sasl_client::make("LOGIN", std::string(256, 'u'), secret<>("p"s)).error() ==
          mailaccess::errc::invalid_argument);
    CHECK(auth::sasl_client::make("LOGIN", "u", secret<>(std::string(1025, 'p'))).error() ==
          mailaccess::errc::invalid_argument);
}

TEST_CASE("client and server agree", "[auth][sasl][client]") {
    const std::string mech = GENERATE("PLAIN", "LOGIN");
    const bool use_ir = GENERATE(true, false);
    auto client = make(mech, "user@example.org", "s3cret pass");
    auto server_r = auth::make_sasl_server(mech);
    REQUIRE(server_r);
    auto& server = **server_r;
    std::optional<secret<>> ir;
    if (use_ir) ir = client.initial_response();
    auto step = server.start(ir ? std::optional<std::string_view>(ir->reveal()) : std::nullopt);
    for (int i = 0; i < 4 && step && std::holds_alternative<auth::sasl_challenge>(*step); ++i) {
        auto response = client.respond(std::get<auth::sasl_challenge>(*step).data);
        REQUIRE(response);
        step = server.step(response->reveal());
    }
    REQUIRE(step);
    const auto* done = std::get_if<auth::sasl_done>(&*step);
    REQUIRE(done != nullptr);
    CHECK(done->user == "user@example.org");
    CHECK(done->password.reveal() == "s3cret pass");
}
