#include <mailaccess/imap/search_key.hpp>

#include <mailaccess/imap/string.hpp>

#include <array>
#include <string_view>

namespace mailaccess::imap {
namespace {

using k = search_key::kind;

// What follows a search keyword.
enum class arg { none, astring, header, keyword, date, number, set, key, two_keys, modseq };

struct keyword_entry {
    std::string_view name;
    k type;
    arg argument;
};

constexpr std::array<keyword_entry, 37> keywords{{
    {"ALL", k::all, arg::none},
    {"ANSWERED", k::answered, arg::none},
    {"BCC", k::bcc, arg::astring},
    {"BEFORE", k::before, arg::date},
    {"BODY", k::body, arg::astring},
    {"CC", k::cc, arg::astring},
    {"DELETED", k::deleted, arg::none},
    {"DRAFT", k::draft, arg::none},
    {"FLAGGED", k::flagged, arg::none},
    {"FROM", k::from, arg::astring},
    {"HEADER", k::header, arg::header},
    {"KEYWORD", k::keyword, arg::keyword},
    {"LARGER", k::larger, arg::number},
    {"NEW", k::new_, arg::none},
    {"NOT", k::not_, arg::key},
    {"OLD", k::old, arg::none},
    {"ON", k::on, arg::date},
    {"OR", k::or_, arg::two_keys},
    {"RECENT", k::recent, arg::none},
    {"SEEN", k::seen, arg::none},
    {"SENTBEFORE", k::sentbefore, arg::date},
    {"SENTON", k::senton, arg::date},
    {"SENTSINCE", k::sentsince, arg::date},
    {"SINCE", k::since, arg::date},
    {"SMALLER", k::smaller, arg::number},
    {"SUBJECT", k::subject, arg::astring},
    {"TEXT", k::text, arg::astring},
    {"TO", k::to, arg::astring},
    {"UID", k::uid, arg::set},
    {"UNANSWERED", k::unanswered, arg::none},
    {"UNDELETED", k::undeleted, arg::none},
    {"UNDRAFT", k::undraft, arg::none},
    {"UNFLAGGED", k::unflagged, arg::none},
    {"UNKEYWORD", k::unkeyword, arg::keyword},
    {"UNSEEN", k::unseen, arg::none},
    {"MODSEQ", k::modseq, arg::modseq},
    {"", k::sequence, arg::set},
}};

const keyword_entry* entry_for(k type) {
    for (const auto& e : keywords)
        if (e.type == type) return &e;
    return nullptr;
}

// Leaves a nesting level on every path out of a recursive rule.
class depth_guard {
public:
    explicit depth_guard(parse_cursor& in) : in_(in), ok_(in.enter()) {}
    ~depth_guard() {
        if (ok_) in_.leave();
    }
    depth_guard(const depth_guard&) = delete;
    depth_guard& operator=(const depth_guard&) = delete;
    std::error_code error() const { return ok_.error(); }
    explicit operator bool() const { return ok_.has_value(); }

private:
    parse_cursor& in_;
    result<void> ok_;
};

constexpr std::string_view flags_prefix = "/flags/";

// search-modseq-ext after "MODSEQ" SP, then mod-sequence-valzer.
result<search_key> parse_modseq_rest(parse_cursor& in) {
    std::optional<modseq_entry> entry;
    if (in.next_is('"')) {
        auto name = parse_quoted(in);
        if (!name || name->size() < flags_prefix.size() ||
            !iequals(std::string_view(*name).substr(0, flags_prefix.size()), flags_prefix))
            return unexpected(errc::bad_syntax);
        auto f = flag::make(std::string_view(*name).substr(flags_prefix.size()));
        if (!f || f->type() == flag::kind::recent || f->type() == flag::kind::wildcard)
            return unexpected(errc::bad_syntax);
        if (!in.consume(' ')) return unexpected(errc::bad_syntax);
        const std::string_view type = in.word();
        entry_type t{};
        if (iequals(type, "priv"))
            t = entry_type::priv;
        else if (iequals(type, "shared"))
            t = entry_type::shared;
        else if (iequals(type, "all"))
            t = entry_type::all;
        else
            return unexpected(errc::bad_syntax);
        if (!in.consume(' ')) return unexpected(errc::bad_syntax);
        entry = modseq_entry{std::move(*f), t};
    }
    auto value = parse_mod_sequence_valzer(in);
    if (!value) return unexpected(value.error());
    return search_key::modseq(*value, std::move(entry));
}

}  // namespace

search_key search_key::simple(kind t) {
    search_key s;
    s.type = t;
    return s;
}

search_key search_key::with_string(kind t, std::string str) {
    search_key s = simple(t);
    s.value = std::move(str);
    return s;
}

search_key search_key::header(std::string field_name, std::string text) {
    search_key s = simple(kind::header);
    s.field = std::move(field_name);
    s.value = std::move(text);
    return s;
}

search_key search_key::with_keyword(kind t, atom flag_keyword) {
    search_key s = simple(t);
    s.keyword = std::move(flag_keyword);
    return s;
}

search_key search_key::with_date(kind t, imap::date d) {
    search_key s = simple(t);
    s.day = d;
    return s;
}

search_key search_key::with_number(kind t, std::uint64_t n) {
    search_key s = simple(t);
    s.number = n;
    return s;
}

search_key search_key::with_set(kind t, sequence_set set_value) {
    search_key s = simple(t);
    s.set = std::move(set_value);
    return s;
}

search_key search_key::modseq(std::uint64_t value_, std::optional<modseq_entry> e) {
    search_key s = simple(kind::modseq);
    s.number = value_;
    s.entry = std::move(e);
    return s;
}

search_key search_key::negate(search_key key) {
    search_key s = simple(kind::not_);
    s.children.push_back(std::move(key));
    return s;
}

search_key search_key::either(search_key a, search_key b) {
    search_key s = simple(kind::or_);
    s.children.push_back(std::move(a));
    s.children.push_back(std::move(b));
    return s;
}

search_key search_key::all_of(std::vector<search_key> keys) {
    MAILACCESS_ASSERT(!keys.empty());
    search_key s = simple(kind::list);
    s.children = std::move(keys);
    return s;
}

result<search_key> parse_search_key(parse_cursor& in) {
    const int c = in.peek();
    if (c == '(') {
        depth_guard guard(in);
        if (!guard) return unexpected(guard.error());
        in.advance(1);
        std::vector<search_key> keys;
        do {
            auto key = parse_search_key(in);
            if (!key) return key;
            keys.push_back(std::move(*key));
        } while (in.consume(' '));
        if (!in.consume(')')) return unexpected(errc::bad_syntax);
        return search_key::all_of(std::move(keys));
    }
    if ((c >= '0' && c <= '9') || c == '*' || c == '$') {
        auto set = parse_sequence_set(in);
        if (!set) return unexpected(set.error());
        return search_key::with_set(k::sequence, std::move(*set));
    }
    const std::string_view name = in.word();
    const keyword_entry* found = nullptr;
    for (const auto& e : keywords)
        if (!e.name.empty() && iequals(name, e.name)) found = &e;
    if (found == nullptr) return unexpected(errc::bad_syntax);
    if (found->argument == arg::none) return search_key::simple(found->type);
    if (!in.consume(' ')) return unexpected(errc::bad_syntax);
    switch (found->argument) {
        case arg::none: break;
        case arg::astring: {
            auto s = parse_astring(in);
            if (!s) return unexpected(s.error());
            return search_key::with_string(found->type, std::move(*s));
        }
        case arg::header: {
            auto field = parse_astring(in);
            if (!field || !in.consume(' ')) return unexpected(errc::bad_syntax);
            auto text = parse_astring(in);
            if (!text) return unexpected(text.error());
            return search_key::header(std::move(*field), std::move(*text));
        }
        case arg::keyword: {
            auto a = parse_atom(in);
            if (!a) return unexpected(a.error());
            return search_key::with_keyword(found->type, std::move(*a));
        }
        case arg::date: {
            auto d = parse_date(in);
            if (!d) return unexpected(d.error());
            return search_key::with_date(found->type, *d);
        }
        case arg::number: {
            auto n = parse_number64(in);
            if (!n) return unexpected(n.error());
            return search_key::with_number(found->type, *n);
        }
        case arg::set: {
            auto set = parse_sequence_set(in);
            if (!set) return unexpected(set.error());
            return search_key::with_set(found->type, std::move(*set));
        }
        case arg::key: {
            depth_guard guard(in);
            if (!guard) return unexpected(guard.error());
            auto key = parse_search_key(in);
            if (!key) return key;
            return search_key::negate(std::move(*key));
        }
        case arg::two_keys: {
            depth_guard guard(in);
            if (!guard) return unexpected(guard.error());
            auto a = parse_search_key(in);
            if (!a) return a;
            if (!in.consume(' ')) return unexpected(errc::bad_syntax);
            auto b = parse_search_key(in);
            if (!b) return b;
            return search_key::either(std::move(*a), std::move(*b));
        }
        case arg::modseq: return parse_modseq_rest(in);
    }
    return unexpected(errc::bad_syntax);
}

void write(writer& out, const search_key& value) {
    if (value.type == k::list) {
        MAILACCESS_ASSERT(!value.children.empty());
        out.raw('(');
        for (std::size_t i = 0; i < value.children.size(); ++i) {
            if (i > 0) out.sp();
            write(out, value.children[i]);
        }
        out.raw(')');
        return;
    }
    if (value.type == k::sequence) {
        MAILACCESS_ASSERT(value.set.has_value());
        write(out, *value.set);
        return;
    }
    const keyword_entry* e = entry_for(value.type);
    MAILACCESS_ASSERT(e != nullptr);
    out.raw(e->name);
    switch (e->argument) {
        case arg::none: break;
        case arg::astring: out.sp().astring(value.value); break;
        case arg::header: out.sp().astring(value.field).sp().astring(value.value); break;
        case arg::keyword:
            MAILACCESS_ASSERT(value.keyword.has_value());
            out.sp();
            write(out, *value.keyword);
            break;
        case arg::date:
            out.sp();
            write(out, value.day);
            break;
        case arg::number: out.sp().number(value.number); break;
        case arg::set:
            MAILACCESS_ASSERT(value.set.has_value());
            out.sp();
            write(out, *value.set);
            break;
        case arg::key:
            MAILACCESS_ASSERT(value.children.size() == 1);
            out.sp();
            write(out, value.children[0]);
            break;
        case arg::two_keys:
            MAILACCESS_ASSERT(value.children.size() == 2);
            out.sp();
            write(out, value.children[0]);
            out.sp();
            write(out, value.children[1]);
            break;
        case arg::modseq:
            out.sp();
            if (value.entry) {
                out.quoted(std::string(flags_prefix) + value.entry->flag.text());
                out.sp().raw(value.entry->type == entry_type::priv     ? "priv"
                             : value.entry->type == entry_type::shared ? "shared"
                                                                       : "all");
                out.sp();
            }
            out.number(value.number);
            break;
    }
}

}  // namespace mailaccess::imap
