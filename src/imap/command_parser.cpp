#include <mailaccess/imap/command.hpp>

#include <algorithm>
#include <cctype>
#include <string>

// Propagates the error of a result-returning expression.
#define MAILACCESS_IMAP_TRY(r) \
    if (!(r)) return unexpected((r).error())

namespace mailaccess::imap {
namespace {

using literal_info = framer::literal_info;

struct context {
    parse_cursor in;
    std::span<const literal_info> literals;
    std::vector<bool> used;  // streamed literals consumed as APPEND data
    // parse_append_prefix: stop at an announcement that ends the input.
    bool prefix = false;
    bool prefix_reached = false;
};

result<void> sp(parse_cursor& in) { return in.expect(' '); }

// A keyword followed by what the caller expects, so "LISTX" is not "LIST".
bool keyword(parse_cursor& in, std::string_view word) {
    const std::size_t start = in.position();
    if (!in.consume_keyword(word)) return false;
    if (!in.at_end() && is_atom_char(static_cast<char>(in.peek()))) {
        in.set_position(start);
        return false;
    }
    return true;
}

// RFC 3501 section 9:
//     list-mailbox    = 1*list-char / string
//     list-char       = ATOM-CHAR / list-wildcards / resp-specials
result<std::string> parse_list_mailbox(parse_cursor& in) {
    if (in.next_is('"') || in.next_is('{')) return parse_string(in);
    const std::string_view rest = in.rest();
    std::size_t n = 0;
    while (n < rest.size() && (is_astring_char(rest[n]) || rest[n] == '%' || rest[n] == '*')) ++n;
    if (n == 0) return unexpected(errc::bad_syntax);
    in.advance(n);
    return std::string(rest.substr(0, n));
}

// "(" [atom *(SP atom)] ")": LIST select and return options, SEARCH RETURN.
result<std::vector<atom>> parse_atom_list(parse_cursor& in) {
    MAILACCESS_IMAP_TRY(in.expect('('));
    std::vector<atom> out;
    if (in.consume(')')) return out;
    for (;;) {
        auto a = parse_atom(in);
        MAILACCESS_IMAP_TRY(a);
        out.push_back(std::move(*a));
        if (in.consume(')')) return out;
        MAILACCESS_IMAP_TRY(sp(in));
    }
}

// RFC 4959 section 7:
//     initial-response = base64 / "="
// Validated as base64 (RFC 3501 section 9), kept as text.
result<secret<std::string>> parse_initial_response(parse_cursor& in) {
    if (in.consume('=')) return secret<std::string>();
    const std::string_view rest = in.rest();
    std::size_t n = 0;
    while (n < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[n])) != 0 || rest[n] == '+' ||
                               rest[n] == '/' || rest[n] == '='))
        ++n;
    const std::string_view text = rest.substr(0, n);
    const std::size_t pad = text.find('=');
    if (n == 0 || n % 4 != 0 || (pad != std::string_view::npos && n - pad > 2) ||
        (pad != std::string_view::npos && text.find_first_not_of('=', pad) != std::string_view::npos))
        return unexpected(errc::bad_syntax);
    in.advance(n);
    return secret<std::string>(std::string(text));
}

// RFC 7162 section 7:
//     select-param    =/ "QRESYNC" SP "(" uidvalidity SP
//                        mod-sequence-value [SP known-uids]
//                        [SP seq-match-data] ")"
//     seq-match-data  = "(" known-sequence-set SP known-uid-set ")"
result<cmd::qresync_params> parse_qresync_params(parse_cursor& in) {
    cmd::qresync_params q;
    MAILACCESS_IMAP_TRY(in.expect('('));
    auto v = parse_nz_number(in);
    MAILACCESS_IMAP_TRY(v);
    q.uidvalidity = *v;
    MAILACCESS_IMAP_TRY(sp(in));
    auto m = parse_mod_sequence_value(in);
    MAILACCESS_IMAP_TRY(m);
    q.modseq = *m;
    if (in.consume(' ') && !in.next_is('(')) {
        auto k = parse_sequence_set(in);
        MAILACCESS_IMAP_TRY(k);
        q.known_uids = std::move(*k);
        if (!in.consume(' '))
            return in.consume(')') ? result<cmd::qresync_params>(q) : unexpected(errc::bad_syntax);
    }
    if (in.consume('(')) {
        auto seqs = parse_sequence_set(in);
        MAILACCESS_IMAP_TRY(seqs);
        MAILACCESS_IMAP_TRY(sp(in));
        auto uids = parse_sequence_set(in);
        MAILACCESS_IMAP_TRY(uids);
        MAILACCESS_IMAP_TRY(in.expect(')'));
        q.seq_match.emplace(std::move(*seqs), std::move(*uids));
    }
    MAILACCESS_IMAP_TRY(in.expect(')'));
    return q;
}

// RFC 4466 section 2.1 / RFC 7162 section 3.1.8:
//     select          = "SELECT" SP mailbox [select-params]
//     select-params   = SP "(" select-param *(SP select-param) ")"
result<cmd::select_params> parse_select(parse_cursor& in) {
    cmd::select_params p;
    MAILACCESS_IMAP_TRY(sp(in));
    auto mb = parse_mailbox(in);
    MAILACCESS_IMAP_TRY(mb);
    p.mailbox = std::move(*mb);
    if (!in.consume(' ')) return p;
    MAILACCESS_IMAP_TRY(in.expect('('));
    do {
        if (keyword(in, "CONDSTORE") && !p.condstore) {
            p.condstore = true;
        } else if (keyword(in, "QRESYNC") && !p.qresync) {
            MAILACCESS_IMAP_TRY(sp(in));
            auto q = parse_qresync_params(in);
            MAILACCESS_IMAP_TRY(q);
            p.qresync = std::move(*q);
        } else {
            return unexpected(errc::bad_syntax);
        }
    } while (in.consume(' '));
    MAILACCESS_IMAP_TRY(in.expect(')'));
    return p;
}

// RFC 5258 section 6:
//     list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat
//            [SP list-return-opts]
//     mbox-or-pat  = list-mailbox / patterns
//     patterns     = "(" list-mailbox *(SP list-mailbox) ")"
//     list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"
// RFC 5819 section 6:
//     return-option =/ "STATUS" SP "(" status-att *(SP status-att) ")"
result<cmd::list> parse_list(parse_cursor& in) {
    cmd::list l;
    MAILACCESS_IMAP_TRY(sp(in));
    if (in.next_is('(')) {
        auto opts = parse_atom_list(in);
        MAILACCESS_IMAP_TRY(opts);
        l.selection = std::move(*opts);
        MAILACCESS_IMAP_TRY(sp(in));
    }
    auto ref = parse_mailbox(in);
    MAILACCESS_IMAP_TRY(ref);
    l.reference = std::move(*ref);
    MAILACCESS_IMAP_TRY(sp(in));
    const bool several = in.consume('(');
    do {
        auto pat = parse_list_mailbox(in);
        MAILACCESS_IMAP_TRY(pat);
        l.patterns.push_back(std::move(*pat));
    } while (several && in.consume(' '));
    if (several) MAILACCESS_IMAP_TRY(in.expect(')'));
    if (!in.consume(' ')) return l;
    if (!keyword(in, "RETURN")) return unexpected(errc::bad_syntax);
    MAILACCESS_IMAP_TRY(sp(in));
    MAILACCESS_IMAP_TRY(in.expect('('));
    if (in.consume(')')) return l;
    do {
        if (keyword(in, "STATUS")) {
            if (l.return_status) return unexpected(errc::bad_syntax);
            MAILACCESS_IMAP_TRY(sp(in));
            auto atts = parse_status_att_list(in);
            MAILACCESS_IMAP_TRY(atts);
            l.return_status = std::move(*atts);
        } else {
            auto a = parse_atom(in);
            MAILACCESS_IMAP_TRY(a);
            l.return_options.push_back(std::move(*a));
        }
    } while (in.consume(' '));
    MAILACCESS_IMAP_TRY(in.expect(')'));
    return l;
}

// RFC 3501 section 9 with RFC 3502 MULTIAPPEND and RFC 3516 literal8
// (RFC 4466 section 2.3):
//     append          = "APPEND" SP mailbox 1*append-message
//     append-message  = append-opts SP append-data
//     append-opts     = [SP flag-list] [SP date-time] *(SP append-ext)
//     append-data     = literal / literal8 / append-data-ext
result<cmd::append> parse_append(context& c) {
    parse_cursor& in = c.in;
    cmd::append a;
    MAILACCESS_IMAP_TRY(sp(in));
    auto mb = parse_mailbox(in);
    MAILACCESS_IMAP_TRY(mb);
    a.mailbox = std::move(*mb);
    while (in.consume(' ')) {
        cmd::append_message m;
        if (in.next_is('(')) {
            auto flags = parse_flag_list(in);
            MAILACCESS_IMAP_TRY(flags);
            m.flags = std::move(*flags);
            MAILACCESS_IMAP_TRY(sp(in));
        }
        if (in.next_is('"')) {
            auto dt = parse_date_time(in);
            MAILACCESS_IMAP_TRY(dt);
            m.internal_date = *dt;
            MAILACCESS_IMAP_TRY(sp(in));
        }
        m.binary = in.consume('~');
        MAILACCESS_IMAP_TRY(in.expect('{'));
        auto size = parse_number64(in);
        MAILACCESS_IMAP_TRY(size);
        in.consume('+');
        if (!in.consume('}') || !in.consume('\r') || !in.consume('\n')) return unexpected(errc::bad_syntax);
        m.size = *size;
        const std::size_t body = in.position();
        if (c.prefix && in.at_end()) {
            // The literal is still to come: report what precedes it.
            m.literal_index = static_cast<std::size_t>(
                std::count_if(c.literals.begin(), c.literals.end(),
                              [body](const literal_info& l) { return l.offset < body; }));
            a.messages.push_back(std::move(m));
            c.prefix_reached = true;
            return a;
        }
        bool streamed = false;
        for (std::size_t i = 0; i < c.literals.size(); ++i) {
            if (c.literals[i].offset != body) continue;
            m.literal_index = i;
            streamed = c.literals[i].streamed;
            if (streamed) {
                if (c.literals[i].size != m.size) return unexpected(errc::bad_syntax);
                c.used[i] = true;
            }
            break;
        }
        if (streamed) {
            m.streamed = true;
        } else {
            const std::string_view rest = in.rest();
            if (m.size > rest.size()) return unexpected(errc::bad_syntax);
            m.data.assign(rest.substr(0, static_cast<std::size_t>(m.size)));
            if (!m.binary && m.data.find('\0') != std::string::npos) return unexpected(errc::bad_syntax);
            in.advance(m.data.size());
        }
        a.messages.push_back(std::move(m));
    }
    if (a.messages.empty()) return unexpected(errc::bad_syntax);
    return a;
}

// RFC 2971 section 4:
//     id ::= "ID" SPACE id_params_list
//     id_params_list ::= "(" #(string SPACE nstring) ")" / nil
result<cmd::id> parse_id(parse_cursor& in) {
    cmd::id r;
    MAILACCESS_IMAP_TRY(sp(in));
    if (keyword(in, "NIL")) return r;
    MAILACCESS_IMAP_TRY(in.expect('('));
    r.params.emplace();
    if (in.consume(')')) return r;
    do {
        auto key = parse_string(in);
        MAILACCESS_IMAP_TRY(key);
        MAILACCESS_IMAP_TRY(sp(in));
        auto value = parse_nstring(in);
        MAILACCESS_IMAP_TRY(value);
        r.params->emplace_back(std::move(*key), std::move(*value));
    } while (in.consume(' '));
    MAILACCESS_IMAP_TRY(in.expect(')'));
    return r;
}

// RFC 9208 section 9:
//     setquota         = "SETQUOTA" SP quota-root-name
//                        SP setquota-list
//     setquota-list    = "(" [setquota-resource
//                        *(SP setquota-resource)] ")"
//     setquota-resource = resource-name SP resource-limit
result<cmd::setquota> parse_setquota(parse_cursor& in) {
    cmd::setquota q;
    MAILACCESS_IMAP_TRY(sp(in));
    auto root = parse_astring(in);
    MAILACCESS_IMAP_TRY(root);
    q.root = std::move(*root);
    MAILACCESS_IMAP_TRY(sp(in));
    MAILACCESS_IMAP_TRY(in.expect('('));
    if (in.consume(')')) return q;
    do {
        auto name = parse_atom(in);
        MAILACCESS_IMAP_TRY(name);
        MAILACCESS_IMAP_TRY(sp(in));
        auto limit = parse_number64(in);
        MAILACCESS_IMAP_TRY(limit);
        q.limits.emplace_back(std::move(*name), *limit);
    } while (in.consume(' '));
    MAILACCESS_IMAP_TRY(in.expect(')'));
    return q;
}

// RFC 3501 section 9 with RFC 4466 section 2.6 / RFC 4731 section 3:
//     search          = "SEARCH" [search-return-opts]
//                       SP search-program
//     search-return-opts = SP "RETURN" SP "(" [search-return-opt
//                          *(SP search-return-opt)] ")"
//     search-program  = ["CHARSET" SP charset SP]
//                       search-key *(SP search-key)
result<cmd::search> parse_search(parse_cursor& in, bool uid) {
    cmd::search s;
    s.uid = uid;
    MAILACCESS_IMAP_TRY(sp(in));
    if (keyword(in, "RETURN")) {
        MAILACCESS_IMAP_TRY(sp(in));
        auto opts = parse_atom_list(in);
        MAILACCESS_IMAP_TRY(opts);
        s.return_options = std::move(*opts);
        MAILACCESS_IMAP_TRY(sp(in));
    }
    if (keyword(in, "CHARSET")) {
        MAILACCESS_IMAP_TRY(sp(in));
        auto cs = parse_astring(in);
        MAILACCESS_IMAP_TRY(cs);
        s.charset = std::move(*cs);
        MAILACCESS_IMAP_TRY(sp(in));
    }
    do {
        auto key = parse_search_key(in);
        MAILACCESS_IMAP_TRY(key);
        s.keys.push_back(std::move(*key));
    } while (in.consume(' '));
    return s;
}

// RFC 3501 section 9 with RFC 7162 section 7:
//     fetch           = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" /
//                       fetch-att / "(" fetch-att *(SP fetch-att) ")")
//                       [fetch-modifiers]
//     fetch-modifier  =/ chgsince-fetch-mod / "VANISHED"
//     chgsince-fetch-mod = "CHANGEDSINCE" SP mod-sequence-value
result<cmd::fetch> parse_fetch(parse_cursor& in, bool uid) {
    cmd::fetch f;
    f.uid = uid;
    MAILACCESS_IMAP_TRY(sp(in));
    auto set = parse_sequence_set(in);
    MAILACCESS_IMAP_TRY(set);
    f.set = std::move(*set);
    MAILACCESS_IMAP_TRY(sp(in));
    auto atts = parse_fetch_att_list(in);
    MAILACCESS_IMAP_TRY(atts);
    f.atts = std::move(*atts);
    if (!in.consume(' ')) return f;
    MAILACCESS_IMAP_TRY(in.expect('('));
    do {
        if (keyword(in, "CHANGEDSINCE") && !f.changedsince) {
            MAILACCESS_IMAP_TRY(sp(in));
            auto m = parse_mod_sequence_value(in);
            MAILACCESS_IMAP_TRY(m);
            f.changedsince = *m;
        } else if (uid && keyword(in, "VANISHED") && !f.vanished) {
            f.vanished = true;
        } else {
            return unexpected(errc::bad_syntax);
        }
    } while (in.consume(' '));
    MAILACCESS_IMAP_TRY(in.expect(')'));
    // RFC 7162 section 3.2.6: VANISHED requires CHANGEDSINCE.
    if (f.vanished && !f.changedsince) return unexpected(errc::bad_syntax);
    return f;
}

// RFC 3501 section 9 with RFC 7162 section 7:
//     store           = "STORE" SP sequence-set [store-modifiers]
//                       SP store-att-flags
//     store-modifier  =/ "UNCHANGEDSINCE" SP mod-sequence-valzer
result<cmd::store> parse_store(parse_cursor& in, bool uid) {
    cmd::store s;
    s.uid = uid;
    MAILACCESS_IMAP_TRY(sp(in));
    auto set = parse_sequence_set(in);
    MAILACCESS_IMAP_TRY(set);
    s.set = std::move(*set);
    MAILACCESS_IMAP_TRY(sp(in));
    if (in.consume('(')) {
        if (!keyword(in, "UNCHANGEDSINCE")) return unexpected(errc::bad_syntax);
        MAILACCESS_IMAP_TRY(sp(in));
        auto m = parse_mod_sequence_valzer(in);
        MAILACCESS_IMAP_TRY(m);
        s.unchangedsince = *m;
        MAILACCESS_IMAP_TRY(in.expect(')'));
        MAILACCESS_IMAP_TRY(sp(in));
    }
    auto att = parse_store_att_flags(in);
    MAILACCESS_IMAP_TRY(att);
    s.action = std::move(*att);
    return s;
}

// "COPY" / "MOVE" SP sequence-set SP mailbox (RFC 3501 section 9, RFC 6851).
template <class T>
result<T> parse_copy(parse_cursor& in, bool uid) {
    T c;
    c.uid = uid;
    MAILACCESS_IMAP_TRY(sp(in));
    auto set = parse_sequence_set(in);
    MAILACCESS_IMAP_TRY(set);
    c.set = std::move(*set);
    MAILACCESS_IMAP_TRY(sp(in));
    auto mb = parse_mailbox(in);
    MAILACCESS_IMAP_TRY(mb);
    c.mailbox = std::move(*mb);
    return c;
}

// A command whose only argument is a mailbox.
template <class T>
result<T> parse_one_mailbox(parse_cursor& in) {
    MAILACCESS_IMAP_TRY(sp(in));
    auto mb = parse_mailbox(in);
    MAILACCESS_IMAP_TRY(mb);
    T t;
    t.mailbox = std::move(*mb);
    return t;
}

template <class T>
result<command::body_type> wrap(result<T> r) {
    if (!r) return unexpected(r.error());
    return command::body_type(std::move(*r));
}

// Command names (RFC 3501 section 9 and the extensions above), looked up by
// length and first letter: one or two comparisons instead of a chain.
enum class name_id {
    unknown,
    capability,
    noop,
    logout,
    starttls,
    namespace_,
    idle,
    check,
    close,
    unselect,
    expunge,
    compress,
    authenticate,
    login,
    select,
    examine,
    create,
    delete_,
    subscribe,
    unsubscribe,
    getquotaroot,
    rename,
    list,
    lsub,
    status,
    append,
    enable,
    id,
    getquota,
    setquota,
    search,
    fetch,
    store,
    copy,
    move,
    uid,
};

name_id classify_name(std::string_view name) noexcept {
    struct entry {
        std::string_view text;
        name_id id;
    };
    static constexpr entry names[] = {
        {"UID", name_id::uid},
        {"FETCH", name_id::fetch},
        {"STORE", name_id::store},
        {"NOOP", name_id::noop},
        {"SEARCH", name_id::search},
        {"IDLE", name_id::idle},
        {"SELECT", name_id::select},
        {"STATUS", name_id::status},
        {"EXAMINE", name_id::examine},
        {"CAPABILITY", name_id::capability},
        {"LOGOUT", name_id::logout},
        {"STARTTLS", name_id::starttls},
        {"NAMESPACE", name_id::namespace_},
        {"CHECK", name_id::check},
        {"CLOSE", name_id::close},
        {"UNSELECT", name_id::unselect},
        {"EXPUNGE", name_id::expunge},
        {"COMPRESS", name_id::compress},
        {"AUTHENTICATE", name_id::authenticate},
        {"LOGIN", name_id::login},
        {"CREATE", name_id::create},
        {"DELETE", name_id::delete_},
        {"SUBSCRIBE", name_id::subscribe},
        {"UNSUBSCRIBE", name_id::unsubscribe},
        {"GETQUOTAROOT", name_id::getquotaroot},
        {"RENAME", name_id::rename},
        {"LIST", name_id::list},
        {"LSUB", name_id::lsub},
        {"APPEND", name_id::append},
        {"ENABLE", name_id::enable},
        {"ID", name_id::id},
        {"GETQUOTA", name_id::getquota},
        {"SETQUOTA", name_id::setquota},
        {"COPY", name_id::copy},
        {"MOVE", name_id::move},
    };
    if (name.empty()) return name_id::unknown;
    const char first = ascii_to_upper(name.front());
    // Most frequent first; the length and first letter reject the others
    // before a full comparison.
    for (const entry& e : names)
        if (e.text.size() == name.size() && e.text.front() == first && iequals(name, e.text)) return e.id;
    return name_id::unknown;
}

// RFC 3501 section 9 with RFC 4315 section 4:
//     uid             = "UID" SP ("COPY" / "FETCH" / "SEARCH" / "STORE" /
//                       "MOVE" / "EXPUNGE") ...
result<command::body_type> parse_uid(parse_cursor& in) {
    MAILACCESS_IMAP_TRY(sp(in));
    switch (classify_name(in.word())) {
        case name_id::fetch: return wrap(parse_fetch(in, true));
        case name_id::store: return wrap(parse_store(in, true));
        case name_id::search: return wrap(parse_search(in, true));
        case name_id::copy: return wrap(parse_copy<cmd::copy>(in, true));
        case name_id::move: return wrap(parse_copy<cmd::move>(in, true));
        case name_id::expunge: {
            MAILACCESS_IMAP_TRY(sp(in));
            auto set = parse_sequence_set(in);
            MAILACCESS_IMAP_TRY(set);
            return command::body_type(cmd::uid_expunge{std::move(*set)});
        }
        default: return unexpected(errc::bad_syntax);
    }
}

result<command::body_type> parse_body(context& c, std::string_view name) {
    parse_cursor& in = c.in;
    switch (classify_name(name)) {
        case name_id::capability: return command::body_type(cmd::capability{});
        case name_id::noop: return command::body_type(cmd::noop{});
        case name_id::logout: return command::body_type(cmd::logout{});
        case name_id::starttls: return command::body_type(cmd::starttls{});
        case name_id::namespace_: return command::body_type(cmd::namespace_{});
        case name_id::idle: return command::body_type(cmd::idle{});
        case name_id::check: return command::body_type(cmd::check{});
        case name_id::close: return command::body_type(cmd::close{});
        case name_id::unselect: return command::body_type(cmd::unselect{});
        case name_id::expunge: return command::body_type(cmd::expunge{});
        case name_id::compress: {
            // RFC 4978 section 4: compress = "COMPRESS" SP algorithm; algorithm = "DEFLATE"
            // (any atom is taken; the session answers an unknown one with NO).
            MAILACCESS_IMAP_TRY(sp(in));
            auto algorithm = parse_atom(in);
            MAILACCESS_IMAP_TRY(algorithm);
            return command::body_type(cmd::compress{std::move(*algorithm)});
        }
        case name_id::authenticate: {
            // RFC 3501 section 9, RFC 4959 section 7:
            //     authenticate    = "AUTHENTICATE" SP auth-type [SP initial-response]
            MAILACCESS_IMAP_TRY(sp(in));
            auto mech = parse_atom(in);
            MAILACCESS_IMAP_TRY(mech);
            cmd::authenticate a{std::move(*mech), std::nullopt};
            if (in.consume(' ')) {
                auto ir = parse_initial_response(in);
                MAILACCESS_IMAP_TRY(ir);
                a.initial_response = std::move(*ir);
            }
            return command::body_type(std::move(a));
        }
        case name_id::login: {
            // RFC 3501 section 9:
            //     login           = "LOGIN" SP userid SP password
            MAILACCESS_IMAP_TRY(sp(in));
            auto user = parse_astring(in);
            MAILACCESS_IMAP_TRY(user);
            MAILACCESS_IMAP_TRY(sp(in));
            auto pass = parse_astring(in);
            MAILACCESS_IMAP_TRY(pass);
            cmd::login l{std::move(*user), secret<std::string>(std::move(*pass))};
            return command::body_type(std::move(l));
        }
        case name_id::select: {
            auto p = parse_select(in);
            MAILACCESS_IMAP_TRY(p);
            return command::body_type(cmd::select{std::move(*p)});
        }
        case name_id::examine: {
            auto p = parse_select(in);
            MAILACCESS_IMAP_TRY(p);
            return command::body_type(cmd::examine{std::move(*p)});
        }
        case name_id::create: return wrap(parse_one_mailbox<cmd::create>(in));
        case name_id::delete_: return wrap(parse_one_mailbox<cmd::delete_>(in));
        case name_id::subscribe: return wrap(parse_one_mailbox<cmd::subscribe>(in));
        case name_id::unsubscribe: return wrap(parse_one_mailbox<cmd::unsubscribe>(in));
        case name_id::getquotaroot: return wrap(parse_one_mailbox<cmd::getquotaroot>(in));
        case name_id::rename: {
            MAILACCESS_IMAP_TRY(sp(in));
            auto from = parse_mailbox(in);
            MAILACCESS_IMAP_TRY(from);
            MAILACCESS_IMAP_TRY(sp(in));
            auto to = parse_mailbox(in);
            MAILACCESS_IMAP_TRY(to);
            return command::body_type(cmd::rename{std::move(*from), std::move(*to)});
        }
        case name_id::list: return wrap(parse_list(in));
        case name_id::lsub: {
            // RFC 3501 section 9:
            //     lsub            = "LSUB" SP mailbox SP list-mailbox
            cmd::lsub l;
            MAILACCESS_IMAP_TRY(sp(in));
            auto ref = parse_mailbox(in);
            MAILACCESS_IMAP_TRY(ref);
            l.reference = std::move(*ref);
            MAILACCESS_IMAP_TRY(sp(in));
            auto pat = parse_list_mailbox(in);
            MAILACCESS_IMAP_TRY(pat);
            l.pattern = std::move(*pat);
            return command::body_type(std::move(l));
        }
        case name_id::status: {
            MAILACCESS_IMAP_TRY(sp(in));
            auto mb = parse_mailbox(in);
            MAILACCESS_IMAP_TRY(mb);
            MAILACCESS_IMAP_TRY(sp(in));
            auto atts = parse_status_att_list(in);
            MAILACCESS_IMAP_TRY(atts);
            return command::body_type(cmd::status{std::move(*mb), std::move(*atts)});
        }
        case name_id::append: return wrap(parse_append(c));
        case name_id::enable: {
            // RFC 5161 section 4:
            //     command-any =/ "ENABLE" 1*(SP capability)
            cmd::enable e;
            while (in.consume(' ')) {
                auto cap = parse_capability(in);
                MAILACCESS_IMAP_TRY(cap);
                e.capabilities.push_back(std::move(*cap));
            }
            if (e.capabilities.empty()) return unexpected(errc::bad_syntax);
            return command::body_type(std::move(e));
        }
        case name_id::id: return wrap(parse_id(in));
        case name_id::getquota: {
            MAILACCESS_IMAP_TRY(sp(in));
            auto root = parse_astring(in);
            MAILACCESS_IMAP_TRY(root);
            return command::body_type(cmd::getquota{std::move(*root)});
        }
        case name_id::setquota: return wrap(parse_setquota(in));
        case name_id::search: return wrap(parse_search(in, false));
        case name_id::fetch: return wrap(parse_fetch(in, false));
        case name_id::store: return wrap(parse_store(in, false));
        case name_id::copy: return wrap(parse_copy<cmd::copy>(in, false));
        case name_id::move: return wrap(parse_copy<cmd::move>(in, false));
        case name_id::uid: return parse_uid(in);
        case name_id::unknown: break;
    }
    return unexpected(errc::unknown_command);
}

}  // namespace

namespace cmd {

bool operator==(const authenticate& a, const authenticate& b) noexcept {
    if (!(a.mechanism == b.mechanism) || a.initial_response.has_value() != b.initial_response.has_value())
        return false;
    return !a.initial_response ||
           constant_time_equal(a.initial_response->reveal(), b.initial_response->reveal());
}

bool operator==(const login& a, const login& b) noexcept {
    // Both comparisons run, so timing does not tell which one differed.
    const bool user = constant_time_equal(a.username, b.username);
    const bool pass = constant_time_equal(a.password.reveal(), b.password.reveal());
    return user && pass;
}

}  // namespace cmd

result<command> parse_command(std::string_view message, std::span<const framer::literal_info> literals,
                              parse_options options) {
    context c{parse_cursor(message, options), literals, std::vector<bool>(literals.size(), false)};
    parse_cursor& in = c.in;
    auto t = parse_tag(in);
    MAILACCESS_IMAP_TRY(t);
    MAILACCESS_IMAP_TRY(sp(in));
    const std::string_view name = in.word();
    if (name.empty()) return unexpected(errc::bad_syntax);
    auto body = parse_body(c, name);
    MAILACCESS_IMAP_TRY(body);
    // The framer keeps a bare LF; RFC 3501 section 2.2 requires CRLF, but
    // accepting LF costs nothing and helps telnet users.
    in.consume('\r');
    if (!in.consume('\n') || !in.at_end()) return unexpected(errc::bad_syntax);
    // A streamed literal has no bytes in `message`; anywhere but APPEND data
    // the parser read the following bytes as its body, so refuse it.
    for (std::size_t i = 0; i < literals.size(); ++i)
        if (literals[i].streamed && !c.used[i]) return unexpected(errc::bad_syntax);
    return command{std::move(*t), std::move(*body)};
}

result<append_prefix> parse_append_prefix(std::string_view received,
                                          std::span<const framer::literal_info> literals,
                                          parse_options options) {
    context c{parse_cursor(received, options), literals, std::vector<bool>(literals.size(), false)};
    c.prefix = true;
    parse_cursor& in = c.in;
    auto t = parse_tag(in);
    MAILACCESS_IMAP_TRY(t);
    MAILACCESS_IMAP_TRY(sp(in));
    if (!iequals(in.word(), "APPEND")) return unexpected(errc::unknown_command);
    auto a = parse_append(c);
    MAILACCESS_IMAP_TRY(a);
    if (!c.prefix_reached) return unexpected(errc::bad_syntax);
    append_prefix p{std::move(*t), std::move(a->mailbox), std::move(a->messages.back()),
                    a->messages.size() - 1, 0};
    p.literal_index = p.message.literal_index;
    return p;
}

}  // namespace mailaccess::imap

#undef MAILACCESS_IMAP_TRY
