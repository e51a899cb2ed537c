#include "../../src/imap/line_scan.hpp"

#include <catch2/catch.hpp>
#include <support/xorshift.hpp>

#include <cstddef>
#include <string>
#include <vector>

using namespace mailaccess;
using imap::detail::line_quote;
using imap::detail::line_scan;

namespace {

std::vector<imap::detail::line_scan_function> variants() {
    std::vector<imap::detail::line_scan_function> out;
    for (std::size_t i = 0; imap::detail::line_scan_variant(i) != nullptr; ++i)
        out.push_back(imap::detail::line_scan_variant(i));
    return out;
}

// Every variant, and the dispatched scan_line, from every start state and
// at every length of `s`, agrees with the scalar reference.
void check_all(const std::string& s) {
    static const auto fns = variants();
    for (const line_quote start :
         {line_quote{false, false}, line_quote{true, false}, line_quote{true, true}}) {
        for (std::size_t n : {s.size(), s.size() / 2, s.size() > 0 ? s.size() - 1 : 0}) {
            line_quote want_q = start;
            const line_scan want = imap::detail::scan_line_scalar(s.data(), n, want_q);
            auto check = [&](imap::detail::line_scan_function f) {
                line_quote q = start;
                const line_scan got = f(s.data(), n, q);
                INFO("input: " << s.substr(0, n) << " start " << start.in_quote << start.escape);
                REQUIRE(got.length == want.length);
                REQUIRE(got.found_lf == want.found_lf);
                REQUIRE(got.open_parens == want.open_parens);
                REQUIRE(q.in_quote == want_q.in_quote);
                REQUIRE(q.escape == want_q.escape);
            };
            for (auto f : fns) check(f);
            check(imap::detail::scan_line);
        }
    }
}

}  // namespace

TEST_CASE("line scan: the reference", "[imap][line_scan]") {
    line_quote q;
    const std::string s = "* 1 FETCH (FLAGS (\\Seen) ENVELOPE (\"a \\\"(\\\\\" {5}\r\nrest";
    const line_scan r = imap::detail::scan_line_scalar(s.data(), s.size(), q);
    CHECK(r.found_lf);
    CHECK(r.length == s.find('\n') + 1);
    CHECK(r.open_parens == 4);  // quoted ones too: an upper bound of the depth
    CHECK(!q.in_quote);

    line_quote open;
    const std::string unclosed = "a \"b\\\" {3}\r\n";
    (void)imap::detail::scan_line_scalar(unclosed.data(), unclosed.size(), open);
    CHECK(open.in_quote);
}

TEST_CASE("line scan: variants agree on adversarial lines", "[imap][line_scan]") {
    REQUIRE(variants().size() >= 1);
    // Backslash runs of every length ending on, before and after each 64-byte
    // boundary, with a quote after them, inside and outside strings.
    for (std::size_t pad = 0; pad < 70; ++pad) {
        for (std::size_t run = 0; run < 6; ++run) {
            for (const char* prefix : {"", "\"", "x\"y"}) {
                std::string s = prefix + std::string(pad, 'a') + std::string(run, '\\') + "\"z(\"\\";
                check_all(s);
                check_all(s + "\r\n" + s);
                check_all(std::string(pad, '"') + std::string(run, '\\'));
            }
        }
    }
    // Quotes at the very end, LF first, NUL and 8-bit bytes, empty input.
    for (const std::string& s :
         {std::string(), std::string("\n"), std::string(63, 'a') + "\"", std::string(64, 'a') + "\"",
          std::string(127, '\\') + "\"\n", std::string("\0\"\xff\\\"\x80(\n", 9), std::string(200, '(')}) {
        check_all(s);
    }
}

TEST_CASE("line scan: variants agree on random lines", "[imap][line_scan]") {
    test::xorshift rng(0x51d5c4ull);
    const char alphabet[] = {'"', '\\', '(', ')', '\n', '\r', ' ', 'a', '{', '}', '\0', '\x80', '\xff'};
    for (int round = 0; round < 3000; ++round) {
        std::string s(rng.between(0, 300), 'a');
        // Mostly text, sometimes dense in the bytes that matter.
        const double dense = rng.chance(0.5) ? 0.9 : 0.1;
        for (char& c : s)
            if (rng.chance(dense)) c = rng.pick(alphabet);
        check_all(s);
    }
}
