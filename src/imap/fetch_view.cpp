#include <mailaccess/imap/fetch_view.hpp>

#include <mailaccess/imap/section.hpp>

#include "response_detail.hpp"
#include "scan.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace mailaccess::imap {

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

// classify_msg_att for `word`. Servers send the names in upper case: an
// exact match is cheaper than the case-insensitive compare and cannot give
// another answer.
detail::msg_att_name classify_name(std::string_view word) noexcept {
    using n = detail::msg_att_name;
    switch (word.size()) {
        case 3:
            if (word == "UID") return n::uid;
            break;
        case 5:
            if (word == "FLAGS") return n::flags;
            break;
        case 8:
            if (word == "ENVELOPE") return n::envelope;
            break;
        case 11:
            if (word == "RFC822.SIZE") return n::rfc822_size;
            break;
        case 12:
            if (word == "INTERNALDATE") return n::internaldate;
            break;
        default: break;
    }
    return detail::classify_msg_att(word);
}

// A month name of RFC 3501 section 9 `date-month`, any case, as 1-12; 0
// when `p` does not start with one. Letters only fold to lower case under
// "| 0x20", so no other byte can match.
int month_number(const char* p) noexcept {
    const auto key = static_cast<std::uint32_t>((static_cast<unsigned char>(p[0]) | 0x20u) << 16 |
                                                (static_cast<unsigned char>(p[1]) | 0x20u) << 8 |
                                                (static_cast<unsigned char>(p[2]) | 0x20u));
    constexpr auto make = [](const char* m) {
        return static_cast<std::uint32_t>(m[0] << 16 | m[1] << 8 | m[2]);
    };
    constexpr std::uint32_t months[] = {make("jan"), make("feb"), make("mar"), make("apr"),
                                        make("may"), make("jun"), make("jul"), make("aug"),
                                        make("sep"), make("oct"), make("nov"), make("dec")};
    for (int i = 0; i < 12; ++i)
        if (months[i] == key) return i + 1;
    return 0;
}

// The value of the `n` digits at `p`, or -1 when one is not a digit.
int fixed_number(const char* p, int n) noexcept {
    int v = 0;
    bool ok = true;
    for (int i = 0; i < n; ++i) {
        ok = ok && p[i] >= '0' && p[i] <= '9';
        v = v * 10 + (p[i] - '0');
    }
    return ok ? v : -1;
}

// RFC 3501 section 9 `date-time` in its one fixed layout,
// "\"DD-Mon-YYYY HH:MM:SS +ZZZZ\"" (a day below 10 as " D"), built with the
// same checks as parse_date_time. False, with `in` untouched, for anything
// else (including every invalid date-time), which parse_date_time then
// reads or refuses.
bool fixed_date_time(parse_cursor& in, date_time& out) noexcept {
    const std::string_view rest = in.rest();
    if (rest.size() < 28) return false;
    const char* p = rest.data();
    if (p[0] != '"' || p[3] != '-' || p[7] != '-' || p[12] != ' ' || p[15] != ':' || p[18] != ':' ||
        p[21] != ' ' || (p[22] != '+' && p[22] != '-') || p[27] != '"')
        return false;
    const int day = p[1] == ' ' ? fixed_number(p + 2, 1) : fixed_number(p + 1, 2);
    const int month = month_number(p + 4);
    const int year = fixed_number(p + 8, 4);
    const int hour = fixed_number(p + 13, 2);
    const int minute = fixed_number(p + 16, 2);
    const int second = fixed_number(p + 19, 2);
    const int zone = fixed_number(p + 23, 4);
    if (day < 0 || month == 0 || year < 0 || hour < 0 || minute < 0 || second < 0 || zone < 0 ||
        zone % 100 >= 60)
        return false;
    const auto d = date::make(year, month, day);
    if (!d) return false;
    const int sign = p[22] == '+' ? 1 : -1;
    const auto dt = date_time::make(*d, hour, minute, second, sign * (zone / 100 * 60 + zone % 100));
    if (!dt) return false;
    out = *dt;
    in.advance(28);
    return true;
}

// The grammar of parse_response's FETCH path (response_parser.cpp), checked
// the same way with the same errors, recording views instead of building
// values. Every rule returns false on a mismatch with the error in `error`
// (a result<> per rule costs an error_code per call on this hot path);
// values go to out-parameters. On failure `out` is cleared by the caller.
struct view_parser {
    std::string_view message;
    parse_cursor in;
    fetch_view& out;
    detail::literal_context lits;
    bool any_streamed = false;  // some literal was streamed: take_streamed may find it
    std::error_code error;

    // Depth guard for the recursive rules, as in the owning parser.
    struct nesting {
        parse_cursor& in;
        ~nesting() { in.leave(); }
    };

    bool fail(errc e = errc::bad_syntax) {
        error = make_error_code(e);
        return false;
    }
    bool fail(std::error_code e) {
        error = e;
        return false;
    }

    // The bytes consumed since `start`.
    std::string_view since(std::size_t start) const noexcept {
        return message.substr(start, in.position() - start);
    }

    bool expect(char c) { return in.consume(c) || fail(); }
    bool sp() { return expect(' '); }
    bool enter() {
        if (auto r = in.enter(); !r) return fail(r.error());
        return true;
    }

    // 1*DIGIT below `max` (parse_number and its kin, parse_cursor.cpp).
    bool digits(std::uint64_t max, bool nonzero_first, std::uint64_t& v) {
        const std::string_view rest = in.rest();
        const char* const p = rest.data();
        const std::size_t n = rest.size();
        if (n == 0 || p[0] < '0' || p[0] > '9' || (nonzero_first && p[0] == '0')) return fail();
        v = 0;
        std::size_t i = 0;
        for (; i < n && p[i] >= '0' && p[i] <= '9'; ++i) {
            const auto d = static_cast<std::uint64_t>(p[i] - '0');
            if (v > (max - d) / 10) return fail();
            v = v * 10 + d;
        }
        in.advance(i);
        return true;
    }
    bool number(std::uint64_t& v) { return digits(0xffffffffu, false, v); }
    bool nz_number(std::uint64_t& v) { return digits(0xffffffffu, true, v); }
    bool number64(std::uint64_t& v) { return digits(max_number64, false, v); }

    // string = quoted / literal
    bool string(nstring_view& v) {
        if (in.next_is('"')) {
            detail::quoted_span q;
            if (!detail::scan_quoted(in, q)) return fail();
            v = access::make(nstring_view::form::quoted, q.raw, q.escaped);
            return true;
        }
        if (in.next_is('{')) {
            std::string_view l;
            if (!detail::scan_literal(in, false, l)) return fail();
            v = access::make(nstring_view::form::literal, l, false);
            return true;
        }
        return fail();
    }

    // A string whose value only needs checking.
    bool skip_string() {
        nstring_view ignored;
        return string(ignored);
    }

    // nstring = string / nil ("NIL" as a prefix, like parse_nstring)
    bool nstring(nstring_view& v) {
        const int c = in.peek();
        if (c == '"' || c == '{') return string(v);
        if ((c == 'N' || c == 'n') && detail::consume_nil(in)) {
            v = nstring_view();
            return true;
        }
        return fail();
    }

    bool skip_nstring() {
        nstring_view ignored;
        return nstring(ignored);
    }

    // astring = 1*ASTRING-CHAR / string
    bool astring(nstring_view& v) {
        if (in.next_is('"') || in.next_is('{')) return string(v);
        const std::string_view rest = in.rest();
        const std::size_t n = detail::astring_run(rest);
        if (n == 0) return fail();
        in.advance(n);
        v = access::make(nstring_view::form::literal, rest.substr(0, n), false);
        return true;
    }

    // "(" 1*address ")" / nil, recorded in `out` when `record`.
    bool address_list(bool record) {
        std::uint32_t count = 0;
        if (!consume_word(in, "NIL")) {
            if (!expect('(')) return false;
            address_view scratch;
            while (!in.consume(')')) {
                if (count > 0) in.consume(' ');
                if (!expect('(')) return false;
                address_view& a = record ? access::addresses(out).emplace_back() : scratch;
                if (!nstring(a.name) || !sp() || !nstring(a.adl) || !sp() || !nstring(a.mailbox) || !sp() ||
                    !nstring(a.host) || !expect(')'))
                    return false;
                ++count;
            }
        }
        if (record) access::counts(out).push_back(count);
        return true;
    }

    // envelope; the address lists are recorded (in `out`'s storage, spans
    // set at the end) when `record`.
    bool envelope(bool record, envelope_view& e) {
        const std::size_t start = in.position();
        if (!expect('(') || !nstring(e.date) || !sp() || !nstring(e.subject) || !sp()) return false;
        for (int i = 0; i < 6; ++i)
            if (!address_list(record) || !sp()) return false;
        if (!nstring(e.in_reply_to) || !sp() || !nstring(e.message_id) || !expect(')')) return false;
        e.raw = since(start);
        return true;
    }

    // body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
    bool body_fld_param() {
        if (consume_word(in, "NIL")) return true;
        if (!expect('(')) return false;
        for (;;) {
            if (!skip_string() || !sp() || !skip_string()) return false;
            if (in.consume(')')) return true;
            if (!sp()) return false;
        }
    }

    // body-extension = nstring / number / "(" body-extension *(SP body-extension) ")"
    bool body_extension() {
        if (!enter()) return false;
        nesting guard{in};
        if (in.consume('(')) {
            for (;;) {
                if (!body_extension()) return false;
                if (in.consume(')')) return true;
                if (!sp()) return false;
            }
        }
        if (in.peek() >= '0' && in.peek() <= '9') {
            std::uint64_t ignored = 0;
            return number(ignored);
        }
        return skip_nstring();
    }

    // [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
    bool extension_tail() {
        if (!in.consume(' ')) return true;
        if (!consume_word(in, "NIL")) {
            if (!expect('(') || !skip_string() || !sp() || !body_fld_param() || !expect(')')) return false;
        }
        if (!in.consume(' ')) return true;
        if (in.consume('(')) {
            for (;;) {
                if (!skip_string()) return false;
                if (in.consume(')')) break;
                if (!sp()) return false;
            }
        } else if (!skip_nstring()) {
            return false;
        }
        if (!in.consume(' ')) return true;
        if (!skip_nstring()) return false;
        while (in.consume(' '))
            if (!body_extension()) return false;
        return true;
    }

    // body (see detail::parse_body)
    bool body(bool extended) {
        if (!enter()) return false;
        nesting guard{in};
        if (!expect('(')) return false;
        if (in.next_is('(')) {
            while (in.next_is('('))
                if (!body(extended)) return false;
            if (!sp() || !skip_string()) return false;
            if (extended && in.consume(' ')) {
                if (!body_fld_param() || !extension_tail()) return false;
            }
            return expect(')');
        }
        nstring_view type, subtype;
        if (!string(type) || !sp() || !string(subtype)) return false;
        const bool text = value_iequals(type, "TEXT");
        const bool message_type = !text && value_iequals(type, "MESSAGE");
        bool encapsulated = message_type && value_iequals(subtype, "RFC822");
        if (!sp() || !body_fld_param() || !sp() || !skip_nstring() || !sp() || !skip_nstring() || !sp() ||
            !skip_string() || !sp())
            return false;
        std::uint64_t ignored = 0;
        if (!number(ignored)) return false;
        // MESSAGE/GLOBAL in either form, as parse_response reads it.
        if (message_type && value_iequals(subtype, "GLOBAL") && in.rest().substr(0, 2) == " (")
            encapsulated = true;
        if (encapsulated) {
            envelope_view unused;
            if (!sp() || !envelope(false, unused) || !sp() || !body(extended)) return false;
        }
        if (text || encapsulated) {
            if (!sp() || !number(ignored)) return false;
        }
        if (extended && in.consume(' ')) {
            if (!skip_nstring() || !extension_tail()) return false;
        }
        return expect(')');
    }

    // section-part = nz-number *("." nz-number), stopping before "." TEXT.
    bool section_part() {
        for (;;) {
            std::uint64_t ignored = 0;
            if (!nz_number(ignored)) return false;
            const std::size_t save = in.position();
            if (!in.consume('.')) return true;
            if (in.peek() < '0' || in.peek() > '9') {
                in.set_position(save);
                return true;
            }
        }
    }

    // section (see parse_section).
    bool section() {
        if (!in.consume('[')) return fail();
        if (in.consume(']')) return true;
        bool fields = false;
        // section-msgtext, or MIME after a part: longest keyword first.
        auto text_keyword = [&](bool allow_mime) {
            // The usual "HEADER.FIELDS (", in upper case, decided at once.
            if (in.rest().substr(0, 14) == "HEADER.FIELDS ") {
                in.advance(13);
                fields = true;
                return true;
            }
            if (in.consume_keyword("HEADER.FIELDS.NOT") || in.consume_keyword("HEADER.FIELDS")) {
                fields = true;
                return true;
            }
            if (in.consume_keyword("HEADER") || in.consume_keyword("TEXT")) return true;
            if (allow_mime && in.consume_keyword("MIME")) return true;
            return fail();
        };
        if (in.peek() >= '0' && in.peek() <= '9') {
            if (!section_part()) return false;
            if (in.consume('.') && !text_keyword(true)) return false;
        } else if (!text_keyword(false)) {
            return false;
        }
        bool bad_name = false;
        if (fields) {
            // header-list = "(" header-fld-name *(SP header-fld-name) ")"
            if (!in.consume(' ') || !in.consume('(')) return fail();
            nstring_view name;
            do {
                const bool literal = in.next_is('{');
                if (!astring(name)) return false;
                // section_spec refuses CR and LF in a name, which only a
                // literal can carry (NUL is refused for every string).
                if (literal) {
                    const std::string_view raw = name.raw();
                    bad_name = bad_name || raw.find_first_of("\r\n") != std::string_view::npos;
                }
            } while (in.consume(' '));
            if (!in.consume(')')) return fail();
        }
        if (!in.consume(']') || bad_name) return fail();
        return true;
    }

    // section-binary = "[" [section-part] "]"
    bool section_binary() {
        if (!in.consume('[')) return fail();
        if (!in.next_is(']') && !section_part()) return false;
        if (!in.consume(']')) return fail();
        return true;
    }

    // "(" [flag-fetch *(SP flag-fetch)] ")"
    bool flag_fetch_list() {
        std::uint32_t count = 0;
        if (!expect('(')) return false;
        if (!in.consume(')')) {
            for (;;) {
                const std::string_view rest = in.rest();
                const bool backslash = in.consume('\\');
                // flag-fetch = flag / "\Recent": "\*" is flag-perm only.
                if (backslash && in.next_is('*')) return fail();
                const std::size_t n = detail::atom_run(in.rest());
                if (n == 0) return fail();
                in.advance(n);
                access::flags(out).push_back(rest.substr(0, n + (backslash ? 1 : 0)));
                ++count;
                if (in.consume(')')) break;
                if (!sp()) return false;
            }
        }
        access::counts(out).push_back(count);
        return true;
    }

    // The item's value, from `start` to here.
    bool finish(fetch_item_view& item, item_kind k, std::size_t start) {
        item.type = k;
        item.raw = since(start);
        return true;
    }

    // msg-att item (see parse_msg_att in response_parser.cpp), appended to
    // `out` in place.
    bool msg_att() {
        using n = detail::msg_att_name;
        // parse_cursor::word(), a run of ATOM-CHARs other than "[".
        const std::string_view rest = in.rest();
        const std::string_view word = rest.substr(0, detail::char_run(rest, detail::run_stop::word));
        in.advance(word.size());
        const auto name = classify_name(word);
        if (name == n::unknown) return fail();
        // Copied from blanks: value-initializing these in place is a
        // `rep stos`, slow for their size.
        static const fetch_item_view blank{};
        static const envelope_view blank_envelope{};
        fetch_item_view& item = access::items(out).emplace_back(blank);
        item.name = word;
        std::size_t start = 0;
        switch (name) {
            case n::uid:
                if (!sp()) return false;
                start = in.position();
                if (!nz_number(item.number)) return false;
                return finish(item, item_kind::uid, start);
            case n::flags:
                if (!sp()) return false;
                start = in.position();
                if (!flag_fetch_list()) return false;
                return finish(item, item_kind::flags, start);
            case n::internaldate: {
                if (!sp()) return false;
                start = in.position();
                if (!fixed_date_time(in, item.internaldate)) {
                    auto d = parse_date_time(in);
                    if (!d) return fail(d.error());
                    item.internaldate = *d;
                }
                return finish(item, item_kind::internaldate, start);
            }
            case n::rfc822_size:
                if (!sp()) return false;
                start = in.position();
                if (!number64(item.number)) return false;
                return finish(item, item_kind::rfc822_size, start);
            case n::modseq:
                if (!sp()) return false;
                start = in.position();
                // mod-sequence-value: number64 above 0 (RFC 7162 section 7).
                if (!expect('(') || !number64(item.number)) return false;
                if (item.number == 0) return fail();
                if (!expect(')')) return false;
                return finish(item, item_kind::modseq, start);
            case n::envelope:
                if (!sp()) return false;
                start = in.position();
                if (!envelope(true, access::envelopes(out).emplace_back(blank_envelope))) return false;
                return finish(item, item_kind::envelope, start);
            case n::bodystructure:
            case n::body:
                if (name == n::body && !in.next_is(' ')) break;  // BODY[section]
                if (!sp()) return false;
                start = in.position();
                if (!body(name == n::bodystructure)) return false;
                return finish(item, name == n::bodystructure ? item_kind::bodystructure : item_kind::body,
                              start);
            case n::binary_size: {
                const std::size_t section_start = in.position();
                if (!section_binary()) return false;
                item.section = since(section_start);
                if (!sp()) return false;
                start = in.position();
                if (!number64(item.number)) return false;
                return finish(item, item_kind::binary_size, start);
            }
            default: break;
        }

        if (name == n::body || name == n::binary) {
            item.form = name == n::binary ? body_item_form::binary : body_item_form::body;
            if (!in.next_is('[')) return fail();
            const std::size_t section_start = in.position();
            if (!(item.form == body_item_form::binary ? section_binary() : section())) return false;
            item.section = since(section_start);
            if (in.consume('<')) {
                std::uint64_t origin = 0;
                if (!number(origin)) return false;
                item.origin = static_cast<std::uint32_t>(origin);
                if (!expect('>')) return false;
            }
        } else {
            item.form = name == n::rfc822          ? body_item_form::rfc822
                        : name == n::rfc822_header ? body_item_form::rfc822_header
                                                   : body_item_form::rfc822_text;
        }
        if (!sp()) return false;
        start = in.position();
        // take_streamed reads the announcement and looks for a streamed
        // literal at its offset; without any it always declines.
        if (auto streamed = any_streamed ? lits.take_streamed(in) : std::nullopt) {
            item.streamed_size = streamed->size;
            item.literal_index = streamed->index;
            return finish(item, item_kind::body_section, start);
        }
        if (in.consume('~')) {
            std::string_view d;
            if (!detail::scan_literal(in, true, d)) return fail();
            item.data = access::make(nstring_view::form::literal8, d, false);
            return finish(item, item_kind::body_section, start);
        }
        if (!nstring(item.data)) return false;
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

std::optional<envelope_text> envelope_text::make(std::string text) {
    // The grammar's own check, without building anything: the view parser's
    // envelope rule over the text alone, default options (no 8-bit quoted
    // strings, the bounded depth).
    fetch_view scratch;
    view_parser p{text, parse_cursor(text), scratch, detail::literal_context{{}}, false, {}};
    envelope_view ignored;
    if (!p.envelope(false, ignored) || !p.in.at_end()) return std::nullopt;
    return envelope_text(std::move(text));
}

namespace {

// "* " nz-number SP "FETCH" SP "(" msg-att... ")" CRLF, the prefix checked.
bool parse_items(view_parser& p) {
    parse_cursor& in = p.in;
    in.advance(2);
    std::uint64_t seq = 0;
    if (!p.number(seq)) return false;
    if (seq == 0) return p.fail();
    access::set_seq(p.out, static_cast<std::uint32_t>(seq));
    in.advance(6);  // SP "FETCH"
    if (!p.sp() || !p.expect('(')) return false;
    for (;;) {
        if (!p.msg_att()) return false;
        if (in.consume(')')) break;
        if (!p.sp()) return false;
    }
    if (in.rest() != "\r\n" || !p.lits.all_streamed_taken()) return p.fail();
    return true;
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

    const bool any_streamed = std::any_of(literals.begin(), literals.end(),
                                          [](const framer::literal_info& l) { return l.streamed; });
    view_parser p{
        message, parse_cursor(message, options), out, detail::literal_context{literals}, any_streamed, {}};
    if (!parse_items(p)) {
        access::clear(out, options);  // no half-parsed response
        return unexpected(p.error);
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
