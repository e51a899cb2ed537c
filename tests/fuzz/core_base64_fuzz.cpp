// base64_decode reads SASL responses straight off the network. Invariants:
// never crash; whatever decodes re-encodes to exactly the input (the decoder
// accepts only canonical base64); every encoding decodes back to its bytes.
#include <mailaccess/core/base64.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (auto decoded = mailaccess::base64_decode(input); decoded) {
        if (mailaccess::base64_encode(*decoded) != input) std::abort();
    }
    auto back = mailaccess::base64_decode(mailaccess::base64_encode(input));
    if (!back || *back != input) std::abort();
    return 0;
}
