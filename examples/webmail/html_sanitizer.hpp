#pragma once
// Server-side cleaning of mail HTML before it reaches the browser. The
// browser side has its own walls (a sandboxed iframe without allow-scripts,
// served with `default-src 'none'`); this is the second one, so that a
// mistake in either still runs no script and loads nothing remote.

#include <cstddef>
#include <string>
#include <string_view>

namespace webmail {

/// What `sanitize_html` did, for the UI ("remote images blocked").
struct sanitize_report {
    std::size_t blocked_images = 0;    ///< img with a remote (or cid:) source replaced by a placeholder
    std::size_t dropped_elements = 0;  ///< elements removed (script, iframe, object, form, ...)
    std::size_t dropped_attributes = 0;
};

/// The result: an HTML fragment (no html/head/body) and the report.
struct sanitized_html {
    std::string html;
    sanitize_report report;
};

/// Keeps an allow-list of formatting elements and attributes and drops the
/// rest:
/// - script, style, iframe, object, embed, applet, frame(set), noscript,
///   template, svg, math, select, textarea, title, head: removed with
///   their content; form, input, button, base, link, meta and unknown
///   elements: the tag is removed, the content kept;
/// - every on* attribute, and any attribute not on the list;
/// - URLs: `href` keeps only http:, https:, mailto: and "#"; anything else
///   (javascript:, data:, vbscript:, even when hidden with character
///   references, whitespace or control characters) is dropped;
/// - `img src`: data:image/ is kept; a remote or cid: source becomes a
///   small inline placeholder (`data-blocked` marks it);
/// - `style` attributes that could load or run something (url(,
///   expression, @import, javascript:, behavior) are dropped.
/// Text is re-escaped and every kept tag re-serialised with quoted,
/// escaped attributes, so the browser parses the output as this function
/// saw it. Comments and doctypes go.
///
/// Bounded: linear time; output at most about 6 times the input (escaping)
/// plus a fixed size per blocked image. Thread safety: pure function.
sanitized_html sanitize_html(std::string_view html);

/// Escapes text for an HTML text node or a quoted attribute value.
std::string escape_html(std::string_view text);

/// Escapes HTML text for a text node while keeping its character
/// references (`&eacute;` stays): only "<", ">" and NUL change.
std::string escape_text(std::string_view text);

}  // namespace webmail
