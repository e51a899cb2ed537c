#include <mailaccess/auth/sasl_client.hpp>

#include "hex.hpp"

#include <mailaccess/auth/authenticator.hpp>
#include <mailaccess/core/error.hpp>

namespace mailaccess::auth {

sasl_client::sasl_client(kind k, std::string user, secret<> password)
    : kind_(k), user_(std::move(user)), password_(std::move(password)) {}

result<sasl_client> sasl_client::make(std::string_view mechanism, std::string user, secret<> password) {
    kind k{};
    if (detail::iequals(mechanism, "PLAIN")) {
        k = kind::plain;
    } else if (detail::iequals(mechanism, "LOGIN")) {
        k = kind::login;
    } else {
        return unexpected(errc::unsupported_mechanism);
    }
    const std::string_view pw = password.reveal();
    if (user.empty() || user.size() > max_user_name_length || pw.size() > max_password_length ||
        user.find('\0') != std::string::npos || pw.find('\0') != std::string_view::npos)
        return unexpected(mailaccess::errc::invalid_argument);
    // LOGIN sends the user name as its own line-oriented response.
    if (k == kind::login && user.find_first_of("\r\n") != std::string::npos)
        return unexpected(mailaccess::errc::invalid_argument);
    return sasl_client(k, std::move(user), std::move(password));
}

std::string_view sasl_client::mechanism() const noexcept { return kind_ == kind::plain ? "PLAIN" : "LOGIN"; }

std::optional<secret<>> sasl_client::initial_response() {
    if (kind_ != kind::plain || steps_ != 0) return std::nullopt;
    ++steps_;
    std::string msg;
    msg.reserve(user_.size() + password_.size() + 2);
    msg.push_back('\0');
    msg += user_;
    msg.push_back('\0');
    msg += password_.reveal();
    return secret<>(std::move(msg));
}

result<secret<>> sasl_client::respond(std::string_view challenge) {
    if (kind_ == kind::plain) {
        // RFC 4616: the server's only challenge is empty, and none follows
        // the message.
        if (steps_ != 0 || !challenge.empty()) return unexpected(errc::malformed_response);
        return *initial_response();
    }
    switch (steps_++) {
        case 0: return secret<>(user_);
        case 1: return password_;
        default: return unexpected(errc::malformed_response);
    }
}

}  // namespace mailaccess::auth
