#include "flag_ops.hpp"

#include "names.hpp"

#include <algorithm>

namespace mailaccess::store::detail {

void normalize_keywords(std::vector<std::string>& keywords) {
    // stable: of case-insensitive duplicates, the first one given is kept.
    std::stable_sort(keywords.begin(), keywords.end(),
                     [](const std::string& a, const std::string& b) { return iless(a, b); });
    keywords.erase(std::unique(keywords.begin(), keywords.end(),
                               [](const std::string& a, const std::string& b) { return iequals(a, b); }),
                   keywords.end());
}

flag_set apply_flags(const flag_set& old, flag_mode mode, const flag_set& change) {
    flag_set out = old;
    switch (mode) {
        case flag_mode::replace: out = change; break;
        case flag_mode::add:
            out.system = static_cast<std::uint8_t>(out.system | change.system);
            out.keywords.insert(out.keywords.end(), change.keywords.begin(), change.keywords.end());
            break;
        case flag_mode::remove:
            out.system = static_cast<std::uint8_t>(out.system & ~change.system);
            std::erase_if(out.keywords, [&](const std::string& k) {
                return std::any_of(change.keywords.begin(), change.keywords.end(),
                                   [&](const std::string& c) { return iequals(k, c); });
            });
            break;
    }
    normalize_keywords(out.keywords);
    return out;
}

}  // namespace mailaccess::store::detail
