#include <mailaccess/mime/encoded_word.hpp>

#include <mailaccess/core/mutf7.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace mailaccess;
using namespace mailaccess::mime;

namespace {
const std::string fffd = "\xef\xbf\xbd";
const std::string polish = "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 g\xc4\x99\xc5\x9bl\xc4\x85 ja\xc5\xba\xc5\x84";
}  // namespace

TEST_CASE("RFC 2047 section 8 examples", "[mime][encoded_word]") {
    const std::pair<std::string, std::string> rows[] = {
        {"=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>", "Keith Moore <moore@cs.utk.edu>"},
        {"=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
         "Keld J\xc3\xb8rn Simonsen <keld@dkuug.dk>"},
        {"=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
         "Andr\xc3\xa9 Pirard <PIRARD@vm1.ulg.ac.be>"},
        {"=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n "
         "=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
         "If you can read this you understand the example."},
        {"=?ISO-8859-1?Q?Patrik_F=E4ltstr=F6m?= <paf@nada.kth.se>",
         "Patrik F\xc3\xa4ltstr\xc3\xb6m <paf@nada.kth.se>"},
        {"(=?ISO-8859-1?Q?a?=)", "(a)"},
        {"(=?ISO-8859-1?Q?a?= b)", "(a b)"},
        {"(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"},
        {"(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"},
        {"(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)"},
        {"(=?ISO-8859-1?Q?a_b?=)", "(a b)"},
        {"(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"},
        // ISO-8859-8 is not supported: the word stays as written.
        {"(=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)", "(=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)"},
    };
    for (const auto& [in, want] : rows) {
        INFO(in);
        CHECK(decode_encoded_words(in) == want);
    }
}

TEST_CASE("encoded words from real mail", "[mime][encoded_word]") {
    const std::pair<std::string, std::string> rows[] = {
        // The acceptance example (tests/data/mime 040).
        {"=?ISO-8859-2?Q?Za=BF=F3=B3=E6_g=EA=B6l=B1_ja=BC=F1?=", polish},
        // UTF-8 split in the middle of a character across two words (045).
        {"=?UTF-8?B?5pel5pw=?= =?UTF-8?B?rOiqng==?=", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"},
        // 044: ISO-2022-JP (stateful) in B words.
        {"=?ISO-2022-JP?B?GyRCRnxLXDhsJE4lRiU5JUgbKEI=?=",
         "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88"},
        {"=?ISO-2022-JP?B?GyRCOzNFREJATzobKEI=?= <taro@example.jp>",
         "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e <taro@example.jp>"},
        {"=?KOI8-R?B?8NLJ18XU?=", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"},
        // 047: adjacent words, an RFC 2231 language, an unterminated word.
        {"=?utf-8?q?a?=  =?utf-8?q?b?= c =?utf-8*pl?Q?g=C4=99=C5=9Bl=C4=85?= =?utf-8?Q?unterminated",
         "ab c g\xc4\x99\xc5\x9bl\xc4\x85 =?utf-8?Q?unterminated"},
        // Inside a quoted string (Outlook and others): decoded, quotes kept.
        {"\"=?utf-8?q?Quoted_=C5=BB?=\" <q@example.com>", "\"Quoted \xc5\xbb\" <q@example.com>"},
        {"=?x-unknown?Q?Unknown_charset?= <u@example.com>",
         "=?x-unknown?Q?Unknown_charset?= <u@example.com>"},
        {"=?utf-8?q?Broken <b@example.com>", "=?utf-8?q?Broken <b@example.com>"},
        {"Re: =?utf-8?q?x?= y", "Re: x y"},
        {"abc=?utf-8?q?x?=def", "abcxdef"},
        {"=?utf-8?q?"
         "?=",
         ""},                                           // split: "??=" is a trigraph
        {"=?utf-8?b?QUJD?= =?utf-8?b?QUI?=", "ABCAB"},  // padding may be missing
        {"=?utf-8?q?100=_sure=ZZ=4?=", "100= sure=ZZ=4"},
        {"=?UTF-8?Q?caf=c3=a9?=", "caf\xc3\xa9"},  // lowercase hex
        {"=?utf-8*?q?x?=", "x"},
        // Invalid words stay, and count as text for the whitespace rule.
        {"=?utf-8?b?***?= =?utf-8?q?a?=", "=?utf-8?b?***?= a"},
        {"=?utf-8?b?QQ==QQ?=", "=?utf-8?b?QQ==QQ?="},
        {"=?utf-8?x?abc?=", "=?utf-8?x?abc?="},
        {"=??q?abc?=", "=??q?abc?="},
        {"=?utf-8?q?a b?=", "=?utf-8?q?a b?="},
        {"=?", "=?"},
        {"=?=?utf-8?q?ok?=", "=?ok"},
        // Bytes that are not valid in their charset become U+FFFD.
        {"=?utf-8?q?bad=FF?=", "bad" + fffd},
        // Raw 8-bit text outside words is UTF-8 (RFC 6532) or replaced.
        {"Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 =?utf-8?q?x?=", "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 x"},
        {"Gr\xf6\xdf"
         "e",
         "Gr" + fffd + fffd + "e"},
        {"", ""},
        {"no words at all", "no words at all"},
    };
    for (const auto& [in, want] : rows) {
        INFO(in);
        const std::string out = decode_encoded_words(in);
        CHECK(out == want);
        CHECK(is_valid_utf8(out));
    }
}

TEST_CASE("encoded word options: unknown charsets and raw 8-bit text", "[mime][encoded_word]") {
    encoded_word_options opt;
    opt.decode_unknown_charsets = true;
    CHECK(decode_encoded_words("=?x-unknown?Q?Unknown_charset?=", opt) == "Unknown charset");
    CHECK(decode_encoded_words("=?x-unknown?Q?=FF?=", opt) == fffd);
    opt.raw_text_charset = charset::iso_8859_1;
    CHECK(decode_encoded_words("Gr\xf6\xdf"
                               "e =?utf-8?q?x?=",
                               opt) ==
          "Gr\xc3\xb6\xc3\x9f"
          "e x");
}

TEST_CASE("encoded word decoding is linear and bounded on hostile input", "[mime][encoded_word]") {
    // Many "=?" starts, long charsets, long texts without "?".
    std::string hostile;
    for (int i = 0; i < 200000; ++i) hostile += "=?";
    hostile += "=?utf-8?q?" + std::string(1u << 20, 'x');
    for (int i = 0; i < 100000; ++i) hostile += "=?a?q?b?= ";
    hostile += std::string(1u << 20, '?');
    const std::string out = decode_encoded_words(hostile);
    CHECK(is_valid_utf8(out));
    CHECK(out.size() <= 3 * hostile.size());
    // Every "=?a?q?b?=" is a word in an unknown charset, kept as written.
    CHECK(out.find("=?a?q?b?= =?a?q?b?=") != std::string::npos);
    std::string words, want;
    for (int i = 0; i < 100000; ++i) {
        words += "=?utf-8?q?ab?= ";
        want += "ab";
    }
    CHECK(decode_encoded_words(words) == want + " ");
}
