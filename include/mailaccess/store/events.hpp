#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mailaccess::store {

/// A change another session should hear about (IMAP IDLE and unilateral
/// EXISTS/EXPUNGE/FETCH FLAGS, RFC 3501 7.4.1). Events carry UIDs, never
/// sequence numbers: each session maps them through its own view.
struct change_event {
    enum class kind { appended, expunged, flags_changed, mailbox_created, mailbox_deleted, mailbox_renamed };
    kind what = kind::appended;
    std::string user;
    std::string mailbox;              ///< for renames: the old name
    std::string new_name;             ///< for renames only
    std::vector<std::uint32_t> uids;  ///< appended/expunged/flags_changed
};

/// Called for every change made through the store, from whatever thread
/// made it; the callee must not call back into the store synchronously
/// (post to its own executor instead). Changes made by other processes
/// (an MDA writing into new/) are seen at the next `mailbox::status()`.
using change_listener = std::function<void(const change_event&)>;

/// Keeps a listener registered; unregisters it on destruction.
class subscription {
public:
    virtual ~subscription() = default;
};

}  // namespace mailaccess::store
