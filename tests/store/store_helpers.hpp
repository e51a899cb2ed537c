#pragma once

// Small helpers shared by the store conformance suite and backend tests.

#include <catch2/catch.hpp>
#include <mailaccess/store/error.hpp>
#include <mailaccess/store/store.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::test {

inline std::uint32_t append_message(store::mailbox& box, std::string_view bytes, store::flag_set flags = {},
                                    std::int64_t date = 0) {
    auto sink = box.append(flags, date);
    REQUIRE(sink);
    // Two writes: the sink must concatenate.
    const std::size_t half = bytes.size() / 2;
    REQUIRE_FALSE((*sink)->write(std::span<const char>(bytes.data(), half)));
    REQUIRE_FALSE((*sink)->write(std::span<const char>(bytes.data() + half, bytes.size() - half)));
    auto uid = (*sink)->commit();
    REQUIRE(uid);
    return *uid;
}

inline std::string read_message(store::mailbox& box, std::uint32_t uid) {
    auto src = box.open(uid);
    REQUIRE(src);
    std::string out;
    char buf[7];  // odd size: exercises offsets
    for (;;) {
        auto n = (*src)->read(out.size(), buf);
        REQUIRE(n);
        if (*n == 0) break;
        out.append(buf, *n);
    }
    CHECK(out.size() == (*src)->size());
    return out;
}

inline std::vector<std::uint32_t> uids_of(const std::vector<store::message_info>& list) {
    std::vector<std::uint32_t> out;
    for (const auto& m : list) out.push_back(m.uid);
    return out;
}

inline store::flag_set flags(std::initializer_list<store::system_flag> fs) {
    store::flag_set out;
    for (auto f : fs) out.set(f);
    return out;
}

}  // namespace mailaccess::test
