#pragma once

// Test corpora are kept with LF line ends; a Maildir store and the wire hold
// CRLF. Shared by the mime tests and bench/mime_parse_bench.

#include <string>
#include <string_view>

namespace mailaccess::test {

/// `in` with every bare LF turned into CRLF (existing CRLFs kept).
inline std::string to_crlf(std::string_view in) {
    std::string out;
    out.reserve(in.size() + in.size() / 32);
    char prev = '\0';
    for (char c : in) {
        if (c == '\n' && prev != '\r') out.push_back('\r');
        out.push_back(c);
        prev = c;
    }
    return out;
}

}  // namespace mailaccess::test
