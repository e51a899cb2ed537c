#include <mailaccess/mime/utf8.hpp>

namespace mailaccess::mime {

std::size_t append_sanitized_utf8(std::string& out, std::string_view bytes) {
    std::size_t replaced = 0;
    std::size_t i = 0;
    while (i < bytes.size()) {
        // Copy runs of valid input in one go; most header text is ASCII.
        std::size_t run = i;
        while (run < bytes.size()) {
            if (static_cast<unsigned char>(bytes[run]) < 0x80) {
                ++run;
                continue;
            }
            const utf8_step s = decode_utf8(bytes.substr(run));
            if (!s.is_valid) break;
            run += s.length;
        }
        out.append(bytes.data() + i, run - i);
        i = run;
        if (i == bytes.size()) break;
        // One U+FFFD per maximal subpart (see utf8_step::length).
        const utf8_step s = decode_utf8(bytes.substr(i));
        append_utf8(out, replacement_character);
        ++replaced;
        i += s.length;
    }
    return replaced;
}

std::string sanitize_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    append_sanitized_utf8(out, bytes);
    return out;
}

}  // namespace mailaccess::mime
