#include <mailaccess/mime/base64_decoder.hpp>

#include <catch2/catch.hpp>

#include "support/split_feed.hpp"

#include <string>

using namespace mailaccess;
using namespace mailaccess::mime;

namespace {

struct row {
    std::string in;
    std::string out;
    bool clean;
};

const row rows[] = {
    // RFC 4648 section 10 test vectors.
    {"", "", true},
    {"Zg==", "f", true},
    {"Zm8=", "fo", true},
    {"Zm9v", "foo", true},
    {"Zm9vYg==", "foob", true},
    {"Zm9vYmE=", "fooba", true},
    {"Zm9vYmFy", "foobar", true},
    // MIME bodies: line breaks (CRLF and bare LF) and transport whitespace.
    {"SGVsbG8g\r\nV29ybGQ=\r\n", "Hello World", true},
    {"SGVsbG8g\nV29y\tbGQ=\n", "Hello World", true},
    {"  SGVs bG8=  \r\n\r\n", "Hello", true},
    // Tolerated, unclean: garbage characters, missing padding, data after padding.
    {"SGVs*bG8=", "Hello", false},
    {"SGVsbG8", "Hello", false},
    {"SGVsbA", "Hell", false},
    {"SGVsbG8=V29ybGQ=", "Hello", false},
    {"SGVsbG8===", "Hello", false},
    {"SGVsb", "Hel", false},  // a lone final character makes no byte
    {"=SGVs", "", false},
    {"AAAA=", std::string(3, '\0'), false},
    {"\xff\xfe"
     "Zm9v",
     "foo", false},
    // 8-bit output.
    {"/+8=", "\xff\xef", true},
};

std::string decode_chunked(const test::chunking& c, bool& clean) {
    base64_decoder d;
    std::string out;
    for (auto chunk : c.chunks) {
        const std::size_t before = out.size();
        d.decode(chunk, out);
        CHECK(out.size() - before <= chunk.size());  // never more out than in
    }
    d.finish();
    clean = d.is_clean();
    return out;
}

}  // namespace

TEST_CASE("base64 decoding at every chunk split", "[mime][base64]") {
    for (const auto& r : rows) {
        INFO(r.in);
        test::for_each_chunking(r.in, [&](const test::chunking& c) {
            INFO(c.description);
            bool clean = false;
            CHECK(decode_chunked(c, clean) == r.out);
            CHECK(clean == r.clean);
        });
        base64_decoder m;
        std::uint64_t n = 0;
        for (auto chunk : test::bytewise(r.in)) n += m.measure(chunk);
        m.finish();
        CHECK(n == r.out.size());
        CHECK(m.is_clean() == r.clean);
    }
}

TEST_CASE("base64 decoding of a large body", "[mime][base64]") {
    // 0x00..0xFF repeated, encoded with 76-character lines.
    std::string raw;
    for (int i = 0; i < 3 * 100000; ++i) raw.push_back(static_cast<char>(i & 0xFF));
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string enc;
    for (std::size_t i = 0; i < raw.size(); i += 3) {
        const auto b = [&](std::size_t k) {
            return static_cast<unsigned>(static_cast<unsigned char>(raw[i + k]));
        };
        const unsigned v = (b(0) << 16) | (b(1) << 8) | b(2);
        for (int s = 18; s >= 0; s -= 6) enc.push_back(alphabet[(v >> s) & 63]);
        if (i % 57 == 54) enc += "\r\n";
    }
    base64_decoder d;
    std::string out;
    for (std::size_t i = 0; i < enc.size(); i += 4093) d.decode(std::string_view(enc).substr(i, 4093), out);
    d.finish();
    CHECK(out == raw);
    CHECK(d.is_clean());
}
