#include <mailaccess/mime/header_field.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace mailaccess::mime;

namespace {

struct entry {
    std::string name;
    std::string raw;
    std::string value;
    bool has_colon = true;
    bool operator==(const entry&) const = default;
};

std::vector<entry> entries(std::string_view block) {
    std::vector<entry> out;
    for (const header_field_view& f : header_fields_view(block))
        out.push_back({std::string(f.name), std::string(f.raw), std::string(f.value), f.has_colon});
    return out;
}

}  // namespace

TEST_CASE("find_header_end finds the blank line in CRLF, LF and mixed text", "[mime][header]") {
    struct row {
        std::string data;
        std::size_t size;
        bool blank;
        std::size_t blank_size;
    };
    const row rows[] = {
        {"", 0, false, 0},
        {"\r\n", 2, true, 2},
        {"\n", 1, true, 1},
        {"\r\nbody", 2, true, 2},
        {"A: b\r\n\r\nbody\r\n\r\nmore", 8, true, 2},
        {"A: b\n\nbody", 6, true, 1},
        {"A: b\n\r\nbody", 7, true, 2},             // bare LF line, CRLF blank line
        {"A: b\r\n", 6, false, 0},                  // header only (RFC 3501 6.4.5)
        {"A: b", 4, false, 0},                      // no final line end
        {"A: b\r\n \r\n\tc\r\n\r\n", 15, true, 2},  // whitespace-only lines are folding, not blank
        {"A: b\r\n\r", 7, false, 0},                // a lone CR is not a blank line
        {"A: b\r\r\n\r\nx", 9, true, 2},
    };
    for (const auto& r : rows) {
        INFO(r.data);
        const header_block_end e = find_header_end(r.data);
        CHECK(e.size == r.size);
        CHECK(e.has_blank_line == r.blank);
        CHECK(e.blank_line_size == r.blank_size);
    }
}

TEST_CASE("header fields come out with name, raw bytes and raw value", "[mime][header]") {
    const std::string block =
        "Received: from a\r\n"
        "\tby b; Tue, 5 Mar 2024 10:15:02 +0100\r\n"
        "Subject : spaced colon\r\n"
        "X-Empty:\r\n"
        "This line has no colon\r\n"
        "X-Folded: one\r\n"
        "  \r\n"
        " two\r\n"
        "x-8bit: Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87\r\n"
        "\r\n"
        "Body: not a header\r\n";
    const std::vector<entry> want = {
        {"Received", "Received: from a\r\n\tby b; Tue, 5 Mar 2024 10:15:02 +0100\r\n",
         " from a\r\n\tby b; Tue, 5 Mar 2024 10:15:02 +0100"},
        {"Subject", "Subject : spaced colon\r\n", " spaced colon"},
        {"X-Empty", "X-Empty:\r\n", ""},
        {"", "This line has no colon\r\n", "This line has no colon", false},
        {"X-Folded", "X-Folded: one\r\n  \r\n two\r\n", " one\r\n  \r\n two"},
        {"x-8bit", "x-8bit: Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87\r\n", " Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87"},
    };
    CHECK(entries(block) == want);
    // The raw bytes of all entries give back the block up to the blank line.
    std::string joined;
    for (const auto& e : entries(block)) joined += e.raw;
    CHECK(joined + "\r\n" == block.substr(0, find_header_end(block).size));
}

TEST_CASE("header fields tolerate bare LF, odd starts and missing line ends", "[mime][header]") {
    SECTION("bare LF") {
        CHECK(entries("A: 1\nB: 2\n continued\n\nbody") ==
              std::vector<entry>{{"A", "A: 1\n", " 1"}, {"B", "B: 2\n continued\n", " 2\n continued"}});
    }
    SECTION("a first line that is a continuation is not a field") {
        CHECK(entries(" orphan: x\r\n\tmore\r\nA: 1\r\n") ==
              std::vector<entry>{{"", " orphan: x\r\n\tmore\r\n", " orphan: x\r\n\tmore", false},
                                 {"A", "A: 1\r\n", " 1"}});
    }
    SECTION("no line end at the end of the data") {
        CHECK(entries("A: 1\r\nB: 2") == std::vector<entry>{{"A", "A: 1\r\n", " 1"}, {"B", "B: 2", " 2"}});
    }
    SECTION("a lone CR stays inside the value") {
        CHECK(entries("A: x\ry\r\n") == std::vector<entry>{{"A", "A: x\ry\r\n", " x\ry"}});
    }
    SECTION("an empty name is not a field") {
        CHECK(entries(": x\r\n") == std::vector<entry>{{"", ": x\r\n", ": x", false}});
    }
    SECTION("an empty block and a bare blank line have no fields") {
        CHECK(entries("").empty());
        CHECK(entries("\r\nA: 1\r\n").empty());
        CHECK(entries("\nA: 1\n").empty());
    }
    SECTION("line_end reports the final line end") {
        std::size_t offset = 0;
        const std::string block = "A: 1\r\nB: 2\nC: 3";
        CHECK(next_header_field(block, offset)->line_end() == "\r\n");
        CHECK(next_header_field(block, offset)->line_end() == "\n");
        CHECK(next_header_field(block, offset)->line_end().empty());
        CHECK(offset == block.size());
        CHECK_FALSE(next_header_field(block, offset));
    }
}

TEST_CASE("unfolding removes line breaks before whitespace only", "[mime][header]") {
    const std::pair<std::string, std::string> rows[] = {
        {"", ""},
        {"plain", "plain"},
        {"a\r\n b", "a b"},
        {"a\r\n\tb", "a\tb"},
        {"a\n b", "a b"},
        {"a\r\n \r\n b", "a  b"},  // obs-FWS: a whitespace-only line
        {"a\r\nb", "a\r\nb"},      // not a fold
        {"a\rb", "a\rb"},
        {"word009\r\n\tword010", "word009\tword010"},
    };
    for (const auto& [in, want] : rows) CHECK(unfold(in) == want);
}

TEST_CASE("unfolded_value drops the whitespace after the colon and the fold line ends", "[mime][header]") {
    const std::pair<std::string, std::string> rows[] = {
        {"Subject: hello\r\n", "hello"},
        {"Subject:hello\r\n", "hello"},
        {"Date: \t Tue,   5  Mar   2024 10:15:00   +0100  (CET)  \r\n",
         "Tue,   5  Mar   2024 10:15:00   +0100  (CET)  "},
        // RFC 5322 section 2.2.3; the value starts on a continuation line, so its space survives.
        {"Message-ID:\r\n < spaced.71@example.com >\r\n", " < spaced.71@example.com >"},
        {"Subject: a\r\n\tb\r\n c\r\n", "a\tb c"},
        {"X-Empty:\r\n", ""},
    };
    for (const auto& [field, want] : rows) {
        std::size_t offset = 0;
        const auto f = next_header_field(field, offset);
        REQUIRE(f);
        CHECK(f->unfolded_value() == want);
    }
}

TEST_CASE("find_field and find_fields match names case-insensitively", "[mime][header]") {
    const std::string block =
        "From: a@example.com\r\n"
        "subject: first\r\n"
        "Subject : second\r\n"
        "SUBJECT-X: no\r\n"
        "Subject\r\n"  // no colon: never matches
        "\r\n"
        "Subject: in the body\r\n";
    const auto first = find_field(block, "SUBJECT");
    REQUIRE(first);
    CHECK(first->value == " first");
    const auto all = find_fields(block, "Subject");
    REQUIRE(all.size() == 2);
    CHECK(all[1].raw == "Subject : second\r\n");
    CHECK_FALSE(find_field(block, "To"));
    CHECK(find_fields(block, "to").empty());
    CHECK_FALSE(find_field(block, ""));
}

TEST_CASE("header scanning stays linear on huge input", "[mime][header]") {
    // One 32 MiB line, then 200000 short fields: both must be single passes
    // (a quadratic scan would not finish within the ctest timeout).
    std::string block = "X-Long: " + std::string(32u << 20, 'x') + "\r\n";
    for (int i = 0; i < 200000; ++i) block += "A: b\r\n \r\n";
    block += "\r\n";
    CHECK(find_header_end(block).size == block.size());
    std::size_t count = 0;
    for (const auto& f : header_fields_view(block)) count += f.has_colon ? 1 : 0;
    CHECK(count == 200001);
    CHECK(find_fields(block, "a").size() == 200000);
    CHECK(find_field(block, "missing") == std::nullopt);
}
