#include <mailaccess/pop3/serializer.hpp>

#include <mailaccess/pop3/parser.hpp>

#include <catch2/catch.hpp>

using namespace mailaccess;
using pop3::verb;

namespace {
pop3::command make(verb v, std::string name = {}, std::optional<std::uint32_t> n = {},
                   std::uint32_t lines = 0) {
    pop3::command c;
    c.kind = v;
    c.name = std::move(name);
    c.message = n;
    c.lines = lines;
    return c;
}
}  // namespace

TEST_CASE("serialize_command round-trips through parse_command", "[pop3][serializer]") {
    std::vector<pop3::command> cmds{
        make(verb::user, "mrose"),  make(verb::stat),        make(verb::list),
        make(verb::list, {}, 3),    make(verb::retr, {}, 1), make(verb::dele, {}, 9),
        make(verb::noop),           make(verb::rset),        make(verb::quit),
        make(verb::top, {}, 2, 15), make(verb::uidl),        make(verb::uidl, {}, 4294967295u),
        make(verb::capa),           make(verb::stls),        make(verb::auth),
        make(verb::auth, "LOGIN"),
    };
    pop3::command pass = make(verb::pass);
    pass.credential = secret<>(std::string("wonder land "));
    cmds.push_back(pass);
    pop3::command apop = make(verb::apop, "mrose");
    apop.digest = "c4c9334bac560ecc979e58001b3e22fb";
    cmds.push_back(apop);
    pop3::command auth = make(verb::auth, "PLAIN");
    auth.credential = secret<>(std::string("AGZvbwBiYXI="));
    auth.has_initial_response = true;
    cmds.push_back(auth);

    for (const auto& c : cmds) {
        auto wire = pop3::serialize_command(c);
        REQUIRE(wire);
        INFO(*wire);
        REQUIRE(wire->size() >= 2);
        CHECK(wire->substr(wire->size() - 2) == "\r\n");
        auto parsed = pop3::parse_command(std::string_view(*wire).substr(0, wire->size() - 2));
        REQUIRE(parsed);
        CHECK(*parsed == c);
    }
    CHECK(*pop3::serialize_command(make(verb::top, {}, 2, 15)) == "TOP 2 15\r\n");
}

TEST_CASE("serialize_command refuses what the parser would reject", "[pop3][serializer]") {
    CHECK(pop3::serialize_command(make(verb::user, "two words")).error() == pop3::errc::bad_syntax);
    CHECK(pop3::serialize_command(make(verb::user, "")).error() == pop3::errc::bad_syntax);
    CHECK(pop3::serialize_command(make(verb::retr)).error() == pop3::errc::bad_syntax);
    pop3::command pass = make(verb::pass);
    pass.credential = secret<>(std::string("a\r\nDELE 1"));
    CHECK(pop3::serialize_command(pass).error() == pop3::errc::bad_syntax);
    CHECK(pop3::serialize_command(make(verb::user, std::string(250, 'u'))).error() ==
          pop3::errc::line_too_long);
}

TEST_CASE("serialize_status and parse_status_line agree", "[pop3][serializer]") {
    using pop3::status;
    CHECK(pop3::serialize_status(status::err, "IN-USE", "locked") == "-ERR [IN-USE] locked\r\n");
    CHECK(pop3::serialize_status(status::ok, "", "") == "+OK\r\n");
    CHECK(pop3::serialize_status(status::continuation, "", "") == "+ \r\n");
    CHECK(pop3::serialize_status(status::ok, "", "a\r\nb") == "+OK a  b\r\n");
    for (std::string line : {"+OK", "+OK 1 2", "-ERR [SYS/TEMP] x y", "-ERR [AUTH]", "+ abc=", "-ERR  two",
                             "+OK [A]  b", "-ERR [x"}) {
        INFO(line);
        auto first = pop3::parse_status_line(line);
        REQUIRE(first);
        const std::string wire = pop3::serialize_status(*first);
        auto again = pop3::parse_status_line(std::string_view(wire).substr(0, wire.size() - 2));
        REQUIRE(again);
        CHECK(*again == *first);
    }
}
