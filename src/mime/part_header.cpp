#include <mailaccess/mime/detail/part_header.hpp>

#include <mailaccess/core/ascii.hpp>
#include <mailaccess/mime/content_type.hpp>
#include <mailaccess/mime/error.hpp>
#include <mailaccess/mime/field_lexer.hpp>
#include <mailaccess/mime/header_field.hpp>
#include <mailaccess/mime/transfer_decoder.hpp>

#include <algorithm>
#include <utility>

namespace mailaccess::mime::detail {
namespace {

using params_t = std::vector<std::pair<std::string, std::string>>;

// README items 9-10: Dovecot joins RFC 2231 continuations but shows the
// raw value, and lists extended parameters after the plain ones.
params_t body_params(const std::vector<mime_parameter>& params) {
    params_t out;
    out.reserve(params.size());
    for (const auto& p : params)
        if (!p.is_extended) out.emplace_back(p.name, p.wire_value);
    for (const auto& p : params)
        if (p.is_extended) out.emplace_back(p.wire_name(), p.wire_value);
    return out;
}

transfer_encoding classify_cte(std::string_view token) {
    if (iequals(token, "7bit")) return transfer_encoding::seven_bit;
    if (iequals(token, "8bit")) return transfer_encoding::eight_bit;
    if (iequals(token, "binary")) return transfer_encoding::binary;
    if (iequals(token, "base64")) return transfer_encoding::base64;
    if (iequals(token, "quoted-printable")) return transfer_encoding::quoted_printable;
    return transfer_encoding::unknown;
}

// Content-Language (RFC 3282): a comma-separated list of language tags.
std::vector<std::string> languages(std::string_view value) {
    std::vector<std::string> out;
    field_lexer lex(value, lexer_grammar::mime);
    for (field_token t = lex.next_non_comment(); t.kind != token_kind::end; t = lex.next_non_comment())
        if (t.kind == token_kind::atom) out.emplace_back(t.raw);
    return out;
}

void replace_nul(std::string& s) { std::replace(s.begin(), s.end(), '\0', '\x80'); }

void replace_nul(std::vector<std::pair<std::string, std::string>>& params) {
    for (auto& [name, value] : params) {
        replace_nul(name);
        replace_nul(value);
    }
}

// IMAP strings cannot carry NUL (RFC 3501 section 4.3); like Dovecot, a NUL
// in a header becomes 0x80 (README items 3 and 28).
void replace_nul(part_fields& f) {
    replace_nul(f.media_type);
    replace_nul(f.media_subtype);
    replace_nul(f.params);
    for (auto* o : {&f.id, &f.description, &f.md5, &f.location})
        if (*o) replace_nul(**o);
    replace_nul(f.encoding);
    if (f.disposition) {
        replace_nul(f.disposition->type);
        replace_nul(f.disposition->params);
    }
    for (auto& l : f.language) replace_nul(l);
}

header_analysis analyze(std::string_view header, bool in_digest);

}  // namespace

header_analysis analyze_part_header(std::string_view header, bool in_digest) {
    header_analysis a = analyze(header, in_digest);
    if (header.find('\0') != std::string_view::npos) {
        replace_nul(a.fields);
    }
    return a;
}

namespace {

header_analysis analyze(std::string_view header, bool in_digest) {
    header_analysis a;
    std::optional<header_field_view> type_field;
    bool have_cte = false;
    for (const header_field_view& f : header_fields_view(header)) {
        if (!f.has_colon || f.name.size() < 8 || !iequals(f.name.substr(0, 8), "Content-")) continue;
        const std::string_view name = f.name.substr(8);
        // README item 18: the first Content-Type counts; for the other
        // fields as well.
        if (iequals(name, "Type")) {
            if (!type_field) type_field = f;
        } else if (iequals(name, "Transfer-Encoding")) {
            if (have_cte) continue;
            have_cte = true;
            // README item 8: `7bit (seven bit)` is "7bit"; `???` is unparsable.
            const std::string_view token = parse_mechanism(f.value);
            a.cte = token.empty() ? transfer_encoding::unknown : classify_cte(token);
            if (!token.empty()) a.fields.encoding = std::string(token);
        } else if (iequals(name, "ID")) {
            if (!a.fields.id) a.fields.id = f.unfolded_value();
        } else if (iequals(name, "Description")) {
            if (!a.fields.description) a.fields.description = f.unfolded_value();
        } else if (iequals(name, "MD5")) {
            if (!a.fields.md5) a.fields.md5 = f.unfolded_value();
        } else if (iequals(name, "Location")) {
            if (!a.fields.location) a.fields.location = f.unfolded_value();
        } else if (iequals(name, "Language")) {
            if (a.fields.language.empty()) a.fields.language = languages(f.value);
        } else if (iequals(name, "Disposition")) {
            if (a.fields.disposition) continue;
            auto d = parse_content_disposition(f.value);
            if (d)
                a.fields.disposition = imap::body_disposition{std::move(d->type), body_params(d->parameters)};
        }
    }

    result<content_type> type = unexpected(mime::errc::bad_syntax);
    if (type_field) type = parse_content_type(type_field->value);
    if (!type) {
        // No Content-Type: text/plain; charset=us-ascii, or message/rfc822
        // in a digest (RFC 2046 section 5.1.5). An invalid one: RFC 2045
        // section 5.2's default too, where Dovecot shows "" "" (README item
        // 7; a deliberate difference).
        const content_type d = default_content_type(in_digest && !type_field);
        a.fields.media_type = d.type;
        a.fields.media_subtype = d.subtype;
        a.fields.params = body_params(d.parameters);
        a.is_text = d.is_type("text");
        if (d.is("message", "rfc822")) a.kind = header_analysis::container::message;
        return a;
    }
    a.fields.media_type = type->type;
    a.fields.media_subtype = type->subtype;
    a.fields.params = body_params(type->parameters);
    a.is_text = type->is_type("text");
    // README item 6: a text part without a charset shows the default one.
    if (a.is_text && type->find("charset") == nullptr) a.fields.params.emplace_back("charset", "us-ascii");
    if (type->is_type("multipart")) {
        a.kind = header_analysis::container::multipart;
        a.is_digest = iequals(type->subtype, "digest");
        // The first plain "boundary" (Dovecot takes the raw value).
        for (const auto& p : type->parameters)
            if (iequals(p.name, "boundary")) {
                a.boundary = p.wire_value;
                break;
            }
    } else if (type->is("message", "rfc822")) {
        a.kind = header_analysis::container::message;
    }
    return a;
}

}  // namespace

void make_opaque(header_analysis& a) {
    a.kind = header_analysis::container::none;
    a.fields.media_type = "application";
    a.fields.media_subtype = "octet-stream";
    a.is_text = false;
    a.boundary.clear();
    a.is_digest = false;
}

}  // namespace mailaccess::mime::detail
