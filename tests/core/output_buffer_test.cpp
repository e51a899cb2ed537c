#include <mailaccess/core/output_buffer.hpp>

#include <catch2/catch.hpp>

using mailaccess::output_buffer;

TEST_CASE("output_buffer hands out what was appended until it is consumed", "[core][output_buffer]") {
    output_buffer out;
    CHECK_FALSE(out.has_pending());
    CHECK(out.pending().empty());
    out.append("+OK ");
    out.append("ready\r\n");
    CHECK(out.has_pending());
    CHECK(out.pending() == "+OK ready\r\n");
    out.consume(4);
    CHECK(out.pending() == "ready\r\n");
    out.append("+OK\r\n");
    CHECK(out.pending() == "ready\r\n+OK\r\n");
    out.consume(0);
    CHECK(out.pending() == "ready\r\n+OK\r\n");
    out.consume(out.pending().size());
    CHECK_FALSE(out.has_pending());
    CHECK(out.pending().empty());
}

TEST_CASE("output_buffer reuses its storage once everything is written", "[core][output_buffer]") {
    output_buffer out;
    out.append(std::string(1000, 'x'));
    out.consume(1000);
    CHECK(out.storage().empty());
    CHECK(out.storage().capacity() >= 1000);
    out.append("a");
    CHECK(out.pending() == "a");
}

TEST_CASE("output_buffer storage takes appends from string encoders", "[core][output_buffer]") {
    output_buffer out;
    out.append("+OK\r\n");
    out.consume(2);
    out.storage() += "line\r\n";
    CHECK(out.pending() == "K\r\nline\r\n");
}
