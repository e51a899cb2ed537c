#include <mailaccess/mime/utf8.hpp>

#include <mailaccess/core/mutf7.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace mailaccess;
using namespace mailaccess::mime;

namespace {
const std::string fffd = "\xef\xbf\xbd";
}

TEST_CASE("decode_utf8 reads one sequence and rejects the invalid forms", "[mime][utf8]") {
    struct row {
        std::string in;
        char32_t cp;
        std::size_t length;
        bool valid;
        bool incomplete;
    };
    const row rows[] = {
        {"A", U'A', 1, true, false},
        {"\xc3\xa9x", 0xE9, 2, true, false},
        {"\xe2\x82\xac", 0x20AC, 3, true, false},
        {"\xf0\x9f\x93\xa7", 0x1F4E7, 4, true, false},
        {"\xc3", 0xFFFD, 1, false, true},               // cut short
        {"\xe2\x82", 0xFFFD, 2, false, true},           // cut short
        {"\xc0\x80", 0xFFFD, 1, false, false},          // overlong lead byte
        {"\xe0\x80\x80", 0xFFFD, 1, false, false},      // overlong 3-byte
        {"\xed\xa0\x80", 0xFFFD, 1, false, false},      // surrogate
        {"\xf4\x90\x80\x80", 0xFFFD, 1, false, false},  // above U+10FFFF
        {"\xf5\x80", 0xFFFD, 1, false, false},
        {"\x80", 0xFFFD, 1, false, false},       // stray continuation byte
        {"\xe2\x82x", 0xFFFD, 2, false, false},  // maximal subpart is 2 bytes
        {"\xff", 0xFFFD, 1, false, false},
    };
    for (const auto& r : rows) {
        INFO(r.in);
        const utf8_step s = decode_utf8(r.in);
        CHECK(s.code_point == r.cp);
        CHECK(s.length == r.length);
        CHECK(s.is_valid == r.valid);
        CHECK(s.is_incomplete == r.incomplete);
    }
}

TEST_CASE("append_utf8 writes every range and replaces what is not a scalar value", "[mime][utf8]") {
    const std::pair<char32_t, std::string> rows[] = {
        {U'a', "a"},    {0xE9, "\xc3\xa9"}, {0x20AC, "\xe2\x82\xac"}, {0x1F4E7, "\xf0\x9f\x93\xa7"},
        {0xD800, fffd}, {0x110000, fffd},
    };
    for (const auto& [cp, bytes] : rows) {
        std::string out;
        append_utf8(out, cp);
        CHECK(out == bytes);
    }
}

TEST_CASE("sanitize_utf8 replaces each maximal invalid subpart with one U+FFFD", "[mime][utf8]") {
    const std::pair<std::string, std::string> rows[] = {
        {"", ""},
        {"plain ascii", "plain ascii"},
        {"Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87", "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87"},
        {"Gr\xf6\xdf"
         "e",
         "Gr" + fffd + fffd + "e"},  // Latin-1 bytes
        {"a\xe2\x82"
         "b",
         "a" + fffd + "b"},
        {"\xed\xa0\x80", fffd + fffd + fffd},  // a surrogate is three subparts
        {"tail\xf0\x9f\x93", "tail" + fffd},
        {std::string("nul\0ok", 6), std::string("nul\0ok", 6)},
    };
    for (const auto& [in, want] : rows) {
        INFO(in);
        const std::string out = sanitize_utf8(in);
        CHECK(out == want);
        CHECK(is_valid_utf8(out));
    }
    std::string out = "x";
    CHECK(append_sanitized_utf8(out, "\xff\xfe") == 2);
    CHECK(out == "x" + fffd + fffd);
}
