// The acceptance examples: text found by SEARCH after the whole
// decoding pipeline (transfer decoding, then charset conversion, then case
// folding), with the input cut at every point.
#include <mailaccess/mime/substring_matcher.hpp>

#include <mailaccess/mime/charset.hpp>
#include <mailaccess/mime/content_type.hpp>
#include <mailaccess/mime/encoded_word.hpp>
#include <mailaccess/mime/header_field.hpp>
#include <mailaccess/mime/transfer_decoder.hpp>

#include <catch2/catch.hpp>

#include "support/split_feed.hpp"

#include <string>

using namespace mailaccess;
using namespace mailaccess::mime;

namespace {

const std::string geslo_upper = "G\xc4\x98\xc5\x9aL\xc4\x84";  // GĘŚLĄ
const std::string geslo_lower = "g\xc4\x99\xc5\x9bl\xc4\x85";  // gęślą

// Searches a body the way SEARCH BODY does: CTE decoder -> charset decoder
// -> matcher, one chunk at a time.
bool body_matches(const test::chunking& c, transfer_decoding cte, charset cs, std::string_view needle) {
    transfer_decoder dec(cte);
    charset_decoder conv(cs);
    substring_matcher m(needle);
    std::string decoded, text;
    for (auto chunk : c.chunks) {
        decoded.clear();
        text.clear();
        dec.decode(chunk, decoded);
        conv.decode(decoded, text);
        m.feed(text);
    }
    decoded.clear();
    text.clear();
    dec.finish(decoded);
    conv.decode(decoded, text);
    conv.finish(text);
    m.feed(text);
    m.start_text();
    return m.matched();
}

}  // namespace

TEST_CASE("Zazolc gesla jazn in a quoted-printable ISO-8859-2 body matches GESLA and gesla",
          "[mime][search]") {
    // tests/data/mime 074.
    const std::string header =
        "Content-Type: text/plain; charset=iso-8859-2\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n";
    const std::string body = "Za=BF=F3=B3=E6 g=EA=B6l=B1 ja=BC=F1\r\n";

    const auto ct = parse_content_type(find_field(header, "Content-Type")->unfolded_value());
    REQUIRE(ct);
    const auto cs = find_charset(ct->find("charset")->value);
    REQUIRE(cs);
    CHECK(*cs == charset::iso_8859_2);
    const auto cte =
        find_transfer_decoding(find_field(header, "Content-Transfer-Encoding")->unfolded_value());
    REQUIRE(cte == transfer_decoding::quoted_printable);

    test::for_each_chunking(body, [&](const test::chunking& c) {
        INFO(c.description);
        CHECK(body_matches(c, *cte, *cs, geslo_upper));
        CHECK(body_matches(c, *cte, *cs, geslo_lower));
        CHECK_FALSE(body_matches(c, *cte, *cs, "gesla"));
    });
}

TEST_CASE("an ISO-8859-2 encoded-word Subject matches gesla", "[mime][search]") {
    // tests/data/mime 040.
    const std::string header = "Subject: =?ISO-8859-2?Q?Za=BF=F3=B3=E6_g=EA=B6l=B1_ja=BC=F1?=\r\n\r\n";
    const std::string subject = decode_encoded_words(find_field(header, "subject")->unfolded_value());
    CHECK(subject == "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 g\xc4\x99\xc5\x9bl\xc4\x85 ja\xc5\xba\xc5\x84");
    CHECK(contains_folded(subject, geslo_lower));
    CHECK(contains_folded(subject, geslo_upper));
    test::for_each_chunking(subject, [&](const test::chunking& c) {
        substring_matcher m(geslo_lower);
        for (auto chunk : c.chunks) m.feed(chunk);
        CHECK(m.matched());
    });
}

TEST_CASE("the same words in base64 UTF-8 and in windows-1250 bytes", "[mime][search]") {
    // "Zażółć gęślą jaźń" in UTF-8, base64 with a line break in the middle.
    const std::string b64 = "WmHFvMOzxYLEhyBnxJnF\r\nm2zEhSBqYcW6xYQ=\r\n";
    test::for_each_chunking(b64, [&](const test::chunking& c) {
        CHECK(body_matches(c, transfer_decoding::base64, charset::utf_8, geslo_upper));
    });
    const std::string cp1250 = "Za\xbf\xf3\xb3\xe6 g\xea\x9cl\xb9 ja\x9f\xf1";
    test::for_each_chunking(cp1250, [&](const test::chunking& c) {
        CHECK(body_matches(c, transfer_decoding::identity, charset::windows_1250, geslo_upper));
    });
}
