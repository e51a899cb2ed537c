#pragma once

#include <mailaccess/auth/authenticator.hpp>
#include <mailaccess/auth/sasl_server.hpp>
#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/core/secret.hpp>
#include <mailaccess/engine/detail/credentials.hpp>
#include <mailaccess/pop3/actions.hpp>
#include <mailaccess/store/store.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace mailaccess::engine {

/// Answers one POP3 session's engine requests from a store and an
/// authenticator: verifies credentials, takes the maildrop lock (RFC 1939
/// section 8), snapshots INBOX, opens messages for RETR/TOP, and removes
/// deleted messages in the UPDATE state. One engine per connection; it holds
/// the maildrop lock until it is destroyed, so a dropped connection releases
/// the lock and deletes nothing.
///
/// Logins: `login_request` (USER/PASS), `apop_request`, and SASL. For SASL
/// the engine runs the mechanism: `sasl_start_request` makes an
/// `auth::sasl_server` for the named mechanism (replacing any unfinished
/// exchange) and each `sasl_step_request` feeds it; a challenge goes back in
/// `sasl_reply::challenge`. When the mechanism yields credentials they are
/// verified with the authenticator and the maildrop is locked and listed
/// exactly as for USER/PASS. Outcomes, in `sasl_reply::outcome.error`:
///  - `auth::errc::invalid_credentials`, `authorization_denied` (an authzid
///    other than the authcid), and over-long names or passwords ->
///    `pop3::errc::auth_failed` (the session delays and counts a strike);
///  - `auth::errc::malformed_response` -> `pop3::errc::sasl_malformed`;
///  - `auth::errc::aborted` -> `pop3::errc::sasl_aborted`;
///  - `auth::errc::unsupported_mechanism` -> `pop3::errc::unsupported_mechanism`;
///  - store failures as for USER/PASS (`maildrop_in_use`, `temporary_failure`).
/// Any request other than `sasl_step_request` ends an unfinished exchange
/// (e.g. after the client cancelled with `*`, which the session answers
/// itself).
///
/// `handle` does blocking store I/O and password hashing: drivers call it on
/// the store executor, not on an I/O thread, except for the requests
/// `runs_inline` names. The store and authenticator must outlive it.
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
    /// back as `pop3::errc` outcomes inside the reply. The reply alternative
    /// matches the request (see `pop3::server_session::complete`).
    pop3::engine_reply handle(pop3::engine_request&& request);

    /// True for RETR/TOP opens: opening one message file costs what reading
    /// it does, and the session reads it on the I/O thread anyway; a hop to
    /// the store executor and back cost more than the open (pipelined RETR
    /// of small messages). `net::connection` then calls `handle` inline
    /// (`net::inline_engine`). Logins (password hashing) and the UPDATE
    /// state's deletions (fsync) stay on the store executor.
    bool runs_inline(const pop3::engine_request& request) const noexcept {
        return std::holds_alternative<pop3::open_request>(request.body);
    }

private:
    pop3::login_reply verify_and_login(std::string_view user, const secret<>& password);
    pop3::login_reply login(std::string user_name);
    pop3::sasl_reply continue_sasl(detail::sasl_progress progress);

    store::store& store_;
    auth::authenticator& authenticator_;
    detail::credentials credentials_;  // password checks and the running SASL exchange
    std::unique_ptr<store::maildrop_lock> lock_;
    std::unique_ptr<store::account> account_;
    std::unique_ptr<store::mailbox> inbox_;
};

}  // namespace mailaccess::engine
