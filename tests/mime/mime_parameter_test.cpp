#include <mailaccess/mime/mime_parameter.hpp>

#include <mailaccess/core/mutf7.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace mailaccess;
using namespace mailaccess::mime;

namespace {

// name, value, wire name, wire value: the fields every test looks at.
struct param {
    std::string name, value, wire_name, wire_value;
    bool operator==(const param&) const = default;
};

std::vector<param> simple(std::string_view text) {
    std::vector<param> out;
    for (const auto& p : parse_parameters(text))
        out.push_back({p.name, p.value, p.wire_name(), p.wire_value});
    return out;
}

}  // namespace

TEST_CASE("RFC 2231 examples", "[mime][parameter]") {
    // Section 3: continuations.
    CHECK(simple("; access-type=URL;\r\n URL*0=\"ftp://\";\r\n "
                 "URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"") ==
          std::vector<param>{{"access-type", "URL", "access-type", "URL"},
                             {"URL", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar", "URL",
                              "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"}});
    // Section 4: charset and language.
    const auto title = parse_parameters(";\r\n title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A");
    REQUIRE(title.size() == 1);
    CHECK(title[0].name == "title");
    CHECK(title[0].value == "This is ***fun***");
    CHECK(title[0].wire_name() == "title*");
    CHECK(title[0].wire_value == "us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A");
    CHECK(title[0].charset == "us-ascii");
    CHECK(title[0].language == "en-us");
    CHECK(title[0].is_extended);
    CHECK_FALSE(title[0].is_continued);
    // Section 4.1: both, mixing encoded and plain segments (and, as printed
    // in the RFC, without the ";" separators).
    const auto mixed = parse_parameters(
        "\r\n title*0*=us-ascii'en'This%20is%20even%20more%20\r\n title*1*=%2A%2A%2Afun%2A%2A%2A%20\r\n"
        " title*2=\"isn't it!\"");
    REQUIRE(mixed.size() == 1);
    CHECK(mixed[0].value == "This is even more ***fun*** isn't it!");
    CHECK(mixed[0].wire_name() == "title*");
    CHECK(mixed[0].wire_value == "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn't it!");
    CHECK(mixed[0].language == "en");
    CHECK(mixed[0].is_continued);
}

TEST_CASE("parameters from real mail", "[mime][parameter]") {
    struct row {
        std::string text;
        std::vector<param> want;
    };
    const row rows[] = {
        // tests/data/mime 007, with Dovecot's wire forms.
        {";\r\n\tname*0=\"a-very-long-file-name-that-is-split-over-\";\r\n\tname*1=\"two-continuation-lines."
         "bin\"",
         {{"name", "a-very-long-file-name-that-is-split-over-two-continuation-lines.bin", "name",
           "a-very-long-file-name-that-is-split-over-two-continuation-lines.bin"}}},
        {";\r\n\tfilename*0*=utf-8''Za%C5%BC%C3%B3%C5%82%C4%87%20;\r\n\tfilename*1*=g%C4%99%C5%9Bl%C4%85%"
         "20ja%C5%BA%C5%84;"
         "\r\n\tfilename*2=\".txt\"",
         {{"filename", "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 g\xc4\x99\xc5\x9bl\xc4\x85 ja\xc5\xba\xc5\x84.txt",
           "filename*", "utf-8''Za%C5%BC%C3%B3%C5%82%C4%87%20g%C4%99%C5%9Bl%C4%85%20ja%C5%BA%C5%84.txt"}}},
        {"; filename*=utf-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.txt;\r\n size=12",
         {{"filename", "\xd0\xbe\xd1\x82\xd1\x87\xd1\x91\xd1\x82.txt", "filename*",
           "utf-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.txt"},
          {"size", "12", "size", "12"}}},
        // A folded quoted value keeps the folding space (README item 9).
        {"; x-long-parameter=\"a folded parameter value that goes on\r\n beyond\"",
         {{"x-long-parameter", "a folded parameter value that goes on beyond", "x-long-parameter",
           "a folded parameter value that goes on beyond"}}},
        // 094: comments and quoted-pairs.
        {" (plain text) ; charset=\"us-ascii\" (ASCII);\r\n name=\"a \\\"quoted\\\" name.txt\"",
         {{"charset", "us-ascii", "charset", "us-ascii"},
          {"name", "a \"quoted\" name.txt", "name", "a \"quoted\" name.txt"}}},
        // 048: an encoded word in a quoted value (Outlook): decoded in value only.
        {"; name=\"=?UTF-8?B?UmVjaG51bmdfR3LDtsOfZS5wZGY=?=\"",
         {{"name",
           "Rechnung_Gr\xc3\xb6\xc3\x9f"
           "e.pdf",
           "name", "=?UTF-8?B?UmVjaG51bmdfR3LDtsOfZS5wZGY=?="}}},
        // 036: case kept.
        {"; BOUNDARY=\"CaseB\"; X-Param=MixedValue",
         {{"BOUNDARY", "CaseB", "BOUNDARY", "CaseB"}, {"X-Param", "MixedValue", "X-Param", "MixedValue"}}},
        // Unquoted boundaries with tspecials, trailing whitespace in a quoted one.
        {"; boundary=----=_Part_1234_5678.9012",
         {{"boundary", "----=_Part_1234_5678.9012", "boundary", "----=_Part_1234_5678.9012"}}},
        {"; boundary=\"ws 25 \"", {{"boundary", "ws 25 ", "boundary", "ws 25 "}}},
        // Missing quotes around a value with spaces; a missing ";".
        {"; name=my file.txt; size=3",
         {{"name", "my file.txt", "name", "my file.txt"}, {"size", "3", "size", "3"}}},
        {"; name=a.txt size=3", {{"name", "a.txt", "name", "a.txt"}, {"size", "3", "size", "3"}}},
        {"; name=\"a.txt\"size=3", {{"name", "a.txt", "name", "a.txt"}, {"size", "3", "size", "3"}}},
        // Garbage is skipped to the next ";".
        {";; = ; charset", {}},
        {"; \"junk\" x ; a=1 ; =2 ; b = \"2\" ", {{"a", "1", "a", "1"}, {"b", "2", "b", "2"}}},
        {"; name=\"a\"junk\"b;c\"; x=1", {{"name", "a", "name", "a"}, {"x", "1", "x", "1"}}},
        // An escaped line break (obs-qp) is folding too, and goes (found by fuzzing).
        {"; name=\"a \\\"q\\\n b\"", {{"name", "a \"q b", "name", "a \"q b"}}},
        // Unterminated quoted string; empty values.
        {"; name=\"open", {{"name", "open", "name", "open"}}},
        {"; a=; b=\"\"", {{"a", "", "a", ""}, {"b", "", "b", ""}}},
        // Duplicates are kept in order.
        {"; charset=utf-8; charset=iso-8859-1",
         {{"charset", "utf-8", "charset", "utf-8"}, {"charset", "iso-8859-1", "charset", "iso-8859-1"}}},
        // Continuations out of order, with a gap and a repeated section.
        {"; n*2=c; n*0=a; n*0=x; n*3=d", {{"n", "acd", "n", "acd"}}},
        // "n", "n*" and "n*0" are distinct parameters; the section number is bounded.
        {"; n=plain; n*=utf-8''ext; n*0=cont; m*1234=big",
         {{"n", "plain", "n", "plain"},
          {"n", "ext", "n*", "utf-8''ext"},
          {"n", "cont", "n", "cont"},
          {"m*1234", "big", "m*1234", "big"}}},
        // An extended value: unknown charset (UTF-8 best effort), missing prefix, bad escapes.
        {"; a*=x-unknown'de'%C3%A9; b*=%41%4; c*=''%zz",
         {{"a", "\xc3\xa9", "a*", "x-unknown'de'%C3%A9"},
          {"b", "A%4", "b*", "%41%4"},
          {"c", "%zz", "c*", "''%zz"}}},
        {"; a*=iso-8859-2''g%EA%B6l%B1",
         {{"a", "g\xc4\x99\xc5\x9bl\xc4\x85", "a*", "iso-8859-2''g%EA%B6l%B1"}}},
        {"", {}},
        {";", {}},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        CHECK(simple(r.text) == r.want);
        for (const auto& p : parse_parameters(r.text)) CHECK(is_valid_utf8(p.value));
    }
}

TEST_CASE("find_parameter prefers the RFC 2231 form and ignores case", "[mime][parameter]") {
    const auto params = parse_parameters("; filename=fallback.txt; FILENAME*=utf-8''r%C3%A9el.txt; Size=3");
    const mime_parameter* f = find_parameter(params, "Filename");
    REQUIRE(f != nullptr);
    CHECK(f->value ==
          "r\xc3\xa9"
          "el.txt");
    REQUIRE(find_parameter(params, "size") != nullptr);
    CHECK(find_parameter(params, "size")->value == "3");
    CHECK(find_parameter(params, "name") == nullptr);
}

TEST_CASE("parameter parsing is bounded", "[mime][parameter]") {
    std::string many;
    for (std::size_t i = 0; i < 3 * max_parameters; ++i)
        many += "; p" + std::to_string(i) + "*" + std::to_string(i % 7) + "=v";
    CHECK(parse_parameters(many).size() <= max_parameters);
    // One huge value and long runs of separators stay linear.
    const std::string huge = "; name=\"" + std::string(8u << 20, 'x') + "\"" + std::string(1u << 20, ';');
    const auto p = parse_parameters(huge);
    REQUIRE(p.size() == 1);
    CHECK(p[0].value.size() == (8u << 20));
}
