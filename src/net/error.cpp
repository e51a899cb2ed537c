#include <mailaccess/net/error.hpp>

#include <string>

namespace mailaccess::net {
namespace {

class net_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "mailaccess.net"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::timed_out: return "operation timed out";
            case errc::handshake_timed_out: return "TLS handshake timed out";
            case errc::tls_not_configured: return "TLS is not configured";
            case errc::tls_setup_failed: return "TLS setup failed";
            case errc::certificate_failed: return "certificate generation failed";
            case errc::invalid_address: return "invalid address";
            case errc::connection_limit: return "too many connections";
            case errc::engine_failed: return "engine failed";
            case errc::session_failed: return "session failed";
            case errc::server_stopped: return "server stopped";
        }
        return "unknown net error";
    }
};

}  // namespace

const std::error_category& net_category() noexcept {
    static const net_category_impl instance;
    return instance;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), net_category()}; }

}  // namespace mailaccess::net
