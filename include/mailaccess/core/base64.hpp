#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>

#include <string>
#include <string_view>

namespace mailaccess {

/// Encodes bytes as base64 with padding and no line breaks (RFC 4648
/// section 4), the form SASL (RFC 4422) and POP3 AUTH (RFC 5034) use.
MAILACCESS_API std::string base64_encode(std::string_view bytes);

/// Decodes padded base64 without whitespace, as SASL exchanges carry it.
/// Returns `errc::bad_base64` for characters outside the alphabet, a length
/// that is not a multiple of four, misplaced padding or non-zero pad bits.
MAILACCESS_API result<std::string> base64_decode(std::string_view text);

}  // namespace mailaccess
