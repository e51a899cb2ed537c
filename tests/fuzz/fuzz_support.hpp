#pragma once

// Shared by the fuzz targets: how an input steers a harness, and how an
// invariant failure is reported (abort, so libFuzzer keeps the input).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace mailaccess::fuzz {

inline void check(bool ok) {
    if (!ok) std::abort();
}

/// The first byte steers the harness (options, modes, where to split the
/// input); the rest is the payload the parser sees.
struct steered_input {
    std::uint8_t control = 0;
    std::string_view payload;

    /// A split point in [0, payload.size()] derived from the control byte;
    /// `salt` keeps the targets' existing corpora meaning what they meant.
    std::size_t split(unsigned salt) const noexcept {
        return payload.empty() ? 0 : (control * salt) % (payload.size() + 1);
    }
};

inline std::optional<steered_input> steer(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return std::nullopt;
    return steered_input{data[0], std::string_view(reinterpret_cast<const char*>(data + 1), size - 1)};
}

/// The body of a target's LLVMFuzzerTestOneInput: runs `body(in)` on the
/// steered input (an empty input is skipped) and returns 0.
template <class Body>
int run(const std::uint8_t* data, std::size_t size, Body&& body) {
    if (const auto in = steer(data, size)) body(*in);
    return 0;
}

/// The payload in two pieces, cut at `split(salt)`, for a session harness
/// to hand out one at a time whenever the session asks for input.
class two_pieces {
public:
    two_pieces(const steered_input& in, unsigned salt) noexcept {
        const std::size_t cut = in.split(salt);
        pieces_[0] = in.payload.substr(0, cut);
        pieces_[1] = in.payload.substr(cut);
    }

    /// The next piece; nullopt once both were handed out.
    std::optional<std::string_view> next() noexcept {
        if (next_ == 2) return std::nullopt;
        return pieces_[next_++];
    }

private:
    std::string_view pieces_[2];
    std::size_t next_ = 0;
};

}  // namespace mailaccess::fuzz
