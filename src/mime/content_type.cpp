#include <mailaccess/mime/content_type.hpp>

#include <mailaccess/core/ascii.hpp>
#include <mailaccess/mime/error.hpp>
#include <mailaccess/mime/field_lexer.hpp>

namespace mailaccess::mime {
namespace {

// The parameter list after the tokens read by `lex`. `parse_parameters`
// skips leading text that is not `attribute=` up to the first ";", and
// accepts a parameter that follows the type without one ("text/plain
// charset=x", seen in the wild).
std::vector<mime_parameter> parameters_after(const field_lexer& lex) {
    return parse_parameters(lex.input().substr(lex.offset()));
}

}  // namespace

bool content_type::is(std::string_view t, std::string_view s) const noexcept {
    return iequals(type, t) && iequals(subtype, s);
}

bool content_type::is_type(std::string_view t) const noexcept { return iequals(type, t); }

result<content_type> parse_content_type(std::string_view value) {
    field_lexer lex(value, lexer_grammar::mime);
    const field_token type = lex.next_non_comment();
    if (type.kind != token_kind::atom || !lex.next_non_comment().is_special('/'))
        return unexpected(errc::bad_syntax);
    const field_token subtype = lex.next_non_comment();
    if (subtype.kind != token_kind::atom) return unexpected(errc::bad_syntax);
    content_type ct;
    ct.type = std::string(type.raw);
    ct.subtype = std::string(subtype.raw);
    ct.parameters = parameters_after(lex);
    return ct;
}

content_type default_content_type(bool in_digest) {
    if (in_digest) return content_type{"message", "rfc822", {}};
    content_type ct{"text", "plain", {}};
    mime_parameter charset;
    charset.name = "charset";
    charset.value = charset.wire_value = "us-ascii";
    ct.parameters.push_back(std::move(charset));
    return ct;
}

bool content_disposition::is(std::string_view t) const noexcept { return iequals(type, t); }

result<content_disposition> parse_content_disposition(std::string_view value) {
    field_lexer lex(value, lexer_grammar::mime);
    const field_token type = lex.next_non_comment();
    if (type.kind != token_kind::atom) return unexpected(errc::bad_syntax);
    content_disposition cd;
    cd.type = std::string(type.raw);
    cd.parameters = parameters_after(lex);
    return cd;
}

}  // namespace mailaccess::mime
