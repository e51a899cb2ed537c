#include <mailaccess/core/error.hpp>

#include <string>

namespace mailaccess {
namespace {

class core_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "mailaccess.core"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::invalid_argument: return "invalid argument";
            case errc::limit_exceeded: return "size limit exceeded";
            case errc::bad_base64: return "invalid base64";
            case errc::need_more: return "more input needed";
            case errc::io_error: return "I/O error";
            case errc::bad_utf8: return "invalid UTF-8";
            case errc::bad_mutf7: return "invalid modified UTF-7";
        }
        return "unknown core error";
    }
};

}  // namespace

const std::error_category& core_category() noexcept {
    static const core_category_impl instance;
    return instance;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), core_category()}; }

}  // namespace mailaccess
