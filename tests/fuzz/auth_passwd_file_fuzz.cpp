// Parses arbitrary bytes as a passwd-file and checks the loader's
// invariants: it never fails, every user or problem comes from a distinct
// non-comment line, and problem line numbers are increasing and in range.
// Only APOP is exercised afterwards: it costs one MD5, whereas verify() may
// legitimately run up to max_hash_rounds of a KDF for a fuzzed entry.
#include <mailaccess/auth/passwd_file.hpp>

#include <mailaccess/core/assert.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto db = mailaccess::auth::passwd_file::parse(text);
    const std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    const auto problems = db.problems();
    MAILACCESS_ASSERT(db.size() + problems.size() <= lines);
    std::size_t last = 0;
    for (const auto& p : problems) {
        MAILACCESS_ASSERT(p.line > last && p.line <= lines);
        MAILACCESS_ASSERT(p.error);
        last = p.line;
    }
    // The first field of the first line as a user name.
    const std::string_view first = text.substr(0, text.find_first_of(":\n"));
    auto r = db.verify_apop(first, "<1.2@host>", "c4c9334bac560ecc979e58001b3e22fb");
    if (r) MAILACCESS_ASSERT(*r == first);
    (void)db.verify_apop(first, text, std::string(32, 'a'));
    return 0;
}
