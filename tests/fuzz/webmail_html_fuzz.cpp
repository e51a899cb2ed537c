// Feeds arbitrary bytes to the webmail example's HTML sanitizer
// (examples/webmail/html_sanitizer.hpp) and its tokenizer.
//
// Invariants: no crash, no failed assertion, and the output
// - holds only allowed elements, no on* attribute, links only to http:,
//   https:, mailto: or "#", images only from data:image/ (not SVG);
// - is a fixed point: sanitizing it again gives it back unchanged;
// - stays within a constant factor of the input (plus a fixed size per
//   blocked image).
#include "html_sanitizer.hpp"
#include "html_tokenizer.hpp"

#include "fuzz_support.hpp"

#include <cstdint>
#include <string>
#include <string_view>

using mailaccess::fuzz::check;

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// As a browser reads a URL's scheme: control characters and spaces
// stripped, case folded.
std::string normalised(std::string_view url) {
    std::string out;
    for (char c : url) {
        const auto b = static_cast<unsigned char>(c);
        if (b <= 0x20 || b == 0x7F) continue;
        out.push_back(b >= 'A' && b <= 'Z' ? static_cast<char>(b - 'A' + 'a') : c);
    }
    return out;
}

void check_output(const std::string& html) {
    webmail::html_tokenizer tokens(html);
    webmail::html_token t;
    while (tokens.next(t)) {
        check(t.type != webmail::html_token::kind::comment && t.type != webmail::html_token::kind::other);
        if (t.type != webmail::html_token::kind::start_tag) continue;
        check(t.name != "script" && t.name != "iframe" && t.name != "object" && t.name != "embed" &&
              t.name != "form" && t.name != "style" && t.name != "svg" && t.name != "base" &&
              t.name != "meta");
        for (const auto& [name, value] : t.attributes) {
            check(!starts_with(name, "on"));
            const std::string url = normalised(value);
            if (name == "href")
                check(starts_with(url, "http://") || starts_with(url, "https://") ||
                      starts_with(url, "mailto:") || starts_with(url, "#"));
            if (name == "src") check(starts_with(url, "data:image/") && !starts_with(url, "data:image/svg"));
        }
    }
}

void fuzz_one(const mailaccess::fuzz::steered_input& in) {
    const std::string_view html = in.payload;
    const webmail::sanitized_html once = webmail::sanitize_html(html);
    check(once.html.size() <= 8 * html.size() + 160 * once.report.blocked_images);
    check_output(once.html);
    const webmail::sanitized_html twice = webmail::sanitize_html(once.html);
    check(twice.html == once.html);
    (void)webmail::decode_character_references(html);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mailaccess::fuzz::run(data, size, fuzz_one);
}
