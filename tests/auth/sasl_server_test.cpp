#include <mailaccess/auth/sasl_server.hpp>

#include <mailaccess/core/error.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace mailaccess;
using namespace std::string_literals;

namespace {

std::unique_ptr<auth::sasl_server> make(std::string_view name) {
    auto s = auth::make_sasl_server(name);
    REQUIRE(s);
    return std::move(*s);
}

// Both take the result by value: the callers pass temporaries.
auth::sasl_done done_of(result<auth::sasl_step> r) {
    REQUIRE(r);
    auto* d = std::get_if<auth::sasl_done>(&*r);
    REQUIRE(d != nullptr);
    return std::move(*d);
}

std::string challenge_of(result<auth::sasl_step> r) {
    REQUIRE(r);
    const auto* c = std::get_if<auth::sasl_challenge>(&*r);
    REQUIRE(c != nullptr);
    return c->data;
}

}  // namespace

TEST_CASE("mechanism factory", "[auth][sasl]") {
    CHECK(make("plain")->mechanism() == "PLAIN");
    CHECK(make("Login")->mechanism() == "LOGIN");
    CHECK(auth::make_sasl_server("CRAM-MD5").error() == auth::errc::unsupported_mechanism);
    CHECK(auth::make_sasl_server("").error() == auth::errc::unsupported_mechanism);
    CHECK(auth::make_sasl_server("PLAIN ").error() == auth::errc::unsupported_mechanism);
    const auto mechs = auth::sasl_server_mechanisms();
    REQUIRE(mechs.size() == 2);
    CHECK(mechs[0] == "PLAIN");
    CHECK(mechs[1] == "LOGIN");
}

TEST_CASE("PLAIN with an initial response", "[auth][sasl][plain]") {
    auto s = make("PLAIN");
    auto r = s->start("\0tim\0tanstaaftanstaaf"s);  // RFC 4616 section 4 example
    const auto d = done_of(r);
    CHECK(d.user == "tim");
    CHECK(d.password.reveal() == "tanstaaftanstaaf");
}

TEST_CASE("PLAIN without an initial response sends an empty challenge", "[auth][sasl][plain]") {
    auto s = make("PLAIN");
    CHECK(challenge_of(s->start(std::nullopt)).empty());
    const auto d = done_of(s->step("\0Kurt\0xipj3plmq"s));
    CHECK(d.user == "Kurt");
    CHECK(d.password.reveal() == "xipj3plmq");
}

TEST_CASE("PLAIN authzid rules", "[auth][sasl][plain]") {
    SECTION("equal authzid accepted") {
        auto s = make("PLAIN");
        const auto d = done_of(s->start("kurt\0kurt\0pw"s));
        CHECK(d.user == "kurt");
    }
    SECTION("different authzid refused") {
        auto s = make("PLAIN");
        CHECK(s->start("Ursel\0Kurt\0xipj3plmq"s).error() == auth::errc::authorization_denied);
    }
}

TEST_CASE("PLAIN malformed messages", "[auth][sasl][plain]") {
    const std::string bad =
        GENERATE(""s, "user"s, "\0user"s, "\0user\0"s, "\0\0pw"s, "\0user\0pw\0extra"s, "a\0b"s);
    auto s = make("PLAIN");
    CHECK(s->start(std::string_view(bad)).error() == auth::errc::malformed_response);
}

TEST_CASE("PLAIN size bounds", "[auth][sasl][plain]") {
    const std::string u255(255, 'u');
    const std::string p1024(1024, 'p');
    {
        auto s = make("PLAIN");
        const auto d = done_of(s->start(u255 + '\0' + u255 + '\0' + p1024));
        CHECK(d.user == u255);
    }
    {
        auto s = make("PLAIN");
        CHECK(s->start("\0"s + u255 + "u" + '\0' + "pw").error() == mailaccess::errc::limit_exceeded);
    }
    {
        auto s = make("PLAIN");
        CHECK(s->start("\0u\0"s + p1024 + "p").error() == mailaccess::errc::limit_exceeded);
    }
    {
        auto s = make("PLAIN");
        CHECK(s->start(std::string(100000, 'x')).error() == mailaccess::errc::limit_exceeded);
    }
}

TEST_CASE("LOGIN exchange", "[auth][sasl][login]") {
    auto s = make("LOGIN");
    CHECK(challenge_of(s->start(std::nullopt)) == "Username:");
    CHECK(challenge_of(s->step("tim")) == "Password:");
    const auto d = done_of(s->step("tanstaaf"));
    CHECK(d.user == "tim");
    CHECK(d.password.reveal() == "tanstaaf");
}

TEST_CASE("LOGIN with the user name as initial response", "[auth][sasl][login]") {
    auto s = make("LOGIN");
    CHECK(challenge_of(s->start("tim")) == "Password:");
    CHECK(done_of(s->step("pw")).user == "tim");
}

TEST_CASE("LOGIN rejects bad input", "[auth][sasl][login]") {
    SECTION("empty initial response") {
        auto s = make("LOGIN");
        CHECK(s->start(std::string_view()).error() == auth::errc::malformed_response);
    }
    SECTION("empty user") {
        auto s = make("LOGIN");
        (void)s->start(std::nullopt);
        CHECK(s->step("").error() == auth::errc::malformed_response);
    }
    SECTION("NUL or CRLF in user") {
        auto s = make("LOGIN");
        (void)s->start(std::nullopt);
        CHECK(s->step("a\0b"s).error() == auth::errc::malformed_response);
        auto t = make("LOGIN");
        (void)t->start(std::nullopt);
        CHECK(t->step("a\r\nb").error() == auth::errc::malformed_response);
    }
    SECTION("empty or NUL password") {
        auto s = make("LOGIN");
        (void)s->start("u");
        CHECK(s->step("").error() == auth::errc::malformed_response);
        auto t = make("LOGIN");
        (void)t->start("u");
        CHECK(t->step("p\0w"s).error() == auth::errc::malformed_response);
    }
    SECTION("too long") {
        auto s = make("LOGIN");
        (void)s->start(std::nullopt);
        CHECK(s->step(std::string(256, 'u')).error() == mailaccess::errc::limit_exceeded);
        auto t = make("LOGIN");
        (void)t->start("u");
        CHECK(t->step(std::string(1025, 'p')).error() == mailaccess::errc::limit_exceeded);
    }
}

TEST_CASE("decoding client responses", "[auth][sasl]") {
    CHECK(auth::decode_sasl_response("*").error() == auth::errc::aborted);
    CHECK(auth::decode_sasl_response("")->empty());
    CHECK(auth::decode_sasl_response("dGlt")->reveal() == "tim");
    CHECK(auth::decode_sasl_response("dGlt!").error() == mailaccess::errc::bad_base64);
    CHECK(auth::decode_sasl_response("=").error() == mailaccess::errc::bad_base64);
    CHECK(auth::decode_sasl_response(std::string(4100, 'A')).error() == mailaccess::errc::limit_exceeded);
    CHECK(auth::decode_sasl_initial_response("=")->empty());
    CHECK(auth::decode_sasl_initial_response("AHRpbQB0YW5zdGFhZnRhbnN0YWFm")->reveal() ==
          "\0tim\0tanstaaftanstaaf"s);
    CHECK(auth::decode_sasl_initial_response("*").error() == mailaccess::errc::bad_base64);
    CHECK(auth::decode_sasl_initial_response("").error() == auth::errc::malformed_response);
}

TEST_CASE("empty initial response to PLAIN is malformed", "[auth][sasl][plain]") {
    auto ir = auth::decode_sasl_initial_response("=");
    REQUIRE(ir);
    auto s = make("PLAIN");
    CHECK(s->start(ir->reveal()).error() == auth::errc::malformed_response);
}
