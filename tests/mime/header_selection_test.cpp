#include <mailaccess/mime/header_selection.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace mailaccess::mime;

namespace {
const std::vector<std::string> from_subject_date = {"From", "Subject", "Date"};
const std::vector<std::string> received = {"Received"};
}  // namespace

// Expected values are Dovecot 2.3.19's answers for the same headers
// (tests/data/mime/expected/073, 030, 031, 102; README items 21-24).
TEST_CASE("HEADER.FIELDS selects every matching field in order, then a blank line", "[mime][header]") {
    const std::string header073 =
        "from: alice@example.com\r\n"
        "to: bob@example.org\r\n"
        "Subject : spaced colon\r\n"
        "subject: lowercase subject\r\n"
        "X-Empty:\r\n"
        "This line has no colon\r\n"
        "X-After: after garbage\r\n"
        "date: Tue, 05 Mar 2024 10:15:00 +0100\r\n"
        "message-id: <oddhdr.73@example.com>\r\n"
        "\r\n";
    CHECK(select_header_fields(header073, from_subject_date) ==
          "from: alice@example.com\r\n"
          "Subject : spaced colon\r\n"
          "subject: lowercase subject\r\n"
          "date: Tue, 05 Mar 2024 10:15:00 +0100\r\n"
          "\r\n");
    // The line without a colon is kept by HEADER.FIELDS.NOT, like the blank line.
    CHECK(select_header_fields_not(header073, received) == header073);
    CHECK(select_header_fields_not(
              header073, std::vector<std::string>{"SUBJECT", "x-empty", "This line has no colon"}) ==
          "from: alice@example.com\r\n"
          "to: bob@example.org\r\n"
          "This line has no colon\r\n"
          "X-After: after garbage\r\n"
          "date: Tue, 05 Mar 2024 10:15:00 +0100\r\n"
          "message-id: <oddhdr.73@example.com>\r\n"
          "\r\n");
}

TEST_CASE("header selections of headers without a blank line or without bytes", "[mime][header]") {
    struct row {
        std::string header;
        std::string fields;
        std::string fields_not;
    };
    const row rows[] = {
        // 030: no blank line and no final CRLF.
        {"From: A <a@example.com>\r\nSubject: Unterminated\r\nMessage-ID: <u@example.com>",
         "From: A <a@example.com>\r\nSubject: Unterminated\r\n\r\n",
         "From: A <a@example.com>\r\nSubject: Unterminated\r\nMessage-ID: <u@example.com>"},
        // 031: header only, final CRLF, no blank line.
        {"From: A <a@example.com>\r\nSubject: Header only\r\n",
         "From: A <a@example.com>\r\nSubject: Header only\r\n\r\n",
         "From: A <a@example.com>\r\nSubject: Header only\r\n"},
        // 102: empty message.
        {"", "\r\n", ""},
        // A selected last field without a line end still ends its line.
        {"Subject: last", "Subject: last\r\n\r\n", "Subject: last"},
        // Bare LF is kept (the section reader converts it for the wire).
        {"Received: x\n\tby y\nFrom: a@b\n\nbody\n", "From: a@b\n\r\n", "From: a@b\n\n"},
        // Folded fields are selected whole.
        {"Subject: a\r\n b\r\nReceived: r\r\n\r\n", "Subject: a\r\n b\r\n\r\n", "Subject: a\r\n b\r\n\r\n"},
    };
    for (const auto& r : rows) {
        INFO(r.header);
        CHECK(select_header_fields(r.header, from_subject_date) == r.fields);
        CHECK(select_header_fields_not(r.header, received) == r.fields_not);
    }
}

TEST_CASE("header selection with no names and with many names", "[mime][header]") {
    const std::string header = "A: 1\r\nB: 2\r\n\r\nbody";
    CHECK(select_header_fields(header, std::vector<std::string>{}) == "\r\n");
    CHECK(select_header_fields_not(header, std::vector<std::string>{}) == "A: 1\r\nB: 2\r\n\r\n");
    std::vector<std::string> many;
    for (int i = 0; i < 10000; ++i) many.push_back("X-" + std::to_string(i));
    many.push_back("b");
    CHECK(select_header_fields(header, many) == "B: 2\r\n\r\n");
    CHECK(select_header_fields_not(header, many) == "A: 1\r\n\r\n");
}
