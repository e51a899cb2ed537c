#pragma once

#include <mailaccess/core/api.hpp>

#include <system_error>

namespace mailaccess::imap {

/// Everything that can go wrong in the IMAP codec and sessions: one enum for
/// the whole module (STYLE.md section 5), so a host compares with
/// `ec == imap::errc::x` whatever layer produced the error.
///
/// The framer values (line_too_long .. bad_literal) describe peer input. A
/// server session answers them with a tagged `BAD` (or `NO [TOOBIG]` for
/// `literal_too_large`, RFC 7888 section 4) and keeps the connection; only a
/// `framer::fatal` event ends it. New values are appended at the end; the
/// numeric values of existing ones never change.
enum class errc {
    line_too_long = 1,  ///< a line longer than `limits::max_line_length` (RFC 7162 section 4)
    literal_too_large,  ///< an announced `{N}` above the literal limit (RFC 7888 section 4 `[TOOBIG]`)
    message_too_large,  ///< a message's buffered bytes exceed `framer_options::max_buffered_size`
    too_many_literals,  ///< more literals in one message than `framer_options::max_literals`
    bad_literal,        ///< a malformed literal announcement: `{}`, `{+}`, `{12a}`, or a size above 2^63-1
    bad_syntax,         ///< does not match the RFC 3501 / RFC 9051 section 9 grammar
    nesting_too_deep,   ///< parenthesised lists nested deeper than `limits::max_depth`
    bad_mailbox_name,   ///< not valid modified UTF-7 / UTF-8, or control characters (RFC 9051 section 5.1)
    too_many_ranges,    ///< a sequence set with more than `sequence_set::max_ranges` ranges
    unknown_command,    ///< a command name the parser does not know (the session answers `BAD`)
    // Engine outcomes a server session turns into responses (`login_reply`,
    // `sasl_reply`).
    auth_failed,            ///< credentials rejected (`NO [AUTHENTICATIONFAILED]`, RFC 5530)
    temporary_failure,      ///< the store or password database failed (`NO [UNAVAILABLE]`)
    sasl_aborted,           ///< the client answered a challenge with "*" (RFC 3501 section 6.2.2)
    sasl_malformed,         ///< a SASL response violates its mechanism's grammar
    unsupported_mechanism,  ///< AUTHENTICATE named a mechanism the engine cannot run
    // Client session (client_session.hpp).
    unexpected_response,  ///< a server response the client cannot expect: a `+` nobody waits for, no greeting
                          ///< first, bytes after the STARTTLS OK before TLS (CVE-2011-0411)
    unknown_tag,          ///< a tagged response whose tag names no command in flight
    tag_in_use,           ///< `client_session::send` got a tag already queued or in flight
    login_disabled,       ///< LOGIN while the server advertises LOGINDISABLED (RFC 3501 section 6.2.3)
    not_allowed,          ///< a client call its state does not allow (closed session, DONE without IDLE)
};

/// The category named "mailaccess.imap". Thread safety: safe to call concurrently.
MAILACCESS_API const std::error_category& imap_category() noexcept;

/// Makes an error_code in `imap_category()`; found by ADL, so
/// `std::error_code ec = imap::errc::bad_syntax;` works.
MAILACCESS_API std::error_code make_error_code(errc e) noexcept;

}  // namespace mailaccess::imap

template <>
struct std::is_error_code_enum<mailaccess::imap::errc> : std::true_type {};
