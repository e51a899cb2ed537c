#pragma once

// Whether a transcript or rendered text holds a piece: how tests check
// server output when the rest of it is not theirs to pin down.

#include <string_view>

namespace mailaccess::test {

inline bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

}  // namespace mailaccess::test
