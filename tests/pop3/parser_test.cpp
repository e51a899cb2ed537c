#include <mailaccess/pop3/parser.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace mailaccess;
using pop3::errc;
using pop3::verb;

TEST_CASE("parse_command accepts the RFC 1939/2449/2595/5034 commands", "[pop3][parser]") {
    struct row {
        std::string line;
        verb kind;
        std::string name;
        std::optional<std::uint32_t> message;
        std::uint32_t lines;
    };
    const std::vector<row> rows{
        {"USER mrose", verb::user, "mrose", {}, 0},
        {"user mrose", verb::user, "mrose", {}, 0},
        {"STAT", verb::stat, "", {}, 0},
        {"stat\r", verb::stat, "", {}, 0},
        {"LIST", verb::list, "", {}, 0},
        {"LIST 2", verb::list, "", 2, 0},
        {"Retr 1", verb::retr, "", 1, 0},
        {"DELE 4294967295", verb::dele, "", 4294967295u, 0},
        {"NOOP", verb::noop, "", {}, 0},
        {"RSET", verb::rset, "", {}, 0},
        {"QUIT", verb::quit, "", {}, 0},
        {"TOP 1 10", verb::top, "", 1, 10},
        {"TOP  1   0", verb::top, "", 1, 0},
        {"UIDL", verb::uidl, "", {}, 0},
        {"UIDL 7", verb::uidl, "", 7, 0},
        {"CAPA", verb::capa, "", {}, 0},
        {"STLS", verb::stls, "", {}, 0},
        {"AUTH", verb::auth, "", {}, 0},
        {"auth plain", verb::auth, "PLAIN", {}, 0},
    };
    for (const auto& r : rows) {
        INFO(r.line);
        auto cmd = pop3::parse_command(r.line);
        REQUIRE(cmd);
        CHECK(cmd->kind == r.kind);
        CHECK(cmd->name == r.name);
        CHECK(cmd->message == r.message);
        CHECK(cmd->lines == r.lines);
        CHECK(cmd->credential.empty());
    }
}

TEST_CASE("PASS takes the rest of the line, spaces included", "[pop3][parser]") {
    auto cmd = pop3::parse_command("PASS  wonder land ");
    REQUIRE(cmd);
    CHECK(cmd->kind == verb::pass);
    CHECK(cmd->credential.reveal() == " wonder land ");
    CHECK(pop3::parse_command("PASS").error() == errc::bad_syntax);
    CHECK(pop3::parse_command("PASS ").error() == errc::bad_syntax);
    CHECK(pop3::parse_command(std::string("PASS a\0b", 8)).error() == errc::bad_syntax);
}

TEST_CASE("APOP and AUTH arguments", "[pop3][parser]") {
    auto apop = pop3::parse_command("APOP mrose C4C9334BAC560ECC979E58001B3E22FB");
    REQUIRE(apop);
    CHECK(apop->name == "mrose");
    CHECK(apop->digest == "c4c9334bac560ecc979e58001b3e22fb");
    CHECK(pop3::parse_command("APOP mrose c4c9334b").error() == errc::bad_syntax);
    CHECK(pop3::parse_command("APOP mrose c4c9334bac560ecc979e58001b3e22fz").error() == errc::bad_syntax);

    auto auth = pop3::parse_command("AUTH plain AGZvbwBiYXI=");
    REQUIRE(auth);
    CHECK(auth->name == "PLAIN");
    CHECK(auth->has_initial_response);
    CHECK(auth->credential.reveal() == "AGZvbwBiYXI=");
    auto empty_ir = pop3::parse_command("AUTH PLAIN =");
    REQUIRE(empty_ir);
    CHECK(empty_ir->credential.reveal() == "=");
    CHECK(pop3::parse_command("AUTH PLAIN a b").error() == errc::bad_syntax);
}

TEST_CASE("parse_command rejects bad input", "[pop3][parser]") {
    const std::vector<std::pair<std::string, errc>> rows{
        {"", errc::bad_syntax},
        {"FROB", errc::unknown_command},
        {"STATX", errc::unknown_command},
        {"STAT 1", errc::bad_syntax},
        {"USER", errc::bad_syntax},
        {"USER a b", errc::bad_syntax},
        {"RETR", errc::bad_syntax},
        {"RETR -1", errc::bad_syntax},
        {"RETR 1x", errc::bad_syntax},
        {"RETR 4294967296", errc::bad_syntax},
        {"RETR 99999999999999999999999", errc::bad_syntax},
        {"LIST 1 2", errc::bad_syntax},
        {"TOP 1", errc::bad_syntax},
        {"TOP 1 x", errc::bad_syntax},
        {"USER a\x01", errc::bad_syntax},
        {"\x01STAT", errc::bad_syntax},
        {"USER " + std::string(300, 'a'), errc::line_too_long},
    };
    for (const auto& row : rows) {
        const auto& line = row.first;
        const auto& ec = row.second;
        INFO(line);
        auto cmd = pop3::parse_command(line);
        REQUIRE_FALSE(cmd);
        CHECK(cmd.error() == ec);
    }
    // 255 octets with CRLF is the limit (RFC 2449 section 4).
    CHECK(pop3::parse_command("USER " + std::string(248, 'a')));
    CHECK(pop3::parse_command("USER " + std::string(249, 'a')).error() == errc::line_too_long);
}

TEST_CASE("parse_status_line with response codes", "[pop3][parser]") {
    using pop3::status;
    const std::vector<std::pair<std::string, pop3::status_line>> rows{
        {"+OK", {status::ok, "", ""}},
        {"+OK ", {status::ok, "", ""}},
        {"+OK 2 320", {status::ok, "", "2 320"}},
        {"-ERR [IN-USE] locked", {status::err, "IN-USE", "locked"}},
        {"-ERR [SYS/TEMP] try later", {status::err, "SYS/TEMP", "try later"}},
        {"-ERR [AUTH]", {status::err, "AUTH", ""}},
        {"-err [broken", {status::err, "", "[broken"}},
        {"-ERR [A//B] x", {status::err, "", "[A//B] x"}},
        {"-ERR [] x", {status::err, "", "[] x"}},
        {"+ ", {status::continuation, "", ""}},
        {"+ VXNlcm5hbWU6", {status::continuation, "", "VXNlcm5hbWU6"}},
        {"+OK hello\r", {status::ok, "", "hello"}},
    };
    for (const auto& row : rows) {
        const auto& line = row.first;
        const auto& expected = row.second;
        INFO(line);
        auto parsed = pop3::parse_status_line(line);
        REQUIRE(parsed);
        CHECK(*parsed == expected);
    }
    for (std::string bad : {"", "OK", "+OKAY", "-ERROR", "* OK", "+x"}) {
        INFO(bad);
        CHECK(pop3::parse_status_line(bad).error() == errc::bad_syntax);
    }
    CHECK(pop3::parse_status_line("+OK " + std::string(507, 'x')).error() == errc::line_too_long);
    CHECK(pop3::parse_status_line("+OK " + std::string(506, 'x')));
}
