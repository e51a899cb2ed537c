#include <mailaccess/imap/error.hpp>

#include <string>

namespace mailaccess::imap {
namespace {

class imap_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "mailaccess.imap"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::line_too_long: return "line too long";
            case errc::literal_too_large: return "literal too large";
            case errc::message_too_large: return "message too large";
            case errc::too_many_literals: return "too many literals";
            case errc::bad_literal: return "malformed literal announcement";
            case errc::bad_syntax: return "syntax error";
            case errc::nesting_too_deep: return "lists nested too deeply";
            case errc::bad_mailbox_name: return "invalid mailbox name";
            case errc::too_many_ranges: return "too many ranges in sequence set";
            case errc::unknown_command: return "unknown command";
            case errc::auth_failed: return "authentication failed";
            case errc::temporary_failure: return "temporary failure";
            case errc::sasl_aborted: return "authentication aborted by the client";
            case errc::sasl_malformed: return "malformed SASL response";
            case errc::unsupported_mechanism: return "unsupported SASL mechanism";
            case errc::unexpected_response: return "unexpected server response";
            case errc::unknown_tag: return "tagged response for no command in flight";
            case errc::tag_in_use: return "tag already in use";
            case errc::login_disabled: return "LOGIN is disabled by the server";
            case errc::not_allowed: return "not allowed in the session's state";
        }
        return "unknown imap error";
    }
};

}  // namespace

const std::error_category& imap_category() noexcept {
    static const imap_category_impl instance;
    return instance;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), imap_category()}; }

}  // namespace mailaccess::imap
