#include <mailaccess/auth/sasl_server.hpp>

#include "hex.hpp"

#include <mailaccess/core/assert.hpp>
#include <mailaccess/core/base64.hpp>
#include <mailaccess/core/error.hpp>

#include <array>

namespace mailaccess::auth {
namespace {

// RFC 4616 section 2: message = [authzid] UTF8NUL authcid UTF8NUL passwd.
// Each identity is bounded by max_user_name_length and the password by
// max_password_length, so the whole message is bounded too.
class plain_server final : public sasl_server {
public:
    std::string_view mechanism() const noexcept override { return "PLAIN"; }

    result<sasl_step> start(std::optional<std::string_view> initial_response) override {
        MAILACCESS_ASSERT(!started_);
        started_ = true;
        if (!initial_response) {
            awaiting_ = true;
            return sasl_step{sasl_challenge{}};
        }
        return parse_message(*initial_response);
    }

    result<sasl_step> step(std::string_view response) override {
        MAILACCESS_ASSERT(awaiting_);
        if (!awaiting_) return unexpected(errc::malformed_response);
        awaiting_ = false;
        return parse_message(response);
    }

private:
    static result<sasl_step> parse_message(std::string_view msg) {
        constexpr std::size_t max_message = 2 * max_user_name_length + max_password_length + 2;
        if (msg.size() > max_message) return unexpected(mailaccess::errc::limit_exceeded);
        const auto nul1 = msg.find('\0');
        if (nul1 == std::string_view::npos) return unexpected(errc::malformed_response);
        const auto nul2 = msg.find('\0', nul1 + 1);
        if (nul2 == std::string_view::npos) return unexpected(errc::malformed_response);
        const std::string_view authzid = msg.substr(0, nul1);
        const std::string_view authcid = msg.substr(nul1 + 1, nul2 - nul1 - 1);
        const std::string_view passwd = msg.substr(nul2 + 1);
        // A third NUL would be part of passwd, which must be 1*SAFE (no NUL).
        if (passwd.find('\0') != std::string_view::npos) return unexpected(errc::malformed_response);
        if (authcid.empty() || passwd.empty()) return unexpected(errc::malformed_response);
        if (authcid.size() > max_user_name_length || authzid.size() > max_user_name_length ||
            passwd.size() > max_password_length)
            return unexpected(mailaccess::errc::limit_exceeded);
        // We do not support acting as another user (RFC 4616 section 2 lets
        // the server refuse); an authzid equal to the authcid is harmless.
        if (!authzid.empty() && authzid != authcid) return unexpected(errc::authorization_denied);
        return sasl_step{sasl_done{std::string(authcid), secret<>(std::string(passwd))}};
    }

    bool started_ = false;
    bool awaiting_ = false;
};

// draft-murchison-sasl-login-00: two fixed challenges, raw user then password.
class login_server final : public sasl_server {
public:
    std::string_view mechanism() const noexcept override { return "LOGIN"; }

    result<sasl_step> start(std::optional<std::string_view> initial_response) override {
        MAILACCESS_ASSERT(state_ == state::fresh);
        if (state_ != state::fresh) return unexpected(errc::malformed_response);
        state_ = state::want_user;
        if (!initial_response) return sasl_step{sasl_challenge{"Username:"}};
        return take_user(*initial_response);
    }

    result<sasl_step> step(std::string_view response) override {
        MAILACCESS_ASSERT(state_ == state::want_user || state_ == state::want_password);
        if (state_ == state::want_user) return take_user(response);
        if (state_ == state::want_password) return take_password(response);
        return unexpected(errc::malformed_response);
    }

private:
    enum class state { fresh, want_user, want_password, finished };

    result<sasl_step> take_user(std::string_view user) {
        state_ = state::finished;  // any error ends the exchange
        if (user.size() > max_user_name_length) return unexpected(mailaccess::errc::limit_exceeded);
        if (user.empty() || user.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos)
            return unexpected(errc::malformed_response);
        user_.assign(user);
        state_ = state::want_password;
        return sasl_step{sasl_challenge{"Password:"}};
    }

    result<sasl_step> take_password(std::string_view password) {
        state_ = state::finished;
        if (password.size() > max_password_length) return unexpected(mailaccess::errc::limit_exceeded);
        if (password.empty() || password.find('\0') != std::string_view::npos)
            return unexpected(errc::malformed_response);
        return sasl_step{sasl_done{std::move(user_), secret<>(std::string(password))}};
    }

    state state_ = state::fresh;
    std::string user_;
};

constexpr std::array<std::string_view, 2> mechanisms = {"PLAIN", "LOGIN"};

}  // namespace

result<std::unique_ptr<sasl_server>> make_sasl_server(std::string_view mechanism) {
    if (detail::iequals(mechanism, "PLAIN")) return std::unique_ptr<sasl_server>(new plain_server);
    if (detail::iequals(mechanism, "LOGIN")) return std::unique_ptr<sasl_server>(new login_server);
    return unexpected(errc::unsupported_mechanism);
}

std::span<const std::string_view> sasl_server_mechanisms() noexcept { return mechanisms; }

result<secret<>> decode_sasl_response(std::string_view line) {
    if (line.size() > max_sasl_response_length) return unexpected(mailaccess::errc::limit_exceeded);
    if (line == "*") return unexpected(errc::aborted);
    if (line.empty()) return secret<>();
    auto decoded = base64_decode(line);
    if (!decoded) return unexpected(decoded.error());
    return secret<>(std::move(*decoded));
}

result<secret<>> decode_sasl_initial_response(std::string_view argument) {
    if (argument.size() > max_sasl_response_length) return unexpected(mailaccess::errc::limit_exceeded);
    if (argument == "=") return secret<>();
    // An empty argument means "no initial response"; the caller should not
    // have called us, and base64_decode of "" would wrongly yield "".
    if (argument.empty()) return unexpected(errc::malformed_response);
    auto decoded = base64_decode(argument);
    if (!decoded) return unexpected(decoded.error());
    return secret<>(std::move(*decoded));
}

}  // namespace mailaccess::auth
