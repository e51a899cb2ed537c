#include <mailaccess/core/error.hpp>

#include <catch2/catch.hpp>

using namespace mailaccess;

TEST_CASE("core errors are error_codes in their own category", "[core][error]") {
    std::error_code ec = errc::limit_exceeded;
    CHECK(ec.category().name() == std::string("mailaccess.core"));
    CHECK(ec.message() == "size limit exceeded");
    CHECK(ec == errc::limit_exceeded);
    CHECK(ec != errc::bad_base64);
}
