#include <mailaccess/core/secret.hpp>

#include <catch2/catch.hpp>

#include <sstream>

using namespace mailaccess;

TEST_CASE("secret never prints its value", "[core][secret]") {
    secret<> s(std::string("hunter2"));
    std::ostringstream os;
    os << s;
    CHECK(os.str() == "<redacted>");
    CHECK(s.reveal() == "hunter2");
}

TEST_CASE("secret is wiped and moves leave nothing behind", "[core][secret]") {
    secret<> a(std::string("pass"));
    secret<> b(std::move(a));
    CHECK(a.empty());  // NOLINT(bugprone-use-after-move): the contract under test
    CHECK(b.reveal() == "pass");
    b.wipe();
    CHECK(b.empty());
}

TEST_CASE("constant_time_equal compares contents and lengths", "[core][secret]") {
    CHECK(constant_time_equal("abc", "abc"));
    CHECK_FALSE(constant_time_equal("abc", "abd"));
    CHECK_FALSE(constant_time_equal("abc", "abcd"));
    CHECK(constant_time_equal("", ""));
}
