#include <mailaccess/auth/authenticator.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace mailaccess;

TEST_CASE("auth errors have their own category and messages", "[auth][error]") {
    std::error_code ec = auth::errc::invalid_credentials;
    CHECK(std::string(ec.category().name()) == "mailaccess.auth");
    CHECK(ec.message() == "invalid credentials");
    CHECK(ec == auth::errc::invalid_credentials);
    CHECK(ec != auth::errc::unsupported_scheme);
    std::error_code denied = auth::errc::authorization_denied;
    CHECK(denied.message() == "authorization identity not permitted");
    CHECK(std::error_code(auth::errc::temporary_failure).message() == "temporary authentication failure");
}
