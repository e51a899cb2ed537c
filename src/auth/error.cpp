#include <mailaccess/auth/authenticator.hpp>

#include <string>

namespace mailaccess::auth {
namespace {

class auth_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "mailaccess.auth"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::invalid_credentials: return "invalid credentials";
            case errc::unsupported_scheme: return "unsupported password scheme";
            case errc::bad_user_database: return "malformed user database entry";
            case errc::unsupported_mechanism: return "unsupported SASL mechanism";
            case errc::malformed_response: return "malformed SASL response";
            case errc::aborted: return "authentication aborted by the client";
            case errc::temporary_failure: return "temporary authentication failure";
            case errc::authorization_denied: return "authorization identity not permitted";
        }
        return "unknown auth error";
    }
};

}  // namespace

const std::error_category& auth_category() noexcept {
    static const auth_category_impl instance;
    return instance;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), auth_category()}; }

}  // namespace mailaccess::auth
