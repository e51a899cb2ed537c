#include <mailaccess/mime/address.hpp>

#include <mailaccess/mime/encoded_word.hpp>
#include <mailaccess/mime/field_lexer.hpp>

namespace mailaccess::mime {
namespace {

constexpr std::string_view missing_mailbox = "MISSING_MAILBOX";
constexpr std::string_view missing_domain = "MISSING_DOMAIN";

// Text of a token as part of a mailbox or domain: quoted strings unquoted,
// line breaks dropped everywhere.
std::string token_text(const field_token& t) {
    if (t.kind == token_kind::quoted_string) return t.text();
    std::string out;
    for (char c : t.raw)
        if (c != '\r' && c != '\n') out.push_back(c);
    return out;
}

// Collapses whitespace runs to one space and trims (a comment used as a name).
std::string squeeze(std::string_view s) {
    std::string out;
    bool space = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = true;
            continue;
        }
        if (space && !out.empty()) out.push_back(' ');
        space = false;
        out.push_back(c);
    }
    return out;
}

// A display name or group name: the words of `text` joined by one space
// where the original had whitespace or a comment (obs-phrase dots stick to
// their neighbours as written: "John Q. Public").
std::string phrase_text(std::string_view text) {
    field_lexer lex(text, lexer_grammar::rfc5322);
    std::string out;
    bool separated = false;
    for (field_token t = lex.next(); t.kind != token_kind::end; t = lex.next()) {
        if (t.kind == token_kind::comment) {
            separated = true;
            continue;
        }
        if ((separated || t.space_before) && !out.empty()) out.push_back(' ');
        separated = false;
        out += token_text(t);
    }
    return out;
}

// A local part: words joined as written, without the CFWS obs-local-part
// allows around dots; two words separated only by whitespace keep a space.
std::string local_part_text(std::string_view text) {
    field_lexer lex(text, lexer_grammar::rfc5322);
    std::string out;
    bool prev_dot = true;
    for (field_token t = lex.next_non_comment(); t.kind != token_kind::end; t = lex.next_non_comment()) {
        const bool dot = t.is_special('.');
        if (t.space_before && !dot && !prev_dot) out.push_back(' ');
        out += token_text(t);
        prev_dot = dot;
    }
    return out;
}

class address_parser {
public:
    address_parser(std::string_view text, const address_list_options& options, std::vector<address>& out)
        : text_(text), lex_(text, lexer_grammar::rfc5322), options_(options), out_(out) {}

    void run() {
        while (!full_ && has_room()) {
            const field_token t = lex_.peek_non_comment();
            if (t.kind == token_kind::end) break;
            if (t.is_special(',') || t.is_special(';') || t.is_special('>')) {
                lex_.next_non_comment();
                if (t.is_special(';') && in_group_) end_group();
                continue;
            }
            element();
        }
        if (in_group_) {
            in_group_ = false;
            out_.push_back(address{address::kind_type::group_end, {}, {}, {}, {}});
        }
    }

private:
    // What decides the meaning of the element at the cursor: the first of
    // ':' '<' '@' ',' ';' or the end, plus where the last run of connected
    // words before it starts (the local part of an addr-spec written
    // without angle brackets).
    struct scan_result {
        char decisive = '\0';  // '\0' for the end of input
        std::size_t decisive_offset = 0;
        std::size_t last_run_offset = 0;
        std::size_t runs = 0;
        bool has_quoted = false;
    };

    std::size_t offset_of(const field_token& t) const noexcept {
        return static_cast<std::size_t>(t.raw.data() - text_.data());
    }

    // Room for one more entry, keeping one for the end of an open group.
    bool has_room() const noexcept { return out_.size() + (in_group_ ? 1 : 0) < options_.max_entries; }

    scan_result scan() const {
        field_lexer l = lex_;
        scan_result r;
        bool prev_dot = false;
        for (;;) {
            const field_token t = l.next_non_comment();
            if (t.kind == token_kind::end) {
                r.decisive_offset = text_.size();
                return r;
            }
            for (char c : {':', '<', '@', ',', ';'}) {
                if (t.is_special(c)) {
                    r.decisive = c;
                    r.decisive_offset = offset_of(t);
                    return r;
                }
            }
            const bool dot = t.is_special('.');
            if (r.runs == 0 || (t.space_before && !dot && !prev_dot)) {
                r.last_run_offset = offset_of(t);
                ++r.runs;
            }
            r.has_quoted = r.has_quoted || t.kind == token_kind::quoted_string;
            prev_dot = dot;
        }
    }

    std::string_view between(std::size_t from, std::size_t to) const { return text_.substr(from, to - from); }

    void element() {
        const std::size_t start = lex_.offset();
        const scan_result s = scan();
        lex_.seek(s.decisive_offset);
        switch (s.decisive) {
            case ':':
                lex_.next();  // the ':'
                if (!in_group_) {
                    // The start marker needs room for its end marker too.
                    if (out_.size() + 2 > options_.max_entries) {
                        full_ = true;
                        return;
                    }
                    in_group_ = true;
                    out_.push_back(address{address::kind_type::group_start,
                                           {},
                                           {},
                                           phrase_text(between(start, s.decisive_offset)),
                                           {}});
                }
                return;
            case '<': {
                lex_.next();  // the '<'
                address a;
                a.name = phrase_text(between(start, s.decisive_offset));
                angle_addr(a);
                skip_garbage(nullptr);
                push(std::move(a));
                return;
            }
            case '@': {
                address a;
                if (s.last_run_offset > start) a.name = phrase_text(between(start, s.last_run_offset));
                a.mailbox = local_part_text(
                    between(s.runs > 0 ? s.last_run_offset : s.decisive_offset, s.decisive_offset));
                lex_.next();  // the '@'
                a.host = domain();
                std::optional<std::string> comment;
                skip_garbage(&comment);
                if ((!a.name || a.name->empty()) && comment) a.name = std::move(comment);
                push(std::move(a));
                return;
            }
            default: {  // ',' ';' or the end: a phrase on its own
                if (s.runs == 0) return;
                address a;
                const std::string_view words = between(start, s.decisive_offset);
                if (s.runs == 1 && !s.has_quoted) {
                    a.mailbox = local_part_text(words);
                } else {
                    a.name = phrase_text(words);
                }
                push(std::move(a));
                return;
            }
        }
    }

    // After '<': [obs-route] [local-part] ["@" domain] [">"].
    void angle_addr(address& a) {
        if (lex_.peek_non_comment().is_special('@') && route_follows()) a.adl = route();
        const std::size_t local_start = lex_.offset();
        std::size_t local_end = local_start;
        for (;;) {
            const field_token t = lex_.peek_non_comment();
            if (t.kind == token_kind::end || t.is_special('@') || t.is_special('>') || t.is_special(',') ||
                t.is_special(';'))
                break;
            lex_.next_non_comment();
            local_end = lex_.offset();
        }
        a.mailbox = local_part_text(between(local_start, local_end));
        if (lex_.peek_non_comment().is_special('@')) {
            lex_.next_non_comment();
            a.host = domain();
        }
        for (;;) {  // garbage inside the brackets
            const field_token t = lex_.peek_non_comment();
            if (t.kind == token_kind::end || t.is_special(',') || t.is_special(';')) return;
            lex_.next_non_comment();
            if (t.is_special('>')) return;
        }
    }

    // Whether the '@' at the cursor starts an obs-route: "@" domain
    // *("," ["@" domain]) ":" before anything else.
    bool route_follows() const {
        field_lexer l = lex_;
        for (;;) {
            const field_token t = l.next_non_comment();
            if (t.is_special(':')) return true;
            if (!(t.is_special('@') || t.is_special(',') || t.is_special('.') || t.kind == token_kind::atom ||
                  t.kind == token_kind::domain_literal))
                return false;
        }
    }

    // obs-route, cursor at its first '@'; returns "@a,@b" and consumes the ':'.
    std::string route() {
        std::string adl;
        for (;;) {
            const field_token t = lex_.next_non_comment();
            if (t.is_special(':') || t.kind == token_kind::end) return adl;
            if (t.is_special('@')) {
                if (!adl.empty()) adl.push_back(',');
                adl.push_back('@');
                adl += domain();
            }
        }
    }

    // domain = dot-atom / domain-literal / obs-domain; stops before a word
    // that is separated by whitespace without a dot (trailing garbage).
    std::string domain() {
        std::string host;
        bool prev_dot = false, first = true;
        for (;;) {
            const field_token t = lex_.peek_non_comment();
            const bool dot = t.is_special('.');
            if (!(dot || t.kind == token_kind::atom || t.kind == token_kind::domain_literal)) break;
            if (!first && t.space_before && !dot && !prev_dot) break;
            lex_.next_non_comment();
            host += token_text(t);
            prev_dot = dot;
            first = false;
        }
        return host;
    }

    // Skips to the next ',' or ';' (not consumed); the first comment seen is
    // stored in `comment` when asked for.
    void skip_garbage(std::optional<std::string>* comment) {
        for (;;) {
            const field_token t = lex_.peek();
            if (t.kind == token_kind::end || t.is_special(',') || t.is_special(';')) return;
            lex_.next();
            if (comment != nullptr && !*comment && t.kind == token_kind::comment) {
                std::string c = squeeze(t.text());
                if (!c.empty()) *comment = std::move(c);
            }
        }
    }

    void push(address a) {
        if (a.name && a.name->empty()) a.name.reset();
        if (a.adl && a.adl->empty()) a.adl.reset();
        if (a.mailbox && a.mailbox->empty()) a.mailbox.reset();
        if (a.host && a.host->empty()) a.host.reset();
        if (options_.fill_missing) {
            if (!a.mailbox) a.mailbox = std::string(missing_mailbox);
            if (!a.host) a.host = std::string(missing_domain);
        }
        out_.push_back(std::move(a));
    }

    void end_group() {
        in_group_ = false;
        out_.push_back(address{address::kind_type::group_end, {}, {}, {}, {}});
    }

    std::string_view text_;
    field_lexer lex_;
    const address_list_options& options_;
    std::vector<address>& out_;
    bool in_group_ = false;
    bool full_ = false;  // a group did not fit: stop
};

}  // namespace

std::vector<address> parse_address_list(std::string_view value, const address_list_options& options) {
    std::vector<address> out;
    address_parser(value, options, out).run();
    return out;
}

std::string decode_display_name(std::string_view name) { return decode_encoded_words(name); }

}  // namespace mailaccess::mime
