#include "message_render.hpp"

#include "html_sanitizer.hpp"

#include <mailaccess/mime/address.hpp>
#include <mailaccess/mime/charset.hpp>
#include <mailaccess/mime/encoded_word.hpp>
#include <mailaccess/mime/mime_parameter.hpp>
#include <mailaccess/mime/structure_parser.hpp>
#include <mailaccess/mime/transfer_decoder.hpp>
#include <mailaccess/mime/utf8.hpp>

#include <algorithm>
#include <cstdio>

namespace webmail {

namespace imap = mailaccess::imap;
namespace mime = mailaccess::mime;
using nlohmann::json;

namespace {

std::string lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Header text as people read it: encoded words decoded, raw 8-bit taken as
// UTF-8 (RFC 6532) with invalid bytes replaced.
std::string human(const std::optional<std::string>& raw) {
    return raw ? mime::decode_encoded_words(*raw) : std::string();
}

std::string iso_date(const imap::date_time& d) {
    const int zone = d.zone_minutes();
    const int az = zone < 0 ? -zone : zone;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", d.day().year(),
                  d.day().month(), d.day().day(), d.hour(), d.minute(), d.second(), zone < 0 ? '-' : '+',
                  az / 60, az % 60);
    return buf;
}

// A parameter's value as the sender meant it. The part's fields keep
// parameters as written (BODYSTRUCTURE form: `filename*` with its RFC 2231
// `utf-8''...` escapes), so they are written back as a parameter list and
// read with the mime module's parser, which joins continuations and decodes
// RFC 2231 and RFC 2047.
std::optional<std::string> parameter(const std::vector<std::pair<std::string, std::string>>& params,
                                     std::string_view name) {
    std::string text;
    for (const auto& [n, v] : params) {
        text += "; " + n + "=";
        if (!n.empty() && n.back() == '*') {
            text += v;
            continue;
        }
        text += '"';
        for (char c : v) {
            if (c == '"' || c == '\\') text += '\\';
            text += c;
        }
        text += '"';
    }
    const auto parsed = mime::parse_parameters(text);
    if (const mime::mime_parameter* p = mime::find_parameter(parsed, name)) return p->value;
    return std::nullopt;
}

// The file name of a part: Content-Disposition filename, else Content-Type
// name.
std::string filename_of(const mime::part_fields& f) {
    std::optional<std::string> name;
    if (f.disposition) name = parameter(f.disposition->params, "filename");
    if (!name) name = parameter(f.params, "name");
    if (!name) return {};
    std::string out = std::move(*name);
    // A name is shown and used for a download, never as a path.
    std::replace_if(
        out.begin(), out.end(),
        [](char c) { return c == '/' || c == '\\' || c == '"' || static_cast<unsigned char>(c) < 0x20; },
        '_');
    return out;
}

std::string content_type_of(const mime::part_fields& f) {
    return lowered(f.media_type) + "/" + lowered(f.media_subtype);
}

bool is_attachment(const mime::part_fields& f) {
    return f.disposition && lowered(f.disposition->type) == "attachment";
}

std::string decoded_body(std::string_view raw, const mime::message_part& p) {
    if (p.body_offset() >= raw.size()) return {};
    const std::string_view body = raw.substr(p.body_offset(), p.body_size);
    return mime::decode_transfer(mime::transfer_decoding_for(p.fields.encoding), body);
}

// Body text to UTF-8 by its charset parameter; an unknown charset is read as
// UTF-8 with invalid bytes replaced (what Dovecot does for display and SEARCH).
std::string text_of(std::string_view raw, const mime::message_part& p) {
    const std::string bytes = decoded_body(raw, p);
    if (const auto cs = parameter(p.fields.params, "charset"))
        if (auto text = mime::convert_to_utf8(*cs, bytes)) return std::move(*text);
    return mime::sanitize_utf8(bytes);
}

void cut(std::string& text, std::size_t max, bool& truncated) {
    if (text.size() <= max) return;
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;  // whole characters
    text.resize(n);
    truncated = true;
}

}  // namespace

json addresses_json(const std::vector<imap::address>& list) {
    json out = json::array();
    for (const auto& a : list) {
        if (!a.mailbox || !a.host) continue;  // group markers
        out.push_back({{"name", a.name ? mime::decode_display_name(*a.name) : std::string()},
                       {"email", mime::sanitize_utf8(*a.mailbox + "@" + *a.host)}});
    }
    return out;
}

json summary_json(const imap::fetch_data& message) {
    namespace items = imap::fetch_item_types;
    json row = {{"uid", 0},  {"subject", ""}, {"from", json::array()}, {"date", ""},
                {"size", 0}, {"seen", false}, {"flagged", false},      {"answered", false}};
    if (const auto* uid = imap::find_item<items::uid>(message)) row["uid"] = uid->value;
    if (const auto* size = imap::find_item<items::rfc822_size>(message)) row["size"] = size->value;
    if (const auto* date = imap::find_item<items::internaldate>(message)) row["date"] = iso_date(date->value);
    if (const auto* env = imap::find_item<items::envelope>(message)) {
        row["subject"] = human(env->value.subject);
        row["from"] = addresses_json(env->value.from);
    }
    if (const auto* flags = imap::find_item<items::flags>(message)) {
        for (const auto& f : flags->value) {
            if (f.type() == imap::flag::kind::seen) row["seen"] = true;
            if (f.type() == imap::flag::kind::flagged) row["flagged"] = true;
            if (f.type() == imap::flag::kind::answered) row["answered"] = true;
        }
    }
    return row;
}

rendered_message render_message(std::string_view raw, const render_limits& limits) {
    mime::structure_parser parser;
    parser.feed(raw);
    const mime::message_structure s = parser.finish();
    rendered_message out;
    const imap::envelope& env = s.envelope();
    out.headers = {{"subject", human(env.subject)}, {"from", addresses_json(env.from)},
                   {"to", addresses_json(env.to)},  {"cc", addresses_json(env.cc)},
                   {"date", human(env.date)},       {"message_id", human(env.message_id)}};
    std::optional<std::uint32_t> text_part, html_part;
    for (std::uint32_t i = 0; i < s.parts().size(); ++i) {
        const mime::message_part& p = s.part(i);
        if (p.kind != mime::part_kind::leaf || p.is_synthetic) continue;
        // Only the top-level message's parts: an attached message/rfc822 is
        // one attachment, not more body text.
        bool nested = false;
        for (auto up = p.parent; up != mime::message_part::npos; up = s.part(up).parent)
            if (s.part(up).kind == mime::part_kind::message) nested = true;
        const std::string type = content_type_of(p.fields);
        const std::string name = filename_of(p.fields);
        if (!nested && !is_attachment(p.fields) && name.empty()) {
            if (type == "text/plain" && !text_part) {
                text_part = i;
                continue;
            }
            if (type == "text/html" && !html_part) {
                html_part = i;
                continue;
            }
        }
        if (nested) continue;
        if (out.attachments.size() < limits.max_attachments)
            out.attachments.push_back(
                {i, name.empty() ? "part-" + std::to_string(i) : name, type, p.body_size});
    }
    // message/rfc822 parts are attachments as a whole.
    for (std::uint32_t i = 0; i < s.parts().size(); ++i) {
        const mime::message_part& p = s.part(i);
        if (p.kind == mime::part_kind::message && i != 0 && out.attachments.size() < limits.max_attachments) {
            const std::string name = filename_of(p.fields);
            out.attachments.push_back({i, name.empty() ? "message-" + std::to_string(i) + ".eml" : name,
                                       content_type_of(p.fields), p.body_size});
        }
    }
    if (text_part) {
        out.text = text_of(raw, s.part(*text_part));
        cut(out.text, limits.max_body_text, out.truncated);
    }
    if (html_part) {
        std::string html = text_of(raw, s.part(*html_part));
        cut(html, limits.max_body_text, out.truncated);
        sanitized_html clean = sanitize_html(html);
        out.blocked_images = clean.report.blocked_images;
        out.html = std::move(clean.html);
    }
    return out;
}

json rendered_message::to_json() const {
    json out = headers;
    out["text"] = text;
    out["has_html"] = html.has_value();
    out["blocked_images"] = blocked_images;
    out["truncated"] = truncated;
    json list = json::array();
    for (const auto& a : attachments)
        list.push_back(
            {{"part", a.part}, {"filename", a.filename}, {"content_type", a.content_type}, {"size", a.size}});
    out["attachments"] = std::move(list);
    return out;
}

std::optional<extracted_part> extract_part(std::string_view raw, std::uint32_t part) {
    mime::structure_parser parser;
    parser.feed(raw);
    const mime::message_structure s = parser.finish();
    if (part >= s.parts().size() || part == 0) return std::nullopt;
    const mime::message_part& p = s.part(part);
    if (p.kind == mime::part_kind::multipart) return std::nullopt;
    extracted_part out;
    out.filename = filename_of(p.fields);
    out.content_type = content_type_of(p.fields);
    if (p.kind == mime::part_kind::message) {
        // The encapsulated message as it is (no transfer encoding applies).
        if (p.body_offset() < raw.size()) out.data = std::string(raw.substr(p.body_offset(), p.body_size));
    } else {
        out.data = decoded_body(raw, p);
    }
    if (out.filename.empty()) out.filename = "part-" + std::to_string(part);
    return out;
}

std::string html_document(std::string_view fragment) {
    std::string out =
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body{font-family:sans-serif;margin:8px;"
        "word-wrap:break-word}img[data-blocked]{width:24px;height:24px;border:1px dashed #999}</style>"
        "</head><body>";
    out += fragment;
    out += "</body></html>";
    return out;
}

}  // namespace webmail
