#include <mailaccess/mime/error.hpp>

#include <string>

namespace mailaccess::mime {
namespace {

class mime_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "mailaccess.mime"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::bad_syntax: return "malformed header field value";
            case errc::bad_date: return "unparsable date";
            case errc::unknown_charset: return "unknown charset";
            case errc::unknown_transfer_encoding: return "unknown Content-Transfer-Encoding";
            case errc::bad_encoded_data: return "invalid data in MIME part";
        }
        return "unknown mime error";
    }
};

}  // namespace

const std::error_category& mime_category() noexcept {
    static const mime_category_impl instance;
    return instance;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), mime_category()}; }

}  // namespace mailaccess::mime
