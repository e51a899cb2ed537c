#include <mailaccess/mime/error.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace mailaccess;

TEST_CASE("mime errors have their own category and messages", "[mime][error]") {
    const std::error_code ec = mime::errc::bad_date;
    CHECK(std::string(ec.category().name()) == "mailaccess.mime");
    CHECK(ec == mime::errc::bad_date);
    CHECK(ec != mime::errc::bad_syntax);
    for (auto e : {mime::errc::bad_syntax, mime::errc::bad_date, mime::errc::unknown_charset,
                   mime::errc::unknown_transfer_encoding, mime::errc::bad_encoded_data}) {
        const std::error_code code = e;
        CHECK_FALSE(code.message().empty());
        CHECK(code.message() != "unknown mime error");
    }
    CHECK(std::error_code(99, mime::mime_category()).message() == "unknown mime error");
}
