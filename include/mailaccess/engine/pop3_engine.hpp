#pragma once

#include <mailaccess/auth/authenticator.hpp>
#include <mailaccess/core/api.hpp>
#include <mailaccess/pop3/actions.hpp>
#include <mailaccess/store/store.hpp>

#include <memory>

namespace mailaccess::engine {

/// Answers one POP3 session's engine requests from a store and an
/// authenticator: verifies credentials, takes the maildrop lock (RFC 1939
/// section 8), snapshots INBOX, opens messages for RETR/TOP, and removes
/// deleted messages in the UPDATE state. One engine per connection; it holds
/// the maildrop lock until it is destroyed, so a dropped connection releases
/// the lock and deletes nothing.
///
/// `handle` does blocking store I/O: drivers call it on the store executor,
/// never on an I/O thread. The store and authenticator must outlive it.
///
/// Thread safety: distinct objects safe, shared objects unsafe (calls for
/// one session are serialised by its driver).
class MAILACCESS_API pop3_engine {
public:
    pop3_engine(store::store& store, auth::authenticator& authenticator);
    ~pop3_engine();
    pop3_engine(const pop3_engine&) = delete;
    pop3_engine& operator=(const pop3_engine&) = delete;

    /// Performs one request. Never throws for expected failures: they come
    /// back as `pop3::errc` outcomes inside the reply.
    pop3::engine_reply handle(pop3::engine_request&& request);

private:
    pop3::login_reply login(std::string user_name);

    store::store& store_;
    auth::authenticator& authenticator_;
    std::unique_ptr<store::maildrop_lock> lock_;
    std::unique_ptr<store::account> account_;
    std::unique_ptr<store::mailbox> inbox_;
};

}  // namespace mailaccess::engine
