#include <mailaccess/mime/quoted_printable_decoder.hpp>

#include <catch2/catch.hpp>

#include "support/split_feed.hpp"

#include <string>

using namespace mailaccess;
using namespace mailaccess::mime;

namespace {

struct row {
    std::string in;
    std::string out;       // line ends as written
    std::string out_crlf;  // with crlf_line_ends
    bool clean;
};

const row rows[] = {
    {"", "", "", true},
    {"plain text", "plain text", "plain text", true},
    // RFC 2045 section 6.7 rules.
    {"caf=C3=A9 =3D =3d", "caf\xc3\xa9 = =", "caf\xc3\xa9 = =", true},  // rule 1, either case
    {"a very long line=\r\n that continues", "a very long line that continues",
     "a very long line that continues", true},  // rule 5
    {"soft with LF=\nbreak", "soft with LFbreak", "soft with LFbreak", true},
    {"padding after =  \t\r\nsoft", "padding after soft", "padding after soft", true},
    {"trailing   \r\nspaces\t \nand tabs  ", "trailing\r\nspaces\nand tabs", "trailing\r\nspaces\r\nand tabs",
     true},  // rule 3
    {"inner  spaces stay", "inner  spaces stay", "inner  spaces stay", true},
    {"line1\r\nline2\nline3\r\n", "line1\r\nline2\nline3\r\n", "line1\r\nline2\r\nline3\r\n", true},
    {"8-bit \xc3\xa9 passes", "8-bit \xc3\xa9 passes", "8-bit \xc3\xa9 passes", true},
    // The acceptance example (ISO-8859-2 bytes).
    {"Za=BF=F3=B3=E6 g=EA=B6l=B1 ja=BC=F1", "Za\xbf\xf3\xb3\xe6 g\xea\xb6l\xb1 ja\xbc\xf1",
     "Za\xbf\xf3\xb3\xe6 g\xea\xb6l\xb1 ja\xbc\xf1", true},
    // Invalid sequences are kept literally (tests/data/mime 084).
    {"bad =ZZ escape", "bad =ZZ escape", "bad =ZZ escape", false},
    {"half =4 escape", "half =4 escape", "half =4 escape", false},
    {"=4", "=4", "=4", false},
    {"ends with =", "ends with =", "ends with =", false},
    {"ends with = \t", "ends with = \t", "ends with = \t", false},
    {"= then text", "= then text", "= then text", false},
    {"=\rx", "=\rx", "=\rx", false},
    {"lone\rCR", "lone\rCR", "lone\rCR", false},
    {"ws \rCR", "ws \rCR", "ws \rCR", false},
    {"==41", "=A", "=A", false},
    {"=\r", "=\r", "=\r", false},
    {"x\r", "x\r", "x\r", false},
};

std::string decode_chunked(const test::chunking& c, bool crlf, bool& clean) {
    quoted_printable_decoder d(crlf);
    std::string out;
    for (auto chunk : c.chunks) d.decode(chunk, out);
    d.finish(out);
    clean = d.is_clean();
    return out;
}

}  // namespace

TEST_CASE("quoted-printable decoding at every chunk split", "[mime][qp]") {
    for (const auto& r : rows) {
        INFO(r.in);
        test::for_each_chunking(r.in, [&](const test::chunking& c) {
            INFO(c.description);
            bool clean = false;
            CHECK(decode_chunked(c, false, clean) == r.out);
            CHECK(clean == r.clean);
            CHECK(decode_chunked(c, true, clean) == r.out_crlf);
        });
        quoted_printable_decoder m;
        std::uint64_t n = 0;
        for (auto chunk : test::bytewise(r.in)) n += m.measure(chunk);
        n += m.finish_measure();
        CHECK(n == r.out.size());
        CHECK(m.is_clean() == r.clean);
        CHECK(r.out.size() <= r.in.size());
    }
}

TEST_CASE("quoted-printable holds back only a bounded run of whitespace", "[mime][qp]") {
    const std::size_t max = quoted_printable_decoder::max_held_whitespace;
    SECTION("a long run before a line end is dropped") {
        const std::string in = "a" + std::string(5 * max, ' ') + "\r\nb";
        quoted_printable_decoder d;
        std::string out;
        d.decode(in, out);
        d.finish(out);
        CHECK(out == "a\r\nb");
        CHECK(d.is_clean());
    }
    SECTION("a long run before text keeps what was held, and is unclean") {
        const std::string in = "a" + std::string(max + 10, ' ') + "b";
        quoted_printable_decoder d;
        std::string out;
        for (char c : in) d.decode(std::string_view(&c, 1), out);
        d.finish(out);
        CHECK(out == "a" + std::string(max, ' ') + "b");
        CHECK_FALSE(d.is_clean());
    }
    SECTION("a run at or under the bound is kept exactly") {
        const std::string in = "a" + std::string(max, '\t') + "b";
        quoted_printable_decoder d;
        std::string out;
        d.decode(in, out);
        d.finish(out);
        CHECK(out == in);
        CHECK(d.is_clean());
    }
}
