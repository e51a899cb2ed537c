#pragma once

// Chunking must not change results (STYLE.md section 8, Beast parsegrind):
// these helpers produce every way a test should feed an input to a codec:
// in one piece, split in two at every position, and one byte at a time.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::test {

/// A named way of cutting an input into consecutive chunks.
struct chunking {
    std::string description;
    std::vector<std::string_view> chunks;  ///< views into the input; concatenation == input
};

/// `input` cut at `pos` (clamped): {head, tail}, dropping an empty piece.
inline std::vector<std::string_view> split_at(std::string_view input, std::size_t pos) {
    if (pos > input.size()) pos = input.size();
    std::vector<std::string_view> out;
    if (pos > 0) out.push_back(input.substr(0, pos));
    if (pos < input.size()) out.push_back(input.substr(pos));
    return out;
}

/// `input` one byte per chunk.
inline std::vector<std::string_view> bytewise(std::string_view input) {
    std::vector<std::string_view> out;
    for (std::size_t i = 0; i < input.size(); ++i) out.push_back(input.substr(i, 1));
    return out;
}

/// Every chunking of `input`: whole, split at each position 1..size-1, and
/// byte by byte. The views refer to `input`, which must outlive the result.
inline std::vector<chunking> all_chunkings(std::string_view input) {
    std::vector<chunking> out;
    out.push_back({"whole", split_at(input, input.size())});
    for (std::size_t i = 1; i < input.size(); ++i)
        out.push_back({"split at " + std::to_string(i), split_at(input, i)});
    out.push_back({"bytewise", bytewise(input)});
    return out;
}

/// Calls `f(const chunking&)` for every chunking of `input`.
template <class F>
void for_each_chunking(std::string_view input, F&& f) {
    for (const auto& c : all_chunkings(input)) f(c);
}

/// Calls `f(head, tail)` for every split point 0..size, both ends included.
template <class F>
void for_each_split(std::string_view input, F&& f) {
    for (std::size_t i = 0; i <= input.size(); ++i) f(input.substr(0, i), input.substr(i));
}

}  // namespace mailaccess::test
