#include <mailaccess/pop3/dot_stuffing.hpp>

#include <catch2/catch.hpp>
#include <support/split_feed.hpp>

#include <optional>
#include <string>

using namespace mailaccess;

namespace {

std::string encode(const std::vector<std::string_view>& chunks, std::optional<std::uint64_t> top = {}) {
    pop3::dot_stuffer enc = top ? pop3::dot_stuffer(*top) : pop3::dot_stuffer();
    std::string out;
    for (auto c : chunks) enc.encode(c, out);
    enc.finish(out);
    return out;
}

struct decoded {
    std::string body;
    std::string rest;
    bool done = false;
    std::error_code error;
    bool operator==(const decoded&) const = default;
};

decoded decode(const std::vector<std::string_view>& chunks, std::uint64_t max = 1 << 20) {
    pop3::dot_unstuffer dec(max);
    decoded out;
    for (auto c : chunks) {
        if (out.done) {
            out.rest += c;
            continue;
        }
        auto used = dec.decode(c, out.body);
        if (!used) {
            out.error = used.error();
            return out;
        }
        out.done = dec.is_done();
        if (out.done)
            out.rest += c.substr(*used);
        else
            CHECK(*used == c.size());
    }
    return out;
}

}  // namespace

TEST_CASE("dot_stuffer output at every split point", "[pop3][dot_stuffing]") {
    const std::vector<std::pair<std::string, std::string>> rows{
        {"", ".\r\n"},
        {".", "..\r\n.\r\n"},
        {".\r\n", "..\r\n.\r\n"},
        {"a\r\n.b\r\n..c\r\n", "a\r\n..b\r\n...c\r\n.\r\n"},
        {"a\nb\n", "a\r\nb\r\n.\r\n"},
        {"no final crlf", "no final crlf\r\n.\r\n"},
        {"ends in cr\r", "ends in cr\r\n.\r\n"},
        {"bare\rcr\r\n", "bare\r\ncr\r\n.\r\n"},
        {"\r\n.\r\n.", "\r\n..\r\n..\r\n.\r\n"},
        {"x\r\r\n", "x\r\n\r\n.\r\n"},
    };
    for (const auto& row : rows) {
        const auto& in = row.first;
        const auto& expected = row.second;
        test::for_each_chunking(in, [&](const test::chunking& c) {
            INFO(c.description << " of \"" << in << "\"");
            CHECK(encode(c.chunks) == expected);
        });
    }
}

TEST_CASE("TOP: header, blank line and the first n body lines", "[pop3][dot_stuffing]") {
    const std::string msg = "Subject: x\r\nFrom: y\r\n\r\n.one\r\ntwo\r\nthree\r\n";
    const std::vector<std::pair<std::uint64_t, std::string>> rows{
        {0, "Subject: x\r\nFrom: y\r\n\r\n.\r\n"},
        {1, "Subject: x\r\nFrom: y\r\n\r\n..one\r\n.\r\n"},
        {2, "Subject: x\r\nFrom: y\r\n\r\n..one\r\ntwo\r\n.\r\n"},
        {10, "Subject: x\r\nFrom: y\r\n\r\n..one\r\ntwo\r\nthree\r\n.\r\n"},
    };
    for (const auto& row : rows) {
        const auto& n = row.first;
        const auto& expected = row.second;
        test::for_each_chunking(msg, [&](const test::chunking& c) {
            INFO(c.description << " TOP " << n);
            CHECK(encode(c.chunks, n) == expected);
        });
    }
    // A header without a body: everything is header.
    CHECK(encode({"Subject: x"}, 0) == "Subject: x\r\n.\r\n");
    pop3::dot_stuffer enc(1);
    std::string out;
    enc.encode("h\n\nb1\nb2\n", out);
    CHECK(enc.is_complete());
    CHECK(out == "h\r\n\r\nb1\r\n");
}

TEST_CASE("dot_unstuffer at every split point", "[pop3][dot_stuffing]") {
    const std::vector<std::tuple<std::string, std::string, std::string>> rows{
        {".\r\n", "", ""},
        {"..\r\n.\r\n+OK next\r\n", ".\r\n", "+OK next\r\n"},
        {"a\r\n..b\r\n...c\r\n.\r\n", "a\r\n.b\r\n..c\r\n", ""},
        {"a\nb\n.\n", "a\r\nb\r\n", ""},
        {"x\ry\r\n.\r\n", "x\ry\r\n", ""},
        {".x\r\n.\r\n", "x\r\n", ""},
        {".\rz\r\n.\r\n", "\rz\r\n", ""},
    };
    for (const auto& row : rows) {
        // Named copies, not structured bindings: clang-14 cannot capture those.
        const std::string& in = std::get<0>(row);
        const decoded expected{std::get<1>(row), std::get<2>(row), true, {}};
        test::for_each_chunking(in, [&](const test::chunking& c) {
            INFO(c.description << " of \"" << in << "\"");
            CHECK(decode(c.chunks) == expected);
        });
    }
    // Not terminated yet: not done, nothing lost.
    auto partial = decode({"abc\r\n.."});
    CHECK_FALSE(partial.done);
    CHECK(partial.body == "abc\r\n.");
}

TEST_CASE("dot_unstuffer is bounded", "[pop3][dot_stuffing]") {
    auto r = decode({std::string(100, 'x')}, 50);
    CHECK(r.error == pop3::errc::response_too_large);
    pop3::dot_unstuffer dec(4);
    std::string out;
    CHECK(dec.decode("abc", out));
    CHECK(dec.decode("de", out).error() == pop3::errc::response_too_large);
    CHECK(dec.decode(".\r\n", out).error() == pop3::errc::response_too_large);  // sticky
}

TEST_CASE("encode then decode gives the CRLF-normalised message", "[pop3][dot_stuffing]") {
    for (std::string msg :
         {"", ".", "..", "a", "\n", "\r", "\r\n", ".\n.\n", "x\r\n.\r\n", "a\rb\nc\r\n.d"}) {
        const std::string wire = encode({msg});
        std::string normal;
        for (std::size_t i = 0; i < msg.size(); ++i) {
            if (msg[i] == '\r') {
                normal += "\r\n";
                if (i + 1 < msg.size() && msg[i + 1] == '\n') ++i;
            } else if (msg[i] == '\n')
                normal += "\r\n";
            else
                normal += msg[i];
        }
        if (!normal.empty() && !normal.ends_with("\r\n")) normal += "\r\n";
        test::for_each_chunking(wire, [&](const test::chunking& c) {
            INFO(c.description);
            auto d = decode(c.chunks);
            CHECK(d.done);
            CHECK(d.body == normal);
        });
    }
}

namespace {

// The RFC 1939 section 3 rules, one octet at a time: CR, LF and CRLF all
// end a line (sent as CRLF), a line starting with "." gets one more, the
// last line is ended, then ".\r\n".
std::string reference_stuffing(std::string_view msg) {
    std::string out;
    bool line_start = true;
    for (std::size_t i = 0; i < msg.size(); ++i) {
        const char c = msg[i];
        if (c == '\r' || c == '\n') {
            out += "\r\n";
            line_start = true;
            if (c == '\r' && i + 1 < msg.size() && msg[i + 1] == '\n') ++i;
            continue;
        }
        if (line_start && c == '.') out += '.';
        out += c;
        line_start = false;
    }
    if (!line_start) out += "\r\n";
    return out + ".\r\n";
}

}  // namespace

TEST_CASE("dot_stuffer and dot_unstuffer on long mostly-clean text match the one-octet rules",
          "[pop3][dot_stuffing]") {
    // The encoders copy runs of plain CRLF lines at once, 16 positions at a
    // time: anomalies (a dot line, a bare CR or LF, a CR at a chunk's end)
    // at every offset of those blocks and across chunk boundaries.
    std::uint32_t seed = 12345;
    auto next = [&seed](std::uint32_t bound) {
        seed = seed * 1664525u + 1013904223u;
        return (seed >> 8) % bound;
    };
    for (int round = 0; round < 2000; ++round) {
        std::string msg;
        const std::uint32_t lines = 1 + next(12);
        for (std::uint32_t l = 0; l < lines; ++l) {
            if (next(4) == 0) msg += '.';
            msg.append(next(40), static_cast<char>('a' + next(26)));
            if (next(6) == 0) msg += next(2) == 0 ? "\r" : "\n";
            if (next(8) == 0) msg += '.';
            msg += next(10) == 0 ? "\n" : next(10) == 0 ? "\r" : "\r\n";
        }
        if (next(5) == 0) msg.pop_back();
        const std::string expected = reference_stuffing(msg);
        // Three chunkings: whole, two random cuts.
        std::vector<std::size_t> cuts{msg.size()};
        cuts.push_back(msg.empty() ? 0 : next(static_cast<std::uint32_t>(msg.size())));
        cuts.push_back(msg.empty() ? 0 : next(static_cast<std::uint32_t>(msg.size())));
        for (std::size_t cut : cuts) {
            const std::string_view whole(msg);
            INFO("round " << round << " cut " << cut);
            const std::string wire = encode({whole.substr(0, cut), whole.substr(cut)});
            REQUIRE(wire == expected);
            const std::size_t wire_cut = cut % (wire.size() + 1);
            const std::string_view w(wire);
            auto d = decode({w.substr(0, wire_cut), w.substr(wire_cut)});
            REQUIRE(d.done);
            REQUIRE(d.rest.empty());
            // Unstuffing gives the stuffed lines back without the extra dots.
            REQUIRE(encode({d.body}) == expected);
        }
    }
}
