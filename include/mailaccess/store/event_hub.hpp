#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/store/events.hpp>

#include <memory>
#include <string_view>

namespace mailaccess::store {

namespace detail {
struct hub_state;  // listeners by user; defined in src/store/event_hub.cpp
}  // namespace detail

/// The in-process fan-out of `change_event`s that every backend shares
/// (`memory_store`, `maildir::maildir_store`): listeners register per user,
/// and the backend publishes each change it makes.
///
/// Delivery guarantees:
///  - a listener is called on the thread that calls `publish`, never after
///    the `subscription` that registered it has been destroyed (destroying
///    it waits for a call in progress on another thread);
///  - a listener may destroy its own subscription from inside its callback;
///  - listeners must not call back into the store synchronously (see
///    `change_listener`), nor subscribe from inside a callback on another
///    thread while holding a lock that callback needs.
///
/// Lifetime: subscriptions may outlive the hub; they then unregister from
/// nothing. Thread safety: all members are safe to call concurrently.
class MAILACCESS_API event_hub {
public:
    event_hub();
    ~event_hub();
    event_hub(const event_hub&) = delete;
    event_hub& operator=(const event_hub&) = delete;

    /// Registers `listener` for changes of `user` (exact, case-sensitive
    /// match). The listener stays registered while the returned object lives.
    std::unique_ptr<subscription> subscribe(std::string_view user, change_listener listener);

    /// Calls every listener registered for `event.user`, in registration order.
    void publish(const change_event& event);

    /// Number of listeners currently registered for `user` (for tests).
    std::size_t listener_count(std::string_view user) const;

private:
    std::shared_ptr<detail::hub_state> state_;
};

}  // namespace mailaccess::store
