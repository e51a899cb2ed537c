#include <mailaccess/store/event_hub.hpp>

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mailaccess::store {

namespace {
struct entry {
    change_listener listener;
    bool active = true;
};
}  // namespace

// A recursive mutex is held while listeners run: it lets a listener drop its
// own subscription, and makes an unsubscribe on another thread wait for an
// in-flight call, so a listener never runs after its subscription is gone.
struct detail::hub_state {
    mutable std::recursive_mutex mutex;
    std::map<std::string, std::vector<std::shared_ptr<entry>>, std::less<>> listeners;
};

namespace {

class hub_subscription final : public subscription {
public:
    hub_subscription(std::weak_ptr<detail::hub_state> st, std::string user, std::shared_ptr<entry> e)
        : state_(std::move(st)), user_(std::move(user)), entry_(std::move(e)) {}
    ~hub_subscription() override;

private:
    std::weak_ptr<detail::hub_state> state_;
    std::string user_;
    std::shared_ptr<entry> entry_;
};

}  // namespace

// Marking inactive under the lock stops a publish that took its snapshot earlier.
hub_subscription::~hub_subscription() {
    auto st = state_.lock();
    if (!st) return;
    std::lock_guard lock(st->mutex);
    entry_->active = false;
    auto it = st->listeners.find(user_);
    if (it == st->listeners.end()) return;
    std::erase(it->second, entry_);
    if (it->second.empty()) st->listeners.erase(it);
}

event_hub::event_hub() : state_(std::make_shared<detail::hub_state>()) {}
event_hub::~event_hub() = default;

std::unique_ptr<subscription> event_hub::subscribe(std::string_view user, change_listener listener) {
    auto e = std::make_shared<entry>();
    e->listener = std::move(listener);
    std::lock_guard lock(state_->mutex);
    state_->listeners[std::string(user)].push_back(e);
    return std::make_unique<hub_subscription>(state_, std::string(user), std::move(e));
}

void event_hub::publish(const change_event& event) {
    std::lock_guard lock(state_->mutex);
    auto it = state_->listeners.find(event.user);
    if (it == state_->listeners.end()) return;
    // Snapshot: a listener may unsubscribe (erase from the vector) while we iterate.
    const std::vector<std::shared_ptr<entry>> snapshot = it->second;
    for (const auto& e : snapshot) {
        if (e->active && e->listener) e->listener(event);
    }
}

std::size_t event_hub::listener_count(std::string_view user) const {
    std::lock_guard lock(state_->mutex);
    auto it = state_->listeners.find(user);
    return it == state_->listeners.end() ? 0 : it->second.size();
}

}  // namespace mailaccess::store
