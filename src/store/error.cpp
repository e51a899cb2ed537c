#include <mailaccess/store/error.hpp>

#include <string>

namespace mailaccess::store {
namespace {

class store_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "mailaccess.store"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::no_such_user: return "no such user";
            case errc::no_such_mailbox: return "no such mailbox";
            case errc::mailbox_exists: return "mailbox already exists";
            case errc::no_such_message: return "no such message";
            case errc::invalid_mailbox_name: return "invalid mailbox name";
            case errc::over_quota: return "quota exceeded";
            case errc::message_too_large: return "message too large";
            case errc::in_use: return "mailbox in use by another session";
            case errc::read_only: return "mailbox is read-only";
            case errc::corrupt: return "mail storage is corrupt";
            case errc::io_error: return "mail storage I/O error";
        }
        return "unknown store error";
    }
};

}  // namespace

const std::error_category& store_category() noexcept {
    static const store_category_impl instance;
    return instance;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), store_category()}; }

}  // namespace mailaccess::store
