#include <mailaccess/mime/base64_decoder.hpp>

#include <array>

namespace mailaccess::mime {
namespace {

// 0-63 for the alphabet, 64 for whitespace, 65 for '=', 66 for the rest.
constexpr std::array<std::uint8_t, 256> make_table() {
    std::array<std::uint8_t, 256> t{};
    for (auto& v : t) v = 66;
    for (int i = 0; i < 26; ++i) {
        t[static_cast<std::size_t>('A' + i)] = static_cast<std::uint8_t>(i);
        t[static_cast<std::size_t>('a' + i)] = static_cast<std::uint8_t>(26 + i);
    }
    for (int i = 0; i < 10; ++i) t[static_cast<std::size_t>('0' + i)] = static_cast<std::uint8_t>(52 + i);
    t['+'] = 62;
    t['/'] = 63;
    t[' '] = t['\t'] = t['\r'] = t['\n'] = 64;
    t['='] = 65;
    return t;
}
constexpr std::array<std::uint8_t, 256> table = make_table();

struct string_sink {
    std::string& out;
    void put(char c) { out.push_back(c); }
};
struct count_sink {
    std::uint64_t n = 0;
    void put(char) noexcept { ++n; }
};

}  // namespace

// Bits are emitted as soon as a byte is complete, so only up to 6 bits are
// carried between calls and nothing needs flushing at the end. The same code
// decodes and counts (through the Sink).
template <class Sink>
void base64_decoder::run(std::string_view chunk, Sink& sink) {
    for (char ch : chunk) {
        const std::uint8_t v = table[static_cast<unsigned char>(ch)];
        if (v < 64) {
            if (pads_ > 0) {  // data after the padding is ignored
                clean_ = false;
                continue;
            }
            bits_ = (bits_ << 6) | v;
            nbits_ = static_cast<std::uint8_t>(nbits_ + 6);
            quantum_ = static_cast<std::uint8_t>((quantum_ + 1) & 3);
            if (nbits_ >= 8) {
                nbits_ = static_cast<std::uint8_t>(nbits_ - 8);
                sink.put(static_cast<char>((bits_ >> nbits_) & 0xFF));
                bits_ &= (1u << nbits_) - 1;
            }
        } else if (v == 65) {
            if (pads_ < 255) ++pads_;
        } else if (v == 66) {
            clean_ = false;
        }
    }
}

void base64_decoder::decode(std::string_view chunk, std::string& out) {
    string_sink sink{out};
    run(chunk, sink);
}

std::uint64_t base64_decoder::measure(std::string_view chunk) noexcept {
    count_sink sink;
    run(chunk, sink);
    return sink.n;
}

void base64_decoder::finish() noexcept {
    // A group of 4 needs 0 pads when complete, 2 after 2 characters and 1
    // after 3 (RFC 4648 section 4); 1 character cannot make a byte.
    const std::uint8_t needed = quantum_ == 2 ? 2 : quantum_ == 3 ? 1 : 0;
    if (quantum_ == 1 || pads_ != needed) clean_ = false;
    bits_ = 0;
    nbits_ = quantum_ = pads_ = 0;
}

}  // namespace mailaccess::mime
