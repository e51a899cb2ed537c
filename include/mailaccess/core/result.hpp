#pragma once

#include <mailaccess/core/assert.hpp>

#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace mailaccess {

/// Tag type that marks an error when constructing a `result`, mirroring
/// `std::unexpected`: `return unexpected(errc::bad_base64);`.
struct unexpected {
    std::error_code error;
    template <class E, class = std::enable_if_t<std::is_error_code_enum_v<E>>>
    unexpected(E e) : error(make_error_code(e)) {}
    unexpected(std::error_code ec) : error(ec) {}
};

/// A value of type T or a std::error_code; never both, never neither.
///
/// Its API is the subset of `std::expected<T, std::error_code>` that the
/// library needs (`has_value`, `operator bool`, `value`, `error`, `*`, `->`,
/// `value_or`), so it can become an alias once the baseline has C++23.
/// Unlike std::expected, `value()` on an error is a bug (MAILACCESS_ASSERT),
/// not an exception: the library does not throw for expected failures.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
template <class T>
class [[nodiscard]] result {
public:
    using value_type = T;

    result() requires std::is_default_constructible_v<T> : v_(std::in_place_index<0>) {}
    result(const T& v) : v_(std::in_place_index<0>, v) {}
    result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}
    template <class U>
    requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, T> &&
             !std::is_same_v<std::decay_t<U>, unexpected> && !std::is_same_v<std::decay_t<U>, result>)
        result(U&& v)
        : v_(std::in_place_index<0>, std::forward<U>(v)) {}
    result(unexpected u) : v_(std::in_place_index<1>, u.error) { MAILACCESS_ASSERT(u.error); }

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & {
        MAILACCESS_ASSERT(has_value());
        return *std::get_if<0>(&v_);
    }
    const T& value() const& {
        MAILACCESS_ASSERT(has_value());
        return *std::get_if<0>(&v_);
    }
    T&& value() && {
        MAILACCESS_ASSERT(has_value());
        return std::move(*std::get_if<0>(&v_));
    }

    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    /// The error; an empty error_code when a value is held.
    std::error_code error() const noexcept {
        const std::error_code* ec = std::get_if<1>(&v_);
        return ec != nullptr ? *ec : std::error_code{};
    }

    template <class U>
    T value_or(U&& fallback) const& {
        return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
    }

private:
    std::variant<T, std::error_code> v_;
};

/// `result<void>`: success or an error_code. Prefer a plain std::error_code
/// return where nothing else is needed; this exists for generic code.
template <>
class [[nodiscard]] result<void> {
public:
    result() = default;
    result(unexpected u) : ec_(u.error) {}
    bool has_value() const noexcept { return !ec_; }
    explicit operator bool() const noexcept { return has_value(); }
    void value() const { MAILACCESS_ASSERT(has_value()); }
    std::error_code error() const noexcept { return ec_; }

private:
    std::error_code ec_;
};

}  // namespace mailaccess
