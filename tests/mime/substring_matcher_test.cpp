#include <mailaccess/mime/substring_matcher.hpp>

#include <catch2/catch.hpp>

#include "support/split_feed.hpp"

#include <string>

using namespace mailaccess;
using namespace mailaccess::mime;

namespace {

const std::string polish_lower =
    "za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 g\xc4\x99\xc5\x9bl\xc4\x85 ja\xc5\xba\xc5\x84";
const std::string polish_text =
    "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 g\xc4\x99\xc5\x9bl\xc4\x85 ja\xc5\xba\xc5\x84";
const std::string geslo_upper = "G\xc4\x98\xc5\x9aL\xc4\x84";  // GĘŚLĄ
const std::string geslo_lower = "g\xc4\x99\xc5\x9bl\xc4\x85";  // gęślą

bool matches_chunked(std::string_view needle, const test::chunking& c, bool normalize = false) {
    substring_matcher m(needle, normalize);
    for (auto chunk : c.chunks) m.feed(chunk);
    m.start_text();
    return m.matched();
}

}  // namespace

TEST_CASE("substring matching is case-insensitive and survives every chunking", "[mime][search]") {
    struct row {
        std::string text, needle;
        bool match;
    };
    const row rows[] = {
        {polish_text, geslo_upper, true},
        {polish_text, geslo_lower, true},
        {polish_text, "ZA\xc5\xbb\xc3\x93\xc5\x81\xc4\x86", true},
        {polish_text, "ja\xc5\xba\xc5\x84", true},
        {polish_text, "jazn", false},  // no accent folding
        {"Hello World", "WORLD", true},
        {"Hello World", "worlds", false},
        {"\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80",
         "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", true},
        {"aaaaaaaaab", "aaab", true},  // KMP fallback
        {"abababac", "ababac", true},
        {"abababab", "ababac", false},
        {"x", "xx", false},
        {"", "a", false},
        {"anything", "", true},
        {"", "", true},
        // Invalid UTF-8 is U+FFFD and matches only U+FFFD.
        {"a\xff"
         "b",
         "a\xef\xbf\xbd"
         "b",
         true},
        {"a\xff"
         "b",
         "ab", false},
        {"caf\xc3\xa9", "CAF\xc3\x89", true},
        {"\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3", "\xef\xbd\x82", true},  // fullwidth
    };
    for (const auto& r : rows) {
        INFO(r.text << " / " << r.needle);
        CHECK(contains_folded(r.text, r.needle) == r.match);
        test::for_each_chunking(r.text, [&](const test::chunking& c) {
            INFO(c.description);
            CHECK(matches_chunked(r.needle, c) == r.match);
        });
    }
}

TEST_CASE("whitespace normalization for header searches", "[mime][search]") {
    CHECK(contains_folded("word009\tword010", "word009 word010", true));
    CHECK(contains_folded("word009 \r\n\t word010", "WORD009 WORD010", true));
    CHECK(contains_folded("a b", "a   b", true));
    CHECK_FALSE(contains_folded("word009\tword010", "word009 word010", false));
    CHECK_FALSE(contains_folded("ab", "a b", true));
    test::for_each_chunking("x word009 \t word010 y", [&](const test::chunking& c) {
        CHECK(matches_chunked("word009 word010", c, true));
    });
}

TEST_CASE("start_text stops matches spanning two texts; reset forgets the match", "[mime][search]") {
    substring_matcher m("abc");
    m.feed("xxab");
    m.start_text();
    m.feed("cxx");
    CHECK_FALSE(m.matched());
    // A UTF-8 sequence cut at the end of a text does not join the next one.
    substring_matcher u("\xc4\x99");
    u.feed("\xc4");
    u.start_text();
    u.feed("\x99");
    CHECK_FALSE(u.matched());
    m.feed("abc");
    CHECK(m.matched());
    m.start_text();
    CHECK(m.matched());
    m.reset();
    CHECK_FALSE(m.matched());
    m.feed("ABC");
    CHECK(m.matched());
    substring_matcher empty("");
    CHECK(empty.matched());
    empty.reset();
    CHECK(empty.matched());
}

TEST_CASE("substring matching is linear on adversarial input", "[mime][search]") {
    const std::string needle = std::string(5000, 'a') + "b";
    substring_matcher m(needle);
    const std::string hay(1u << 22, 'a');
    for (std::size_t i = 0; i < hay.size(); i += 65536) m.feed(std::string_view(hay).substr(i, 65536));
    CHECK_FALSE(m.matched());
    m.feed("b");
    CHECK(m.matched());
}
