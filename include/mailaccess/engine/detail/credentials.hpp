#pragma once

// How both protocol engines turn credentials into a user name: plain
// passwords through the authenticator, SASL exchanges through
// auth::sasl_server (one implementation for POP3 and IMAP). Internal to the
// engine module.

#include <mailaccess/auth/authenticator.hpp>
#include <mailaccess/auth/sasl_server.hpp>
#include <mailaccess/core/error.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/core/secret.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace mailaccess::engine::detail {

/// Where a SASL exchange stands after a client message: another challenge
/// to send, or the verified user (or why not).
struct sasl_progress {
    std::optional<std::string> challenge;
    result<std::string> user = std::string();
};

/// Thread safety: distinct objects safe, shared objects unsafe.
class credentials {
public:
    explicit credentials(auth::authenticator& authenticator) : authenticator_(authenticator) {}

    /// The canonical user name for a password login, or an auth error.
    result<std::string> verify(std::string_view user, const secret<>& password) {
        return authenticator_.verify(user, password);
    }

    /// Starts an exchange (replacing any unfinished one).
    sasl_progress start(std::string_view mechanism, const std::optional<secret<>>& initial_response) {
        auto server = auth::make_sasl_server(mechanism);
        if (!server) return {std::nullopt, unexpected(server.error())};
        sasl_ = std::move(*server);
        std::optional<std::string_view> initial;
        if (initial_response) initial = initial_response->reveal();
        return advance(sasl_->start(initial));
    }

    /// Feeds the client's answer to the last challenge. Without a running
    /// exchange: `auth::errc::aborted`.
    sasl_progress step(const secret<>& response) {
        if (!sasl_) return {std::nullopt, unexpected(make_error_code(auth::errc::aborted))};
        return advance(sasl_->step(response.reveal()));
    }

    /// True while an exchange waits for the client's next answer.
    bool in_exchange() const noexcept { return sasl_ != nullptr; }

    /// Abandons a running exchange (the client moved on).
    void reset() noexcept { sasl_.reset(); }

private:
    sasl_progress advance(result<auth::sasl_step> step) {
        if (!step) {
            sasl_.reset();
            // A name or password above the auth bounds cannot belong to a
            // user: a failed login, as passwd_file::verify answers.
            if (step.error() == mailaccess::errc::limit_exceeded)
                return {std::nullopt, unexpected(make_error_code(auth::errc::invalid_credentials))};
            return {std::nullopt, unexpected(step.error())};
        }
        if (auto* challenge = std::get_if<auth::sasl_challenge>(&*step))
            return {std::move(challenge->data), {}};
        sasl_.reset();
        const auto& done = std::get<auth::sasl_done>(*step);
        return {std::nullopt, verify(done.user, done.password)};
    }

    auth::authenticator& authenticator_;
    std::unique_ptr<auth::sasl_server> sasl_;
};

}  // namespace mailaccess::engine::detail
