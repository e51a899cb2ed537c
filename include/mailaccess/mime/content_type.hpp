#pragma once

// Content-Type (RFC 2045 section 5) and Content-Disposition (RFC 2183)
// field values: the type tokens and the parameter list.

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/mime/mime_parameter.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::mime {

/// A parsed Content-Type value. Type and subtype keep the case they were
/// written in (IMAP BODYSTRUCTURE shows them as written); compare them with
/// `is`/`is_type`, which ignore ASCII case (RFC 2045 section 5.1).
struct content_type {
    std::string type;
    std::string subtype;
    std::vector<mime_parameter> parameters;

    /// `type/subtype`, ASCII case-insensitively.
    bool is(std::string_view t, std::string_view s) const noexcept;
    bool is_type(std::string_view t) const noexcept;
    /// `find_parameter(parameters, name)`.
    const mime_parameter* find(std::string_view name) const noexcept {
        return find_parameter(parameters, name);
    }

    friend bool operator==(const content_type&, const content_type&) = default;
};

/// RFC 2045 section 5.1:
///     content := "Content-Type" ":" type "/" subtype *(";" parameter)
/// with comments and whitespace allowed around every token (section 5.1,
/// "RFC 822 comments"). Type and subtype are RFC 2045 tokens; the
/// parameters are read by `parse_parameters` (its leniencies apply).
///
/// Text after the subtype that is not a parameter list (`text/plain
/// garbage; charset=x`) is skipped up to the first ";". Fails with
/// `errc::bad_syntax` when there is no `token "/" token` at the start
/// (`text`, `text/`, `/plain`, `;;/ html`): RFC 2045 section 5.2 then says
/// to assume `default_content_type()`, while Dovecot shows `"" ""`
/// (tests/data/mime/README.md item 7), so the caller chooses.
///
/// Thread safety: pure function.
MAILACCESS_API result<content_type> parse_content_type(std::string_view value);

/// The implicit Content-Type (RFC 2045 section 5.2): text/plain;
/// charset=us-ascii, in lowercase. In a multipart/digest the default is
/// message/rfc822 instead (RFC 2046 section 5.1.5): pass `in_digest`.
MAILACCESS_API content_type default_content_type(bool in_digest = false);

/// A parsed Content-Disposition value (RFC 2183 section 2). The type keeps
/// its case; compare with `is`.
struct content_disposition {
    std::string type;  ///< "inline", "attachment", or an extension token
    std::vector<mime_parameter> parameters;

    bool is(std::string_view t) const noexcept;
    const mime_parameter* find(std::string_view name) const noexcept {
        return find_parameter(parameters, name);
    }

    friend bool operator==(const content_disposition&, const content_disposition&) = default;
};

/// RFC 2183 section 2:
///     disposition := "Content-Disposition" ":" disposition-type
///                    *(";" disposition-parm)
/// Comments and whitespace are allowed; the parameters (filename,
/// creation-date, size, ...) are read by `parse_parameters`, so RFC 2231
/// `filename*` works. Fails with `errc::bad_syntax` when the value does
/// not start with a token (empty, or `; filename=x`).
MAILACCESS_API result<content_disposition> parse_content_disposition(std::string_view value);

}  // namespace mailaccess::mime
