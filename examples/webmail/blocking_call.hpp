#pragma once
// How the webmail's blocking HTTP handlers use the asynchronous IMAP client:
// the client runs on an io_context thread of its own; a handler starts an
// operation with a callback that fulfils a promise and waits for the future
// with a deadline. (`asio::use_future` would do the same but reports errors
// as exceptions; the callback keeps them as error codes.)

#include <mailaccess/core/result.hpp>
#include <mailaccess/net/error.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <system_error>
#include <utility>

namespace webmail {

/// Runs `start(handler)`, where `start` initiates one client operation with
/// `handler` as its completion token, and waits for its result. A deadline
/// passed before the client's own (which it should never) fails with
/// `net::errc::timed_out`; the operation is then left to its own deadline.
template <class T, class Start>
mailaccess::result<T> blocking_call(Start&& start, std::chrono::milliseconds deadline) {
    auto promise = std::make_shared<std::promise<std::pair<std::error_code, T>>>();
    auto future = promise->get_future();
    std::forward<Start>(start)([promise](std::error_code ec, T value) {
        promise->set_value({ec, std::move(value)});
    });
    if (future.wait_for(deadline) != std::future_status::ready)
        return mailaccess::unexpected(mailaccess::net::errc::timed_out);
    auto [ec, value] = future.get();
    if (ec) return mailaccess::unexpected(ec);
    return std::move(value);
}

}  // namespace webmail
