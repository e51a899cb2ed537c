#include <mailaccess/engine/imap_engine.hpp>

#include "imap_engine_impl.hpp"

#include <mailaccess/core/ascii.hpp>
#include <mailaccess/imap/error.hpp>
#include <mailaccess/store/error.hpp>

#include <type_traits>
#include <utility>

namespace mailaccess::engine {
namespace {

// One place maps auth and store failures to the outcomes an IMAP session
// words itself (RFC 5530 codes on the tagged NO).
std::error_code login_outcome_for(std::error_code ec) {
    if (ec == auth::errc::invalid_credentials || ec == auth::errc::unsupported_scheme ||
        ec == auth::errc::authorization_denied)
        return imap::errc::auth_failed;
    if (ec == auth::errc::malformed_response) return imap::errc::sasl_malformed;
    if (ec == auth::errc::aborted) return imap::errc::sasl_aborted;
    if (ec == auth::errc::unsupported_mechanism) return imap::errc::unsupported_mechanism;
    return imap::errc::temporary_failure;
}

}  // namespace

std::optional<imap::response_code> response_code_for(std::error_code ec, bool target) {
    using k = imap::response_code_kind;
    const auto code = [](k kind) { return std::optional(imap::response_code::simple(kind)); };
    if (ec == store::errc::no_such_mailbox) return code(target ? k::trycreate : k::nonexistent);
    if (ec == store::errc::mailbox_exists) return code(k::alreadyexists);
    if (ec == store::errc::no_such_message) return code(k::expungeissued);
    if (ec == store::errc::invalid_mailbox_name) return code(k::cannot);
    if (ec == store::errc::over_quota) return code(k::overquota);
    if (ec == store::errc::message_too_large) return code(k::toobig);
    if (ec == store::errc::in_use) return code(k::inuse);
    if (ec == store::errc::read_only) return code(k::cannot);
    if (ec == store::errc::corrupt) return code(k::corruption);
    return code(k::unavailable);
}

imap::command_reply reply(imap::status_kind status, std::optional<imap::response_code> code,
                          std::string text) {
    imap::command_reply r;
    r.status = status;
    r.code = std::move(code);
    r.text = std::move(text);
    return r;
}

imap::command_reply failure(std::error_code ec, std::string_view what, bool target) {
    return reply(imap::status_kind::no, response_code_for(ec, target),
                 std::string(what) + ": " + ec.message() + ".");
}

imap_engine::imap_engine(store::store& store, auth::authenticator& authenticator, imap_engine_options options)
    : impl_(std::make_unique<impl>(store, authenticator, options)) {}

imap_engine::~imap_engine() {
    if (impl_) impl_->append_abort();
}

std::vector<imap::capability> imap_engine::capabilities() {
    std::vector<imap::capability> caps;
    for (std::string_view name : {"UNSELECT", "UIDPLUS", "MOVE", "CHILDREN", "SPECIAL-USE", "LIST-EXTENDED",
                                  "LIST-STATUS", "QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE",
                                  "MULTIAPPEND", "ESEARCH", "CONDSTORE", "QRESYNC", "STATUS=SIZE"})
        if (auto c = imap::capability::make(name)) caps.push_back(std::move(*c));
    return caps;
}

const std::string& imap_engine::user() const noexcept { return impl_->user; }

bool imap_engine::is_relevant(const store::change_event& event) const {
    if (!impl_->selected || event.user != impl_->user) return false;
    return event.mailbox == impl_->selected_name ||
           (iequals(event.mailbox, "INBOX") && iequals(impl_->selected_name, "INBOX"));
}

imap::engine_reply imap_engine::handle(imap::engine_request&& request) {
    impl& s = *impl_;
    // Only a step continues an exchange; anything else abandons it.
    if (!std::holds_alternative<imap::sasl_step_request>(request.body)) s.credentials.reset();
    return std::visit(
        [&s](auto&& body) -> imap::engine_reply {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, imap::login_request>) {
                return s.login(s.credentials.verify(body.user, body.password));
            } else if constexpr (std::is_same_v<T, imap::sasl_start_request>) {
                auto progress = s.credentials.start(body.mechanism, body.initial_response);
                if (progress.challenge) return imap::sasl_reply{std::move(progress.challenge), {}};
                return imap::sasl_reply{std::nullopt, s.login(std::move(progress.user))};
            } else if constexpr (std::is_same_v<T, imap::sasl_step_request>) {
                auto progress = s.credentials.step(body.response);
                if (progress.challenge) return imap::sasl_reply{std::move(progress.challenge), {}};
                return imap::sasl_reply{std::nullopt, s.login(std::move(progress.user))};
            } else if constexpr (std::is_same_v<T, imap::command_request>) {
                return s.run(body.command, body.enabled);
            } else if constexpr (std::is_same_v<T, imap::continue_request>) {
                if (!s.continuation)
                    return reply(imap::status_kind::bad, std::nullopt, "Nothing to continue.");
                auto next = std::exchange(s.continuation, {});
                return next();
            } else if constexpr (std::is_same_v<T, imap::append_begin_request>) {
                return s.append_begin(body);
            } else if constexpr (std::is_same_v<T, imap::append_data_request>) {
                return s.append_data(body);
            } else if constexpr (std::is_same_v<T, imap::append_abort_request>) {
                s.append_abort();
                return imap::done_reply{};
            } else {
                static_assert(std::is_same_v<T, imap::idle_poll_request>);
                return s.idle_poll(s.last_enabled);
            }
        },
        std::move(request.body));
}

imap::login_reply imap_engine::impl::login(result<std::string> canonical_user) {
    if (!canonical_user) return imap::login_reply{login_outcome_for(canonical_user.error())};
    auto opened = store.open_account(*canonical_user);
    if (!opened) return imap::login_reply{imap::errc::temporary_failure};
    account = std::move(*opened);
    user = std::move(*canonical_user);
    return imap::login_reply{};
}

imap::command_reply imap_engine::impl::run(imap::command& c, const imap::enabled_extensions& enabled) {
    if (!account) return reply(imap::status_kind::bad, std::nullopt, "Not authenticated.");
    last_enabled = enabled;
    continuation = {};
    return std::visit(
        [&](auto& body) -> imap::command_reply {
            using T = std::decay_t<decltype(body)>;
            namespace cmd = imap::cmd;
            if constexpr (std::is_same_v<T, cmd::create>)
                return create(body);
            else if constexpr (std::is_same_v<T, cmd::delete_>)
                return delete_mailbox(body);
            else if constexpr (std::is_same_v<T, cmd::rename>)
                return rename(body);
            else if constexpr (std::is_same_v<T, cmd::subscribe>)
                return subscribe(body.mailbox, true);
            else if constexpr (std::is_same_v<T, cmd::unsubscribe>)
                return subscribe(body.mailbox, false);
            else if constexpr (std::is_same_v<T, cmd::list>)
                return list(body);
            else if constexpr (std::is_same_v<T, cmd::lsub>)
                return lsub(body);
            else if constexpr (std::is_same_v<T, cmd::status>)
                return status(body);
            else if constexpr (std::is_same_v<T, cmd::append>)
                return append(body);
            else if constexpr (std::is_same_v<T, cmd::getquota>)
                return getquota(body);
            else if constexpr (std::is_same_v<T, cmd::getquotaroot>)
                return getquotaroot(body);
            else if constexpr (std::is_same_v<T, cmd::setquota>)
                // RFC 9208 section 4.1: limits are the administrator's.
                return reply(imap::status_kind::no,
                             imap::response_code::simple(imap::response_code_kind::noperm),
                             "Quota limits are set by the administrator.");
            else if constexpr (std::is_same_v<T, cmd::select> || std::is_same_v<T, cmd::examine>)
                return select(body, std::is_same_v<T, cmd::examine>, enabled);
            else if constexpr (std::is_same_v<T, cmd::noop> || std::is_same_v<T, cmd::check>)
                return noop(c, enabled);
            else if constexpr (std::is_same_v<T, cmd::close>)
                return close(true);
            else if constexpr (std::is_same_v<T, cmd::unselect>)
                return close(false);
            else if constexpr (std::is_same_v<T, cmd::expunge>)
                return expunge(c, std::nullopt, enabled);
            else if constexpr (std::is_same_v<T, cmd::uid_expunge>)
                return expunge(c, body.uids, enabled);
            else if constexpr (std::is_same_v<T, cmd::store>)
                return store_flags(c, body, enabled);
            else if constexpr (std::is_same_v<T, cmd::copy>)
                return copy(c, body.uid, body.set, body.mailbox, false, enabled);
            else if constexpr (std::is_same_v<T, cmd::move>)
                return copy(c, body.uid, body.set, body.mailbox, true, enabled);
            else if constexpr (std::is_same_v<T, cmd::fetch>)
                return fetch(c, body, enabled);
            else if constexpr (std::is_same_v<T, cmd::search>)
                return search(c, body, enabled);
            else
                return reply(imap::status_kind::bad, std::nullopt, "Command not handled by the engine.");
        },
        c.body);
}

}  // namespace mailaccess::engine
