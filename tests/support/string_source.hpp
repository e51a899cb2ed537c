#pragma once

// A byte_source over bytes held in memory: a message body, section or
// stored message for tests, fuzz targets and benchmarks that need one.

#include <mailaccess/core/byte_source.hpp>
#include <mailaccess/core/error.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <utility>

namespace mailaccess::test {

class string_source final : public byte_source {
public:
    /// A source of `data`; with `failing`, one whose every read fails with
    /// errc::io_error (a message that disappeared after it was listed).
    explicit string_source(std::string data, bool failing = false)
        : data_(std::move(data)), failing_(failing) {}

    std::uint64_t size() const noexcept override { return data_.size(); }

    result<std::size_t> read(std::uint64_t offset, std::span<char> out) override {
        if (failing_) return unexpected(mailaccess::errc::io_error);
        if (offset >= data_.size()) return std::size_t{0};
        const std::size_t n =
            std::min<std::size_t>(out.size(), data_.size() - static_cast<std::size_t>(offset));
        std::memcpy(out.data(), data_.data() + offset, n);
        return n;
    }

    const std::string& data() const noexcept { return data_; }

private:
    std::string data_;
    bool failing_;
};

}  // namespace mailaccess::test
