#include <mailaccess/engine/pop3_engine.hpp>

#include <mailaccess/auth/authenticator.hpp>
#include <mailaccess/core/error.hpp>
#include <mailaccess/pop3/error.hpp>
#include <mailaccess/store/error.hpp>

#include <optional>
#include <type_traits>
#include <utility>

namespace mailaccess::engine {
namespace {

// One place maps store and auth failures to the outcomes a POP3 session
// knows how to word (RFC 2449 section 8, RFC 3206). Anything unexpected is
// a temporary failure: the client may retry, and nothing was acknowledged.
std::error_code pop3_outcome_for(std::error_code ec) {
    if (ec == auth::errc::invalid_credentials || ec == auth::errc::unsupported_scheme ||
        ec == auth::errc::authorization_denied)
        return pop3::errc::auth_failed;
    if (ec == auth::errc::malformed_response) return pop3::errc::sasl_malformed;
    if (ec == auth::errc::aborted) return pop3::errc::sasl_aborted;
    if (ec == auth::errc::unsupported_mechanism) return pop3::errc::unsupported_mechanism;
    if (ec == store::errc::in_use) return pop3::errc::maildrop_in_use;
    if (ec == store::errc::no_such_message) return pop3::errc::no_such_message;
    return pop3::errc::temporary_failure;
}

pop3::sasl_reply sasl_outcome(std::error_code ec) { return {std::nullopt, {ec, {}, 0}}; }

}  // namespace

pop3_engine::pop3_engine(store::store& store, auth::authenticator& authenticator)
    : store_(store), authenticator_(authenticator), credentials_(authenticator) {}

pop3_engine::~pop3_engine() = default;

pop3::engine_reply pop3_engine::handle(pop3::engine_request&& request) {
    // Only a step continues an exchange; anything else abandons it.
    if (!std::holds_alternative<pop3::sasl_step_request>(request.body)) credentials_.reset();
    return std::visit(
        [this](auto&& body) -> pop3::engine_reply {
            using body_type = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<body_type, pop3::login_request>) {
                return verify_and_login(body.user, body.password);
            } else if constexpr (std::is_same_v<body_type, pop3::apop_request>) {
                auto user = authenticator_.verify_apop(body.user, body.timestamp, body.digest);
                if (!user) return pop3::login_reply{pop3_outcome_for(user.error()), {}, 0};
                return login(std::move(*user));
            } else if constexpr (std::is_same_v<body_type, pop3::sasl_start_request>) {
                return continue_sasl(credentials_.start(body.mechanism, body.initial_response));
            } else if constexpr (std::is_same_v<body_type, pop3::sasl_step_request>) {
                if (!credentials_.in_exchange()) return sasl_outcome(pop3::errc::wrong_state);
                return continue_sasl(credentials_.step(body.response));
            } else if constexpr (std::is_same_v<body_type, pop3::open_request>) {
                if (!inbox_) return pop3::open_reply{pop3::errc::wrong_state, nullptr};
                auto source = inbox_->open(body.uid);
                if (!source) return pop3::open_reply{pop3_outcome_for(source.error()), nullptr};
                return pop3::open_reply{{}, std::move(*source)};
            } else {
                static_assert(std::is_same_v<body_type, pop3::update_request>);
                if (!inbox_) return pop3::update_reply{pop3::errc::wrong_state};
                std::error_code ec;
                if (!body.uids_to_delete.empty()) {
                    auto removed = inbox_->expunge(body.uids_to_delete);
                    if (!removed) ec = pop3_outcome_for(removed.error());
                }
                // UPDATE ends the session: release the maildrop now rather
                // than when the connection object goes away.
                inbox_.reset();
                account_.reset();
                lock_.reset();
                return pop3::update_reply{ec};
            }
        },
        std::move(request.body));
}

pop3::sasl_reply pop3_engine::continue_sasl(detail::sasl_progress progress) {
    if (progress.challenge) return {std::move(progress.challenge), {}};
    if (!progress.user) return sasl_outcome(pop3_outcome_for(progress.user.error()));
    return {std::nullopt, login(std::move(*progress.user))};
}

pop3::login_reply pop3_engine::verify_and_login(std::string_view user, const secret<>& password) {
    auto canonical = credentials_.verify(user, password);
    if (!canonical) return {pop3_outcome_for(canonical.error()), {}, 0};
    return login(std::move(*canonical));
}

pop3::login_reply pop3_engine::login(std::string user_name) {
    // RFC 1939 section 8: lock first, then snapshot, so the listing cannot
    // change under the session while it holds the maildrop.
    auto lock = store_.lock_maildrop(user_name);
    if (!lock) return {pop3_outcome_for(lock.error()), {}, 0};
    auto account = store_.open_account(user_name);
    if (!account) return {pop3_outcome_for(account.error()), {}, 0};
    auto inbox = (*account)->open_mailbox("INBOX", store::open_mode::read_write);
    if (!inbox) return {pop3_outcome_for(inbox.error()), {}, 0};
    auto status = (*inbox)->status();
    if (!status) return {pop3_outcome_for(status.error()), {}, 0};
    auto listing = (*inbox)->list();
    if (!listing) return {pop3_outcome_for(listing.error()), {}, 0};

    pop3::login_reply reply;
    reply.uidvalidity = status->uidvalidity;
    reply.messages.reserve(listing->size());
    for (const auto& info : *listing) reply.messages.push_back({info.uid, info.size});
    lock_ = std::move(*lock);
    account_ = std::move(*account);
    inbox_ = std::move(*inbox);
    return reply;
}

}  // namespace mailaccess::engine
