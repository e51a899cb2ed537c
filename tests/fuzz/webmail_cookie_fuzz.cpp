// Feeds arbitrary bytes to the webmail example's Cookie header parser
// (examples/webmail/csrf.hpp, `session_id_from_cookie`).
//
// Invariants: no crash, and the id found is a view into the header that
// holds no ";", follows "webmail_session=" at the start of a pair, and is
// found again when the header is prefixed with other cookies.
#include "csrf.hpp"

#include "fuzz_support.hpp"

#include <cstdint>
#include <string>
#include <string_view>

using mailaccess::fuzz::check;

namespace {

void fuzz_one(const mailaccess::fuzz::steered_input& in) {
    const std::string_view header = in.payload;
    const std::string_view id = webmail::session_id_from_cookie(header);
    if (id.empty()) return;
    check(id.data() >= header.data() && id.data() + id.size() <= header.data() + header.size());
    check(id.find(';') == std::string_view::npos);
    const std::size_t at = static_cast<std::size_t>(id.data() - header.data());
    const std::string_view name = webmail::session_cookie;
    check(at >= name.size() + 1 &&
          header.substr(at - name.size() - 1, name.size() + 1) == std::string(name) + "=");
    const std::string prefixed = "a=b; " + std::string(header);
    check(webmail::session_id_from_cookie(prefixed) == id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mailaccess::fuzz::run(data, size, fuzz_one);
}
