#pragma once

// A small deterministic generator for made-up inputs: randomized tests and
// benchmark corpora (bench/ includes it too).

#include <cstddef>
#include <cstdint>

namespace mailaccess::test {

/// xorshift64* (S. Vigna): deterministic and fast; quality is beside the
/// point here. Never for anything that must be unpredictable.
class xorshift {
public:
    /// `seed` must not be 0 (the sequence would be all zeros).
    explicit xorshift(std::uint64_t seed) noexcept : s_(seed) {}

    std::uint64_t next() noexcept {
        s_ ^= s_ >> 12;
        s_ ^= s_ << 25;
        s_ ^= s_ >> 27;
        return s_ * 2685821657736338717ull;
    }
    /// Uniform in [0, 1).
    double unit() noexcept { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
    /// Uniform in [lo, hi].
    std::size_t between(std::size_t lo, std::size_t hi) noexcept {
        return lo + static_cast<std::size_t>(next() % (hi - lo + 1));
    }
    /// True with probability `p`.
    bool chance(double p) noexcept { return unit() < p; }
    /// One of `items`.
    template <class T, std::size_t N>
    const T& pick(const T (&items)[N]) noexcept {
        return items[next() % N];
    }

private:
    std::uint64_t s_;
};

}  // namespace mailaccess::test
