#pragma once
// Mail to JSON for the browser: a message-list row from the fast header
// sync (ENVELOPE, FLAGS, INTERNALDATE, RFC822.SIZE), and a whole message
// parsed locally with the library's MIME module into its text, sanitised
// HTML and attachments. Header text is decoded here (RFC 2047 encoded
// words, charsets), never in the browser.

#include <mailaccess/imap/response.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace webmail {

/// One message-list row: {uid, subject, from: {name, email}, date (ISO 8601
/// of INTERNALDATE), size, seen, flagged, answered}. Missing items become
/// empty values. Thread safety: pure function.
nlohmann::json summary_json(const mailaccess::imap::fetch_data& message);

/// "Name <a@b>" pieces of an ENVELOPE address list with display names
/// decoded: [{name, email}].
nlohmann::json addresses_json(const std::vector<mailaccess::imap::address>& list);

/// Bounds on what rendering a message produces.
struct render_limits {
    /// Text or HTML shown beyond this many bytes is cut (and `truncated` set).
    std::size_t max_body_text = 2 * 1024 * 1024;
    /// Attachments listed at most.
    std::size_t max_attachments = 100;
};

/// One attachment: its part index (for `extract_part`), decoded file name,
/// media type and encoded size.
struct attachment_info {
    std::uint32_t part = 0;
    std::string filename;
    std::string content_type;
    std::uint64_t size = 0;
};

/// A message as the message view shows it.
struct rendered_message {
    nlohmann::json headers;           ///< {subject, from, to, cc, date, message_id}
    std::string text;                 ///< text/plain body (UTF-8), empty if none
    std::optional<std::string> html;  ///< sanitised HTML fragment of the text/html body
    std::size_t blocked_images = 0;
    bool truncated = false;
    std::vector<attachment_info> attachments;

    /// {headers..., text, has_html, blocked_images, truncated, attachments: [...]}
    /// (the HTML itself is served on its own endpoint, into the sandbox).
    nlohmann::json to_json() const;
};

/// Parses `raw` (a whole RFC 5322 message, possibly cut at a size limit)
/// and renders it. Never fails: malformed MIME gives a best effort.
rendered_message render_message(std::string_view raw, const render_limits& limits = {});

/// A decoded part of `raw` for download.
struct extracted_part {
    std::string filename;
    std::string content_type;
    std::string data;
};

/// The part with index `part` (as in `attachment_info::part`), transfer
/// decoding undone. nullopt when there is no such leaf part.
std::optional<extracted_part> extract_part(std::string_view raw, std::uint32_t part);

/// The HTML document the sandboxed iframe loads: the sanitised fragment in a
/// minimal page with a UTF-8 meta and a base style.
std::string html_document(std::string_view fragment);

}  // namespace webmail
