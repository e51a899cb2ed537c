#include <mailaccess/imap/response.hpp>

#include <mailaccess/imap/atom.hpp>
#include <mailaccess/imap/string.hpp>

#include "response_detail.hpp"
#include "scan.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <string>

namespace mailaccess::imap {
namespace {

#define MAILACCESS_TRY(expr)                                      \
    do {                                                          \
        if (auto r_ = (expr); !r_) return unexpected(r_.error()); \
    } while (0)

result<void> expect_sp(parse_cursor& in) { return in.expect(' '); }

using detail::consume_word;
using detail::literal_context;

// text = 1*TEXT-CHAR (taken up to the final CRLF; RFC 9051 allows empty).
result<std::string> parse_text(parse_cursor& in) {
    const auto rest = in.rest();
    const auto end = rest.find_first_of(std::string_view("\r\n\0", 3));
    if (end == std::string_view::npos || rest[end] == '\0') return unexpected(errc::bad_syntax);
    std::string text(rest.substr(0, end));
    in.advance(end);
    return text;
}

// "(" [flag-perm *(SP flag-perm)] ")"
result<std::vector<flag>> parse_flag_perm_list(parse_cursor& in) {
    std::vector<flag> flags;
    MAILACCESS_TRY(in.expect('('));
    if (in.consume(')')) return flags;
    for (;;) {
        auto f = parse_flag_perm(in);
        if (!f) return unexpected(f.error());
        flags.push_back(std::move(*f));
        if (in.consume(')')) return flags;
        MAILACCESS_TRY(expect_sp(in));
    }
}

// The flag-fetch list of FETCH FLAGS and untagged FLAGS may hold \Recent.
result<std::vector<flag>> parse_flag_fetch_list(parse_cursor& in) {
    std::vector<flag> flags;
    MAILACCESS_TRY(in.expect('('));
    if (in.consume(')')) return flags;
    for (;;) {
        auto f = parse_flag_fetch(in);
        if (!f) return unexpected(f.error());
        flags.push_back(std::move(*f));
        if (in.consume(')')) return flags;
        MAILACCESS_TRY(expect_sp(in));
    }
}

/// RFC 3501 section 9 (with RFC 4315, RFC 5530, RFC 7162, RFC 7888 codes):
///     resp-text-code  = "ALERT" / "BADCHARSET" [SP "(" astring *(SP astring) ")" ] /
///                       capability-data / "PARSE" / "PERMANENTFLAGS" SP "(" ... ")" / ...
///                       atom [SP 1*<any TEXT-CHAR except "]">]
result<response_code> parse_resp_text_code(parse_cursor& in) {
    using k = response_code_kind;
    response_code c;
    const auto word_start = in.position();
    const auto name = in.word();
    if (name.empty()) return unexpected(errc::bad_syntax);
    c.kind = k::other;
    for (std::size_t i = 0; i < static_cast<std::size_t>(k::other); ++i) {
        if (iequals(name, to_string(static_cast<k>(i)))) {
            c.kind = static_cast<k>(i);
            break;
        }
    }
    switch (c.kind) {
        case k::badcharset:
            if (in.consume(' ')) {
                if (!in.next_is('(')) {
                    // RFC 9051 section 6.4.4's own example sends one charset
                    // without the list parentheses its grammar requires.
                    // charset = atom / quoted
                    if (in.next_is('"')) {
                        auto one = parse_quoted(in);
                        if (!one) return unexpected(one.error());
                        c.charsets.push_back(std::move(*one));
                    } else {
                        const auto one = in.word();
                        if (one.empty()) return unexpected(errc::bad_syntax);
                        c.charsets.emplace_back(one);
                    }
                    break;
                }
                MAILACCESS_TRY(in.expect('('));
                for (;;) {
                    auto s = parse_astring(in);
                    if (!s) return unexpected(s.error());
                    c.charsets.push_back(std::move(*s));
                    if (in.consume(')')) break;
                    MAILACCESS_TRY(expect_sp(in));
                }
            }
            break;
        case k::capability: {
            in.set_position(word_start);
            auto caps = parse_capability_data(in);
            if (!caps) return unexpected(caps.error());
            c.capabilities = std::move(*caps);
            break;
        }
        case k::permanentflags: {
            MAILACCESS_TRY(expect_sp(in));
            auto f = parse_flag_perm_list(in);
            if (!f) return unexpected(f.error());
            c.flags = std::move(*f);
            break;
        }
        case k::uidnext:
        case k::uidvalidity:
        case k::unseen: {
            MAILACCESS_TRY(expect_sp(in));
            auto n = parse_nz_number(in);
            if (!n) return unexpected(n.error());
            c.number = *n;
            break;
        }
        case k::highestmodseq: {
            MAILACCESS_TRY(expect_sp(in));
            auto n = parse_mod_sequence_value(in);
            if (!n) return unexpected(n.error());
            c.number = *n;
            break;
        }
        case k::appenduid:
        case k::copyuid: {
            MAILACCESS_TRY(expect_sp(in));
            auto n = parse_nz_number(in);
            if (!n) return unexpected(n.error());
            c.number = *n;
            MAILACCESS_TRY(expect_sp(in));
            auto first = parse_sequence_set(in);
            if (!first) return unexpected(first.error());
            if (c.kind == k::appenduid) {
                c.dest_uids = std::move(*first);
                break;
            }
            c.source_uids = std::move(*first);
            MAILACCESS_TRY(expect_sp(in));
            auto second = parse_sequence_set(in);
            if (!second) return unexpected(second.error());
            c.dest_uids = std::move(*second);
            break;
        }
        case k::modified: {
            MAILACCESS_TRY(expect_sp(in));
            auto s = parse_sequence_set(in);
            if (!s) return unexpected(s.error());
            c.source_uids = std::move(*s);
            break;
        }
        case k::other: {
            for (char ch : name)
                if (!is_atom_char(ch)) return unexpected(errc::bad_syntax);
            c.name = std::string(name);
            if (in.consume(' ')) {
                const auto rest = in.rest();
                const auto end = rest.find_first_of(std::string_view("]\r\n\0", 4));
                if (end == std::string_view::npos || end == 0 || rest[end] == '\0')
                    return unexpected(errc::bad_syntax);
                c.other_text = std::string(rest.substr(0, end));
                in.advance(end);
            }
            break;
        }
        default: break;
    }
    return c;
}

// resp-text = ["[" resp-text-code "]" SP] [text]
result<void> parse_resp_text(parse_cursor& in, std::optional<response_code>& code, std::string& text) {
    if (in.consume('[')) {
        auto c = parse_resp_text_code(in);
        if (!c) return unexpected(c.error());
        code = std::move(*c);
        MAILACCESS_TRY(in.expect(']'));
        if (!in.consume(' ')) {
            text.clear();
            return {};
        }
    }
    auto t = parse_text(in);
    if (!t) return unexpected(t.error());
    text = std::move(*t);
    return {};
}

result<status_response> parse_status(parse_cursor& in, std::optional<imap::tag> tagged) {
    status_response r;
    r.tagged = std::move(tagged);
    if (consume_word(in, "OK"))
        r.status = status_kind::ok;
    else if (consume_word(in, "NO"))
        r.status = status_kind::no;
    else if (consume_word(in, "BAD"))
        r.status = status_kind::bad;
    else if (!r.tagged && consume_word(in, "PREAUTH"))
        r.status = status_kind::preauth;
    else if (!r.tagged && consume_word(in, "BYE"))
        r.status = status_kind::bye;
    else
        return unexpected(errc::bad_syntax);
    // Some servers send "tag OK" with no text at all; RFC 9051 allows empty text.
    if (in.consume(' ')) MAILACCESS_TRY(parse_resp_text(in, r.code, r.text));
    return r;
}

result<char> parse_delimiter(parse_cursor& in, bool& is_nil) {
    is_nil = false;
    if (consume_word(in, "NIL")) {
        is_nil = true;
        return '\0';
    }
    auto q = parse_quoted(in);
    if (!q) return unexpected(q.error());
    if (q->size() != 1) return unexpected(errc::bad_syntax);
    return (*q)[0];
}

// RFC 4466 section 2.1:
//     tagged-ext-comp = astring / tagged-ext-comp *(SP tagged-ext-comp) / "(" tagged-ext-comp ")"
// `in_list`: the comps of one parenthesised level, up to its ")".
result<tagged_ext_value> parse_tagged_ext_comp_list(parse_cursor& in, bool allow_empty) {
    MAILACCESS_TRY(in.enter());
    tagged_ext_value v;
    v.is_list = true;
    if (!(allow_empty && in.next_is(')'))) {
        for (;;) {
            if (in.consume('(')) {
                auto inner = parse_tagged_ext_comp_list(in, false);
                if (!inner) return unexpected(inner.error());
                v.items.push_back(std::move(*inner));
            } else {
                auto text = parse_astring(in);
                if (!text) return unexpected(text.error());
                tagged_ext_value t;
                t.text = std::move(*text);
                v.items.push_back(std::move(t));
            }
            if (!in.consume(' ')) break;
        }
    }
    MAILACCESS_TRY(in.expect(')'));
    in.leave();
    return v;
}

//     tagged-ext-val    = tagged-ext-simple / "(" [tagged-ext-comp] ")"
//     tagged-ext-simple = sequence-set / number / number64
result<tagged_ext_value> parse_tagged_ext_val(parse_cursor& in) {
    if (in.consume('(')) return parse_tagged_ext_comp_list(in, true);
    const auto rest = in.rest();
    std::size_t n = 0;
    while (n < rest.size() && ((rest[n] >= '0' && rest[n] <= '9') || rest[n] == ':' || rest[n] == ',' ||
                               rest[n] == '*' || rest[n] == '$'))
        ++n;
    if (n == 0) return unexpected(errc::bad_syntax);
    tagged_ext_value v;
    v.simple = true;
    v.text.assign(rest.substr(0, n));
    in.advance(n);
    return v;
}

// mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
//                [SP mbox-list-extended]                                  ; RFC 5258 section 9
result<list_data> parse_mailbox_list(parse_cursor& in, bool lsub) {
    list_data r;
    r.lsub = lsub;
    MAILACCESS_TRY(in.expect('('));
    if (!in.consume(')')) {
        for (;;) {
            MAILACCESS_TRY(in.expect('\\'));
            const auto name = in.word();
            if (name.empty()) return unexpected(errc::bad_syntax);
            bool found = false;
            for (std::size_t i = 0; i <= static_cast<std::size_t>(mailbox_attribute::important); ++i) {
                const auto a = static_cast<mailbox_attribute>(i);
                if (iequals(name, to_string(a).substr(1))) {
                    r.attributes.push_back(a);
                    found = true;
                    break;
                }
            }
            // RFC 3501 section 9: mbx-list-oflag =/ flag-extension.
            if (!found) r.other_attributes.emplace_back(name);
            if (in.consume(')')) break;
            MAILACCESS_TRY(expect_sp(in));
        }
    }
    MAILACCESS_TRY(expect_sp(in));
    bool nil = false;
    auto d = parse_delimiter(in, nil);
    if (!d) return unexpected(d.error());
    if (!nil) r.delimiter = *d;
    MAILACCESS_TRY(expect_sp(in));
    auto m = parse_mailbox(in);
    if (!m) return unexpected(m.error());
    r.mailbox = std::move(*m);
    //     mbox-list-extended = "(" [mbox-list-extended-item *(SP mbox-list-extended-item)] ")"
    //     mbox-list-extended-item = mbox-list-extended-item-tag SP tagged-ext-val
    if (!in.consume(' ')) return r;
    MAILACCESS_TRY(in.expect('('));
    if (in.consume(')')) return r;
    for (;;) {
        auto item = parse_astring(in);
        if (!item) return unexpected(item.error());
        MAILACCESS_TRY(expect_sp(in));
        if (iequals(*item, "CHILDINFO") && r.childinfo.empty()) {
            // RFC 5258 section 9: "CHILDINFO" SP "(" list-select-base-opt-quoted *(SP ...) ")"
            MAILACCESS_TRY(in.expect('('));
            for (;;) {
                auto opt = parse_string(in);
                if (!opt) return unexpected(opt.error());
                r.childinfo.push_back(std::move(*opt));
                if (in.consume(')')) break;
                MAILACCESS_TRY(expect_sp(in));
            }
        } else if (iequals(*item, "OLDNAME") && !r.oldname) {
            // RFC 9051 section 9: mbox-list-oldname = "OLDNAME" SP "(" mailbox ")"
            MAILACCESS_TRY(in.expect('('));
            auto old = parse_mailbox(in);
            if (!old) return unexpected(old.error());
            r.oldname = std::move(*old);
            MAILACCESS_TRY(in.expect(')'));
        } else {
            auto v = parse_tagged_ext_val(in);
            if (!v) return unexpected(v.error());
            r.extended.emplace_back(std::move(*item), std::move(*v));
        }
        if (in.consume(')')) break;
        MAILACCESS_TRY(expect_sp(in));
    }
    return r;
}

/// RFC 4731 section 3.1 (with RFC 7162 section 3.1.5 MODSEQ):
///     esearch-response  = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)
///     search-correlator = SP "(" "TAG" SP tag-string ")"
result<esearch_data> parse_esearch(parse_cursor& in) {
    esearch_data r;
    const auto before = in.position();
    if (in.consume(' ') && in.consume('(')) {
        if (!consume_word(in, "TAG")) return unexpected(errc::bad_syntax);
        MAILACCESS_TRY(expect_sp(in));
        auto t = parse_string(in);
        if (!t) return unexpected(t.error());
        auto tg = imap::tag::make(*t);
        if (!tg) return unexpected(tg.error());
        r.correlator = std::move(*tg);
        MAILACCESS_TRY(in.expect(')'));
    } else {
        in.set_position(before);
    }
    while (in.consume(' ')) {
        if (consume_word(in, "UID")) {
            r.uid = true;
            continue;
        }
        const bool is_min = consume_word(in, "MIN");
        if (is_min || consume_word(in, "MAX")) {
            MAILACCESS_TRY(expect_sp(in));
            auto n = parse_nz_number(in);
            if (!n) return unexpected(n.error());
            (is_min ? r.min : r.max) = *n;
        } else if (consume_word(in, "ALL")) {
            MAILACCESS_TRY(expect_sp(in));
            auto set = parse_sequence_set(in);
            if (!set) return unexpected(set.error());
            r.all = std::move(*set);
        } else if (consume_word(in, "COUNT")) {
            MAILACCESS_TRY(expect_sp(in));
            auto n = parse_number(in);
            if (!n) return unexpected(n.error());
            r.count = *n;
        } else if (consume_word(in, "MODSEQ")) {
            MAILACCESS_TRY(expect_sp(in));
            auto n = parse_mod_sequence_value(in);
            if (!n) return unexpected(n.error());
            r.modseq = *n;
        } else {
            return unexpected(errc::bad_syntax);
        }
    }
    return r;
}

// RFC 2342 section 5: Namespace = nil / "(" 1*( "(" string SP (<"> QUOTED_CHAR <"> / nil) ")" ) ")"
result<std::vector<namespace_descr>> parse_namespace(parse_cursor& in) {
    std::vector<namespace_descr> list;
    if (consume_word(in, "NIL")) return list;
    MAILACCESS_TRY(in.expect('('));
    do {
        MAILACCESS_TRY(in.expect('('));
        namespace_descr d;
        auto prefix = parse_string(in);
        if (!prefix) return unexpected(prefix.error());
        d.prefix = std::move(*prefix);
        MAILACCESS_TRY(expect_sp(in));
        bool nil = false;
        auto delim = parse_delimiter(in, nil);
        if (!delim) return unexpected(delim.error());
        if (!nil) d.delimiter = *delim;
        MAILACCESS_TRY(in.expect(')'));
        list.push_back(std::move(d));
    } while (!in.consume(')'));
    return list;
}

result<response> parse_untagged_extension(parse_cursor& in) {
    if (consume_word(in, "ESEARCH")) {
        auto e = parse_esearch(in);
        if (!e) return unexpected(e.error());
        return response(std::move(*e));
    }
    if (consume_word(in, "VANISHED")) {
        vanished_data v;
        MAILACCESS_TRY(expect_sp(in));
        if (in.consume('(')) {
            if (!consume_word(in, "EARLIER")) return unexpected(errc::bad_syntax);
            MAILACCESS_TRY(in.expect(')'));
            MAILACCESS_TRY(expect_sp(in));
            v.earlier = true;
        }
        auto set = parse_sequence_set(in);
        if (!set) return unexpected(set.error());
        v.uids = std::move(*set);
        return response(std::move(v));
    }
    if (consume_word(in, "ENABLED")) {
        enabled_data e;
        while (in.consume(' ')) {
            auto c = parse_capability(in);
            if (!c) return unexpected(c.error());
            e.capabilities.push_back(std::move(*c));
        }
        return response(std::move(e));
    }
    if (consume_word(in, "ID")) {
        id_data d;
        MAILACCESS_TRY(expect_sp(in));
        if (consume_word(in, "NIL")) return response(std::move(d));
        MAILACCESS_TRY(in.expect('('));
        d.fields.emplace();
        while (!in.consume(')')) {
            if (!d.fields->empty()) MAILACCESS_TRY(expect_sp(in));
            auto k = parse_string(in);
            if (!k) return unexpected(k.error());
            MAILACCESS_TRY(expect_sp(in));
            auto v = parse_nstring(in);
            if (!v) return unexpected(v.error());
            d.fields->emplace_back(std::move(*k), std::move(*v));
        }
        return response(std::move(d));
    }
    if (consume_word(in, "NAMESPACE")) {
        namespace_data n;
        for (auto* list : {&n.personal, &n.other_users, &n.shared}) {
            MAILACCESS_TRY(expect_sp(in));
            auto l = parse_namespace(in);
            if (!l) return unexpected(l.error());
            *list = std::move(*l);
        }
        return response(std::move(n));
    }
    if (consume_word(in, "QUOTAROOT")) {
        quotaroot_data q;
        MAILACCESS_TRY(expect_sp(in));
        auto m = parse_mailbox(in);
        if (!m) return unexpected(m.error());
        q.mailbox = std::move(*m);
        while (in.consume(' ')) {
            auto root = parse_astring(in);
            if (!root) return unexpected(root.error());
            q.roots.push_back(std::move(*root));
        }
        return response(std::move(q));
    }
    if (consume_word(in, "QUOTA")) {
        // RFC 9208 section 9: "QUOTA" SP quota-root-name SP quota-list
        quota_data q;
        MAILACCESS_TRY(expect_sp(in));
        auto root = parse_astring(in);
        if (!root) return unexpected(root.error());
        q.root = std::move(*root);
        MAILACCESS_TRY(expect_sp(in));
        MAILACCESS_TRY(in.expect('('));
        while (!in.consume(')')) {
            if (!q.resources.empty()) MAILACCESS_TRY(expect_sp(in));
            auto name = parse_atom(in);
            if (!name) return unexpected(name.error());
            MAILACCESS_TRY(expect_sp(in));
            auto usage = parse_number64(in);
            if (!usage) return unexpected(usage.error());
            MAILACCESS_TRY(expect_sp(in));
            auto lim = parse_number64(in);
            if (!lim) return unexpected(lim.error());
            q.resources.push_back({name->str(), *usage, *lim});
        }
        return response(std::move(q));
    }
    return unexpected(errc::bad_syntax);
}

result<status_data> parse_status_data(parse_cursor& in) {
    status_data r;
    auto m = parse_mailbox(in);
    if (!m) return unexpected(m.error());
    r.mailbox = std::move(*m);
    MAILACCESS_TRY(expect_sp(in));
    MAILACCESS_TRY(in.expect('('));
    if (in.consume(')')) return r;
    for (;;) {
        auto a = parse_status_att(in);
        if (!a) return unexpected(a.error());
        MAILACCESS_TRY(expect_sp(in));
        auto n = parse_number64(in);
        if (!n) return unexpected(n.error());
        r.items.emplace_back(*a, *n);
        if (in.consume(')')) return r;
        MAILACCESS_TRY(expect_sp(in));
    }
}

result<search_data> parse_search_data(parse_cursor& in) {
    search_data r;
    while (in.consume(' ')) {
        if (in.consume('(')) {
            if (!consume_word(in, "MODSEQ")) return unexpected(errc::bad_syntax);
            MAILACCESS_TRY(expect_sp(in));
            auto m = parse_mod_sequence_value(in);
            if (!m) return unexpected(m.error());
            r.modseq = *m;
            MAILACCESS_TRY(in.expect(')'));
            break;
        }
        auto n = parse_nz_number(in);
        if (!n) return unexpected(n.error());
        r.numbers.push_back(*n);
    }
    return r;
}

// Depth guard for the recursive rules (body, body-extension).
struct nesting {
    parse_cursor& in;
    ~nesting() { in.leave(); }
};

// address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"
// env-from etc. = "(" 1*address ")" / nil; empty lists and SP between
// addresses are tolerated, as some servers send them.
result<void> parse_address_list(parse_cursor& in, std::vector<address>& list) {
    if (consume_word(in, "NIL")) return {};
    MAILACCESS_TRY(in.expect('('));
    while (!in.consume(')')) {
        if (!list.empty()) {
            in.consume(' ');
            if (list.size() == 1) list.reserve(4);
        }
        MAILACCESS_TRY(in.expect('('));
        address& a = list.emplace_back();
        MAILACCESS_TRY(detail::parse_nstring_into(in, a.name));
        MAILACCESS_TRY(expect_sp(in));
        MAILACCESS_TRY(detail::parse_nstring_into(in, a.adl));
        MAILACCESS_TRY(expect_sp(in));
        MAILACCESS_TRY(detail::parse_nstring_into(in, a.mailbox));
        MAILACCESS_TRY(expect_sp(in));
        MAILACCESS_TRY(detail::parse_nstring_into(in, a.host));
        MAILACCESS_TRY(in.expect(')'));
    }
    return {};
}

}  // namespace

namespace detail {

/// RFC 3501 section 9:
///     envelope        = "(" env-date SP env-subject SP env-from SP
///                       env-sender SP env-reply-to SP env-to SP env-cc SP
///                       env-bcc SP env-in-reply-to SP env-message-id ")"
result<void> parse_envelope(parse_cursor& in, envelope& e) {
    MAILACCESS_TRY(in.expect('('));
    MAILACCESS_TRY(parse_nstring_into(in, e.date));
    MAILACCESS_TRY(expect_sp(in));
    MAILACCESS_TRY(parse_nstring_into(in, e.subject));
    MAILACCESS_TRY(expect_sp(in));
    for (auto* list : {&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc}) {
        MAILACCESS_TRY(parse_address_list(in, *list));
        MAILACCESS_TRY(expect_sp(in));
    }
    MAILACCESS_TRY(parse_nstring_into(in, e.in_reply_to));
    MAILACCESS_TRY(expect_sp(in));
    MAILACCESS_TRY(parse_nstring_into(in, e.message_id));
    return in.expect(')');
}

}  // namespace detail

namespace {

// body-fld-param  = "(" string SP string *(SP string SP string) ")" / nil
result<void> parse_body_fld_param(parse_cursor& in,
                                  std::vector<std::pair<std::string, std::string>>& params) {
    if (consume_word(in, "NIL")) return {};
    MAILACCESS_TRY(in.expect('('));
    for (;;) {
        auto& [k, v] = params.emplace_back();
        MAILACCESS_TRY(detail::parse_string_into(in, k));
        MAILACCESS_TRY(expect_sp(in));
        MAILACCESS_TRY(detail::parse_string_into(in, v));
        if (in.consume(')')) return {};
        MAILACCESS_TRY(expect_sp(in));
    }
}

// body-extension  = nstring / number / "(" body-extension *(SP body-extension) ")"
result<void> parse_body_extension(parse_cursor& in, body_extension& out) {
    MAILACCESS_TRY(in.enter());
    nesting guard{in};
    if (in.consume('(')) {
        auto& list = out.value.emplace<std::vector<body_extension>>();
        for (;;) {
            MAILACCESS_TRY(parse_body_extension(in, list.emplace_back()));
            if (in.consume(')')) return {};
            MAILACCESS_TRY(expect_sp(in));
        }
    }
    if (in.peek() >= '0' && in.peek() <= '9') {
        auto n = parse_number(in);
        if (!n) return unexpected(n.error());
        out.value = *n;
        return {};
    }
    return detail::parse_nstring_into(in, out.value.emplace<std::optional<std::string>>());
}

// [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
result<void> parse_extension_tail(parse_cursor& in, body_structure& b) {
    if (!in.consume(' ')) return {};
    if (!consume_word(in, "NIL")) {
        MAILACCESS_TRY(in.expect('('));
        body_disposition& d = b.disposition.emplace();
        MAILACCESS_TRY(detail::parse_string_into(in, d.type));
        MAILACCESS_TRY(expect_sp(in));
        MAILACCESS_TRY(parse_body_fld_param(in, d.params));
        MAILACCESS_TRY(in.expect(')'));
    }
    if (!in.consume(' ')) return {};
    if (in.consume('(')) {
        for (;;) {
            MAILACCESS_TRY(detail::parse_string_into(in, b.language.emplace_back()));
            if (in.consume(')')) break;
            MAILACCESS_TRY(expect_sp(in));
        }
    } else {
        std::optional<std::string> l;
        MAILACCESS_TRY(detail::parse_nstring_into(in, l));
        if (l) b.language.push_back(std::move(*l));
    }
    if (!in.consume(' ')) return {};
    MAILACCESS_TRY(detail::parse_nstring_into(in, b.location));
    while (in.consume(' ')) MAILACCESS_TRY(parse_body_extension(in, b.extensions.emplace_back()));
    return {};
}

}  // namespace

namespace detail {

/// RFC 3501 section 9:
///     body            = "(" (body-type-1part / body-type-mpart) ")"
///     body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
///     body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]
/// Extension data is accepted only when `extended` (BODYSTRUCTURE), since
/// the model writes none for BODY.
result<void> parse_body(parse_cursor& in, bool extended, body_structure& b) {
    MAILACCESS_TRY(in.enter());
    nesting guard{in};
    MAILACCESS_TRY(in.expect('('));
    if (in.next_is('(')) {
        b.type = body_structure::kind::multipart;
        b.media_type = "MULTIPART";
        while (in.next_is('(')) MAILACCESS_TRY(parse_body(in, extended, b.parts.emplace_back()));
        MAILACCESS_TRY(expect_sp(in));
        MAILACCESS_TRY(parse_string_into(in, b.media_subtype));
        if (extended && in.consume(' ')) {
            MAILACCESS_TRY(parse_body_fld_param(in, b.params));
            MAILACCESS_TRY(parse_extension_tail(in, b));
        }
        return in.expect(')');
    }
    MAILACCESS_TRY(parse_string_into(in, b.media_type));
    MAILACCESS_TRY(expect_sp(in));
    MAILACCESS_TRY(parse_string_into(in, b.media_subtype));
    if (iequals(b.media_type, "TEXT"))
        b.type = body_structure::kind::text;
    else if (iequals(b.media_type, "MESSAGE") && iequals(b.media_subtype, "RFC822"))
        b.type = body_structure::kind::message;
    else
        b.type = body_structure::kind::basic;
    MAILACCESS_TRY(expect_sp(in));
    MAILACCESS_TRY(parse_body_fld_param(in, b.params));
    MAILACCESS_TRY(expect_sp(in));
    MAILACCESS_TRY(parse_nstring_into(in, b.id));
    MAILACCESS_TRY(expect_sp(in));
    MAILACCESS_TRY(parse_nstring_into(in, b.description));
    MAILACCESS_TRY(expect_sp(in));
    MAILACCESS_TRY(parse_string_into(in, b.encoding));
    MAILACCESS_TRY(expect_sp(in));
    auto octets = parse_number(in);
    if (!octets) return unexpected(octets.error());
    b.octets = *octets;
    // MESSAGE/GLOBAL (RFC 6532) is media-message in RFC 9051, but IMAP4rev1
    // servers (Dovecot 2.3, and ours) send it as a basic part. Both must
    // parse: only the encapsulated form has an ENVELOPE, a list, next.
    if (iequals(b.media_type, "MESSAGE") && iequals(b.media_subtype, "GLOBAL") &&
        in.rest().substr(0, 2) == " (")
        b.type = body_structure::kind::message;
    if (b.type == body_structure::kind::message) {
        MAILACCESS_TRY(expect_sp(in));
        MAILACCESS_TRY(parse_envelope(in, b.message_envelope));
        MAILACCESS_TRY(expect_sp(in));
        MAILACCESS_TRY(parse_body(in, extended, b.parts.emplace_back()));
    }
    if (b.type != body_structure::kind::basic) {
        MAILACCESS_TRY(expect_sp(in));
        auto lines = parse_number(in);
        if (!lines) return unexpected(lines.error());
        b.lines = *lines;
    }
    if (extended && in.consume(' ')) {
        MAILACCESS_TRY(parse_nstring_into(in, b.md5));
        MAILACCESS_TRY(parse_extension_tail(in, b));
    }
    return in.expect(')');
}

msg_att_name classify_msg_att(std::string_view name) noexcept {
    using n = msg_att_name;
    switch (name.size()) {
        case 3:
            if (iequals(name, "UID")) return n::uid;
            break;
        case 4:
            if (iequals(name, "BODY")) return n::body;
            break;
        case 5:
            if (iequals(name, "FLAGS")) return n::flags;
            break;
        case 6:
            if (iequals(name, "MODSEQ")) return n::modseq;
            if (iequals(name, "BINARY")) return n::binary;
            if (iequals(name, "RFC822")) return n::rfc822;
            break;
        case 8:
            if (iequals(name, "ENVELOPE")) return n::envelope;
            break;
        case 11:
            if (iequals(name, "RFC822.SIZE")) return n::rfc822_size;
            if (iequals(name, "BINARY.SIZE")) return n::binary_size;
            if (iequals(name, "RFC822.TEXT")) return n::rfc822_text;
            break;
        case 12:
            if (iequals(name, "INTERNALDATE")) return n::internaldate;
            break;
        case 13:
            if (iequals(name, "BODYSTRUCTURE")) return n::bodystructure;
            if (iequals(name, "RFC822.HEADER")) return n::rfc822_header;
            break;
        default: break;
    }
    return n::unknown;
}

}  // namespace detail

namespace {

// One msg-att (RFC 3501 section 9), appended to `items` in place.
result<void> parse_msg_att(parse_cursor& in, literal_context& lits, std::vector<fetch_item>& items) {
    using n = detail::msg_att_name;
    const auto name = detail::classify_msg_att(in.word());
    switch (name) {
        case n::uid: {
            MAILACCESS_TRY(expect_sp(in));
            auto v = parse_nz_number(in);
            if (!v) return unexpected(v.error());
            items.emplace_back(fetch_item_types::uid{*v});
            return {};
        }
        case n::flags: {
            MAILACCESS_TRY(expect_sp(in));
            auto f = parse_flag_fetch_list(in);
            if (!f) return unexpected(f.error());
            items.emplace_back(fetch_item_types::flags{std::move(*f)});
            return {};
        }
        case n::internaldate: {
            MAILACCESS_TRY(expect_sp(in));
            auto d = parse_date_time(in);
            if (!d) return unexpected(d.error());
            items.emplace_back(fetch_item_types::internaldate{*d});
            return {};
        }
        case n::rfc822_size: {
            MAILACCESS_TRY(expect_sp(in));
            auto v = parse_number64(in);
            if (!v) return unexpected(v.error());
            items.emplace_back(fetch_item_types::rfc822_size{*v});
            return {};
        }
        case n::modseq: {
            MAILACCESS_TRY(in.expect(' '));
            MAILACCESS_TRY(in.expect('('));
            auto v = parse_mod_sequence_value(in);
            if (!v) return unexpected(v.error());
            MAILACCESS_TRY(in.expect(')'));
            items.emplace_back(fetch_item_types::modseq{*v});
            return {};
        }
        case n::envelope: {
            MAILACCESS_TRY(expect_sp(in));
            auto& e = std::get<fetch_item_types::envelope>(
                items.emplace_back(std::in_place_type<fetch_item_types::envelope>));
            return detail::parse_envelope(in, e.value);
        }
        case n::bodystructure:
        case n::body: {
            if (name == n::body && !in.next_is(' ')) break;  // BODY[section]
            MAILACCESS_TRY(expect_sp(in));
            auto& b = std::get<fetch_item_types::body>(
                items.emplace_back(std::in_place_type<fetch_item_types::body>));
            b.extended = name == n::bodystructure;
            return detail::parse_body(in, b.extended, b.value);
        }
        case n::binary_size: {
            fetch_item_types::binary_size r;
            auto p = parse_section_binary(in);
            if (!p) return unexpected(p.error());
            r.part = std::move(*p);
            MAILACCESS_TRY(expect_sp(in));
            auto v = parse_number64(in);
            if (!v) return unexpected(v.error());
            r.value = *v;
            items.emplace_back(std::move(r));
            return {};
        }
        case n::binary:
        case n::rfc822:
        case n::rfc822_header:
        case n::rfc822_text: break;
        case n::unknown: return unexpected(errc::bad_syntax);
    }

    auto& r = std::get<fetch_body_section>(items.emplace_back(std::in_place_type<fetch_body_section>));
    if (name == n::body || name == n::binary) {
        r.form = name == n::binary ? body_item_form::binary : body_item_form::body;
        if (!in.next_is('[')) return unexpected(errc::bad_syntax);
        if (r.form == body_item_form::binary) {
            auto p = parse_section_binary(in);
            if (!p) return unexpected(p.error());
            auto s = section_spec::make(std::move(*p));
            if (!s) return unexpected(s.error());
            r.section = std::move(*s);
        } else {
            auto s = parse_section(in);
            if (!s) return unexpected(s.error());
            r.section = std::move(*s);
        }
        if (in.consume('<')) {
            auto v = parse_number(in);
            if (!v) return unexpected(v.error());
            r.origin = *v;
            MAILACCESS_TRY(in.expect('>'));
        }
    } else if (name == n::rfc822) {
        r.form = body_item_form::rfc822;
    } else if (name == n::rfc822_header) {
        r.form = body_item_form::rfc822_header;
    } else {
        r.form = body_item_form::rfc822_text;
    }
    MAILACCESS_TRY(expect_sp(in));
    if (auto streamed = lits.take_streamed(in)) {
        r.streamed_size = streamed->size;
        r.literal_index = streamed->index;
        return {};
    }
    // RFC 3516 section 4.2: BINARY data may come as literal8 ("~{N}"). Other
    // text items are nstrings, but our writer sends a NUL-carrying value as
    // literal8 (it has no other form), so the parser takes it everywhere.
    if (in.consume('~')) {
        std::string_view d;
        if (!detail::scan_literal(in, true, d)) return unexpected(errc::bad_syntax);
        r.data.emplace(d);
        return {};
    }
    return detail::parse_nstring_into(in, r.data);
}

result<fetch_data> parse_fetch(parse_cursor& in, std::uint32_t seq, literal_context& lits) {
    fetch_data r;
    r.seq = seq;
    // Items are large (the variant holds a body structure): reserve once,
    // from the message's length, up to a header sync's six or so items
    // (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY[...]).
    r.items.reserve(std::clamp<std::size_t>(in.rest().size() / 40, 1, 8));
    MAILACCESS_TRY(in.expect('('));
    for (;;) {
        MAILACCESS_TRY(parse_msg_att(in, lits, r.items));
        if (in.consume(')')) return r;
        MAILACCESS_TRY(expect_sp(in));
    }
}

result<response> parse_untagged(parse_cursor& in, literal_context& lits) {
    if (in.peek() >= '0' && in.peek() <= '9') {
        auto n = parse_number(in);
        if (!n) return unexpected(n.error());
        MAILACCESS_TRY(expect_sp(in));
        // The keyword is the whole atom: "EXISTSX" is none of them.
        const std::string_view rest = in.rest();
        const std::string_view word = rest.substr(0, detail::atom_run(rest));
        in.advance(word.size());
        if (iequals(word, "FETCH")) {
            if (*n == 0) return unexpected(errc::bad_syntax);
            MAILACCESS_TRY(expect_sp(in));
            auto f = parse_fetch(in, *n, lits);
            if (!f) return unexpected(f.error());
            return response(std::move(*f));
        }
        if (iequals(word, "EXISTS")) return response(exists_data{*n});
        if (iequals(word, "RECENT")) return response(recent_data{*n});
        if (*n != 0 && iequals(word, "EXPUNGE")) return response(expunge_data{*n});
        return unexpected(errc::bad_syntax);
    }
    if (in.rest().size() >= 10 && iequals(in.rest().substr(0, 10), "CAPABILITY")) {
        auto caps = parse_capability_data(in);
        if (!caps) return unexpected(caps.error());
        return response(capability_data{std::move(*caps)});
    }
    if (consume_word(in, "FLAGS")) {
        MAILACCESS_TRY(expect_sp(in));
        auto f = parse_flag_fetch_list(in);
        if (!f) return unexpected(f.error());
        return response(flags_data{std::move(*f)});
    }
    const bool lsub = consume_word(in, "LSUB");
    if (lsub || consume_word(in, "LIST")) {
        MAILACCESS_TRY(expect_sp(in));
        auto l = parse_mailbox_list(in, lsub);
        if (!l) return unexpected(l.error());
        return response(std::move(*l));
    }
    if (consume_word(in, "STATUS")) {
        MAILACCESS_TRY(expect_sp(in));
        auto s = parse_status_data(in);
        if (!s) return unexpected(s.error());
        return response(std::move(*s));
    }
    if (consume_word(in, "SEARCH")) {
        auto s = parse_search_data(in);
        if (!s) return unexpected(s.error());
        return response(std::move(*s));
    }
    const auto before = in.position();
    if (auto ext = parse_untagged_extension(in)) return ext;
    in.set_position(before);
    auto st = parse_status(in, std::nullopt);
    if (!st) return unexpected(st.error());
    return response(std::move(*st));
}

}  // namespace

result<response> parse_response(std::string_view message, std::span<const framer::literal_info> literals,
                                parse_options options) {
    literal_context lits{literals};
    parse_cursor in(message, options);
    result<response> r = unexpected(errc::bad_syntax);
    if (in.consume('+')) {
        continuation_request c;
        if (in.consume(' ')) {
            auto t = parse_resp_text(in, c.code, c.text);
            if (!t) return unexpected(t.error());
        }
        r = response(std::move(c));
    } else if (in.consume('*')) {
        MAILACCESS_TRY(expect_sp(in));
        r = parse_untagged(in, lits);
    } else {
        auto t = parse_tag(in);
        if (!t) return unexpected(t.error());
        MAILACCESS_TRY(expect_sp(in));
        auto s = parse_status(in, std::move(*t));
        if (!s) return unexpected(s.error());
        r = response(std::move(*s));
    }
    if (!r) return r;
    if (in.rest() != "\r\n") return unexpected(errc::bad_syntax);
    // A streamed literal has no bytes in `message`; anywhere but message
    // text its position would have been read as inline data.
    if (!lits.all_streamed_taken()) return unexpected(errc::bad_syntax);
    return r;
}

}  // namespace mailaccess::imap

#undef MAILACCESS_TRY
