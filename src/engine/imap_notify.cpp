#include <mailaccess/engine/imap_engine.hpp>

#include "imap_engine_impl.hpp"

#include <mailaccess/core/ascii.hpp>

#include <utility>

namespace mailaccess::engine {

std::unique_ptr<store::subscription> imap_engine::subscribe_changes(std::function<void()> notifier) {
    const impl& s = *impl_;
    if (!notifier || s.user.empty() || !s.selected) return nullptr;
    // The listener runs on whatever thread changed the store, possibly while
    // handle() runs on this engine: it filters on a copy of the selection
    // (the same test as is_relevant) and never touches the engine.
    return s.store.subscribe(s.user, [mailbox = s.selected_name,
                                      notifier = std::move(notifier)](const store::change_event& event) {
        if (event.mailbox == mailbox || (iequals(event.mailbox, "INBOX") && iequals(mailbox, "INBOX")))
            notifier();
    });
}

}  // namespace mailaccess::engine
