#pragma once

// The plumbing every asynchronous client (pop3_client, imap_client) shares
// between its initiating functions, which are templates on the completion
// token, and its operations, which are compiled once in src/net/: a
// type-erased completion, the adapter that delivers it to an Asio handler,
// the cancellation-slot handler, and `initiate_operation`, which ties them
// together. Not part of the public API.

#include <asio/any_io_executor.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>

#include <cstdint>
#include <memory>
#include <system_error>
#include <type_traits>
#include <utility>

namespace mailaccess::net::detail {

/// Type-erased completion of an operation with a `T` result. `complete` is
/// called exactly once, on the client's strand.
template <class T>
class completion {
public:
    virtual ~completion() = default;
    virtual void complete(std::error_code ec, T value) = 0;
};

template <class T>
using completion_ptr = std::unique_ptr<completion<T>>;

/// Adapts a completion handler: keeps its executor busy until completion,
/// and delivers through `asio::post` on the handler's associated executor, so
/// the handler never runs inside the initiating function.
template <class T, class Handler>
class handler_completion final : public completion<T> {
public:
    handler_completion(Handler handler, const asio::any_io_executor& fallback)
        : handler_(std::move(handler)),
          work_(asio::prefer(asio::get_associated_executor(handler_, fallback),
                             asio::execution::outstanding_work.tracked)) {}

    void complete(std::error_code ec, T value) override {
        auto slot = asio::get_associated_cancellation_slot(handler_);
        if (slot.is_connected()) slot.clear();
        auto work = std::move(work_);
        asio::post(work, [h = std::move(handler_), ec, v = std::move(value)]() mutable {
            std::move(h)(ec, std::move(v));
        });
    }

private:
    using work_type = std::decay_t<decltype(asio::prefer(
        std::declval<asio::associated_executor_t<Handler, asio::any_io_executor>>(),
        asio::execution::outstanding_work.tracked))>;
    Handler handler_;
    work_type work_;
};

/// Installed in a handler's cancellation slot: forwards the cancellation of
/// operation `id` to the client behind `impl` (if it still exists) through
/// `cancel_operation(impl, id, type)`, which each client defines for its
/// implementation type and which must be safe from any thread.
template <class Impl>
struct cancel_handler {
    // A constructor, not an aggregate: slot.emplace constructs with
    // parentheses, which clang 14 does not allow for aggregates (P0960).
    cancel_handler(std::weak_ptr<Impl> i, std::uint64_t n) : impl(std::move(i)), id(n) {}
    std::weak_ptr<Impl> impl;
    std::uint64_t id = 0;
    void operator()(asio::cancellation_type type) const { cancel_operation(impl, id, type); }
};

/// The body of every initiating function: wraps the handler made from
/// `token` in a `handler_completion<T>`, installs the cancellation handler
/// for operation `id` when the handler has a slot, and passes the completion
/// to `submit` (which builds the operation and queues it on the strand).
template <class T, class Impl, class Token, class Submit>
auto initiate_operation(Token&& token, asio::any_io_executor executor, std::weak_ptr<Impl> impl,
                        std::uint64_t id, Submit submit) {
    return asio::async_initiate<Token, void(std::error_code, T)>(
        [](auto handler, asio::any_io_executor ex, std::weak_ptr<Impl> weak, std::uint64_t n, Submit s) {
            using handler_type = std::decay_t<decltype(handler)>;
            auto slot = asio::get_associated_cancellation_slot(handler);
            auto done = std::make_unique<handler_completion<T, handler_type>>(std::move(handler), ex);
            // The slot is set before the operation can run, so it is touched
            // from one thread only.
            if (slot.is_connected()) slot.template emplace<cancel_handler<Impl>>(std::move(weak), n);
            s(completion_ptr<T>(std::move(done)));
        },
        token, std::move(executor), std::move(impl), id, std::move(submit));
}

}  // namespace mailaccess::net::detail
