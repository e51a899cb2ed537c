#include <mailaccess/core/base64.hpp>

#include <mailaccess/core/error.hpp>

#include <catch2/catch.hpp>

using namespace mailaccess;

TEST_CASE("base64 encodes the RFC 4648 section 10 vectors", "[core][base64]") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foob") == "Zm9vYg==");
    CHECK(base64_encode("fooba") == "Zm9vYmE=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("base64 decodes what it encodes, for every byte value", "[core][base64]") {
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    for (std::size_t len = 0; len <= all.size(); len += 37) {
        auto text = all.substr(0, len);
        auto back = base64_decode(base64_encode(text));
        REQUIRE(back.has_value());
        CHECK(*back == text);
    }
    auto sasl = base64_decode("AHRpbQB0YW5zdGFhZnRhbnN0YWFm");  // RFC 4616 example
    REQUIRE(sasl);
    CHECK(*sasl == std::string("\0tim\0tanstaaftanstaaf", 21));
}

TEST_CASE("base64 rejects malformed input", "[core][base64]") {
    for (const char* bad : {"Zg=", "Zg", "Z===", "=Zg=", "Zg==Zg==", "Zm9v!A==", "Zh==", "Zm9=", "Zm 9v"}) {
        INFO(bad);
        auto r = base64_decode(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::bad_base64);
    }
}
