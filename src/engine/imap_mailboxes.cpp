// Mailbox management, LIST/LSUB (RFC 3501 sections 6.3.3-6.3.10, RFC 5258
// LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154 SPECIAL-USE, RFC 3348
// CHILDREN), STATUS and quota (RFC 9208).

#include "imap_engine_impl.hpp"

#include <mailaccess/core/ascii.hpp>
#include <mailaccess/core/mutf7.hpp>
#include <mailaccess/store/error.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace mailaccess::engine {
namespace {

constexpr char delimiter = '/';

// RFC 3501 section 6.3.8: "*" matches zero or more characters, "%" the same
// without the hierarchy delimiter. Dynamic programming keeps a hostile
// pattern ("*a*a*a*...") linear in name length times pattern length.
bool matches(std::string_view pattern, std::string_view name) {
    std::vector<char> row(name.size() + 1, 0), next(name.size() + 1, 0);
    row[0] = 1;
    for (const char p : pattern) {
        std::fill(next.begin(), next.end(), 0);
        if (p == '*' || p == '%') {
            bool reach = false;
            for (std::size_t j = 0; j <= name.size(); ++j) {
                // Extend a match through characters the wildcard may swallow.
                if (row[j]) reach = true;
                if (reach) next[j] = 1;
                if (j < name.size() && p == '%' && name[j] == delimiter) reach = false;
            }
        } else {
            for (std::size_t j = 0; j < name.size(); ++j)
                if (row[j] && name[j] == p) next[j + 1] = 1;
        }
        row.swap(next);
    }
    return row[name.size()] != 0;
}

// INBOX is case-insensitive (RFC 3501 section 5.1): a pattern starting with
// any case of "INBOX" followed by the end or the delimiter names INBOX.
std::string canonical_pattern(std::string pattern) {
    if (pattern.size() >= 5 && iequals(std::string_view(pattern).substr(0, 5), "INBOX") &&
        (pattern.size() == 5 || pattern[5] == delimiter))
        for (std::size_t i = 0; i < 5; ++i) pattern[i] = ascii_to_upper(pattern[i]);
    return pattern;
}

// A LIST/LSUB pattern as the UTF-8 our names are kept in. Patterns are wire
// strings, modified UTF-7 like mailbox names (RFC 3501 section 5.1.3; the
// wildcards are printable ASCII, so they survive decoding). A pattern that is
// not modified UTF-7 is matched as it is: some clients send raw UTF-8.
std::string pattern_from_wire(const imap::mailbox_name& reference, std::string_view wire) {
    auto utf8 = mutf7_decode(wire);
    return canonical_pattern(reference.str() + (utf8 ? *utf8 : std::string(wire)));
}

std::optional<imap::mailbox_attribute> special_use_attribute(store::special_use u) {
    using a = imap::mailbox_attribute;
    switch (u) {
        case store::special_use::drafts: return a::drafts;
        case store::special_use::sent: return a::sent;
        case store::special_use::trash: return a::trash;
        case store::special_use::junk: return a::junk;
        case store::special_use::archive: return a::archive;
        case store::special_use::none: break;
    }
    return std::nullopt;
}

bool has_option(const std::vector<imap::atom>& options, std::string_view name) {
    return std::any_of(options.begin(), options.end(),
                       [name](const imap::atom& a) { return iequals(a.str(), name); });
}

// What LIST knows about one name: a real mailbox, or a parent that only
// exists because something below it does.
struct listed {
    const store::mailbox_entry* entry = nullptr;  // null: not a mailbox
    bool has_children = false;
    bool has_subscribed_child = false;
};

std::map<std::string, listed> hierarchy(const std::vector<store::mailbox_entry>& entries) {
    std::map<std::string, listed> out;
    for (const auto& e : entries) out[e.name].entry = &e;
    for (const auto& e : entries) {
        for (std::size_t pos = e.name.find(delimiter); pos != std::string::npos;
             pos = e.name.find(delimiter, pos + 1)) {
            auto& parent = out[e.name.substr(0, pos)];
            parent.has_children = true;
            if (e.subscribed) parent.has_subscribed_child = true;
        }
    }
    return out;
}

std::optional<imap::mailbox_name> wire_name(const std::string& name) {
    auto m = imap::mailbox_name::make(name);
    if (!m) return std::nullopt;  // a name the store holds but IMAP cannot carry: skipped
    return std::move(*m);
}

}  // namespace

imap::command_reply imap_engine::impl::create(const imap::cmd::create& c) {
    std::string name = c.mailbox.str();
    // RFC 3501 section 6.3.3: a trailing delimiter only says "will have children".
    while (!name.empty() && name.back() == delimiter) name.pop_back();
    if (name.empty() || name == "INBOX")
        return reply(imap::status_kind::no,
                     imap::response_code::simple(imap::response_code_kind::alreadyexists),
                     "Mailbox already exists.");
    if (auto ec = account->create_mailbox(name, store::special_use::none))
        return failure(ec, "CREATE failed");
    return reply(imap::status_kind::ok, std::nullopt, "Create completed.");
}

imap::command_reply imap_engine::impl::delete_mailbox(const imap::cmd::delete_& c) {
    if (c.mailbox.is_inbox())
        return reply(imap::status_kind::no, imap::response_code::simple(imap::response_code_kind::cannot),
                     "INBOX cannot be deleted.");
    if (selected && selected_name == c.mailbox.str()) {
        // Deleting the selected mailbox deselects it (Dovecot does the same).
        selected.reset();
        selected_name.clear();
    }
    if (auto ec = account->delete_mailbox(c.mailbox.str())) return failure(ec, "DELETE failed");
    return reply(imap::status_kind::ok, std::nullopt, "Delete completed.");
}

imap::command_reply imap_engine::impl::rename(const imap::cmd::rename& c) {
    if (c.to.is_inbox())
        return reply(imap::status_kind::no,
                     imap::response_code::simple(imap::response_code_kind::alreadyexists),
                     "INBOX already exists.");
    if (auto ec = account->rename_mailbox(c.from.str(), c.to.str())) return failure(ec, "RENAME failed");
    return reply(imap::status_kind::ok, std::nullopt, "Rename completed.");
}

imap::command_reply imap_engine::impl::subscribe(const imap::mailbox_name& name, bool on) {
    if (auto ec = account->set_subscribed(name.str(), on))
        return failure(ec, on ? "SUBSCRIBE failed" : "UNSUBSCRIBE failed");
    return reply(imap::status_kind::ok, std::nullopt, on ? "Subscribe completed." : "Unsubscribe completed.");
}

imap::command_reply imap_engine::impl::list(const imap::cmd::list& c) {
    // RFC 3501 section 6.3.8: an empty pattern asks for the delimiter.
    if (c.patterns.size() == 1 && c.patterns[0].empty() && c.selection.empty()) {
        imap::command_reply r = reply(imap::status_kind::ok, std::nullopt, "List completed.");
        imap::list_data d;
        d.attributes = {imap::mailbox_attribute::noselect};
        d.delimiter = delimiter;
        d.mailbox = *imap::mailbox_name::make("");
        r.untagged.push_back({std::move(d), {}});
        return r;
    }
    auto entries = account->list_mailboxes();
    if (!entries) return failure(entries.error(), "LIST failed");
    const bool only_subscribed = has_option(c.selection, "SUBSCRIBED");
    const bool only_special = has_option(c.selection, "SPECIAL-USE");
    const bool recursive = has_option(c.selection, "RECURSIVEMATCH");
    const bool extended = !c.selection.empty() || !c.return_options.empty() || c.return_status;
    const bool return_subscribed = only_subscribed || has_option(c.return_options, "SUBSCRIBED");

    std::vector<std::string> patterns;
    for (const auto& p : c.patterns) patterns.push_back(pattern_from_wire(c.reference, p));
    const auto tree = hierarchy(*entries);

    imap::command_reply r = reply(imap::status_kind::ok, std::nullopt, "List completed.");
    // INBOX first, then the store's order (names sorted).
    std::vector<std::string> order;
    for (const auto& [name, info] : tree)
        if (name == "INBOX")
            order.insert(order.begin(), name);
        else
            order.push_back(name);
    for (const auto& name : order) {
        const listed& info = tree.at(name);
        const bool match = std::any_of(patterns.begin(), patterns.end(),
                                       [&name](const std::string& p) { return matches(p, name); });
        if (!match) continue;
        const store::mailbox_entry* e = info.entry;
        const bool selected_by_criteria =
            e && (!only_subscribed || e->subscribed) && (!only_special || e->use != store::special_use::none);
        const bool child_matches = recursive && only_subscribed && info.has_subscribed_child;
        // RFC 5258 section 3.5 table; RFC 3501: a parent that only exists
        // through its children is \Noselect (we say \NonExistent too).
        if (!selected_by_criteria && !child_matches &&
            (e || !info.has_children || only_subscribed || only_special))
            continue;
        auto mailbox = wire_name(name);
        if (!mailbox) continue;
        imap::list_data d;
        d.delimiter = delimiter;
        d.mailbox = *mailbox;
        if (!e) {
            d.attributes.push_back(imap::mailbox_attribute::nonexistent);
            if (!extended) d.attributes.push_back(imap::mailbox_attribute::noselect);
        }
        if (return_subscribed && e && e->subscribed)
            d.attributes.push_back(imap::mailbox_attribute::subscribed);
        // CHILDREN (RFC 3348) is advertised, so the child attributes are always given.
        d.attributes.push_back(info.has_children ? imap::mailbox_attribute::has_children
                                                 : imap::mailbox_attribute::has_no_children);
        if (e)
            if (auto use = special_use_attribute(e->use)) d.attributes.push_back(*use);
        if (child_matches && !selected_by_criteria) d.childinfo = {"SUBSCRIBED"};
        const bool selectable = e != nullptr;
        r.untagged.push_back({std::move(d), {}});
        // RFC 5819: STATUS right after the LIST of each selectable mailbox.
        if (c.return_status && selectable) {
            if (auto st = status_of(name, *c.return_status)) r.untagged.push_back({std::move(*st), {}});
        }
    }
    return r;
}

imap::command_reply imap_engine::impl::lsub(const imap::cmd::lsub& c) {
    auto entries = account->list_mailboxes();
    if (!entries) return failure(entries.error(), "LSUB failed");
    const std::string pattern = pattern_from_wire(c.reference, c.pattern);
    const auto tree = hierarchy(*entries);
    imap::command_reply r = reply(imap::status_kind::ok, std::nullopt, "Lsub completed.");
    for (const auto& [name, info] : tree) {
        const bool subscribed = info.entry && info.entry->subscribed;
        // RFC 3501 section 6.3.9: with "%", an unsubscribed parent of a
        // subscribed mailbox is listed \Noselect.
        const bool parent_only =
            !subscribed && info.has_subscribed_child && !pattern.empty() && pattern.back() == '%';
        if ((!subscribed && !parent_only) || !matches(pattern, name)) continue;
        auto mailbox = wire_name(name);
        if (!mailbox) continue;
        imap::list_data d;
        d.lsub = true;
        d.delimiter = delimiter;
        d.mailbox = *mailbox;
        if (parent_only) d.attributes.push_back(imap::mailbox_attribute::noselect);
        r.untagged.push_back({std::move(d), {}});
    }
    return r;
}

result<imap::status_data> imap_engine::impl::status_of(std::string_view name,
                                                       const std::vector<imap::status_att>& atts) {
    auto mailbox = account->open_mailbox(name, store::open_mode::read_only);
    if (!mailbox) return unexpected(mailbox.error());
    auto st = (*mailbox)->status();
    if (!st) return unexpected(st.error());
    const bool needs_listing = std::any_of(atts.begin(), atts.end(), [](imap::status_att a) {
        return a == imap::status_att::deleted || a == imap::status_att::deleted_storage;
    });
    std::uint64_t deleted = 0, deleted_bytes = 0;
    if (needs_listing) {
        auto messages = (*mailbox)->list();
        if (!messages) return unexpected(messages.error());
        for (const auto& m : *messages)
            if (m.flags.has(store::system_flag::deleted)) {
                ++deleted;
                deleted_bytes += m.size;
            }
    }
    auto wire = imap::mailbox_name::make(name);
    if (!wire) return unexpected(wire.error());
    imap::status_data d;
    d.mailbox = std::move(*wire);
    for (const auto a : atts) {
        std::uint64_t v = 0;
        switch (a) {
            case imap::status_att::messages: v = st->messages; break;
            case imap::status_att::recent: v = 0; break;  // \Recent is per session; none for a STATUS
            case imap::status_att::uidnext: v = st->uidnext; break;
            case imap::status_att::uidvalidity: v = st->uidvalidity; break;
            case imap::status_att::unseen: v = st->unseen; break;
            case imap::status_att::highestmodseq: v = st->highest_modseq; break;
            case imap::status_att::size: v = st->size; break;
            case imap::status_att::deleted: v = deleted; break;
            // RFC 9208 section 4.3: in units of the STORAGE resource (KiB).
            case imap::status_att::deleted_storage: v = (deleted_bytes + 1023) / 1024; break;
        }
        d.items.emplace_back(a, v);
    }
    return d;
}

imap::command_reply imap_engine::impl::status(const imap::cmd::status& c) {
    auto d = status_of(c.mailbox.str(), c.atts);
    if (!d) return failure(d.error(), "STATUS failed");
    imap::command_reply r = reply(imap::status_kind::ok, std::nullopt, "Status completed.");
    r.untagged.push_back({std::move(*d), {}});
    return r;
}

result<imap::quota_data> imap_engine::impl::quota_of() {
    auto q = account->quota();
    if (!q) return unexpected(q.error());
    imap::quota_data d;
    d.root = "";  // one root per user, named "" (RFC 9208 section 3.3 example)
    // RFC 9208 section 5.1: STORAGE in units of 1024 octets.
    if (q->bytes_limit > 0)
        d.resources.push_back({"STORAGE", (q->bytes_used + 1023) / 1024, q->bytes_limit / 1024});
    if (q->messages_limit > 0) d.resources.push_back({"MESSAGE", q->messages_used, q->messages_limit});
    return d;
}

imap::command_reply imap_engine::impl::getquota(const imap::cmd::getquota& c) {
    if (!c.root.empty())
        return reply(imap::status_kind::no,
                     imap::response_code::simple(imap::response_code_kind::nonexistent),
                     "No such quota root.");
    auto d = quota_of();
    if (!d) return failure(d.error(), "GETQUOTA failed");
    imap::command_reply r = reply(imap::status_kind::ok, std::nullopt, "Getquota completed.");
    r.untagged.push_back({std::move(*d), {}});
    return r;
}

imap::command_reply imap_engine::impl::getquotaroot(const imap::cmd::getquotaroot& c) {
    // The mailbox must exist (RFC 9208 section 4.3).
    auto mailbox = account->open_mailbox(c.mailbox.str(), store::open_mode::read_only);
    if (!mailbox) return failure(mailbox.error(), "GETQUOTAROOT failed");
    auto d = quota_of();
    if (!d) return failure(d.error(), "GETQUOTAROOT failed");
    imap::command_reply r = reply(imap::status_kind::ok, std::nullopt, "Getquotaroot completed.");
    r.untagged.push_back({imap::quotaroot_data{c.mailbox, {""}}, {}});
    r.untagged.push_back({std::move(*d), {}});
    return r;
}

}  // namespace mailaccess::engine
