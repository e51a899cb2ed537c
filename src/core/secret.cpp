#include <mailaccess/core/secret.hpp>

#include <openssl/crypto.h>
#include <openssl/mem.h>

namespace mailaccess {

void secure_wipe(void* p, std::size_t n) noexcept { OPENSSL_cleanse(p, n); }

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    // The length is not secret (it leaks through timing of everything else
    // anyway); the contents are, so only equal-length inputs reach memcmp.
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace mailaccess
