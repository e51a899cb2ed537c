#pragma once

#include <mailaccess/core/api.hpp>

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace mailaccess {

/// Overwrites `n` bytes at `p` with zeros in a way the optimiser cannot drop.
MAILACCESS_API void secure_wipe(void* p, std::size_t n) noexcept;

/// Compares two byte strings in time that depends only on their lengths, not
/// on where they differ. Used for every password and token comparison.
MAILACCESS_API bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

/// A credential (password, SASL response, token). It cannot be printed or
/// streamed by accident: there is no conversion to string and `operator<<`
/// writes "<redacted>". Its bytes are wiped when it is destroyed or
/// overwritten. Compare with `constant_time_equal(a.reveal(), b)`.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
template <class String = std::string>
class secret {
public:
    secret() = default;
    explicit secret(String value) : value_(std::move(value)) {}
    secret(const secret& other) : value_(other.value_) {}
    secret(secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
    secret& operator=(const secret& other) {
        if (this != &other) {
            wipe();
            value_ = other.value_;
        }
        return *this;
    }
    secret& operator=(secret&& other) noexcept {
        if (this != &other) {
            wipe();
            value_ = std::move(other.value_);
            other.wipe();
        }
        return *this;
    }
    ~secret() { wipe(); }

    /// The plaintext. The name is deliberately loud so reviews can grep for it;
    /// the view is valid while this secret is alive and unmodified.
    std::string_view reveal() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }
    std::size_t size() const noexcept { return value_.size(); }

    /// Overwrites and clears the held bytes.
    void wipe() noexcept {
        if (!value_.empty()) secure_wipe(value_.data(), value_.size());
        value_.clear();
    }

    friend std::ostream& operator<<(std::ostream& os, const secret&) { return os << "<redacted>"; }

private:
    String value_;
};

}  // namespace mailaccess
