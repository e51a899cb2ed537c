#include <mailaccess/core/result.hpp>

#include <mailaccess/core/error.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>

using namespace mailaccess;

namespace {
result<int> half(int x) {
    if (x % 2 != 0) return unexpected(errc::invalid_argument);
    return x / 2;
}
}  // namespace

TEST_CASE("result holds either a value or an error", "[core][result]") {
    auto ok = half(8);
    REQUIRE(ok.has_value());
    CHECK(*ok == 4);
    CHECK_FALSE(ok.error());
    auto bad = half(3);
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == errc::invalid_argument);
    CHECK(bad.value_or(-1) == -1);
}

TEST_CASE("result works with move-only values", "[core][result]") {
    result<std::unique_ptr<std::string>> r = std::make_unique<std::string>("x");
    REQUIRE(r);
    auto p = std::move(r).value();
    CHECK(*p == "x");
    result<void> v;
    CHECK(v.has_value());
    result<void> e = unexpected(errc::io_error);
    CHECK(e.error() == errc::io_error);
}
