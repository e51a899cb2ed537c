#include <mailaccess/mime/field_lexer.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace mailaccess::mime;

namespace {

struct tok {
    token_kind kind;
    std::string raw;
    std::string text;
    bool space;
    bool operator==(const tok&) const = default;
};

std::vector<tok> lex_all(std::string_view in, lexer_grammar g) {
    field_lexer lex(in, g);
    std::vector<tok> out;
    for (field_token t = lex.next(); t.kind != token_kind::end; t = lex.next())
        out.push_back({t.kind, std::string(t.raw), t.text(), t.space_before});
    return out;
}

constexpr auto atom = token_kind::atom;
constexpr auto quoted = token_kind::quoted_string;
constexpr auto comment = token_kind::comment;
constexpr auto literal = token_kind::domain_literal;
constexpr auto special = token_kind::special;

}  // namespace

TEST_CASE("field_lexer splits RFC 5322 structured text", "[mime][lexer]") {
    CHECK(lex_all("John Q. Public <john.q@example.com>", lexer_grammar::rfc5322) ==
          std::vector<tok>{{atom, "John", "John", false},
                           {atom, "Q", "Q", true},
                           {special, ".", ".", false},
                           {atom, "Public", "Public", true},
                           {special, "<", "<", true},
                           {atom, "john", "john", false},
                           {special, ".", ".", false},
                           {atom, "q", "q", false},
                           {special, "@", "@", false},
                           {atom, "example", "example", false},
                           {special, ".", ".", false},
                           {atom, "com", "com", false},
                           {special, ">", ">", false}});
    CHECK(lex_all(R"("a \"q\" b" (c (nested) \) x) [1.2.3.4])", lexer_grammar::rfc5322) ==
          std::vector<tok>{{quoted, R"("a \"q\" b")", R"(a "q" b)", false},
                           {comment, R"((c (nested) \) x))", "c (nested) ) x", true},
                           {literal, "[1.2.3.4]", "1.2.3.4", true}});
    // RFC 2047 encoded words and 8-bit bytes are atoms in RFC 5322 text.
    CHECK(lex_all("=?utf-8?q?J=C3=B6rg?= Gr\xc3\xb6\xc3\x9f"
                  "e",
                  lexer_grammar::rfc5322) ==
          std::vector<tok>{{atom, "=?utf-8?q?J=C3=B6rg?=", "=?utf-8?q?J=C3=B6rg?=", false},
                           {atom,
                            "Gr\xc3\xb6\xc3\x9f"
                            "e",
                            "Gr\xc3\xb6\xc3\x9f"
                            "e",
                            true}});
}

TEST_CASE("field_lexer uses MIME tspecials in the mime grammar", "[mime][lexer]") {
    CHECK(lex_all("text/plain; charset=\"us-ascii\" (c)", lexer_grammar::mime) ==
          std::vector<tok>{{atom, "text", "text", false},
                           {special, "/", "/", false},
                           {atom, "plain", "plain", false},
                           {special, ";", ";", false},
                           {atom, "charset", "charset", true},
                           {special, "=", "=", false},
                           {quoted, "\"us-ascii\"", "us-ascii", false},
                           {comment, "(c)", "c", true}});
    // "." is a token character, "[" a plain special.
    CHECK(lex_all("a.b [x]", lexer_grammar::mime) == std::vector<tok>{{atom, "a.b", "a.b", false},
                                                                      {special, "[", "[", true},
                                                                      {atom, "x", "x", false},
                                                                      {special, "]", "]", false}});
}

TEST_CASE("field_lexer tolerates unterminated tokens, folding and strays", "[mime][lexer]") {
    field_lexer lex("\"open (not a comment", lexer_grammar::rfc5322);
    const field_token t = lex.next();
    CHECK(t.kind == quoted);
    CHECK_FALSE(t.is_terminated);
    CHECK(t.text() == "open (not a comment");
    CHECK(lex.next().kind == token_kind::end);

    CHECK(lex_all("(a (b) c", lexer_grammar::rfc5322) ==
          std::vector<tok>{{comment, "(a (b) c", "a (b) c", false}});
    CHECK(lex_all("\"fold\r\n ed\"", lexer_grammar::rfc5322) ==
          std::vector<tok>{{quoted, "\"fold\r\n ed\"", "fold ed", false}});
    CHECK(lex_all("\"esc\\\r\n ed\"", lexer_grammar::rfc5322) ==
          std::vector<tok>{{quoted, "\"esc\\\r\n ed\"", "esc ed", false}});
    CHECK(lex_all(") ] \\", lexer_grammar::rfc5322) == std::vector<tok>{{special, ")", ")", false},
                                                                        {special, "]", "]", true},
                                                                        {special, "\\", "\\", true}});
    CHECK(lex_all("\"trailing backslash\\", lexer_grammar::rfc5322).size() == 1);
    CHECK(lex_all("", lexer_grammar::rfc5322).empty());
    CHECK(lex_all(" \t\r\n ", lexer_grammar::rfc5322).empty());
}

TEST_CASE("field_lexer peek, next_non_comment and seek", "[mime][lexer]") {
    field_lexer lex("a (c1) (c2) b", lexer_grammar::rfc5322);
    CHECK(lex.peek().raw == "a");
    CHECK(lex.next().raw == "a");
    CHECK(lex.peek().kind == comment);
    CHECK(lex.peek_non_comment().raw == "b");
    const field_token b = lex.next_non_comment();
    CHECK(b.raw == "b");
    CHECK(b.space_before);
    CHECK(lex.offset() == 13);
    lex.seek(1);
    CHECK(lex.next().raw == "(c1)");
    lex.seek(1000);
    CHECK(lex.next().kind == token_kind::end);
    // A comment between two atoms separates them even without whitespace.
    field_lexer tight("a(c)b", lexer_grammar::rfc5322);
    tight.next();
    CHECK(tight.next_non_comment().space_before);
}
