// Round trip: dot_stuffer then dot_unstuffer must give back the input with
// its line ends normalised to CRLF (and a final CRLF added to a non-empty
// unterminated body), whatever the chunking. The first byte picks the split
// point; TOP mode is exercised for crashes.
#include <mailaccess/pop3/dot_stuffing.hpp>

#include "fuzz_support.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace mailaccess;

using mailaccess::fuzz::check;

namespace {

void fuzz_one(const fuzz::steered_input& steered) {
    const auto& [control, input] = steered;
    const std::size_t split = steered.split(11);

    std::string normal;
    for (std::size_t i = 0; i < input.size(); ++i) {
        if (input[i] == '\r') {
            normal += "\r\n";
            if (i + 1 < input.size() && input[i + 1] == '\n') ++i;
        } else if (input[i] == '\n') {
            normal += "\r\n";
        } else {
            normal += input[i];
        }
    }
    if (!normal.empty() && !normal.ends_with("\r\n")) normal += "\r\n";

    pop3::dot_stuffer enc;
    std::string wire;
    enc.encode(input.substr(0, split), wire);
    enc.encode(input.substr(split), wire);
    enc.finish(wire);
    check(wire.ends_with(".\r\n"));

    pop3::dot_unstuffer dec(normal.size());
    std::string decoded;
    const std::size_t wire_split = (control * 17u) % (wire.size() + 1);
    auto a = dec.decode(std::string_view(wire).substr(0, wire_split), decoded);
    check(a.has_value());
    std::size_t used = *a;
    if (!dec.is_done()) {
        auto b = dec.decode(std::string_view(wire).substr(wire_split), decoded);
        check(b.has_value());
        used += *b;
    }
    check(dec.is_done());
    check(used == wire.size());
    check(decoded == normal);

    pop3::dot_stuffer top(control % 4);
    std::string top_wire;
    top.encode(input, top_wire);
    top.finish(top_wire);
    check(top_wire.size() <= wire.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mailaccess::fuzz::run(data, size, fuzz_one);
}
