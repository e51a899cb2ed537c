#include <mailaccess/core/mutf7.hpp>

#include <mailaccess/core/error.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace mailaccess;

// Moved from tests/maildir/codec_test.cpp with the codec itself.
TEST_CASE("modified UTF-7 follows RFC 3501 5.1.3", "[core][mutf7]") {
    // RFC 3501 5.1.3's own example.
    CHECK(*mutf7_encode("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e") ==
          "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    CHECK(*mutf7_decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-") ==
          "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
    CHECK(*mutf7_encode("Entw\xc3\xbcrfe & Ideen") == "Entw&APw-rfe &- Ideen");
    CHECK(*mutf7_decode("Entw&APw-rfe &- Ideen") == "Entw\xc3\xbcrfe & Ideen");
    // Outside the BMP: a surrogate pair.
    const std::string emoji = "\xf0\x9f\x93\xa7";
    auto enc = mutf7_encode(emoji);
    REQUIRE(enc);
    CHECK(*mutf7_decode(*enc) == emoji);
}

TEST_CASE("modified UTF-7 round-trips Polish mailbox names", "[core][mutf7]") {
    // "Zażółć gęślą jaźń": one base64 run per non-ASCII stretch.
    const std::string name =
        "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 g\xc4\x99\xc5\x9bl\xc4\x85 ja\xc5\xba\xc5\x84";
    auto enc = mutf7_encode(name);
    REQUIRE(enc);
    CHECK(*enc == "Za&AXwA8wFCAQc- g&ARkBWw-l&AQU- ja&AXoBRA-");
    CHECK(*mutf7_decode(*enc) == name);
    CHECK(*mutf7_encode("") == "");
    CHECK(*mutf7_encode("&&") == "&-&-");
    CHECK(*mutf7_decode("&-&-") == "&&");
    // Control characters are not printable ASCII, so they are base64-encoded.
    CHECK(*mutf7_encode("a\tb") == "a&AAk-b");
}

TEST_CASE("modified UTF-7 rejects malformed input", "[core][mutf7]") {
    for (const char* bad : {"\xc3", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "a\x80"}) {
        INFO(bad);
        CHECK(mutf7_encode(bad).error() == errc::bad_utf8);
        CHECK_FALSE(is_valid_utf8(bad));
    }
    for (const char* bad : {"&", "&U,BTFw", "&U,B-", "&2D0-", "a\x01", "&3AA-", "&A*-", "\xc3\xa9"}) {
        INFO(bad);
        CHECK(mutf7_decode(bad).error() == errc::bad_mutf7);
    }
    // Decodable but not canonical (RFC 3501 5.1.3): printable ASCII in base64
    // ("a/b", "abc", "INBOX"), and two adjacent runs that should be one.
    for (const char* bad : {"a&AC8-b", "&AGE-bc", "&AEkATgBCAE8AWA-", "&AMk-&AOk-", "&ACY-"}) {
        INFO(bad);
        CHECK(mutf7_decode(bad).error() == errc::bad_mutf7);
    }
    CHECK(*mutf7_decode("&AMkA6Q-") == "\xc3\x89\xc3\xa9");  // one run for "Éé"
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("plain"));
    CHECK(is_valid_utf8("\xf0\x9f\x93\xa7"));
}
