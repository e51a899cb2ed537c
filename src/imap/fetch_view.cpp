#include <mailaccess/imap/fetch_view.hpp>

#include <mailaccess/imap/section.hpp>

#include "response_detail.hpp"
#include "scan.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace mailaccess::imap {

#define MAILACCESS_TRY(expr)                                      \
    do {                                                          \
        if (auto r_ = (expr); !r_) return unexpected(r_.error()); \
    } while (0)

namespace detail {

struct fetch_view_access {
    static nstring_view make(nstring_view::form f, std::string_view raw, bool escaped) noexcept {
        return {f, raw, escaped};
    }
    static fetch_view& clear(fetch_view& v, parse_options options) noexcept {
        v.seq_ = 0;
        v.options_ = options;
        v.items_.clear();
        v.envelopes_.clear();
        v.addresses_.clear();
        v.flags_.clear();
        v.counts_.clear();
        return v;
    }
    static void set_seq(fetch_view& v, std::uint32_t seq) noexcept { v.seq_ = seq; }
    static std::vector<fetch_item_view>& items(fetch_view& v) noexcept { return v.items_; }
    static std::vector<envelope_view>& envelopes(fetch_view& v) noexcept { return v.envelopes_; }
    static std::vector<address_view>& addresses(fetch_view& v) noexcept { return v.addresses_; }
    static std::vector<std::string_view>& flags(fetch_view& v) noexcept { return v.flags_; }
    static std::vector<std::uint32_t>& counts(fetch_view& v) noexcept { return v.counts_; }
    static const parse_options& options(const fetch_view& v) noexcept { return v.options_; }
};

}  // namespace detail

namespace {

using access = detail::fetch_view_access;
using detail::consume_word;
using item_kind = fetch_item_view::kind;

// True when the value of `s` equals `text` ignoring ASCII case: quoted
// values with escapes hold a '"' or '\', which no keyword has.
bool value_iequals(const nstring_view& s, std::string_view text) noexcept {
    return !s.is_nil() && !s.has_escapes() && iequals(s.raw(), text);
}

// The grammar of parse_response's FETCH path (response_parser.cpp), checked
// the same way with the same errors, recording views instead of building
// values. Values go to out-parameters (see scan.hpp on result<> of small
// structs); on failure `out` is cleared by the caller.
struct view_parser {
    std::string_view message;
    parse_cursor in;
    fetch_view& out;
    detail::literal_context lits;

    // Depth guard for the recursive rules, as in the owning parser.
    struct nesting {
        parse_cursor& in;
        ~nesting() { in.leave(); }
    };

    // The bytes consumed since `start`.
    std::string_view since(std::size_t start) const noexcept {
        return message.substr(start, in.position() - start);
    }

    result<void> sp() { return in.expect(' '); }

    // string = quoted / literal
    result<void> string(nstring_view& v) {
        if (in.next_is('"')) {
            detail::quoted_span q;
            if (!detail::scan_quoted(in, q)) return unexpected(errc::bad_syntax);
            v = access::make(nstring_view::form::quoted, q.raw, q.escaped);
            return {};
        }
        if (in.next_is('{')) {
            std::string_view l;
            if (!detail::scan_literal(in, false, l)) return unexpected(errc::bad_syntax);
            v = access::make(nstring_view::form::literal, l, false);
            return {};
        }
        return unexpected(errc::bad_syntax);
    }

    // A string whose value only needs checking.
    result<void> skip_string() {
        nstring_view ignored;
        return string(ignored);
    }

    // nstring = string / nil ("NIL" as a prefix, like parse_nstring)
    result<void> nstring(nstring_view& v) {
        const int c = in.peek();
        if (c == '"' || c == '{') return string(v);
        if ((c == 'N' || c == 'n') && detail::consume_nil(in)) {
            v = nstring_view();
            return {};
        }
        return unexpected(errc::bad_syntax);
    }

    result<void> skip_nstring() {
        nstring_view ignored;
        return nstring(ignored);
    }

    // astring = 1*ASTRING-CHAR / string
    result<void> astring(nstring_view& v) {
        if (in.next_is('"') || in.next_is('{')) return string(v);
        const std::string_view rest = in.rest();
        const std::size_t n = detail::astring_run(rest);
        if (n == 0) return unexpected(errc::bad_syntax);
        in.advance(n);
        v = access::make(nstring_view::form::literal, rest.substr(0, n), false);
        return {};
    }

    // "(" 1*address ")" / nil, recorded in `out` when `record`.
    result<void> address_list(bool record) {
        std::uint32_t count = 0;
        if (!consume_word(in, "NIL")) {
            MAILACCESS_TRY(in.expect('('));
            address_view scratch;
            while (!in.consume(')')) {
                if (count > 0) in.consume(' ');
                MAILACCESS_TRY(in.expect('('));
                address_view& a = record ? access::addresses(out).emplace_back() : scratch;
                MAILACCESS_TRY(nstring(a.name));
                MAILACCESS_TRY(sp());
                MAILACCESS_TRY(nstring(a.adl));
                MAILACCESS_TRY(sp());
                MAILACCESS_TRY(nstring(a.mailbox));
                MAILACCESS_TRY(sp());
                MAILACCESS_TRY(nstring(a.host));
                MAILACCESS_TRY(in.expect(')'));
                ++count;
            }
        }
        if (record) access::counts(out).push_back(count);
        return {};
    }

    // envelope; the address lists are recorded (in `out`'s storage, spans
    // set at the end) when `record`.
    result<void> envelope(bool record, envelope_view& e) {
        const std::size_t start = in.position();
        MAILACCESS_TRY(in.expect('('));
        MAILACCESS_TRY(nstring(e.date));
        MAILACCESS_TRY(sp());
        MAILACCESS_TRY(nstring(e.subject));
        MAILACCESS_TRY(sp());
        for (int i = 0; i < 6; ++i) {
            MAILACCESS_TRY(address_list(record));
            MAILACCESS_TRY(sp());
        }
        MAILACCESS_TRY(nstring(e.in_reply_to));
        MAILACCESS_TRY(sp());
        MAILACCESS_TRY(nstring(e.message_id));
        MAILACCESS_TRY(in.expect(')'));
        e.raw = since(start);
        return {};
    }

    // body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
    result<void> body_fld_param() {
        if (consume_word(in, "NIL")) return {};
        MAILACCESS_TRY(in.expect('('));
        for (;;) {
            MAILACCESS_TRY(skip_string());
            MAILACCESS_TRY(sp());
            MAILACCESS_TRY(skip_string());
            if (in.consume(')')) return {};
            MAILACCESS_TRY(sp());
        }
    }

    // body-extension = nstring / number / "(" body-extension *(SP body-extension) ")"
    result<void> body_extension() {
        MAILACCESS_TRY(in.enter());
        nesting guard{in};
        if (in.consume('(')) {
            for (;;) {
                MAILACCESS_TRY(body_extension());
                if (in.consume(')')) return {};
                MAILACCESS_TRY(sp());
            }
        }
        if (in.peek() >= '0' && in.peek() <= '9') {
            if (auto n = parse_number(in); !n) return unexpected(n.error());
            return {};
        }
        return skip_nstring();
    }

    // [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
    result<void> extension_tail() {
        if (!in.consume(' ')) return {};
        if (!consume_word(in, "NIL")) {
            MAILACCESS_TRY(in.expect('('));
            MAILACCESS_TRY(skip_string());
            MAILACCESS_TRY(sp());
            MAILACCESS_TRY(body_fld_param());
            MAILACCESS_TRY(in.expect(')'));
        }
        if (!in.consume(' ')) return {};
        if (in.consume('(')) {
            for (;;) {
                MAILACCESS_TRY(skip_string());
                if (in.consume(')')) break;
                MAILACCESS_TRY(sp());
            }
        } else {
            MAILACCESS_TRY(skip_nstring());
        }
        if (!in.consume(' ')) return {};
        MAILACCESS_TRY(skip_nstring());
        while (in.consume(' ')) MAILACCESS_TRY(body_extension());
        return {};
    }

    // body (see detail::parse_body)
    result<void> body(bool extended) {
        MAILACCESS_TRY(in.enter());
        nesting guard{in};
        MAILACCESS_TRY(in.expect('('));
        if (in.next_is('(')) {
            while (in.next_is('(')) MAILACCESS_TRY(body(extended));
            MAILACCESS_TRY(sp());
            MAILACCESS_TRY(skip_string());
            if (extended && in.consume(' ')) {
                MAILACCESS_TRY(body_fld_param());
                MAILACCESS_TRY(extension_tail());
            }
            return in.expect(')');
        }
        nstring_view type, subtype;
        MAILACCESS_TRY(string(type));
        MAILACCESS_TRY(sp());
        MAILACCESS_TRY(string(subtype));
        const bool text = value_iequals(type, "TEXT");
        const bool message_type = !text && value_iequals(type, "MESSAGE");
        bool encapsulated = message_type && value_iequals(subtype, "RFC822");
        MAILACCESS_TRY(sp());
        MAILACCESS_TRY(body_fld_param());
        MAILACCESS_TRY(sp());
        MAILACCESS_TRY(skip_nstring());
        MAILACCESS_TRY(sp());
        MAILACCESS_TRY(skip_nstring());
        MAILACCESS_TRY(sp());
        MAILACCESS_TRY(skip_string());
        MAILACCESS_TRY(sp());
        if (auto octets = parse_number(in); !octets) return unexpected(octets.error());
        // MESSAGE/GLOBAL in either form, as parse_response reads it.
        if (message_type && value_iequals(subtype, "GLOBAL") && in.rest().substr(0, 2) == " (")
            encapsulated = true;
        if (encapsulated) {
            MAILACCESS_TRY(sp());
            envelope_view ignored;
            MAILACCESS_TRY(envelope(false, ignored));
            MAILACCESS_TRY(sp());
            MAILACCESS_TRY(body(extended));
        }
        if (text || encapsulated) {
            MAILACCESS_TRY(sp());
            if (auto lines = parse_number(in); !lines) return unexpected(lines.error());
        }
        if (extended && in.consume(' ')) {
            MAILACCESS_TRY(skip_nstring());
            MAILACCESS_TRY(extension_tail());
        }
        return in.expect(')');
    }

    // section-part = nz-number *("." nz-number), stopping before "." TEXT.
    result<void> section_part() {
        for (;;) {
            if (auto n = parse_nz_number(in); !n) return unexpected(n.error());
            const std::size_t save = in.position();
            if (!in.consume('.')) return {};
            if (in.peek() < '0' || in.peek() > '9') {
                in.set_position(save);
                return {};
            }
        }
    }

    // section (see parse_section).
    result<void> section() {
        if (!in.consume('[')) return unexpected(errc::bad_syntax);
        if (in.consume(']')) return {};
        bool fields = false;
        // section-msgtext, or MIME after a part: longest keyword first.
        auto text_keyword = [&](bool allow_mime) -> result<void> {
            if (in.consume_keyword("HEADER.FIELDS.NOT") || in.consume_keyword("HEADER.FIELDS")) {
                fields = true;
                return {};
            }
            if (in.consume_keyword("HEADER") || in.consume_keyword("TEXT")) return {};
            if (allow_mime && in.consume_keyword("MIME")) return {};
            return unexpected(errc::bad_syntax);
        };
        if (in.peek() >= '0' && in.peek() <= '9') {
            MAILACCESS_TRY(section_part());
            if (in.consume('.')) MAILACCESS_TRY(text_keyword(true));
        } else {
            MAILACCESS_TRY(text_keyword(false));
        }
        bool bad_name = false;
        if (fields) {
            // header-list = "(" header-fld-name *(SP header-fld-name) ")"
            if (!in.consume(' ') || !in.consume('(')) return unexpected(errc::bad_syntax);
            nstring_view name;
            do {
                const bool literal = in.next_is('{');
                MAILACCESS_TRY(astring(name));
                // section_spec refuses CR and LF in a name, which only a
                // literal can carry (NUL is refused for every string).
                if (literal) {
                    const std::string_view raw = name.raw();
                    bad_name = bad_name || raw.find_first_of("\r\n") != std::string_view::npos;
                }
            } while (in.consume(' '));
            if (!in.consume(')')) return unexpected(errc::bad_syntax);
        }
        if (!in.consume(']') || bad_name) return unexpected(errc::bad_syntax);
        return {};
    }

    // section-binary = "[" [section-part] "]"
    result<void> section_binary() {
        if (!in.consume('[')) return unexpected(errc::bad_syntax);
        if (!in.next_is(']')) MAILACCESS_TRY(section_part());
        if (!in.consume(']')) return unexpected(errc::bad_syntax);
        return {};
    }

    // "(" [flag-fetch *(SP flag-fetch)] ")"
    result<void> flag_fetch_list() {
        std::uint32_t count = 0;
        MAILACCESS_TRY(in.expect('('));
        if (!in.consume(')')) {
            for (;;) {
                const std::string_view rest = in.rest();
                const bool backslash = in.consume('\\');
                // flag-fetch = flag / "\Recent": "\*" is flag-perm only.
                if (backslash && in.next_is('*')) return unexpected(errc::bad_syntax);
                const std::size_t n = detail::atom_run(in.rest());
                if (n == 0) return unexpected(errc::bad_syntax);
                in.advance(n);
                access::flags(out).push_back(rest.substr(0, n + (backslash ? 1 : 0)));
                ++count;
                if (in.consume(')')) break;
                MAILACCESS_TRY(sp());
            }
        }
        access::counts(out).push_back(count);
        return {};
    }

    // The item's value, from `start` to here.
    result<void> finish(fetch_item_view& item, item_kind k, std::size_t start) {
        item.type = k;
        item.raw = since(start);
        return {};
    }

    // msg-att item (see parse_msg_att in response_parser.cpp), appended to
    // `out` in place.
    result<void> msg_att() {
        using n = detail::msg_att_name;
        const std::string_view word = in.word();
        const auto name = detail::classify_msg_att(word);
        if (name == n::unknown) return unexpected(errc::bad_syntax);
        // Copied from blanks: value-initializing these in place is a
        // `rep stos`, slow for their size.
        static const fetch_item_view blank{};
        static const envelope_view blank_envelope{};
        fetch_item_view& item = access::items(out).emplace_back(blank);
        item.name = word;
        std::size_t start = 0;
        switch (name) {
            case n::uid: {
                MAILACCESS_TRY(sp());
                start = in.position();
                auto v = parse_nz_number(in);
                if (!v) return unexpected(v.error());
                item.number = *v;
                return finish(item, item_kind::uid, start);
            }
            case n::flags:
                MAILACCESS_TRY(sp());
                start = in.position();
                MAILACCESS_TRY(flag_fetch_list());
                return finish(item, item_kind::flags, start);
            case n::internaldate: {
                MAILACCESS_TRY(sp());
                start = in.position();
                auto d = parse_date_time(in);
                if (!d) return unexpected(d.error());
                item.internaldate = *d;
                return finish(item, item_kind::internaldate, start);
            }
            case n::rfc822_size: {
                MAILACCESS_TRY(sp());
                start = in.position();
                auto v = parse_number64(in);
                if (!v) return unexpected(v.error());
                item.number = *v;
                return finish(item, item_kind::rfc822_size, start);
            }
            case n::modseq: {
                MAILACCESS_TRY(sp());
                start = in.position();
                MAILACCESS_TRY(in.expect('('));
                auto v = parse_mod_sequence_value(in);
                if (!v) return unexpected(v.error());
                MAILACCESS_TRY(in.expect(')'));
                item.number = *v;
                return finish(item, item_kind::modseq, start);
            }
            case n::envelope:
                MAILACCESS_TRY(sp());
                start = in.position();
                MAILACCESS_TRY(envelope(true, access::envelopes(out).emplace_back(blank_envelope)));
                return finish(item, item_kind::envelope, start);
            case n::bodystructure:
            case n::body:
                if (name == n::body && !in.next_is(' ')) break;  // BODY[section]
                MAILACCESS_TRY(sp());
                start = in.position();
                MAILACCESS_TRY(body(name == n::bodystructure));
                return finish(item, name == n::bodystructure ? item_kind::bodystructure : item_kind::body,
                              start);
            case n::binary_size: {
                const std::size_t section_start = in.position();
                MAILACCESS_TRY(section_binary());
                item.section = since(section_start);
                MAILACCESS_TRY(sp());
                start = in.position();
                auto v = parse_number64(in);
                if (!v) return unexpected(v.error());
                item.number = *v;
                return finish(item, item_kind::binary_size, start);
            }
            default: break;
        }

        if (name == n::body || name == n::binary) {
            item.form = name == n::binary ? body_item_form::binary : body_item_form::body;
            if (!in.next_is('[')) return unexpected(errc::bad_syntax);
            const std::size_t section_start = in.position();
            if (item.form == body_item_form::binary)
                MAILACCESS_TRY(section_binary());
            else
                MAILACCESS_TRY(section());
            item.section = since(section_start);
            if (in.consume('<')) {
                auto v = parse_number(in);
                if (!v) return unexpected(v.error());
                item.origin = *v;
                MAILACCESS_TRY(in.expect('>'));
            }
        } else {
            item.form = name == n::rfc822          ? body_item_form::rfc822
                        : name == n::rfc822_header ? body_item_form::rfc822_header
                                                   : body_item_form::rfc822_text;
        }
        MAILACCESS_TRY(sp());
        start = in.position();
        if (auto streamed = lits.take_streamed(in)) {
            item.streamed_size = streamed->size;
            item.literal_index = streamed->index;
            return finish(item, item_kind::body_section, start);
        }
        if (in.consume('~')) {
            std::string_view d;
            if (!detail::scan_literal(in, true, d)) return unexpected(errc::bad_syntax);
            item.data = access::make(nstring_view::form::literal8, d, false);
            return finish(item, item_kind::body_section, start);
        }
        MAILACCESS_TRY(nstring(item.data));
        return finish(item, item_kind::body_section, start);
    }
};

}  // namespace

// --- nstring_view, address_view, envelope_view ------------------------------

std::string nstring_view::str() const {
    std::string out;
    append_to(out);
    return out;
}

std::optional<std::string> nstring_view::to_optional() const {
    if (is_nil()) return std::nullopt;
    return str();
}

void nstring_view::append_to(std::string& out) const {
    if (escaped_)
        detail::append_unescaped(out, raw_);
    else
        out.append(raw_);
}

bool nstring_view::equals(std::string_view text) const noexcept {
    if (is_nil()) return false;
    if (!escaped_) return raw_ == text;
    // Walk the escapes: each "\" stands for the character after it.
    std::size_t j = 0;
    for (std::size_t i = 0; i < raw_.size(); ++i, ++j) {
        if (raw_[i] == '\\') ++i;
        if (j == text.size() || i == raw_.size() || raw_[i] != text[j]) return false;
    }
    return j == text.size();
}

address address_view::to_address() const {
    return address{name.to_optional(), adl.to_optional(), mailbox.to_optional(), host.to_optional()};
}

envelope envelope_view::to_envelope() const {
    envelope e;
    e.date = date.to_optional();
    e.subject = subject.to_optional();
    const std::pair<std::vector<address>*, std::span<const address_view>> lists[] = {
        {&e.from, from}, {&e.sender, sender}, {&e.reply_to, reply_to},
        {&e.to, to},     {&e.cc, cc},         {&e.bcc, bcc}};
    for (const auto& [list, views] : lists) {
        list->reserve(views.size());
        for (const address_view& a : views) list->push_back(a.to_address());
    }
    e.in_reply_to = in_reply_to.to_optional();
    e.message_id = message_id.to_optional();
    return e;
}

// --- fetch_view -------------------------------------------------------------

const fetch_item_view* fetch_view::find(fetch_item_view::kind k) const noexcept {
    for (const auto& item : items_)
        if (item.type == k) return &item;
    return nullptr;
}

namespace {

// The owning copy of `item` into `out` (see fetch_view::to_fetch_item).
// Filled in place: a temporary fetch_item moved into a result trips GCC 12's
// -Wmaybe-uninitialized at -O3.
result<void> copy_item(const fetch_item_view& item, const parse_options& options, fetch_item& out) {
    switch (item.type) {
        case item_kind::uid:
            out.emplace<fetch_item_types::uid>().value = static_cast<std::uint32_t>(item.number);
            return {};
        case item_kind::flags: {
            auto& f = out.emplace<fetch_item_types::flags>().value;
            f.reserve(item.flags.size());
            for (const std::string_view text : item.flags) {
                auto made = flag::make(text);
                if (!made) return unexpected(made.error());
                f.push_back(std::move(*made));
            }
            return {};
        }
        case item_kind::internaldate:
            out.emplace<fetch_item_types::internaldate>().value = item.internaldate;
            return {};
        case item_kind::rfc822_size:
            out.emplace<fetch_item_types::rfc822_size>().value = item.number;
            return {};
        case item_kind::modseq: out.emplace<fetch_item_types::modseq>().value = item.number; return {};
        case item_kind::envelope:
            out.emplace<fetch_item_types::envelope>().value = item.envelope->to_envelope();
            return {};
        case item_kind::body:
        case item_kind::bodystructure: {
            // The structure was checked as `raw`; build it with the owning
            // grammar, under the same options.
            auto& b = out.emplace<fetch_item_types::body>();
            b.extended = item.type == item_kind::bodystructure;
            parse_cursor in(item.raw, options);
            return detail::parse_body(in, b.extended, b.value);
        }
        case item_kind::binary_size: {
            auto& b = out.emplace<fetch_item_types::binary_size>();
            parse_cursor in(item.section, options);
            auto part = parse_section_binary(in);
            if (!part) return unexpected(part.error());
            b.part = std::move(*part);
            b.value = item.number;
            return {};
        }
        case item_kind::body_section: break;
    }
    auto& r = out.emplace<fetch_body_section>();
    r.form = item.form;
    if (item.form == body_item_form::binary) {
        parse_cursor in(item.section, options);
        auto part = parse_section_binary(in);
        if (!part) return unexpected(part.error());
        auto s = section_spec::make(std::move(*part));
        if (!s) return unexpected(s.error());
        r.section = std::move(*s);
    } else if (item.form == body_item_form::body) {
        parse_cursor in(item.section, options);
        auto s = parse_section(in);
        if (!s) return unexpected(s.error());
        r.section = std::move(*s);
    }
    r.origin = item.origin;
    if (item.streamed_size) {
        r.streamed_size = item.streamed_size;
        r.literal_index = item.literal_index;
    } else {
        r.data = item.data.to_optional();
    }
    return {};
}

}  // namespace

result<fetch_item> fetch_view::to_fetch_item(const fetch_item_view& item) const {
    result<fetch_item> out{fetch_item()};
    if (auto r = copy_item(item, options_, *out); !r) return unexpected(r.error());
    return out;
}

result<fetch_data> fetch_view::to_fetch_data() const {
    fetch_data d;
    d.seq = seq_;
    d.items.reserve(items_.size());
    for (const auto& item : items_)
        if (auto r = copy_item(item, options_, d.items.emplace_back()); !r) return unexpected(r.error());
    return d;
}

namespace {

// "* " nz-number SP "FETCH" SP "(" msg-att... ")" CRLF, the prefix checked.
result<void> parse_items(view_parser& p) {
    parse_cursor& in = p.in;
    in.advance(2);
    auto seq = parse_number(in);
    if (!seq) return unexpected(seq.error());
    if (*seq == 0) return unexpected(errc::bad_syntax);
    access::set_seq(p.out, *seq);
    in.advance(6);  // SP "FETCH"
    MAILACCESS_TRY(in.expect(' '));
    MAILACCESS_TRY(in.expect('('));
    for (;;) {
        MAILACCESS_TRY(p.msg_att());
        if (in.consume(')')) break;
        MAILACCESS_TRY(in.expect(' '));
    }
    if (in.rest() != "\r\n" || !p.lits.all_streamed_taken()) return unexpected(errc::bad_syntax);
    return {};
}

}  // namespace

result<bool> parse_fetch_view(std::string_view message, std::span<const framer::literal_info> literals,
                              fetch_view& out, parse_options options) {
    access::clear(out, options);
    // message-data = nz-number SP "FETCH" SP msg-att, after "*" SP: the
    // prefix decides whether this is a FETCH response at all.
    const std::string_view head = message.substr(0, std::min<std::size_t>(message.size(), 2));
    if (head != "* ") return false;
    std::size_t digits = 0;
    while (2 + digits < message.size() && message[2 + digits] >= '0' && message[2 + digits] <= '9') ++digits;
    if (digits == 0 || 2 + digits >= message.size() || message[2 + digits] != ' ') return false;
    const std::string_view after = message.substr(3 + digits);
    if (detail::atom_run(after) != 5 || !iequals(after.substr(0, 5), "FETCH")) return false;

    view_parser p{message, parse_cursor(message, options), out, detail::literal_context{literals}};
    if (auto r = parse_items(p); !r) {
        access::clear(out, options);  // no half-parsed response
        return unexpected(r.error());
    }

    // The storage is complete: point the spans into it, in wire order.
    auto& items = access::items(out);
    const auto& counts = access::counts(out);
    envelope_view* envelope = access::envelopes(out).data();
    const address_view* address = access::addresses(out).data();
    const std::string_view* flag = access::flags(out).data();
    std::size_t next = 0;
    for (fetch_item_view& item : items) {
        if (item.type == item_kind::flags) {
            item.flags = {flag, counts[next++]};
            flag += item.flags.size();
        } else if (item.type == item_kind::envelope) {
            for (auto* list : {&envelope->from, &envelope->sender, &envelope->reply_to, &envelope->to,
                               &envelope->cc, &envelope->bcc}) {
                *list = {address, counts[next++]};
                address += list->size();
            }
            item.envelope = envelope++;
        }
    }
    return true;
}

}  // namespace mailaccess::imap

#undef MAILACCESS_TRY
