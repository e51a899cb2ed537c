#include <mailaccess/mime/charset.hpp>

#include <mailaccess/core/mutf7.hpp>
#include <mailaccess/mime/error.hpp>

#include <catch2/catch.hpp>

#include "support/split_feed.hpp"

#include <string>

using namespace mailaccess;
using namespace mailaccess::mime;

namespace {

const std::string fffd = "\xef\xbf\xbd";

struct sample {
    charset from;
    std::string bytes;
    std::string utf8;
};

// Encoded with Python's codecs ("text".encode(name)).
const sample samples[] = {
    {charset::iso_8859_2, "Za\xbf\xf3\xb3\xe6 g\xea\xb6l\xb1 ja\xbc\xf1",
     "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 g\xc4\x99\xc5\x9bl\xc4\x85 ja\xc5\xba\xc5\x84"},
    {charset::windows_1250,
     "Za\xbf\xf3\xb3\xe6 g\xea\x9cl\xb9 ja\x9f\xf1; P\xf8\xedli\x9a \x9elu\x9dou\xe8k\xfd k\xf9\xf2",
     "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 g\xc4\x99\xc5\x9bl\xc4\x85 ja\xc5\xba\xc5\x84; "
     "P\xc5\x99\xc3\xadli\xc5\xa1 \xc5\xbelu\xc5\xa5ou\xc4\x8dk\xc3\xbd k\xc5\xaf\xc5\x88"},
    {charset::iso_8859_1,
     "Gr\xf6\xdf"
     "e caf\xe9 \xb1",
     "Gr\xc3\xb6\xc3\x9f"
     "e caf\xc3\xa9 \xc2\xb1"},
    {charset::iso_8859_15, "Preis: 5 \xa4 \xbduvre \xa6\xe1rka",
     "Preis: 5 \xe2\x82\xac \xc5\x93uvre \xc5\xa0\xc3\xa1rka"},
    {charset::windows_1252, "\x93smart\x94 quotes \x96 5 \x80 \x85",
     "\xe2\x80\x9csmart\xe2\x80\x9d quotes \xe2\x80\x93 5 \xe2\x82\xac \xe2\x80\xa6"},
    {charset::windows_1251, "\xcf\xf0\xe8\xe2\xe5\xf2, \xec\xe8\xf0! \xa8\xeb\xea\xe0",
     "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80! "
     "\xd0\x81\xd0\xbb\xd0\xba\xd0\xb0"},
    {charset::koi8_r, "\xf0\xd2\xc9\xd7\xc5\xd4, \xcd\xc9\xd2! \xb3\xcc\xcb\xc1",
     "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80! "
     "\xd0\x81\xd0\xbb\xd0\xba\xd0\xb0"},
    {charset::koi8_u, "\xf0\xd2\xc9\xd7\xa6\xd4, \xd3\xd7\xa6\xd4! \xbd\xc1\xce\xcf\xcb \xa7\xd6\xc1\xcb",
     "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd1\x96\xd1\x82, \xd1\x81\xd0\xb2\xd1\x96\xd1\x82! "
     "\xd2\x90\xd0\xb0\xd0\xbd\xd0\xbe\xd0\xba \xd1\x97\xd0\xb6\xd0\xb0\xd0\xba"},
    {charset::iso_2022_jp,
     "\x1b$BF|K\x5c"
     "8l$N%F%9%H\x1b(B",
     "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88"},  // 日本語のテスト
    {charset::iso_2022_jp, "Price \x1b(J\x5c\x1b(B100\x1b(J~\x1b(B \x1b(I6@6E\x1b(B",
     "Price \xc2\xa5"
     "100\xe2\x80\xbe \xef\xbd\xb6\xef\xbe\x80\xef\xbd\xb6\xef\xbe\x85"},  // yen, overline, katakana
    // ISO-2022-JP damage: a cut double-byte character, an unknown escape,
    // 8-bit bytes, an unassigned JIS code; controls pass in every mode.
    {charset::iso_2022_jp, "\x1b$BF|K", "\xe6\x97\xa5" + fffd},
    {charset::iso_2022_jp, "a\x1b%Gb\x80\x1b$B\x22\x2f\r\n\x1b(B", "a" + fffd + "%Gb" + fffd + fffd + "\r\n"},
    {charset::iso_2022_jp, "\x1b$B\x1b(Bx\x1b", "x" + fffd},
    {charset::iso_2022_jp, "\x1b\x1b$BF|", fffd + "\xe6\x97\xa5"},
    {charset::utf_8, "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 \xf0\x9f\x93\xa7",
     "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 \xf0\x9f\x93\xa7"},
    {charset::us_ascii, "plain and \xc3\xa9", "plain and \xc3\xa9"},  // us-ascii is read as UTF-8
    // Invalid input: one U+FFFD per maximal subpart, also across chunks.
    {charset::utf_8,
     "a\xe2\x82"
     "b\xff\xc3",
     "a" + fffd + "b" + fffd + fffd},
    {charset::utf_8, "\xf0\x9f\x93\xf0\x9f\x93\xa7", fffd + "\xf0\x9f\x93\xa7"},
    {charset::utf_8, "\xed\xa0\x80x", fffd + fffd + fffd + "x"},
    {charset::windows_1252, "\x81\x8d\x8f\x90\x9d", fffd + fffd + fffd + fffd + fffd},  // undefined in cp1252
    {charset::windows_1251, "\x98", fffd},
};

std::string convert_chunked(charset from, const test::chunking& c) {
    charset_decoder d(from);
    std::string out;
    for (auto chunk : c.chunks) d.decode(chunk, out);
    d.finish(out);
    return out;
}

}  // namespace

TEST_CASE("charsets convert to UTF-8, whatever the chunking", "[mime][charset]") {
    for (const auto& s : samples) {
        INFO(charset_name(s.from) << ": " << s.bytes);
        std::string whole;
        convert_to_utf8(s.from, s.bytes, whole);
        CHECK(whole == s.utf8);
        CHECK(is_valid_utf8(whole));
        CHECK(whole.size() <= 3 * s.bytes.size() + 3);
        test::for_each_chunking(s.bytes, [&](const test::chunking& c) {
            INFO(c.description);
            CHECK(convert_chunked(s.from, c) == s.utf8);
        });
    }
}

TEST_CASE("every byte of every single-byte charset converts to valid UTF-8", "[mime][charset]") {
    std::string all;
    for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
    for (charset c : {charset::iso_8859_1, charset::iso_8859_2, charset::iso_8859_15, charset::windows_1250,
                      charset::windows_1251, charset::windows_1252, charset::koi8_r, charset::koi8_u}) {
        std::string out;
        convert_to_utf8(c, all, out);
        CHECK(is_valid_utf8(out));
        CHECK(out.substr(0, 128) == all.substr(0, 128));  // ASCII is ASCII
    }
    charset_decoder d(charset::windows_1252);
    std::string out;
    d.decode(all, out);
    CHECK(d.replacements() == 5);
}

TEST_CASE("find_charset knows the usual names and aliases in any case", "[mime][charset]") {
    const std::pair<const char*, charset> rows[] = {
        {"utf-8", charset::utf_8},
        {"UTF8", charset::utf_8},
        {"\"utf-8\"", charset::utf_8},
        {" Utf_8 ", charset::utf_8},
        {"us-ascii", charset::us_ascii},
        {"ASCII", charset::us_ascii},
        {"ANSI_X3.4-1968", charset::us_ascii},
        {"iso646-us", charset::us_ascii},
        {"ISO-8859-1", charset::iso_8859_1},
        {"latin1", charset::iso_8859_1},
        {"iso_8859-1:1987", charset::iso_8859_1},
        {"l1", charset::iso_8859_1},
        {"iso-8859-2", charset::iso_8859_2},
        {"Latin2", charset::iso_8859_2},
        {"ISO8859-2", charset::iso_8859_2},
        {"iso-ir-101", charset::iso_8859_2},
        {"ISO-8859-15", charset::iso_8859_15},
        {"latin9", charset::iso_8859_15},
        {"windows-1250", charset::windows_1250},
        {"cp1250", charset::windows_1250},
        {"x-cp1250", charset::windows_1250},
        {"Windows-1251", charset::windows_1251},
        {"CP1252", charset::windows_1252},
        {"KOI8-R", charset::koi8_r},
        {"koi8r", charset::koi8_r},
        {"KOI8-U", charset::koi8_u},
    };
    for (const auto& [name, want] : rows) {
        INFO(name);
        REQUIRE(find_charset(name));
        CHECK(*find_charset(name) == want);
    }
    for (const char* unknown :
         {"", "x-unknown-charset", "iso-2022-kr", "shift_jis", "utf-16", "utf-7", "gb2312", "iso-8859-99",
          "utf-8*pl", "averyveryveryverylongcharsetnamethatisnotknown"}) {
        INFO(unknown);
        CHECK_FALSE(find_charset(unknown));
    }
    CHECK(charset_name(charset::iso_8859_2) == "ISO-8859-2");
    CHECK(charset_name(charset::windows_1250) == "windows-1250");
    CHECK(*find_charset(charset_name(charset::koi8_u)) == charset::koi8_u);
}

TEST_CASE("convert_to_utf8 by name reports unknown charsets", "[mime][charset]") {
    auto ok = convert_to_utf8("latin2", "g\xea\xb6l\xb1");
    REQUIRE(ok);
    CHECK(*ok == "g\xc4\x99\xc5\x9bl\xc4\x85");
    CHECK(convert_to_utf8("x-unknown-charset", "abc").error() == mime::errc::unknown_charset);
}
