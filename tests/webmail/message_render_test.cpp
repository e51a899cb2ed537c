#include "message_render.hpp"

#include <mailaccess/imap/date_time.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace imap = mailaccess::imap;

TEST_CASE("message-list row from ENVELOPE, FLAGS, INTERNALDATE and RFC822.SIZE", "[webmail][render]") {
    imap::fetch_data f;
    imap::envelope env;
    env.subject = "=?iso-8859-2?q?Za=BF=F3=B3=E6_g=EA=B6l=B1_ja=BC=F1?=";
    env.from.push_back({std::string("=?utf-8?b?WsOzZmlh?= =?utf-8?q?_G=C5=BAd=C5=BA?="), std::nullopt,
                        std::string("zofia"), std::string("example.pl")});
    f.items.push_back(imap::fetch_item_types::uid{42});
    f.items.push_back(imap::fetch_item_types::envelope{env});
    f.items.push_back(imap::fetch_item_types::rfc822_size{1234});
    f.items.push_back(imap::fetch_item_types::flags{{imap::flag(imap::flag::kind::seen)}});
    f.items.push_back(imap::fetch_item_types::internaldate{
        *imap::date_time::make(*imap::date::make(2024, 3, 5), 7, 8, 9, 60)});
    const auto row = webmail::summary_json(f);
    CHECK(row["uid"] == 42);
    CHECK(row["subject"] == "Zażółć gęślą jaźń");
    CHECK(row["from"][0]["name"] == "Zófia Gźdź");
    CHECK(row["from"][0]["email"] == "zofia@example.pl");
    CHECK(row["size"] == 1234);
    CHECK(row["seen"] == true);
    CHECK(row["flagged"] == false);
    CHECK(row["date"] == "2024-03-05T07:08:09+01:00");
}

TEST_CASE("a multipart message renders text, sanitised HTML and attachments", "[webmail][render]") {
    const std::string raw =
        "From: =?utf-8?q?Pawe=C5=82?= <p@example.pl>\r\n"
        "To: demo@localhost\r\n"
        "Subject: =?utf-8?b?xYHDs2TFug==?=\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
        "\r\n"
        "--b1\r\n"
        "Content-Type: multipart/alternative; boundary=\"b2\"\r\n"
        "\r\n"
        "--b2\r\n"
        "Content-Type: text/plain; charset=iso-8859-2\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "Cze=B6=E6!\r\n"
        "--b2\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "\r\n"
        "<p onclick=x()>Cze\xC5\x9B\xC4\x87</p><script>alert(1)</script><img "
        "src=\"http://t.example/p.gif\">\r\n"
        "--b2--\r\n"
        "--b1\r\n"
        "Content-Type: application/pdf; name=\"=?utf-8?q?faktura_=C5=BC.pdf?=\"\r\n"
        "Content-Disposition: attachment; filename=\"=?utf-8?q?faktura_=C5=BC.pdf?=\"\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        "JVBERi0xLjQK\r\n"
        "--b1--\r\n";
    const auto m = webmail::render_message(raw);
    CHECK(m.headers["subject"] == "Łódź");
    CHECK(m.headers["from"][0]["name"] == "Paweł");
    CHECK(m.text == "Cześć!");
    REQUIRE(m.html);
    CHECK(m.html->find("Cześć") != std::string::npos);
    CHECK(m.html->find("script") == std::string::npos);
    CHECK(m.html->find("onclick") == std::string::npos);
    CHECK(m.html->find("t.example") == std::string::npos);
    CHECK(m.blocked_images == 1);
    REQUIRE(m.attachments.size() == 1);
    CHECK(m.attachments[0].filename == "faktura ż.pdf");
    CHECK(m.attachments[0].content_type == "application/pdf");
    const auto json = m.to_json();
    CHECK(json["has_html"] == true);
    CHECK(json["attachments"][0]["filename"] == "faktura ż.pdf");
    const auto part = webmail::extract_part(raw, m.attachments[0].part);
    REQUIRE(part);
    CHECK(part->data == "%PDF-1.4\n");
    CHECK_FALSE(webmail::extract_part(raw, 0));
    CHECK_FALSE(webmail::extract_part(raw, 999));
}

TEST_CASE("a plain message in an unknown charset and a long body", "[webmail][render]") {
    const std::string raw =
        "Subject: plain\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\nabc \xC3\xA9 \xFF" +
        std::string(100, 'x');
    webmail::render_limits limits;
    limits.max_body_text = 10;
    const auto m = webmail::render_message(raw, limits);
    CHECK_FALSE(m.html);
    CHECK(m.truncated);
    CHECK(m.text == "abc \xC3\xA9 \xEF\xBF\xBD");
    CHECK(m.attachments.empty());
}

TEST_CASE("attachment names in RFC 2231 form are decoded", "[webmail][render]") {
    const std::string raw =
        "Subject: names\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Disposition: attachment; filename*=utf-8''raport%20%C5%82%C3%B3d%C5%BA.txt\r\n\r\nx\r\n"
        "--b\r\nContent-Type: application/octet-stream;\r\n name*0=\"a/b\"; name*1=\"c.bin\"\r\n\r\ny\r\n"
        "--b--\r\n";
    const auto m = webmail::render_message(raw);
    CHECK(m.text == "body");
    REQUIRE(m.attachments.size() == 2);
    CHECK(m.attachments[0].filename == "raport łódź.txt");
    CHECK(m.attachments[1].filename == "a_bc.bin");  // joined continuations, no path separator
}
