#include <mailaccess/mime/transfer_decoder.hpp>

#include <catch2/catch.hpp>

#include "support/split_feed.hpp"

#include <optional>
#include <string>

using namespace mailaccess;
using namespace mailaccess::mime;

TEST_CASE("Content-Transfer-Encoding values map to decoders", "[mime][cte]") {
    using d = transfer_decoding;
    const std::pair<std::string, std::optional<d>> rows[] = {
        {"7bit", d::identity},
        {"8bit", d::identity},
        {"binary", d::identity},
        {"BINARY", d::identity},
        {"base64", d::base64},
        {"BASE64", d::base64},
        {" Base64 ", d::base64},
        {"quoted-printable", d::quoted_printable},
        {"Quoted-Printable", d::quoted_printable},
        {"7bit (seven bit)", d::identity},  // tests/data/mime 094
        {"(c) base64", d::base64},
        {"\r\n base64", d::base64},
        {"x-uuencode", std::nullopt},  // 083: unknown, BINARY answers [UNKNOWN-CTE]
        {"rot13", std::nullopt},
        {"???", std::nullopt},  // 035: unparsable
        {"7bit 8bit", std::nullopt},
        {"\"base64\"", std::nullopt},
        {"", std::nullopt},
        {"quoted-printable; x=y", std::nullopt},
    };
    for (const auto& [value, want] : rows) {
        INFO(value);
        CHECK(find_transfer_decoding(value) == want);
        CHECK(transfer_decoding_for(value) == want.value_or(d::identity));
    }
    CHECK(parse_mechanism(" 7bit (seven bit)") == "7bit");
    CHECK(parse_mechanism("X-UUencode") == "X-UUencode");
    CHECK(parse_mechanism("???").empty());
}

TEST_CASE("transfer_decoder decodes every kind the same at every chunk split", "[mime][cte]") {
    struct row {
        transfer_decoding kind;
        std::string in, out;
        bool clean;
    };
    const row rows[] = {
        {transfer_decoding::identity, std::string("any\r\nbytes\n\xff\x00 =ZZ", 17),
         std::string("any\r\nbytes\n\xff\x00 =ZZ", 17), true},
        {transfer_decoding::base64, "SGVsbG8g\r\nV29ybGQ=\r\n", "Hello World", true},
        {transfer_decoding::base64, "SGVs*bG8", "Hello", false},
        {transfer_decoding::quoted_printable, "caf=C3=A9 \r\nsoft=\r\nbreak", "caf\xc3\xa9\r\nsoftbreak",
         true},
        {transfer_decoding::quoted_printable, "end=", "end=", false},
    };
    for (const auto& r : rows) {
        INFO(r.in);
        test::for_each_chunking(r.in, [&](const test::chunking& c) {
            INFO(c.description);
            transfer_decoder dec(r.kind);
            std::string out;
            std::uint64_t measured = 0;
            transfer_decoder counter(r.kind);
            for (auto chunk : c.chunks) {
                dec.decode(chunk, out);
                measured += counter.measure(chunk);
            }
            dec.finish(out);
            measured += counter.finish_measure();
            CHECK(out == r.out);
            CHECK(measured == out.size());
            CHECK(dec.is_clean() == r.clean);
            CHECK(dec.kind() == r.kind);
        });
        CHECK(decode_transfer(r.kind, r.in) == r.out);
        CHECK(decoded_size(r.kind, r.in) == r.out.size());
    }
}

TEST_CASE("crlf_line_ends applies to quoted-printable only", "[mime][cte]") {
    CHECK(decode_transfer(transfer_decoding::quoted_printable, "a\nb", true) == "a\r\nb");
    CHECK(decoded_size(transfer_decoding::quoted_printable, "a\nb", true) == 4);
    CHECK(decode_transfer(transfer_decoding::identity, "a\nb", true) == "a\nb");
    CHECK(decode_transfer(transfer_decoding::base64, "YQpi", true) == "a\nb");
}
