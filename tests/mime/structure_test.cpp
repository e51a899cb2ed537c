#include <mailaccess/mime/structure_parser.hpp>

#include <mailaccess/mime/binary_view.hpp>
#include <mailaccess/mime/body_structure_view.hpp>
#include <mailaccess/mime/error.hpp>
#include <mailaccess/mime/header_selection.hpp>
#include <mailaccess/mime/section_view.hpp>

#include "support/split_feed.hpp"
#include "support/string_source.hpp"
#include "support/to_crlf.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

using namespace mailaccess;
using mime::message_part;
using mime::part_kind;

using mailaccess::test::string_source;
using mailaccess::test::to_crlf;

namespace {

// A message made on the fly: `head`, then `fill` repeated up to `size`
// bytes in total, then `tail`. Nothing but the pattern is stored, so a
// 100 MB message costs no memory.
class generated_source final : public byte_source {
public:
    generated_source(std::string head, std::string fill, std::uint64_t fill_size, std::string tail)
        : head_(std::move(head)), fill_(std::move(fill)), fill_size_(fill_size), tail_(std::move(tail)) {}
    std::uint64_t size() const noexcept override { return head_.size() + fill_size_ + tail_.size(); }
    result<std::size_t> read(std::uint64_t offset, std::span<char> out) override {
        std::size_t n = 0;
        while (n < out.size() && offset < size()) {
            std::string_view from;
            std::uint64_t at = 0;
            if (offset < head_.size()) {
                from = head_;
                at = offset;
            } else if (offset < head_.size() + fill_size_) {
                from = fill_;
                at = (offset - head_.size()) % fill_.size();
                from = from.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(
                                          fill_.size(), at + head_.size() + fill_size_ - offset)));
            } else {
                from = tail_;
                at = offset - head_.size() - fill_size_;
            }
            const std::size_t k = std::min(out.size() - n, from.size() - static_cast<std::size_t>(at));
            std::memcpy(out.data() + n, from.data() + at, k);
            n += k;
            offset += k;
        }
        return n;
    }

private:
    std::string head_, fill_;
    std::uint64_t fill_size_;
    std::string tail_;
};

std::string section(const mime::message_structure& s, const std::string& text, const std::string& spec) {
    string_source src(text);
    const std::string owned = "[" + spec + "]";
    imap::parse_cursor cur(owned);
    auto sp = imap::parse_section(cur);
    REQUIRE(sp.has_value());
    auto c = mime::resolve_section(s, *sp, std::nullopt, src);
    REQUIRE(c.has_value());
    auto data = mime::read_section(src, *c);
    REQUIRE(data.has_value());
    return *data;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

const std::string multipart_message =
    "From: a@example.com\r\n"
    "Content-Type: multipart/mixed; boundary=\"xx\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--xx\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "one\r\n"
    "two\r\n"
    "--xx\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner\r\n"
    "\r\n"
    "inner body\r\n"
    "--xx--\r\n"
    "epilogue\r\n";

}  // namespace

TEST_CASE("an empty message is one empty text/plain part", "[mime][structure]") {
    const auto s = mime::parse_structure(std::string_view());
    REQUIRE(s.parts().size() == 1);
    CHECK(s.root().kind == part_kind::leaf);
    CHECK(s.root().header_size == 0);
    CHECK(s.root().body_size == 0);
    CHECK(s.imap_size() == 0);
    CHECK(s == mime::message_structure());
    CHECK(s.envelope() == imap::envelope{});
}

TEST_CASE("a single part message: sizes, lines, header block", "[mime][structure]") {
    const std::string m = "Subject: x\r\n\r\nline 1\r\nline 2\r\n";
    const auto s = mime::parse_structure(m);
    REQUIRE(s.parts().size() == 1);
    const message_part& r = s.root();
    CHECK(r.header_size == 14);
    CHECK(r.body_offset() == 14);
    CHECK(r.body_size == 16);
    CHECK(r.body_lines == 2);
    CHECK(r.is_text);
    CHECK(r.fields.params == std::vector<std::pair<std::string, std::string>>{{"charset", "us-ascii"}});
    CHECK(s.envelope().subject == "x");
    CHECK_FALSE(s.has_bare_lf());
}

TEST_CASE("bare LF is counted as CRLF; a lone CR is not a line end", "[mime][structure]") {
    const std::string m = "Subject: x\n\nline 1\nlone\rcr\r\nlast";
    const auto s = mime::parse_structure(m);
    const message_part& r = s.root();
    CHECK(s.has_bare_lf());
    CHECK(r.header_size == 12);
    CHECK(r.header_imap_size == 14);
    CHECK(r.body_size == m.size() - 12);
    CHECK(r.body_imap_size == r.body_size + 1);
    CHECK(r.body_lines == 2);
    CHECK(s.imap_size() == to_crlf(m).size());
    CHECK(section(s, m, "") == to_crlf(m));
    CHECK(section(s, m, "TEXT") == to_crlf(m.substr(12)));
}

TEST_CASE("multipart: parts, preamble, epilogue, message/rfc822", "[mime][structure]") {
    const auto s = mime::parse_structure(multipart_message);
    REQUIRE(s.parts().size() == 4);
    CHECK(s.root().kind == part_kind::multipart);
    CHECK(s.root().child_count == 2);
    const message_part& text = s.parts()[1];
    CHECK(text.parent == 0);
    CHECK(text.next_sibling == 2);
    CHECK(section(s, multipart_message, "1") == "one\r\ntwo");
    CHECK(text.body_lines == 1);
    const message_part& msg = s.parts()[2];
    CHECK(msg.kind == part_kind::message);
    CHECK(msg.next_sibling == message_part::npos);
    CHECK(s.parts()[3].is_message_root());
    CHECK(s.envelopes()[s.parts()[3].envelope_index].subject == "inner");
    CHECK(section(s, multipart_message, "2") == "Subject: inner\r\n\r\ninner body");
    CHECK(section(s, multipart_message, "2.HEADER") == "Subject: inner\r\n\r\n");
    CHECK(section(s, multipart_message, "2.TEXT") == "inner body");
    CHECK(section(s, multipart_message, "2.1") == "inner body");
    CHECK(section(s, multipart_message, "2.1.MIME") == "Subject: inner\r\n\r\n");
    CHECK(section(s, multipart_message, "2.MIME") == "Content-Type: message/rfc822\r\n\r\n");
    // Nonexistent parts and HEADER of a non-message part are empty.
    CHECK(section(s, multipart_message, "3") == "");
    CHECK(section(s, multipart_message, "1.1") == "");
    CHECK(section(s, multipart_message, "1.HEADER") == "");
    CHECK(section(s, multipart_message, "2.2") == "");
}

TEST_CASE("find_part follows RFC 3501 section 6.4.5 numbering", "[mime][section]") {
    const auto s = mime::parse_structure(multipart_message);
    using v = std::vector<std::uint32_t>;
    CHECK(mime::find_part(s, v{}) == 0);
    CHECK(mime::find_part(s, v{1}) == 1);
    CHECK(mime::find_part(s, v{2}) == 2);
    CHECK(mime::find_part(s, v{2, 1}) == 3);
    CHECK(mime::find_part(s, v{3}) == message_part::npos);
    CHECK(mime::find_part(s, v{1, 1}) == message_part::npos);
    CHECK(mime::find_part(s, v{2, 2}) == message_part::npos);
    const auto single = mime::parse_structure(std::string_view("Subject: x\r\n\r\nbody\r\n"));
    CHECK(mime::find_part(single, v{1}) == 0);
    CHECK(mime::find_part(single, v{2}) == message_part::npos);
    CHECK(mime::find_part(single, v{1, 1}) == message_part::npos);
}

TEST_CASE("chunking never changes the structure", "[mime][structure][split]") {
    const std::vector<std::string> inputs = {
        multipart_message,
        to_crlf("Content-Type: multipart/mixed; boundary=a\n\n--a\n\n--a\nContent-Type: text/plain\n\n--a--"),
        "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; "
        "boundary=b\n\n"
        "--b\n\nx\n--b--\n--b\n\ny\n--b--\n",
        "Subject: no body",
        "Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: message/rfc822\r\n\r\nA: "
        "b\r\n--q--",
        "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: s\n\nb\n--d\n\n--d--\n",
        std::string("A: \0b\r\n\r\n\0x\n", 13),
    };
    for (const auto& input : inputs) {
        const auto whole = mime::parse_structure(input);
        mailaccess::test::for_each_chunking(input, [&](const mailaccess::test::chunking& c) {
            mime::structure_parser p;
            for (auto chunk : c.chunks) p.feed(chunk);
            INFO(c.description);
            CHECK(p.finish() == whole);
        });
    }
}

TEST_CASE("the cache form round-trips and refuses damage", "[mime][structure][cache]") {
    const auto s = mime::parse_structure(multipart_message);
    const std::string bytes = s.serialize();
    CHECK(static_cast<unsigned char>(bytes.front()) == mime::message_structure::format_version);
    auto back = mime::message_structure::deserialize(bytes);
    REQUIRE(back.has_value());
    CHECK(*back == s);
    CHECK(back->serialize() == bytes);
    for (std::size_t n = 0; n < bytes.size(); ++n)
        CHECK_FALSE(mime::message_structure::deserialize(bytes.substr(0, n)));
    CHECK_FALSE(mime::message_structure::deserialize(bytes + "x"));
    std::string other_version = bytes;
    other_version[0] = static_cast<char>(mime::message_structure::format_version + 1);
    CHECK_FALSE(mime::message_structure::deserialize(other_version));
    // The summary: the same facts from the front of the entry; refused on
    // another version or when the entry ends before the root's sizes.
    auto summary = mime::message_structure::peek_summary(bytes);
    REQUIRE(summary.has_value());
    CHECK(*summary == s.summary());
    CHECK(summary->imap_size == s.imap_size());
    CHECK_FALSE(mime::message_structure::peek_summary(other_version));
    CHECK_FALSE(mime::message_structure::peek_summary(bytes.substr(0, 6)));
    using namespace std::string_literals;
    for (const std::string& m : {""s, "a\nb\n\nbody\n"s, "x: y\r\n\r\nnul\0here\nbare\r\n"s}) {
        const auto t = mime::parse_structure(m);
        auto p = mime::message_structure::peek_summary(t.serialize());
        REQUIRE(p.has_value());
        CHECK(*p == t.summary());
    }
    // The ENVELOPE, past every part of a multipart; refused when cut short.
    auto envelope = mime::message_structure::peek_envelope(bytes);
    REQUIRE(envelope.has_value());
    CHECK(*envelope == s.envelope());
    CHECK(envelope->from.size() == 1);  // the outer message's, not the inner one's
    // Cut anywhere, it fails or (cut inside the second ENVELOPE, of the
    // message/rfc822 part, which it does not read) gives the right one;
    // never a wrong one. Cut inside the parts, it fails.
    REQUIRE(s.envelopes().size() == 2);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        INFO("cut at " << n);
        const auto cut = mime::message_structure::peek_envelope(bytes.substr(0, n));
        CHECK((!cut || *cut == s.envelope()));
        if (n < bytes.size() / 2) CHECK_FALSE(cut);
    }
    CHECK_FALSE(mime::message_structure::peek_envelope(other_version));
    // Any single damaged byte either fails or gives a structure whose views
    // stay in bounds.
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        std::string damaged = bytes;
        damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
        auto d = mime::message_structure::deserialize(damaged);
        if (!d) continue;
        (void)mime::make_body_structure(*d);
        for (std::uint32_t k = 1; k <= 3; ++k) {
            std::vector<std::uint32_t> numbers{k};
            (void)mime::find_part(*d, numbers);
        }
    }
}

TEST_CASE("section_reader: partial ranges through the CRLF conversion", "[mime][section]") {
    // NULs (sent as 0x80) alone, adjacent, and last on a line.
    const std::string m = std::string("A: b\n\nx\ny\r\n\n\0z\0\0w\0\n", 19);
    string_source src(m);
    const auto s = mime::parse_structure(m);
    std::string sent = to_crlf(m);
    std::replace(sent.begin(), sent.end(), '\0', '\x80');
    for (std::uint64_t off = 0; off <= sent.size() + 1; ++off) {
        for (std::uint64_t len = 1; len <= sent.size() + 1; ++len) {
            auto c = mime::resolve_section(s, {}, imap::partial{off, len}, src);
            REQUIRE(c.has_value());
            const std::string want = off < sent.size() ? sent.substr(off, len) : "";
            CHECK(c->size == want.size());
            CHECK(c->origin == off);
            auto data = mime::read_section(src, *c);
            REQUIRE(data.has_value());
            INFO(off << " " << len);
            CHECK(*data == want);
            // Reading one octet at a time gives the same bytes.
            mime::section_reader reader(src, *c);
            std::string slow;
            char ch = 0;
            for (;;) {
                auto n = reader.read(std::span<char>(&ch, 1));
                REQUIRE(n.has_value());
                if (*n == 0) break;
                slow.push_back(ch);
            }
            CHECK(slow == want);
        }
    }
}

TEST_CASE("HEADER.FIELDS is generated with CRLF", "[mime][section]") {
    const std::string m = "From: a\nSubject: s\nTo: t\n\nbody\n";
    const auto s = mime::parse_structure(m);
    CHECK(section(s, m, "HEADER.FIELDS (subject)") == "Subject: s\r\n\r\n");
    CHECK(section(s, m, "HEADER.FIELDS.NOT (subject)") == "From: a\r\nTo: t\r\n\r\n");
}

TEST_CASE("BINARY of 7bit content is the content", "[mime][binary]") {
    const std::string m = "Content-Transfer-Encoding: 8bit\n\nab\ncd\n";
    string_source src(m);
    const auto s = mime::parse_structure(m);
    const std::vector<std::uint32_t> one{1};
    auto b = mime::resolve_binary(s, one);
    REQUIRE(b.has_value());
    CHECK_FALSE(b->literal8);
    auto size = mime::binary_size(src, *b);
    REQUIRE(size.has_value());
    CHECK(*size == 8);
    auto data = mime::read_binary(src, *b, imap::partial{1, 4});
    REQUIRE(data.has_value());
    CHECK(*data == "b\r\nc");
}

TEST_CASE("BINARY refuses an unknown Content-Transfer-Encoding", "[mime][binary]") {
    const std::string m = "Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n";
    const auto s = mime::parse_structure(m);
    const std::vector<std::uint32_t> one{1};
    auto b = mime::resolve_binary(s, one);
    CHECK(b.error() == mime::errc::unknown_transfer_encoding);
}

TEST_CASE("limits: nesting beyond max_nesting becomes an opaque leaf", "[mime][limits]") {
    std::string m;
    const int levels = 10;
    for (int i = 0; i < levels; ++i)
        m += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" +
             std::to_string(i) + "\r\n";
    m += "\r\nleaf\r\n";
    mime::structure_limits lim;
    lim.max_nesting = 4;
    const auto s = mime::parse_structure(m, lim);
    CHECK(s.is_truncated());
    std::uint32_t deepest = 0;
    for (const auto& p : s.parts()) deepest = std::max(deepest, p.depth);
    CHECK(deepest == 3);
    const auto& last = s.parts().back();
    CHECK(last.kind == part_kind::leaf);
    CHECK(last.fields.media_type == "application");
    CHECK(last.fields.media_subtype == "octet-stream");
    CHECK(last.fields.params == std::vector<std::pair<std::string, std::string>>{{"boundary", "b3"}});
}

TEST_CASE("limits: at most max_parts parts", "[mime][limits]") {
    std::string m = "Content-Type: multipart/mixed; boundary=p\r\n\r\n";
    for (int i = 0; i < 100; ++i) m += "--p\r\n\r\nx\r\n";
    m += "--p--\r\n";
    mime::structure_limits lim;
    lim.max_parts = 10;
    const auto s = mime::parse_structure(m, lim);
    CHECK(s.parts().size() == 10);
    CHECK(s.root().child_count == 9);
    CHECK(s.parts().back().body_offset() + s.parts().back().body_size == m.size());
}

TEST_CASE("hostile: 10000 nested multiparts", "[mime][limits][hostile]") {
    std::string m;
    const int levels = 10000;
    // Fixed-width boundaries, so that none is a prefix of another.
    const auto name = [](int i) { return "n" + std::to_string(100000 + i); };
    for (int i = 0; i < levels; ++i)
        m += "Content-Type: multipart/mixed; boundary=" + name(i) + "\r\n\r\n--" + name(i) + "\r\n";
    m += "\r\ndeepest\r\n";
    for (int i = levels; i-- > 0;) m += "--" + name(i) + "--\r\n";
    const auto start = std::chrono::steady_clock::now();
    const auto s = mime::parse_structure(m);
    const double t = seconds_since(start);
    std::cout << "hostile 10000 nested multiparts (" << m.size() << " bytes): " << t << " s\n";
    CHECK(s.is_truncated());
    CHECK(s.parts().size() == 100);
    CHECK(s.parts().back().depth == 99);
    CHECK(s.imap_size() == m.size());
    string_source src(m);
    auto again = mime::parse_structure(src, {}, 1000);
    REQUIRE(again.has_value());
    CHECK(*again == s);
    (void)mime::make_body_structure(s);
}

TEST_CASE("hostile: a 100 MB header line", "[mime][limits][hostile]") {
    const std::uint64_t size = 100ull * 1024 * 1024;
    generated_source src("X-Long: ", std::string(4096, 'a'), size,
                         "\r\nContent-Type: text/html\r\nSubject: s\r\n\r\nbody\r\n");
    const auto start = std::chrono::steady_clock::now();
    auto s = mime::parse_structure(src);
    const double t = seconds_since(start);
    std::cout << "hostile 100 MB header line: " << t << " s\n";
    REQUIRE(s.has_value());
    CHECK(s->is_truncated());
    CHECK(s->parts().size() == 1);
    CHECK(s->root().header_size == 8 + size + 2 + 25 + 12 + 2);
    CHECK(s->root().body_size == 6);
    // Fields after the buffered part of the header are not seen: defaults.
    CHECK(s->root().fields.media_subtype == "plain");
}

TEST_CASE("hostile: a boundary that is never closed, 100 MB of lines", "[mime][limits][hostile]") {
    const std::uint64_t size = 100ull * 1024 * 1024;
    generated_source src(
        "Content-Type: multipart/mixed; boundary=never\r\n\r\n--never\r\n\r\n",
        [] {
            std::string lines;
            for (int i = 0; i < 100; ++i) lines += "--neve line that looks like a delimiter\r\n";
            return lines;
        }(),
        size, "");
    const auto start = std::chrono::steady_clock::now();
    auto s = mime::parse_structure(src);
    const double t = seconds_since(start);
    std::cout << "hostile 100 MB never-closed boundary: " << t << " s\n";
    REQUIRE(s.has_value());
    REQUIRE(s->parts().size() == 2);
    CHECK(s->parts()[1].end_offset() == src.size());
}

TEST_CASE("hostile: many delimiter-like lines under 99 open boundaries", "[mime][limits][hostile]") {
    std::string head;
    for (int i = 0; i < 120; ++i)
        head += "Content-Type: multipart/mixed; boundary=bnd" + std::to_string(1000 + i) + "\r\n\r\n--bnd" +
                std::to_string(1000 + i) + "\r\n";
    const std::uint64_t size = 50ull * 1024 * 1024;
    std::string lines;
    for (int i = 0; i < 512; ++i) lines += "--bnd9\r\n";
    generated_source src(head, lines, size, "");
    const auto start = std::chrono::steady_clock::now();
    auto s = mime::parse_structure(src);
    const double t = seconds_since(start);
    std::cout << "hostile 50 MB of '--' lines, 99 open boundaries: " << t << " s\n";
    REQUIRE(s.has_value());
    CHECK(s->parts().size() == 100);
}

TEST_CASE("hostile: 100000 From fields", "[mime][limits][hostile]") {
    std::string m;
    for (int i = 0; i < 100000; ++i) m += "From: a" + std::to_string(i) + "@example.com, b@example.com\r\n";
    m += "\r\nbody\r\n";
    const auto start = std::chrono::steady_clock::now();
    const auto s = mime::parse_structure(m);
    std::cout << "hostile 100000 From fields (" << m.size() << " bytes): " << seconds_since(start) << " s\n";
    CHECK(s.envelope().from.size() == 10000);
    CHECK(s.envelope().sender.size() == 10000);
    CHECK(s.root().body_size == 6);
}

TEST_CASE("header_block_size ends the header where the structure parser does", "[mime][structure]") {
    const std::string_view cases[] = {"A: b\r\n\r\nbody",
                                      "A: b\n\nbody",
                                      "\r\nbody",
                                      "\nbody",
                                      "A: b\r\n\r\n",
                                      "A: b\r\n",
                                      "A: b",
                                      "",
                                      "A: b\r\r\n\r\nx",
                                      "A: b\n\r\n",
                                      "A: b\n c\n\nx\n\ny",
                                      "A: b\r\n \r\n\r\nx",
                                      "\r\r\n\n",
                                      "A: \0b\r\n\r\n"};
    for (const std::string_view m : cases) {
        INFO(m);
        const auto parsed = mime::parse_structure(m);
        const auto size = mime::header_block_size(m);
        if (size)
            CHECK(*size == parsed.root().header_size);
        else
            CHECK(parsed.root().header_size == m.size());
    }
    CHECK(mime::header_block_size("A: b\r\n\r\nbody") == 8u);
    CHECK(mime::header_block_size("\nbody") == 1u);
    CHECK_FALSE(mime::header_block_size("A: b\r\n"));
}
