#include "html_sanitizer.hpp"

#include "html_tokenizer.hpp"

#include <catch2/catch.hpp>
#include <support/contains.hpp>

#include <string>

using mailaccess::test::contains;
using webmail::sanitize_html;

TEST_CASE("sanitizer keeps formatting and text", "[webmail][sanitizer]") {
    const auto out =
        sanitize_html("<p style=\"color: red\">Za&#380;&oacute;&#322;&#263; <b>bold</b><br>x &lt; y</p>");
    CHECK(out.html == "<p style=\"color: red\">Za&#380;&oacute;&#322;&#263; <b>bold</b><br>x &lt; y</p>");
    CHECK(out.report.dropped_elements == 0);
}

TEST_CASE("sanitizer drops script, iframe, object, embed and form", "[webmail][sanitizer]") {
    const auto out = sanitize_html(
        "a<script>parent.pwned = 1</script>b<SCRIPT type=x>alert(1)</script >c"
        "<iframe src=\"http://evil/\">inside</iframe>d<object data=x><param name=a></object>e"
        "<embed src=x>f<form action=\"http://evil/\"><input name=q><button>go</button>g</form>");
    CHECK(out.html ==
          "abcdefgo"
          "g");
    CHECK_FALSE(contains(out.html, "pwned"));
    CHECK(out.report.dropped_elements >= 7);
}

TEST_CASE("sanitizer removes event handlers and javascript: URLs", "[webmail][sanitizer]") {
    const auto out = sanitize_html(
        "<div onclick=\"x()\" ONLOAD=y title=t>1</div><a href=\"javascript:alert(1)\">2</a>"
        "<a href=\"  jav&#x61;script&colon;alert(1)\">3</a><a href=\"java\tscript:x\">4</a>"
        "<a href=\"https://example.com/?a=1&amp;b=2\">5</a><a href=\"data:text/html,x\">6</a>");
    CHECK_FALSE(contains(out.html, "onclick"));
    CHECK_FALSE(contains(out.html, "ONLOAD"));
    CHECK_FALSE(contains(out.html, "onload"));
    CHECK_FALSE(contains(out.html, "javascript"));
    CHECK_FALSE(contains(out.html, "data:text"));
    CHECK(contains(out.html, "<div title=\"t\">1</div>"));
    CHECK(contains(
        out.html,
        "<a href=\"https://example.com/?a=1&amp;b=2\" target=\"_blank\" rel=\"noopener noreferrer\">5</a>"));
    CHECK(contains(out.html, "<a>2</a>"));
}

TEST_CASE("sanitizer blocks remote images and keeps inline ones", "[webmail][sanitizer]") {
    const auto out = sanitize_html(
        "<img src=\"http://tracker.example/p.gif\" onerror=\"fetch('x')\" alt=a>"
        "<img src='cid:logo@x'><img src=\"data:image/png;base64,iVBORw0KGgo=\">"
        "<img src=\"data:image/svg+xml,<svg onload=x>\">");
    CHECK(out.report.blocked_images == 3);
    CHECK_FALSE(contains(out.html, "tracker.example"));
    CHECK_FALSE(contains(out.html, "cid:"));
    CHECK_FALSE(contains(out.html, "onerror"));
    CHECK_FALSE(contains(out.html, "svg"));
    CHECK(contains(out.html, "src=\"data:image/png;base64,iVBORw0KGgo=\""));
    CHECK(contains(out.html, "data-blocked=\"remote\""));
}

TEST_CASE("sanitizer drops styles that load or run something", "[webmail][sanitizer]") {
    const auto out = sanitize_html(
        "<p style=\"background:url(http://x/y)\">1</p><p style=\"width:expression(alert(1))\">2</p>"
        "<style>body{background:url(http://x)}</style><p style=\"color:blue\">3</p>");
    CHECK(out.html == "<p>1</p><p>2</p><p style=\"color:blue\">3</p>");
}

TEST_CASE("sanitizer output is stable and escapes what it re-serialises", "[webmail][sanitizer]") {
    for (const char* input : {"<p title='a\"b<c'>x</p>", "<b>unclosed", "<a href=\"http://x\" <b>",
                              "<!-- <script>alert(1)</script> -->text", "<svg><svg></svg>inner</svg>after",
                              "<p>text</p><", "<div <script>x</script>>", "</p x=<script>>y"}) {
        const auto once = sanitize_html(input);
        const auto twice = sanitize_html(once.html);
        INFO(input);
        CHECK(twice.html == once.html);
        CHECK_FALSE(contains(once.html, "<script"));
    }
    CHECK(sanitize_html("<svg><svg></svg>inner</svg>after").html == "after");
    CHECK(sanitize_html("<p title='a\"b<c'>x</p>").html == "<p title=\"a&quot;b&lt;c\">x</p>");
}

TEST_CASE("tokenizer reads raw text elements to their end tag", "[webmail][sanitizer]") {
    webmail::html_tokenizer t("<script>if (a < b) x = '</p>';</SCRIPT>z");
    webmail::html_token tok;
    REQUIRE(t.next(tok));
    CHECK(tok.type == webmail::html_token::kind::start_tag);
    CHECK(tok.name == "script");
    REQUIRE(t.next(tok));
    CHECK(tok.type == webmail::html_token::kind::text);
    CHECK(tok.raw == "if (a < b) x = '</p>';");
    REQUIRE(t.next(tok));
    CHECK(tok.type == webmail::html_token::kind::end_tag);
    REQUIRE(t.next(tok));
    CHECK(tok.raw == "z");
    CHECK_FALSE(t.next(tok));
}

TEST_CASE("character references decode for URL checks", "[webmail][sanitizer]") {
    CHECK(webmail::decode_character_references("&#106;&#x61;v&#X61;script&colon;") == "javascript:");
    CHECK(webmail::decode_character_references("a&amp;b&unknown;&#;") == "a&b&unknown;&#;");
    CHECK(webmail::decode_character_references("&#0;&#xD800;") == "\xEF\xBF\xBD\xEF\xBF\xBD");
}
