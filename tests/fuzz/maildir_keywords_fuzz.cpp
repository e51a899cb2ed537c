// Fuzzes the dovecot-keywords parser (a file Dovecot, another process or a
// damaged disk may have written): it never fails, and what it reads must
// survive serialize -> parse unchanged. The first byte also picks how many
// letters count as in use for a letter allocation, which must either give
// every name a distinct letter or leave the table untouched.
#include "../../src/maildir/keywords.hpp"

#include <mailaccess/core/assert.hpp>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace d = mailaccess::maildir::detail;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto table = d::parse_keywords(text);
    MAILACCESS_ASSERT(d::parse_keywords(d::serialize_keywords(table)) == table);

    const std::size_t in_use_count = size == 0 ? 0 : data[0] % (d::max_keywords + 1);
    std::string in_use;
    for (std::size_t i = 0; i < in_use_count; ++i) in_use += static_cast<char>('a' + i);
    std::vector<std::string> names;
    for (std::size_t i = 1; i + 1 < size && names.size() < 30; i += 2)
        names.push_back("k" + std::to_string(data[i] % 40));
    const auto before = table;
    bool changed = false;
    auto letters = table.letters_for(names, in_use, changed);
    if (!letters) {
        MAILACCESS_ASSERT(table == before && !changed);
        return 0;
    }
    const std::set<std::string_view> distinct(names.begin(), names.end());
    MAILACCESS_ASSERT(letters->size() <= distinct.size());
    for (const auto& n : names) MAILACCESS_ASSERT(table.letter_of(n).has_value());
    MAILACCESS_ASSERT(d::parse_keywords(d::serialize_keywords(table)) == table);
    return 0;
}
