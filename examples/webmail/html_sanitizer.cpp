#include "html_sanitizer.hpp"

#include "html_tokenizer.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace webmail {

namespace {

template <std::size_t N>
bool is_one_of(const std::array<std::string_view, N>& list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
}

// Elements dropped with everything inside them.
constexpr std::array<std::string_view, 16> dropped_with_content = {
    "script", "style", "iframe", "object",   "applet", "frameset", "noscript", "template",
    "svg",    "math",  "select", "textarea", "title",  "noembed",  "noframes", "xmp"};
// Void elements with no content: dropped alone.
constexpr std::array<std::string_view, 7> dropped_void = {"embed", "frame", "base", "link",
                                                          "meta",  "param", "input"};

// Formatting elements kept (with allowed attributes only).
constexpr std::array<std::string_view, 71> allowed_elements = {
    "a",          "abbr",    "address", "article", "aside", "b",       "bdi",   "bdo",        "big",
    "blockquote", "br",      "caption", "center",  "cite",  "code",    "col",   "colgroup",   "dd",
    "del",        "details", "dfn",     "div",     "dl",    "dt",      "em",    "figcaption", "figure",
    "font",       "footer",  "h1",      "h2",      "h3",    "h4",      "h5",    "h6",         "header",
    "hr",         "i",       "img",     "ins",     "kbd",   "li",      "main",  "mark",       "ol",
    "p",          "pre",     "q",       "s",       "samp",  "section", "small", "span",       "strike",
    "strong",     "sub",     "summary", "sup",     "table", "tbody",   "td",    "tfoot",      "th",
    "thead",      "time",    "tr",      "tt",      "u",     "ul",      "wbr",   "nav"};
constexpr std::array<std::string_view, 4> void_elements = {"br", "hr", "img", "wbr"};

constexpr std::array<std::string_view, 22> allowed_attributes = {
    "align",   "alt",   "bgcolor", "border", "cellpadding", "cellspacing", "class", "color",
    "colspan", "dir",   "face",    "height", "lang",        "rowspan",     "size",  "span",
    "start",   "style", "title",   "valign", "width",       "type"};

bool is_allowed_element(std::string_view name) { return is_one_of(allowed_elements, name); }

std::string lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The scheme part browsers see: control characters and whitespace removed
// (URL parsing strips them, so "jav\tascript:" is javascript:), lower-cased.
std::string normalised_url(std::string_view url) {
    std::string out;
    for (char c : url)
        if (static_cast<unsigned char>(c) > 0x20 && c != 0x7F) out.push_back(c);
    return lowered(out);
}

bool is_safe_link(std::string_view url) {
    const std::string u = normalised_url(url);
    return u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0 || u.rfind("mailto:", 0) == 0 ||
           (!u.empty() && u[0] == '#');
}

bool is_inline_image(std::string_view url) {
    const std::string u = normalised_url(url);
    // SVG can carry script; only raster formats stay.
    return u.rfind("data:image/", 0) == 0 && u.rfind("data:image/svg", 0) != 0;
}

bool is_safe_style(std::string_view style) {
    const std::string s = normalised_url(style);
    for (std::string_view bad :
         {"url(", "expression", "@import", "javascript:", "behavior", "-moz-binding", "\\"})
        if (s.find(bad) != std::string::npos) return false;
    return true;
}

// A grey box the size of an icon, inline so that it loads nothing.
constexpr std::string_view blocked_image_placeholder =
    "data:image/gif;base64,R0lGODlhAQABAIAAAMzMzAAAACH5BAAAAAAALAAAAAABAAEAAAICRAEAOw==";

class sanitizer {
public:
    sanitized_html run(std::string_view html) {
        html_tokenizer tokens(html);
        html_token t;
        while (tokens.next(t)) {
            if (skip_depth_ > 0) {
                skip(t);
                continue;
            }
            switch (t.type) {
                case html_token::kind::text: out_.html += escape_text(t.raw); break;
                case html_token::kind::start_tag: start_tag(t); break;
                case html_token::kind::end_tag: end_tag(t); break;
                case html_token::kind::comment:
                case html_token::kind::other: break;
            }
        }
        return std::move(out_);
    }

private:
    // Inside a dropped element: count nested tags of the same name, so
    // "<svg><svg></svg>x</svg>" drops "x" too.
    void skip(const html_token& t) {
        if (t.name != skipping_) return;
        if (t.type == html_token::kind::start_tag && !t.self_closing) ++skip_depth_;
        if (t.type == html_token::kind::end_tag) --skip_depth_;
    }

    void start_tag(const html_token& t) {
        if (is_one_of(dropped_void, t.name)) {
            ++out_.report.dropped_elements;
            return;
        }
        if (is_one_of(dropped_with_content, t.name)) {
            ++out_.report.dropped_elements;
            if (!t.self_closing) {
                skipping_ = t.name;
                skip_depth_ = 1;
            }
            return;
        }
        if (!is_allowed_element(t.name)) {
            if (t.name != "html" && t.name != "head" && t.name != "body") ++out_.report.dropped_elements;
            return;
        }
        std::string tag = "<" + t.name;
        bool has_href = false;
        // The placeholder's marker is written once, last, so that sanitizing
        // the output again gives the same output.
        bool blocked_marker = false;
        for (const auto& [name, value] : t.attributes) {
            std::string kept;
            if (name == "data-blocked" && t.name == "img") {
                blocked_marker = value == "remote";
                continue;
            }
            if (name == "href" && t.name == "a" && is_safe_link(value)) {
                kept = value;
                has_href = true;
            } else if (name == "src" && t.name == "img") {
                if (is_inline_image(value)) {
                    kept = value;
                } else {
                    ++out_.report.blocked_images;
                    tag += " src=\"" + std::string(blocked_image_placeholder) + "\"";
                    blocked_marker = true;
                    continue;
                }
            } else if (name == "style" ? is_safe_style(value) : is_one_of(allowed_attributes, name)) {
                kept = value;
            } else {
                ++out_.report.dropped_attributes;
                continue;
            }
            tag += " " + name + "=\"" + escape_html(kept) + "\"";
        }
        if (blocked_marker) tag += " data-blocked=\"remote\"";
        // Links leave the sandbox only as a new top-level page without a referrer.
        if (has_href) tag += " target=\"_blank\" rel=\"noopener noreferrer\"";
        tag += ">";
        out_.html += tag;
        if (is_one_of(void_elements, t.name)) return;
    }

    void end_tag(const html_token& t) {
        if (!is_allowed_element(t.name) || is_one_of(void_elements, t.name)) return;
        out_.html += "</" + t.name + ">";
    }

    sanitized_html out_;
    std::string skipping_;
    std::size_t skip_depth_ = 0;
};

}  // namespace

// Character references in text stay as written ("&eacute;" must still show
// an e with an acute accent); only "<" and ">" could start markup.
std::string escape_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else if (c == '\0')
            out += "\xEF\xBF\xBD";
        else
            out.push_back(c);
    }
    return out;
}

std::string escape_html(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            case '\0': out += "\xEF\xBF\xBD"; break;
            default: out.push_back(c);
        }
    }
    return out;
}

sanitized_html sanitize_html(std::string_view html) { return sanitizer().run(html); }

}  // namespace webmail
