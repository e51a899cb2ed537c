#include <mailaccess/core/mutf7.hpp>

#include <mailaccess/core/error.hpp>

#include <cstdint>
#include <vector>

namespace mailaccess {
namespace {

// RFC 3501 5.1.3: base64 with "," instead of "/" and no padding.
constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int alphabet_index(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == ',') return 63;
    return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

void flush_base64(std::string& out, std::vector<std::uint8_t>& utf16) {
    if (utf16.empty()) return;
    out += '&';
    std::uint32_t bits = 0;
    int nbits = 0;
    for (std::uint8_t b : utf16) {
        bits = (bits << 8) | b;
        nbits += 8;
        while (nbits >= 6) {
            nbits -= 6;
            out += alphabet[(bits >> nbits) & 0x3f];
        }
    }
    if (nbits > 0) out += alphabet[(bits << (6 - nbits)) & 0x3f];
    out += '-';
    utf16.clear();
}

// Decodes the UTF-8 sequence at utf8[i]; returns its length and sets `cp`,
// or returns 0 when it is malformed (RFC 3629 section 4).
std::size_t next_code_point(std::string_view utf8, std::size_t i, std::uint32_t& cp) noexcept {
    const auto c = static_cast<unsigned char>(utf8[i]);
    std::size_t len = 0;
    if (c < 0x80) {
        cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        cp = c & 0x1fu;
        len = 2;
    } else if ((c & 0xf0) == 0xe0) {
        cp = c & 0x0fu;
        len = 3;
    } else if ((c & 0xf8) == 0xf0) {
        cp = c & 0x07u;
        len = 4;
    } else {
        return 0;
    }
    if (i + len > utf8.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(utf8[i + k]);
        if ((cc & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3fu);
    }
    static constexpr std::uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return len;
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
    std::uint32_t cp = 0;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t len = next_code_point(text, i, cp);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

result<std::string> mutf7_encode(std::string_view utf8) {
    std::string out;
    std::vector<std::uint8_t> utf16;
    auto push16 = [&](std::uint32_t unit) {
        utf16.push_back(static_cast<std::uint8_t>(unit >> 8));
        utf16.push_back(static_cast<std::uint8_t>(unit & 0xff));
    };
    for (std::size_t i = 0; i < utf8.size();) {
        std::uint32_t cp = 0;
        const std::size_t len = next_code_point(utf8, i, cp);
        if (len == 0) return unexpected(errc::bad_utf8);
        i += len;
        if (cp >= 0x20 && cp <= 0x7e) {
            flush_base64(out, utf16);
            out += static_cast<char>(cp);
            if (cp == '&') out += '-';
        } else if (cp < 0x10000) {
            push16(cp);
        } else {
            const std::uint32_t v = cp - 0x10000;
            push16(0xd800 | (v >> 10));
            push16(0xdc00 | (v & 0x3ff));
        }
    }
    flush_base64(out, utf16);
    return out;
}

result<std::string> mutf7_decode(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size();) {
        const char c = in[i];
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
            return unexpected(errc::bad_mutf7);
        if (c != '&') {
            out += c;
            ++i;
            continue;
        }
        const std::size_t end = in.find('-', i + 1);
        if (end == std::string_view::npos) return unexpected(errc::bad_mutf7);
        if (end == i + 1) {
            out += '&';
            i = end + 1;
            continue;
        }
        std::vector<std::uint8_t> bytes;
        std::uint32_t bits = 0;
        int nbits = 0;
        for (std::size_t k = i + 1; k < end; ++k) {
            const int v = alphabet_index(in[k]);
            if (v < 0) return unexpected(errc::bad_mutf7);
            bits = ((bits << 6) | static_cast<std::uint32_t>(v)) & 0xffffff;
            nbits += 6;
            if (nbits >= 8) {
                nbits -= 8;
                bytes.push_back(static_cast<std::uint8_t>((bits >> nbits) & 0xff));
            }
        }
        // Leftover bits are padding: fewer than 6 and all zero.
        if (nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0 || bytes.size() % 2 != 0)
            return unexpected(errc::bad_mutf7);
        for (std::size_t k = 0; k < bytes.size(); k += 2) {
            std::uint32_t unit = (static_cast<std::uint32_t>(bytes[k]) << 8) | bytes[k + 1];
            if (unit >= 0xd800 && unit <= 0xdbff) {
                if (k + 3 >= bytes.size()) return unexpected(errc::bad_mutf7);
                const std::uint32_t low = (static_cast<std::uint32_t>(bytes[k + 2]) << 8) | bytes[k + 3];
                if (low < 0xdc00 || low > 0xdfff) return unexpected(errc::bad_mutf7);
                unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
                k += 2;
            } else if (unit >= 0xdc00 && unit <= 0xdfff) {
                return unexpected(errc::bad_mutf7);
            }
            append_utf8(out, unit);
        }
        i = end + 1;
    }
    // RFC 3501 5.1.3 allows one spelling per name ("MUST NOT" encode printable
    // US-ASCII in base64, runs are maximal): the input must be what we would
    // send. Otherwise "&AEkATgBCAE8AWA-" would open INBOX and "a&AC8-b" would
    // name a "/" that the hierarchy never sees; Dovecot refuses them too.
    auto canonical = mutf7_encode(out);
    if (!canonical || *canonical != in) return unexpected(errc::bad_mutf7);
    return out;
}

}  // namespace mailaccess
