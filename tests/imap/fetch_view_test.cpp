#include <mailaccess/imap/fetch_view.hpp>

#include <support/xorshift.hpp>

#include "fetch_view_check.hpp"
#include "rfc3501_examples.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

using namespace mailaccess;
using namespace mailaccess::imap;
using namespace std::literals;

namespace {

using kind = fetch_item_view::kind;

// Frames `bytes` as a client would and checks every message against
// parse_response; returns how many FETCH responses were parsed.
std::size_t check_stream(std::string_view bytes, framer_options fo = {}, parse_options po = {}) {
    framer f(framer_role::client, fo);
    f.feed(bytes);
    std::size_t fetches = 0;
    for (;;) {
        auto ev = f.next();
        if (std::holds_alternative<framer::need_more>(ev) || std::holds_alternative<framer::fatal>(ev)) break;
        if (!std::holds_alternative<framer::message_ready>(ev)) continue;
        INFO(f.message());
        CHECK(imap::test::fetch_view_mismatch(f.message(), f.literals(), po).empty());
        fetch_view v;
        auto r = parse_fetch_view(f.message(), f.literals(), v, po);
        if (r && *r) ++fetches;
        f.consume_message();
    }
    return fetches;
}

// parse_fetch_view on a whole message without streamed literals.
fetch_view parse_ok(std::string_view message, parse_options po = {}) {
    INFO(message);
    REQUIRE(imap::test::fetch_view_mismatch(message, {}, po).empty());
    fetch_view v;
    auto r = parse_fetch_view(message, {}, v, po);
    REQUIRE(r);
    REQUIRE(*r);
    return v;
}

}  // namespace

TEST_CASE("a header-sync FETCH response as views", "[imap][fetch_view]") {
    const std::string message =
        "* 12 FETCH (UID 4827 FLAGS (\\Seen $Forwarded) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
        "RFC822.SIZE 4286 ENVELOPE " +
        imap::test::rfc3501_envelope_wire + " BODY[HEADER.FIELDS (From To Cc Subject)] {342}\r\n" +
        imap::test::rfc3501_header + ")\r\n";
    const fetch_view v = parse_ok(message);
    CHECK(v.seq() == 12);
    REQUIRE(v.items().size() == 6);

    const auto& uid = v.items()[0];
    CHECK(uid.type == kind::uid);
    CHECK(uid.name == "UID");
    CHECK(uid.number == 4827);
    CHECK(uid.raw == "4827");

    const auto& flags = v.items()[1];
    CHECK(flags.type == kind::flags);
    REQUIRE(flags.flags.size() == 2);
    CHECK(flags.flags[0] == "\\Seen");
    CHECK(flags.flags[1] == "$Forwarded");
    CHECK(flags.raw == "(\\Seen $Forwarded)");

    CHECK(v.items()[2].internaldate.day().day() == 17);
    CHECK(v.items()[3].number == 4286);

    REQUIRE(v.items()[4].envelope != nullptr);
    const envelope_view& e = *v.items()[4].envelope;
    CHECK(v.items()[4].type == kind::envelope);
    CHECK(e.date.raw() == "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)");
    CHECK(e.subject.equals("IMAP4rev1 WG mtg summary and minutes"));
    REQUIRE(e.from.size() == 1);
    CHECK(e.from[0].name.raw() == "Terry Gray");
    CHECK(e.from[0].adl.is_nil());
    CHECK(e.from[0].mailbox.raw() == "gray");
    CHECK(e.sender.size() == 1);
    CHECK(e.reply_to.size() == 1);
    REQUIRE(e.to.size() == 1);
    CHECK(e.to[0].name.is_nil());
    REQUIRE(e.cc.size() == 2);
    CHECK(e.cc[1].host.raw() == "MIT.EDU");
    CHECK(e.bcc.empty());
    CHECK(e.in_reply_to.is_nil());
    CHECK(e.message_id.raw() == "<B27397-0100000@cac.washington.edu>");
    CHECK(e.raw.front() == '(');
    CHECK(e.raw.back() == ')');

    const auto& body = v.items()[5];
    CHECK(body.type == kind::body_section);
    CHECK(body.name == "BODY");
    CHECK(body.form == body_item_form::body);
    CHECK(body.section == "[HEADER.FIELDS (From To Cc Subject)]");
    CHECK(!body.origin);
    CHECK(body.data.wire_form() == nstring_view::form::literal);
    CHECK(body.data.raw() == imap::test::rfc3501_header);
    // The literal is not copied: it is the message's own bytes.
    CHECK(body.data.raw().data() == message.data() + message.find("Date: Wed"));
    CHECK(v.find(kind::envelope) == &v.items()[4]);
    CHECK(v.find(kind::modseq) == nullptr);
}

TEST_CASE("nstring_view: NIL, quoted with escapes, literals", "[imap][fetch_view]") {
    const fetch_view v = parse_ok(
        "* 1 FETCH (ENVELOPE (NIL \"say \\\"hi\\\" \\\\o/\" NIL NIL NIL "
        "((\"Fran\\\\k\" NIL {4}\r\nfrnk \"x\")) NIL NIL nil {0}\r\n))\r\n");
    REQUIRE(v.items()[0].envelope != nullptr);
    const envelope_view& e = *v.items()[0].envelope;
    CHECK(e.date.is_nil());
    CHECK(e.date.wire_form() == nstring_view::form::nil);
    CHECK(e.date.str().empty());
    CHECK(!e.date.to_optional());
    CHECK(!e.date.equals(""));
    CHECK(e.subject.wire_form() == nstring_view::form::quoted);
    CHECK(e.subject.has_escapes());
    CHECK(e.subject.raw() == "say \\\"hi\\\" \\\\o/");
    CHECK(e.subject.str() == "say \"hi\" \\o/");
    CHECK(e.subject.equals("say \"hi\" \\o/"));
    CHECK(!e.subject.equals("say \"hi\" \\o"));
    CHECK(!e.subject.equals("say \"hi\" \\o/!"));
    CHECK(!e.subject.equals(e.subject.raw()));
    std::string appended = "S: ";
    e.subject.append_to(appended);
    CHECK(appended == "S: say \"hi\" \\o/");
    REQUIRE(e.to.size() == 1);
    CHECK(e.to[0].name.str() == "Fran\\k");
    CHECK(e.to[0].mailbox.wire_form() == nstring_view::form::literal);
    CHECK(e.to[0].mailbox.raw() == "frnk");
    CHECK(!e.to[0].mailbox.has_escapes());
    CHECK(e.in_reply_to.is_nil());  // lower-case nil
    CHECK(e.message_id.wire_form() == nstring_view::form::literal);
    CHECK(e.message_id.equals(""));
    CHECK(e.message_id.to_optional() == std::optional<std::string>(""));
    CHECK(e.to[0].to_address() == address{"Fran\\k", std::nullopt, "frnk", "x"});
}

TEST_CASE("fetch_view: every item kind", "[imap][fetch_view]") {
    // Named: the views point into it (a temporary would be gone by the CHECKs).
    const std::string message =
        "* 7 FETCH (MODSEQ (12345) BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 "
        "92) "
        "BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL)(\"MESSAGE\" "
        "\"RFC822\" NIL "
        "NIL NIL \"7BIT\" 300 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) (\"TEXT\" \"HTML\" NIL NIL NIL "
        "\"8BIT\" 5 "
        "1) 12) \"MIXED\" (\"BOUNDARY\" \"x\") (\"attachment\" (\"FILENAME\" \"a b\")) (\"en\" \"de\") "
        "\"loc\" 7 "
        "(1 \"x\" NIL)) "
        "BINARY.SIZE[1.2] 77 BINARY[1]<5> ~{3}\r\na\0b RFC822 NIL RFC822.TEXT {2}\r\nhi BODY[1.MIME] \"\" "
        "BODY[]<0> NIL RFC822.HEADER \"Subject: x\")\r\n"s;
    const fetch_view v = parse_ok(message);
    REQUIRE(v.items().size() == 10);
    CHECK(v.items()[0].type == kind::modseq);
    CHECK(v.items()[0].number == 12345);
    CHECK(v.items()[0].raw == "(12345)");
    CHECK(v.items()[1].type == kind::body);
    CHECK(v.items()[1].raw.substr(0, 8) == "(\"TEXT\" ");
    CHECK(v.items()[2].type == kind::bodystructure);
    CHECK(v.items()[2].raw.back() == ')');
    CHECK(v.items()[3].type == kind::binary_size);
    CHECK(v.items()[3].section == "[1.2]");
    CHECK(v.items()[3].number == 77);
    const auto& binary = v.items()[4];
    CHECK(binary.form == body_item_form::binary);
    CHECK(binary.section == "[1]");
    CHECK(binary.origin == 5u);
    CHECK(binary.data.wire_form() == nstring_view::form::literal8);
    CHECK(binary.data.raw() == "a\0b"s);
    CHECK(v.items()[5].form == body_item_form::rfc822);
    CHECK(v.items()[5].section.empty());
    CHECK(v.items()[5].data.is_nil());
    CHECK(v.items()[6].form == body_item_form::rfc822_text);
    CHECK(v.items()[6].data.raw() == "hi");
    CHECK(v.items()[7].section == "[1.MIME]");
    CHECK(v.items()[7].data.equals(""));
    CHECK(v.items()[8].section == "[]");
    CHECK(v.items()[8].origin == 0u);
    CHECK(v.items()[9].form == body_item_form::rfc822_header);
}

TEST_CASE("fetch_view: literals the framer streamed", "[imap][fetch_view]") {
    framer_options fo;
    fo.streaming_threshold = 8;
    const std::string input =
        "* 3 FETCH (UID 9 BODY[] {21}\r\nSubject: hi\r\n\r\nbody\r\n FLAGS (\\Seen))\r\n"
        "* 4 FETCH (BINARY[] ~{9}\r\n\0\0\0\0\0\0\0\0\0)\r\n"
        // A streamed literal where only inline data may be is an error.
        "* 5 FETCH (ENVELOPE (NIL {12}\r\nstreamed?!!! NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"s;
    CHECK(check_stream(input, fo) == 2);

    framer f(framer_role::client, fo);
    f.feed(input);
    for (int i = 0; i < 10; ++i) {
        auto ev = f.next();
        if (std::holds_alternative<framer::message_ready>(ev)) break;
    }
    fetch_view v;
    auto r = parse_fetch_view(f.message(), f.literals(), v);
    REQUIRE(r);
    REQUIRE(*r);
    const auto& body = v.items()[1];
    CHECK(body.streamed_size == 21u);
    CHECK(body.literal_index == 0);
    CHECK(body.data.is_nil());
    CHECK(body.raw == "{21}\r\n");
}

TEST_CASE("parse_fetch_view: other responses are not FETCH responses", "[imap][fetch_view]") {
    for (std::string_view m :
         {"* 3 EXISTS\r\n"sv, "* OK [UIDNEXT 4392] Predicted next UID\r\n"sv, "a1 OK FETCH completed\r\n"sv,
          "+ Ready\r\n"sv, "* 3 FETCHED (UID 1)\r\n"sv, "*  3 FETCH (UID 1)\r\n"sv, "* FETCH (UID 1)\r\n"sv,
          "* 3\r\n"sv, ""sv, "*"sv}) {
        INFO(m);
        CHECK(imap::test::fetch_view_mismatch(m, {}).empty());
        fetch_view v;
        auto r = parse_fetch_view(m, {}, v);
        REQUIRE(r);
        CHECK(!*r);
    }
}

TEST_CASE("parse_fetch_view fails exactly where parse_response does", "[imap][fetch_view]") {
    parse_options small;
    small.max_depth = 3;
    const std::string_view bad[] = {
        "* 0 FETCH (UID 1)\r\n"sv,
        "* 3 FETCH\r\n"sv,
        "* 99999999999 FETCH (UID 1)\r\n"sv,
        "* 1 FETCH (UID 0)\r\n"sv,
        "* 1 FETCH (UID 1\r\n"sv,
        "* 1 FETCH (UID 1))\r\n"sv,
        "* 1 FETCH (UID 1)\n"sv,
        "* 1 FETCH (UID 1) \r\n"sv,
        "* 1 FETCH ()\r\n"sv,
        "* 1 FETCH (FOO 1)\r\n"sv,
        "* 1 FETCH (FLAGS (\\*))\r\n"sv,
        "* 1 FETCH (FLAGS (\\Seen ))\r\n"sv,
        "* 1 FETCH (FLAGS (\\))\r\n"sv,
        "* 1 FETCH (INTERNALDATE \"31-Feb-2020 00:00:00 +0000\")\r\n"sv,
        "* 1 FETCH (ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"sv,
        "* 1 FETCH (ENVELOPE (NIL \"a\x80\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"sv,
        "* 1 FETCH (ENVELOPE (NIL \"a\\b\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"sv,
        "* 1 FETCH (ENVELOPE (NIL NILX NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"sv,
        "* 1 FETCH (ENVELOPE (NIL NIL ((NIL NIL NIL)) NIL NIL NIL NIL NIL NIL NIL))\r\n"sv,
        "* 1 FETCH (BODY[HEADER.FIELDS ({3}\r\na\rb)] NIL)\r\n"sv,
        "* 1 FETCH (BODY[HEADER.FIELDS ()] NIL)\r\n"sv,
        "* 1 FETCH (BODY[1.MIM] NIL)\r\n"sv,
        "* 1 FETCH (BODY[MIME] NIL)\r\n"sv,
        "* 1 FETCH (BODY[0] NIL)\r\n"sv,
        "* 1 FETCH (BODY[1]<> NIL)\r\n"sv,
        "* 1 FETCH (BINARY[1.TEXT] NIL)\r\n"sv,
        "* 1 FETCH (BODY[] {5}\r\nab)\r\n"sv,
        "* 1 FETCH (BODY[] {3}\r\na\0b)\r\n"sv,
        "* 1 FETCH (BODY (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1))\r\n"sv,
        "* 1 FETCH (BODY (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1 NIL))\r\n"sv,
        "* 1 FETCH (BODYSTRUCTURE (((((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)) \"A\") \"B\") \"C\"))\r\n"sv,
        "* 1 FETCH (BODYSTRUCTURE (\"A\" \"B\" NIL NIL NIL \"7BIT\" 1 NIL NIL NIL NIL ((((1))))))\r\n"sv,
        "* 1 FETCH (MODSEQ 5)\r\n"sv,
        "* 1 FETCH (MODSEQ (0))\r\n"sv,
        "* 1 FETCH (BINARY.SIZE[] x)\r\n"sv,
    };
    for (std::string_view m : bad) {
        INFO(m);
        CHECK(imap::test::fetch_view_mismatch(m, {}).empty());
        CHECK(imap::test::fetch_view_mismatch(m, {}, small).empty());
        fetch_view v;
        auto r = parse_fetch_view(m, {}, v, small);
        CHECK(!r);
    }
}

TEST_CASE("fetch_view reuses its storage", "[imap][fetch_view]") {
    const std::string m1 =
        "* 1 FETCH (FLAGS (\\Seen \\Answered) ENVELOPE (NIL NIL ((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")) "
        "NIL "
        "NIL NIL NIL NIL NIL NIL) UID 1)\r\n";
    const std::string m2 =
        "* 2 FETCH (FLAGS (\\Draft) ENVELOPE (NIL NIL ((NIL NIL \"e\" \"f\")) NIL NIL NIL NIL NIL NIL NIL) "
        "UID "
        "2)\r\n";
    fetch_view v;
    REQUIRE(*parse_fetch_view(m1, {}, v));
    const auto* items = v.items().data();
    const auto* flags = v.items()[0].flags.data();
    const auto* addresses = v.items()[1].envelope->from.data();
    REQUIRE(*parse_fetch_view(m2, {}, v));
    CHECK(v.seq() == 2);
    CHECK(v.items().data() == items);
    CHECK(v.items()[0].flags.data() == flags);
    CHECK(v.items()[0].flags[0] == "\\Draft");
    CHECK(v.items()[1].envelope->from.data() == addresses);
    CHECK(v.items()[1].envelope->from[0].mailbox.raw() == "e");
    // A failed parse leaves no items behind.
    CHECK(!parse_fetch_view("* 3 FETCH (UID x)\r\n", {}, v));
    CHECK(v.items().empty());
    // Moving keeps the views.
    REQUIRE(*parse_fetch_view(m1, {}, v));
    fetch_view moved = std::move(v);
    CHECK(moved.items()[1].envelope->from[1].host.raw() == "d");
}

TEST_CASE("fetch_view agrees with parse_response on every RFC transcript response", "[imap][fetch_view]") {
    const auto dir = std::filesystem::path(MAILACCESS_TEST_DATA_DIR) / "imap" / "transcripts";
    std::size_t fetches = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".txt") continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::string line, server;
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.size() < 2 || line[0] != 'S' || (line[1] != ':' && line[1] != '?')) continue;
            server += line.size() > 2 ? line.substr(3) : std::string();
            server += "\r\n";
        }
        INFO(entry.path().filename().string());
        fetches += check_stream(server);
        framer_options streaming;
        streaming.streaming_threshold = 8;
        check_stream(server, streaming);
        parse_options utf8;
        utf8.utf8_accept = true;
        check_stream(server, {}, utf8);
    }
    CHECK(fetches > 20);
}

TEST_CASE("fetch_view agrees with parse_response on mutated FETCH responses", "[imap][fetch_view]") {
    const std::string seeds[] = {
        "* 12 FETCH (UID 4827 FLAGS (\\Seen $Forwarded) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
        "RFC822.SIZE "
        "4286 ENVELOPE (\"Wed, 17 Jul 1996\" \"Re: \\\"x\\\"\" ((\"Terry\" NIL \"gray\" \"cac.edu\")) NIL "
        "NIL "
        "((NIL NIL \"imap\" \"cac.edu\")(\"J\" NIL {3}\r\nabc \"m.edu\")) NIL NIL NIL \"<id@x>\") "
        "BODY[HEADER.FIELDS (From \"To\" {2}\r\nCc)] {12}\r\nSubject: x\r\n)\r\n",
        "* 7 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10 1 NIL NIL NIL "
        "NIL)(\"MESSAGE\" "
        "\"RFC822\" NIL NIL NIL \"7BIT\" 300 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) (\"TEXT\" \"HTML\" "
        "NIL NIL "
        "NIL \"8BIT\" 5 1) 12) \"MIXED\" (\"BOUNDARY\" \"x\") (\"attachment\" (\"FILENAME\" \"a b\")) NIL "
        "\"loc\" 7 "
        "(1 \"x\" NIL)) BINARY.SIZE[1.2] 77 BINARY[1]<5> ~{3}\r\na\0b MODSEQ (5))\r\n"s,
    };
    // Deterministic mutations: replace, insert or delete one or two bytes
    // with characters that matter to the grammar.
    const std::string_view alphabet = "()[]<>{}\"\\ 0123456789+~.NILnil\r\n\x80\xc3\xa9\0"sv;
    mailaccess::test::xorshift gen(0x9e3779b97f4a7c15ull);
    auto next = [&] { return gen.next(); };
    parse_options options[3];
    options[1].utf8_accept = true;
    options[2].max_depth = 2;
    std::size_t accepted = 0;
    for (const std::string& seed : seeds) {
        for (int round = 0; round < 4000; ++round) {
            std::string m = seed;
            const int edits = 1 + static_cast<int>(next() % 2);
            for (int e = 0; e < edits; ++e) {
                const std::size_t at = static_cast<std::size_t>(next() % m.size());
                const char c = alphabet[static_cast<std::size_t>(next() % alphabet.size())];
                switch (next() % 3) {
                    case 0: m[at] = c; break;
                    case 1: m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), c); break;
                    default: m.erase(at, 1); break;
                }
            }
            const auto& po = options[round % 3];
            INFO(m);
            REQUIRE(imap::test::fetch_view_mismatch(m, {}, po).empty());
            fetch_view v;
            auto r = parse_fetch_view(m, {}, v, po);
            accepted += r && *r ? 1 : 0;
        }
    }
    // Some mutations keep the response valid (digits, case).
    CHECK(accepted > 100);
}

TEST_CASE("fetch_view: message/global in both forms", "[imap][fetch_view]") {
    for (
        std::string_view m :
        {"* 1 FETCH (BODYSTRUCTURE (\"MESSAGE\" \"GLOBAL\" NIL NIL NIL \"8BIT\" 50 "
         "(NIL \"s\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"TEXT\" \"PLAIN\" NIL NIL NIL \"8BIT\" 10 1) 3))\r\n"sv,
         "* 1 FETCH (BODYSTRUCTURE (\"message\" \"global\" NIL NIL NIL \"8bit\" 50 NIL NIL NIL NIL))\r\n"sv,
         "* 1 FETCH (BODY (\"message\" \"global\" NIL NIL NIL \"8bit\" 50))\r\n"sv}) {
        INFO(m);
        CHECK(imap::test::fetch_view_mismatch(m, {}).empty());
        fetch_view v;
        CHECK(parse_fetch_view(m, {}, v));
    }
}

TEST_CASE("fetch_view: the shortcuts for common forms agree with the general rules", "[imap][fetch_view]") {
    // INTERNALDATE in and out of its usual layout, item names and
    // HEADER.FIELDS in any case, strings at the 32-byte edge of the quick
    // look: each answer (value or error) is parse_response's.
    const std::string quoted31 = "\"" + std::string(31, 'q') + "\"";
    const std::string quoted32 = "\"" + std::string(32, 'q') + "\"";
    const std::string_view dates[] = {
        "\"17-Jul-1996 02:44:25 -0700\""sv,    "\" 7-jUL-1996 02:44:25 +0000\""sv,
        "\"07-Jul-1996 23:59:60 -0000\""sv,    "\"29-Feb-2000 00:00:00 +9959\""sv,
        "\"29-Feb-1900 00:00:00 +0000\""sv,    "\"00-Jan-2020 00:00:00 +0000\""sv,
        "\"17-Jul-1996 24:00:00 +0000\""sv,    "\"17-Jul-1996 02:60:00 +0000\""sv,
        "\"17-Jul-1996 02:44:25 +0060\""sv,    "\"17-Jux-1996 02:44:25 +0000\""sv,
        "\"17-J\x01l-1996 02:44:25 +0000\""sv, "\"7-Jul-1996 02:44:25 +0000\""sv,
        "\"17-Jul-1996 02:44:25 *0000\""sv,    "\"17-Jul-1996 02:44:25 +000\""sv,
        "\"17-Jul-1996 02:44:25 +0000"sv,      "\"17-Jul-96 02:44:25 +0000\""sv,
        "\"1a-Jul-1996 02:44:25 +0000\""sv,    "\"17-Jul-1996  2:44:25 +0000\""sv,
    };
    for (std::string_view date : dates) {
        const std::string m = "* 1 FETCH (INTERNALDATE " + std::string(date) + " UID 5)\r\n";
        INFO(m);
        CHECK(imap::test::fetch_view_mismatch(m, {}).empty());
    }
    const std::string_view others[] = {
        "* 1 FETCH (uid 5 Flags (\\Seen) rfc822.size 7 envelope (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"sv,
        "* 1 FETCH (UIDX 5)\r\n"sv,
        "* 1 FETCH (BODY[HEADER.FIELDS (From)] NIL)\r\n"sv,
        "* 1 FETCH (BODY[header.fields (From)] NIL)\r\n"sv,
        "* 1 FETCH (BODY[HEADER.FIELDS.NOT (From)] NIL)\r\n"sv,
        "* 1 FETCH (BODY[HEADER.FIELDS(From)] NIL)\r\n"sv,
        "* 1 FETCH (BODY[HEADER.FIELDS ] NIL)\r\n"sv,
        "* 1 FETCH (BODY[HEADER] NIL BODY[1.HEADER.FIELDS (A-B C_D)] NIL)\r\n"sv,
        "* 1 FETCH (BODY[HEADER.FIELDS (From To Cc Subject Date Message-ID References Content-Type X-A-Very-Long-Header-Name)] NIL)\r\n"sv,
        "* 1 FETCH (BODY[HEADER.FIELDS (Fr%m)] NIL)\r\n"sv,
        "* 1 FETCH (BODY[HEADER.FIELDS (A]B)] NIL)\r\n"sv,
    };
    for (std::string_view m : others) {
        INFO(m);
        CHECK(imap::test::fetch_view_mismatch(m, {}).empty());
    }
    for (const std::string& s : {quoted31, quoted32, "\"" + std::string(31, 'q') + "\\\"\"", "\"\""s}) {
        const std::string m =
            "* 1 FETCH (ENVELOPE (" + s + " " + s + " NIL NIL NIL NIL NIL NIL NIL " + s + "))\r\n";
        INFO(m);
        CHECK(imap::test::fetch_view_mismatch(m, {}).empty());
        CHECK(imap::test::fetch_view_mismatch(m, {}, parse_options{64, true}).empty());
    }
}

TEST_CASE("fetch_view agrees with parse_response on mutated header-sync responses", "[imap][fetch_view]") {
    // A response like those of the benchmark's header sync: long subjects
    // and message IDs (past the 32-byte quick look), escaped quotes, a
    // UTF-8 name as a literal, the usual date layout.
    const std::string seed =
        "* 3 FETCH (UID 1041 FLAGS (\\Recent) INTERNALDATE \" 5-Nov-2019 03:45:31 +0200\" RFC822.SIZE 74667 "
        "ENVELOPE (\"Mon, 25 Nov 2019 03:45:31 +0200\" \"Invoice #45631 for services rendered in November\" "
        "((\"=?UTF-8?B?R3JhY2UgV2Vpw58=?=\" NIL \"grace.wei\" \"example.com\")) ((\"Emma \\\"ok\\\" Haddad\" "
        "NIL "
        "\"em\" \"example.co.uk\")) ((NIL NIL \"x\" \"y\")) (({8}\r\nWei L\xc3\xa9v NIL \"wei\" "
        "\"example.de\")(\"Zo\" "
        "NIL \"zo\" \"example.org\")) NIL NIL \"<57396990763.27554@uni-example.edu>\" "
        "\"<91013733515.521112@example.com>\") BODY[HEADER.FIELDS (From To Cc Subject Date Message-ID "
        "References Content-Type)] {27}\r\nFrom: a@b\r\nSubject: \"x\"\r\n\r\n)\r\n";
    REQUIRE(imap::test::fetch_view_mismatch(seed, {}).empty());
    parse_ok(seed);
    const std::string_view alphabet = "()[]{}\"\\ 0123456789NILnil-+:\r\n\x80\0"sv;
    mailaccess::test::xorshift gen(0x452821e638d01377ull);
    parse_options options[2];
    options[1].utf8_accept = true;
    std::size_t accepted = 0;
    for (int round = 0; round < 6000; ++round) {
        std::string m = seed;
        const auto at = static_cast<std::size_t>(gen.next() % m.size());
        const char c = alphabet[static_cast<std::size_t>(gen.next() % alphabet.size())];
        switch (gen.next() % 3) {
            case 0: m[at] = c; break;
            case 1: m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), c); break;
            default: m.erase(at, 1); break;
        }
        INFO(m);
        const auto& po = options[round % 2];
        REQUIRE(imap::test::fetch_view_mismatch(m, {}, po).empty());
        fetch_view v;
        auto r = parse_fetch_view(m, {}, v, po);
        accepted += r && *r ? 1 : 0;
    }
    CHECK(accepted > 200);
}
