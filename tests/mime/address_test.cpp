#include <mailaccess/mime/address.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace mailaccess::mime;

namespace {

// ENVELOPE-like text: (name adl mailbox host)... with NIL for nullopt.
std::string envelope_text(const std::vector<address>& list) {
    std::string out;
    const auto field = [&](const std::optional<std::string>& s) {
        out += s ? "\"" + *s + "\"" : std::string("NIL");
    };
    for (const address& a : list) {
        out += "(";
        field(a.name);
        out += " ";
        field(a.adl);
        out += " ";
        field(a.mailbox);
        out += " ";
        field(a.host);
        out += ")";
    }
    return out;
}

std::string parsed(std::string_view value, bool fill_missing = true) {
    address_list_options opt;
    opt.fill_missing = fill_missing;
    return envelope_text(parse_address_list(value, opt));
}

}  // namespace

TEST_CASE("RFC 5322 appendix A address examples", "[mime][address]") {
    const std::pair<std::string, std::string> rows[] = {
        {"John Doe <jdoe@machine.example>", R"~(("John Doe" NIL "jdoe" "machine.example"))~"},
        {"\"Joe Q. Public\" <john.q.public@example.com>",
         R"~(("Joe Q. Public" NIL "john.q.public" "example.com"))~"},
        {"Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
         R"~(("Mary Smith" NIL "mary" "x.test")(NIL NIL "jdoe" "example.org")("Who?" NIL "one" "y.test"))~"},
        {"<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
         R"~((NIL NIL "boss" "nil.test")("Giant; "Big" Box" NIL "sysservices" "example.net"))~"},
        // A.1.3: groups.
        {"A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
         R"~((NIL NIL "A Group" NIL)("Ed Jones" NIL "c" "a.test")(NIL NIL "joe" "where.test")("John" NIL "jdoe" "one.test")(NIL NIL NIL NIL))~"},
        {"Undisclosed recipients:;", R"~((NIL NIL "Undisclosed recipients" NIL)(NIL NIL NIL NIL))~"},
        // A.5: white space and comments.
        {"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
         R"~(("Pete" NIL "pete" "silly.test"))~"},
        {"A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n         "
         "joe@example.org,\r\n"
         "  John <jdoe@one.test> (my dear friend); (the end of the group)",
         R"~((NIL NIL "A Group" NIL)("Chris Jones" NIL "c" "public.example")(NIL NIL "joe" "example.org")("John" NIL "jdoe" "one.test")(NIL NIL NIL NIL))~"},
        // A.6.1: obsolete syntax.
        {"Joe Q. Public <john.q.public@example.com>",
         R"~(("Joe Q. Public" NIL "john.q.public" "example.com"))~"},
        {"Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
         R"~(("Mary Smith" "@node.test" "mary" "example.net")(NIL NIL "jdoe" "test.example"))~"},
    };
    for (const auto& [value, want] : rows) {
        INFO(value);
        CHECK(parsed(value) == want);
    }
}

// Expected values are Dovecot 2.3.19's ENVELOPE entries for the same
// headers (tests/data/mime messages 049-057, README items 31-34).
TEST_CASE("address lists from the golden corpus", "[mime][address]") {
    const std::pair<std::string, std::string> rows[] = {
        {"Friends: bob@example.org, \"Carol C.\" <carol@example.net>;, Empty Group:;, dave@example.net",
         R"~((NIL NIL "Friends" NIL)(NIL NIL "bob" "example.org")("Carol C." NIL "carol" "example.net")(NIL NIL NIL NIL))~"
         R"~((NIL NIL "Empty Group" NIL)(NIL NIL NIL NIL)(NIL NIL "dave" "example.net"))~"},
        {"undisclosed-recipients:;", R"~((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL))~"},
        {"john@example.com (John Doe)", R"~(("John Doe" NIL "john" "example.com"))~"},
        {"(leading comment) Bob <bob@example.org>, \"Name (not a comment)\" <nc@example.org>,\r\n"
         " <inside(comment)@example.org>, Carol <carol@example.net> (trailing)",
         R"~(("Bob" NIL "bob" "example.org")("Name (not a comment)" NIL "nc" "example.org")(NIL NIL "inside" "example.org"))~"
         R"~(("Carol" NIL "carol" "example.net"))~"},
        {"\"john..doe\"@example.com", R"~((NIL NIL "john..doe" "example.com"))~"},
        {"\"with space\"@example.org, \"a\\\"b\"@example.org, \"at@sign\"@example.net,\r\n"
         " \"Real Name\" <\"quoted local\"@example.net>",
         R"~((NIL NIL "with space" "example.org")(NIL NIL "a"b" "example.org")(NIL NIL "at@sign" "example.net"))~"
         R"~(("Real Name" NIL "quoted local" "example.net"))~"},
        {"Routed <@relay1.example,@relay2.example:alice@example.com>",
         R"~(("Routed" "@relay1.example,@relay2.example" "alice" "example.com"))~"},
        {"<@hop.example:bob@example.org>, Carol <@a.example,@b.example:carol@example.net>",
         R"~((NIL "@hop.example" "bob" "example.org")("Carol" "@a.example,@b.example" "carol" "example.net"))~"},
        {"alice", R"~((NIL NIL "alice" "MISSING_DOMAIN"))~"},
        {"<bob>, carol@, Display Only",
         R"~((NIL NIL "bob" "MISSING_DOMAIN")(NIL NIL "carol" "MISSING_DOMAIN")("Display Only" NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))~"},
        {"\"Quoted Only\"", R"~(("Quoted Only" NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))~"},
        {"bob@example.org, carol@example.net,\r\n dave@example.net",
         R"~((NIL NIL "bob" "example.org")(NIL NIL "carol" "example.net")(NIL NIL "dave" "example.net"))~"},
        {"\"Doe, John\" <john@example.com>", R"~(("Doe, John" NIL "john" "example.com"))~"},
        {"\"Smith, Jane (Ops)\" <jane@example.org>, J. R. R. Tolkien <jrr@example.org>,\r\n"
         " \"Quote \\\"Q\\\" Man\" <qq@example.org>, \"\" <emptyname@example.org>",
         R"~(("Smith, Jane (Ops)" NIL "jane" "example.org")("J. R. R. Tolkien" NIL "jrr" "example.org"))~"
         R"~(("Quote "Q" Man" NIL "qq" "example.org")(NIL NIL "emptyname" "example.org"))~"},
        {"", ""},
        {"   ", ""},
        {" (just a comment) ", ""},
        {"\"=?utf-8?q?Quoted_=C5=BB?=\" <q@example.com>",
         R"~(("=?utf-8?q?Quoted_=C5=BB?=" NIL "q" "example.com"))~"},
        {"=?x-unknown?Q?Unknown_charset?= <u@example.com>,\r\n =?utf-8?q?Broken <b@example.com>",
         R"~(("=?x-unknown?Q?Unknown_charset?=" NIL "u" "example.com")("=?utf-8?q?Broken" NIL "b" "example.com"))~"},
    };
    for (const auto& [value, want] : rows) {
        INFO(value);
        CHECK(parsed(value) == want);
    }
}

TEST_CASE("broken address lists give a best-effort reading", "[mime][address]") {
    const std::pair<std::string, std::string> rows[] = {
        // Missing angle brackets, missing ">".
        {"John Doe john@example.com", R"~(("John Doe" NIL "john" "example.com"))~"},
        {"Name <a@example.com", R"~(("Name" NIL "a" "example.com"))~"},
        {"Name <a@example.com, b@example.org",
         R"~(("Name" NIL "a" "example.com")(NIL NIL "b" "example.org"))~"},
        // Trailing garbage up to the next comma.
        {"a@example.com junk here, b@example.org",
         R"~((NIL NIL "a" "example.com")(NIL NIL "b" "example.org"))~"},
        {"<a@example.com> junk <x@y>, b@example.org",
         R"~((NIL NIL "a" "example.com")(NIL NIL "b" "example.org"))~"},
        {"<a@example.com junk>", R"~((NIL NIL "a" "example.com"))~"},
        // Outlook-style ";" separators, stray specials and empty elements.
        {"a@example.com; b@example.org", R"~((NIL NIL "a" "example.com")(NIL NIL "b" "example.org"))~"},
        {",,, >, a@example.com ,,", R"~((NIL NIL "a" "example.com"))~"},
        // Groups: unterminated, nested, with a trailing comment.
        {"Team: a@example.com, b@example.org",
         R"~((NIL NIL "Team" NIL)(NIL NIL "a" "example.com")(NIL NIL "b" "example.org")(NIL NIL NIL NIL))~"},
        {"Outer: Inner: a@example.com;; b@example.org",
         R"~((NIL NIL "Outer" NIL)(NIL NIL "a" "example.com")(NIL NIL NIL NIL)(NIL NIL "b" "example.org"))~"},
        {": a@example.com;", R"~((NIL NIL "" NIL)(NIL NIL "a" "example.com")(NIL NIL NIL NIL))~"},
        // Missing parts.
        {"<>", R"~((NIL NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))~"},
        {"<@example.com>", R"~((NIL NIL "MISSING_MAILBOX" "example.com"))~"},
        {"@example.com", R"~((NIL NIL "MISSING_MAILBOX" "example.com"))~"},
        {"a@b@c", R"~((NIL NIL "a" "b"))~"},
        // Domain literals, obs-local-part, 8-bit and unterminated quotes.
        {"user@[192.0.2.1]", R"~((NIL NIL "user" "[192.0.2.1]"))~"},
        {"john . doe @ example . com", R"~((NIL NIL "john.doe" "example.com"))~"},
        {"Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 <z@example.pl>",
         "(\"Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87\" NIL \"z\" \"example.pl\")"},
        {"\"unterminated <a@example.com>",
         R"~(("unterminated <a@example.com>" NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))~"},
        {"Name (unterminated comment <a@example.com>", R"~((NIL NIL "Name" "MISSING_DOMAIN"))~"},
        // A comment names a bare addr-spec only; an empty comment does not.
        {"a@example.com ()", R"~((NIL NIL "a" "example.com"))~"},
        {"a@example.com (  spaced   name  )", R"~(("spaced name" NIL "a" "example.com"))~"},
        {"Bob <b@example.org> (not a name)", R"~(("Bob" NIL "b" "example.org"))~"},
        // Folding inside phrases and quoted strings.
        {"John\r\n Doe <j@example.com>", R"~(("John Doe" NIL "j" "example.com"))~"},
        {"\"John\r\n Doe\" <j@example.com>", R"~(("John Doe" NIL "j" "example.com"))~"},
    };
    for (const auto& [value, want] : rows) {
        INFO(value);
        CHECK(parsed(value) == want);
    }
}

TEST_CASE("without fill_missing, kinds tell entries apart", "[mime][address]") {
    CHECK(parsed("alice, Display Only, <@x.test>", false) ==
          R"~((NIL NIL "alice" NIL)("Display Only" NIL NIL NIL)(NIL NIL NIL "x.test"))~");
    const auto list = parse_address_list("G: a@b;", {false, 100});
    REQUIRE(list.size() == 3);
    CHECK(list[0].kind == address::kind_type::group_start);
    CHECK(list[1].kind == address::kind_type::mailbox);
    CHECK(list[2].kind == address::kind_type::group_end);
}

TEST_CASE("address lists are bounded", "[mime][address]") {
    std::string many;
    for (int i = 0; i < 50000; ++i) many += "a" + std::to_string(i) + "@example.com, ";
    address_list_options opt;
    opt.max_entries = 1000;
    CHECK(parse_address_list(many, opt).size() == 1000);
    CHECK(parse_address_list(many).size() == 10000);
    // An open group always gets its end marker, even at the limit.
    const auto grouped = parse_address_list("G: " + many, opt);
    CHECK(grouped.size() <= 1000);
    CHECK(grouped.back().kind == address::kind_type::group_end);
    // A group start is only added with room for its end (found by fuzzing).
    CHECK(parse_address_list("a@b, G: c@d;", {true, 2}).size() == 1);
    CHECK(parse_address_list("a@b, G: c@d;", {true, 3}).size() == 3);
    CHECK(parse_address_list("a@b, G: c@d;", {true, 4}).size() == 4);
    CHECK(parse_address_list("G:;", {true, 1}).empty());
    CHECK(parse_address_list("a@b", {true, 0}).empty());
    // One huge phrase, one huge comment: single passes.
    const std::string huge = std::string(4u << 20, 'x') + " " + std::string(1u << 20, ' ') + "<a@b>";
    CHECK(parsed(huge).size() > (4u << 20));
    CHECK(parsed("a@b (" + std::string(4u << 20, 'c')).size() > (4u << 20));
    std::string words;
    for (int i = 0; i < 500000; ++i) words += "w ";
    CHECK(parse_address_list(words + "x@y").size() == 1);
}

TEST_CASE("decode_display_name decodes RFC 2047 words for search", "[mime][address]") {
    const auto list = parse_address_list("\"=?utf-8?q?Quoted_=C5=BB?=\" <q@example.com>");
    REQUIRE(list.size() == 1);
    CHECK(decode_display_name(*list[0].name) == "Quoted \xc5\xbb");
    CHECK(decode_display_name("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=") == "Keld J\xc3\xb8rn Simonsen");
    CHECK(decode_display_name("plain") == "plain");
}
