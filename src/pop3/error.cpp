#include <mailaccess/pop3/error.hpp>

#include <string>

namespace mailaccess::pop3 {
namespace {

class pop3_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "mailaccess.pop3"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::line_too_long: return "line too long";
            case errc::bad_syntax: return "syntax error";
            case errc::unknown_command: return "unknown command";
            case errc::wrong_state: return "command not valid in this state";
            case errc::auth_failed: return "authentication failed";
            case errc::maildrop_in_use: return "maildrop in use";
            case errc::temporary_failure: return "temporary failure";
            case errc::no_such_message: return "no such message";
            case errc::message_deleted: return "message is deleted";
            case errc::response_too_large: return "response too large";
            case errc::unexpected_response: return "unexpected response";
            case errc::tls_required: return "TLS required";
            case errc::sasl_aborted: return "SASL exchange aborted";
            case errc::sasl_malformed: return "malformed SASL response";
            case errc::unsupported_mechanism: return "unsupported SASL mechanism";
        }
        return "unknown pop3 error";
    }
};

}  // namespace

const std::error_category& pop3_category() noexcept {
    static const pop3_category_impl instance;
    return instance;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), pop3_category()}; }

}  // namespace mailaccess::pop3
