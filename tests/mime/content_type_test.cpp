#include <mailaccess/mime/content_type.hpp>

#include <mailaccess/mime/error.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace mailaccess;
using namespace mailaccess::mime;

namespace {

// "type/subtype;name=value;..." with wire names and values, for compact tables.
std::string summary(const content_type& ct) {
    std::string s = ct.type + "/" + ct.subtype;
    for (const auto& p : ct.parameters) s += ";" + p.wire_name() + "=" + p.wire_value;
    return s;
}

}  // namespace

TEST_CASE("Content-Type values from RFCs and real mail", "[mime][content_type]") {
    const std::pair<std::string, std::string> rows[] = {
        {"text/plain; charset=us-ascii", "text/plain;charset=us-ascii"},
        {"text/plain;charset=\"utf-8\";format=flowed;delsp=yes",
         "text/plain;charset=utf-8;format=flowed;delsp=yes"},
        {"TEXT/HTML; CHARSET=UTF-8; Format=Flowed", "TEXT/HTML;CHARSET=UTF-8;Format=Flowed"},
        {"multipart/mixed; boundary=\"2231\"", "multipart/mixed;boundary=2231"},
        {"multipart/alternative;\r\n\tboundary=\"----=_NextPart_000_0012_01D0A1B2.C3D4E5F0\"",
         "multipart/alternative;boundary=----=_NextPart_000_0012_01D0A1B2.C3D4E5F0"},
        {"text / plain (comment) ; charset = us-ascii (Plain text)", "text/plain;charset=us-ascii"},
        {"(lead) text/plain", "text/plain"},
        {"text/plain (plain text) ; charset=\"us-ascii\" (ASCII);\r\n name=\"a \\\"quoted\\\" name.txt\"",
         "text/plain;charset=us-ascii;name=a \"quoted\" name.txt"},
        // RFC 2045 section 5.1 example and RFC 2231 examples.
        {"text/plain; charset=us-ascii (Plain text)", "text/plain;charset=us-ascii"},
        {"message/external-body; access-type=URL;\r\n URL*0=\"ftp://\";\r\n "
         "URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
         "message/external-body;access-type=URL;URL=ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"},
        {"application/x-stuff\r\n title*0*=us-ascii'en'This%20is%20even%20more%20\r\n "
         "title*1*=%2A%2A%2Afun%2A%2A%2A%20\r\n"
         " title*2=\"isn't it!\"",
         "application/x-stuff;title*=us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn't "
         "it!"},
        // Broken but readable.
        {"text/plain charset=us-ascii", "text/plain;charset=us-ascii"},
        {"text/plain garbage; charset=x", "text/plain;charset=x"},
        {"text/plain;", "text/plain"},
        {"text/plain/html; charset=x", "text/plain;charset=x"},
        {"image/png; name=\"Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87.png\"",
         "image/png;name=Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87.png"},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=a.docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document;name=a.docx"},
    };
    for (const auto& [value, want] : rows) {
        INFO(value);
        auto ct = parse_content_type(value);
        REQUIRE(ct);
        CHECK(summary(*ct) == want);
    }
}

TEST_CASE("Content-Type values without type/subtype fail", "[mime][content_type]") {
    for (const char* bad :
         {"", "   ", "text", "text; charset=utf-8", "text/", "/plain", ";;/ html ; = ; charset",
          "\"text\"/plain", "text/\"plain\"", "(only a comment)"}) {
        INFO(bad);
        CHECK(parse_content_type(bad).error() == mime::errc::bad_syntax);
    }
}

TEST_CASE("content_type compares type and subtype case-insensitively", "[mime][content_type]") {
    const auto ct = parse_content_type("MULTIPART/Mixed; BOUNDARY=\"CaseB\"");
    REQUIRE(ct);
    CHECK(ct->is("multipart", "mixed"));
    CHECK(ct->is_type("Multipart"));
    CHECK_FALSE(ct->is("multipart", "alternative"));
    REQUIRE(ct->find("boundary") != nullptr);
    CHECK(ct->find("boundary")->value == "CaseB");
    CHECK(ct->type == "MULTIPART");
}

TEST_CASE("default Content-Type is text/plain; charset=us-ascii", "[mime][content_type]") {
    const content_type d = default_content_type();
    CHECK(summary(d) == "text/plain;charset=us-ascii");
    CHECK(d.find("charset")->value == "us-ascii");
    CHECK(summary(default_content_type(true)) == "message/rfc822");
}

TEST_CASE("Content-Disposition values", "[mime][content_type]") {
    struct row {
        std::string value, type;
        std::vector<std::pair<std::string, std::string>> params;  // wire name, decoded value
    };
    const row rows[] = {
        {"inline", "inline", {}},
        {"INLINE; FileName=\"Page.HTML\"", "INLINE", {{"FileName", "Page.HTML"}}},
        {"attachment (really) ; filename=\"x.txt\"", "attachment", {{"filename", "x.txt"}}},
        // RFC 2183 section 2 example.
        {"attachment; filename=genome.jpeg;\r\n modification-date=\"Wed, 12 Feb 1997 16:29:51 -0500\";",
         "attachment",
         {{"filename", "genome.jpeg"}, {"modification-date", "Wed, 12 Feb 1997 16:29:51 -0500"}}},
        {"attachment; filename*=utf-8''%E2%82%AC.txt; size=12",
         "attachment",
         {{"filename*", "\xe2\x82\xac.txt"}, {"size", "12"}}},
        {"attachment; filename=\"=?UTF-8?B?UmVjaG51bmdfR3LDtsOfZS5wZGY=?=\"",
         "attachment",
         {{"filename",
           "Rechnung_Gr\xc3\xb6\xc3\x9f"
           "e.pdf"}}},
    };
    for (const auto& r : rows) {
        INFO(r.value);
        auto cd = parse_content_disposition(r.value);
        REQUIRE(cd);
        CHECK(cd->type == r.type);
        std::vector<std::pair<std::string, std::string>> got;
        for (const auto& p : cd->parameters) got.emplace_back(p.wire_name(), p.value);
        CHECK(got == r.params);
    }
    const auto cd = parse_content_disposition("Attachment; filename=a.pdf");
    CHECK(cd->is("attachment"));
    CHECK(cd->find("FILENAME")->value == "a.pdf");
    for (const char* bad : {"", "; filename=x", "\"attachment\"", "(c)"}) {
        INFO(bad);
        CHECK(parse_content_disposition(bad).error() == mime::errc::bad_syntax);
    }
}
