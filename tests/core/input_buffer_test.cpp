#include <mailaccess/core/input_buffer.hpp>

#include <catch2/catch.hpp>

#include <cstring>

using mailaccess::input_buffer;

TEST_CASE("input_buffer hands out space, keeps what was committed", "[core][input_buffer]") {
    input_buffer in;
    auto span = in.prepare(16);
    REQUIRE(span.size() == 16);
    std::memcpy(span.data(), "USER a\r\nPA", 10);
    in.commit(10);
    CHECK(in.unread() == "USER a\r\nPA");
    in.consume(8);
    CHECK(in.unread() == "PA");
    in.append("SS x\r\n");
    CHECK(in.unread() == "PASS x\r\n");
    CHECK(in.size() == 8);
}

TEST_CASE("input_buffer views of consumed bytes survive until the next read", "[core][input_buffer]") {
    input_buffer in;
    in.append("NOOP\r\n");
    const std::string_view line = in.unread().substr(0, 4);
    in.consume(6);  // everything consumed: the line must still be readable
    CHECK(in.empty());
    CHECK(line == "NOOP");
    in.append("QUIT\r\n");
    CHECK(in.unread() == "QUIT\r\n");
}

TEST_CASE("input_buffer clear drops unread bytes", "[core][input_buffer]") {
    input_buffer in;
    in.append("STLS\r\nUSER injected\r\n");
    in.consume(6);
    in.clear();  // e.g. plaintext pipelined behind STLS
    CHECK(in.empty());
    auto span = in.prepare(4);
    std::memcpy(span.data(), "CAPA", 4);
    in.commit(2);
    CHECK(in.unread() == "CA");
}
