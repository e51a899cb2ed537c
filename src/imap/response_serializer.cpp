#include <mailaccess/imap/response.hpp>

#include <mailaccess/core/assert.hpp>

#include <array>
#include <string>
#include <utility>

namespace mailaccess::imap {
namespace {

constexpr std::array<std::string_view, 37> code_names = {"ALERT",
                                                         "BADCHARSET",
                                                         "CAPABILITY",
                                                         "PARSE",
                                                         "PERMANENTFLAGS",
                                                         "READ-ONLY",
                                                         "READ-WRITE",
                                                         "TRYCREATE",
                                                         "UIDNEXT",
                                                         "UIDVALIDITY",
                                                         "UNSEEN",
                                                         "UNAVAILABLE",
                                                         "AUTHENTICATIONFAILED",
                                                         "AUTHORIZATIONFAILED",
                                                         "EXPIRED",
                                                         "PRIVACYREQUIRED",
                                                         "CONTACTADMIN",
                                                         "NOPERM",
                                                         "INUSE",
                                                         "EXPUNGEISSUED",
                                                         "CORRUPTION",
                                                         "SERVERBUG",
                                                         "CLIENTBUG",
                                                         "CANNOT",
                                                         "LIMIT",
                                                         "OVERQUOTA",
                                                         "ALREADYEXISTS",
                                                         "NONEXISTENT",
                                                         "APPENDUID",
                                                         "COPYUID",
                                                         "HIGHESTMODSEQ",
                                                         "NOMODSEQ",
                                                         "MODIFIED",
                                                         "CLOSED",
                                                         "TOOBIG",
                                                         "COMPRESSIONACTIVE",
                                                         ""};

constexpr std::array<std::string_view, 17> attribute_names = {
    "\\Noinferiors", "\\Noselect",    "\\Marked",        "\\Unmarked", "\\NonExistent", "\\Subscribed",
    "\\Remote",      "\\HasChildren", "\\HasNoChildren", "\\All",      "\\Archive",     "\\Drafts",
    "\\Flagged",     "\\Junk",        "\\Sent",          "\\Trash",    "\\Important"};

// resp-text's `text` is 1*TEXT-CHAR: a CR, LF or NUL would end or corrupt
// the line, so it becomes SP rather than an assertion on server data.
void write_text(writer& out, std::string_view text) {
    std::string clean(text);
    for (char& c : clean)
        if (c == '\r' || c == '\n' || c == '\0') c = ' ';
    out.raw(clean);
}

void write_resp_text(writer& out, const std::optional<response_code>& code, std::string_view text) {
    // RFC 9051 section 9: resp-text = ["[" resp-text-code "]" SP] [text]
    if (code) {
        out.raw('[');
        write(out, *code);
        out.raw("] ");
    }
    write_text(out, text);
}

void write_delimiter(writer& out, const std::optional<char>& delim) {
    if (!delim) {
        out.raw("NIL");
        return;
    }
    out.string(std::string_view(&*delim, 1));
}

void write_params(writer& out, const std::vector<std::pair<std::string, std::string>>& params) {
    // body-fld-param  = "(" string SP string *(SP string SP string) ")" / nil
    if (params.empty()) {
        out.raw("NIL");
        return;
    }
    out.raw('(');
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (i > 0) out.sp();
        out.string(params[i].first).sp().string(params[i].second);
    }
    out.raw(')');
}

void write_addresses(writer& out, const std::vector<address>& list) {
    if (list.empty()) {
        out.raw("NIL");
        return;
    }
    out.raw('(');
    for (const auto& a : list) {
        out.raw('(').nstring(a.name).sp().nstring(a.adl).sp().nstring(a.mailbox).sp().nstring(a.host).raw(
            ')');
    }
    out.raw(')');
}

void write(writer& out, const body_extension& ext) {
    if (const auto* s = std::get_if<std::optional<std::string>>(&ext.value)) {
        out.nstring(*s);
    } else if (const auto* n = std::get_if<std::uint32_t>(&ext.value)) {
        out.number(*n);
    } else {
        const auto& list = std::get<std::vector<body_extension>>(ext.value);
        out.raw('(');
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (i > 0) out.sp();
            write(out, list[i]);
        }
        out.raw(')');
    }
}

void write_extension_tail(writer& out, const body_structure& b) {
    // body-fld-dsp SP body-fld-lang SP body-fld-loc *(SP body-extension)
    out.sp();
    if (b.disposition) {
        out.raw('(').string(b.disposition->type).sp();
        write_params(out, b.disposition->params);
        out.raw(')');
    } else {
        out.raw("NIL");
    }
    out.sp();
    if (b.language.empty()) {
        out.raw("NIL");
    } else if (b.language.size() == 1) {
        out.string(b.language.front());
    } else {
        out.raw('(');
        for (std::size_t i = 0; i < b.language.size(); ++i) {
            if (i > 0) out.sp();
            out.string(b.language[i]);
        }
        out.raw(')');
    }
    out.sp().nstring(b.location);
    for (const auto& e : b.extensions) {
        out.sp();
        write(out, e);
    }
}

void write_tagged_ext(writer& out, const tagged_ext_value& v) {
    if (!v.is_list) {
        if (v.simple)
            out.raw(v.text);  // a sequence-set or number: ASCII digits and ":,*$"
        else
            out.astring(v.text);
        return;
    }
    out.raw('(');
    for (std::size_t i = 0; i < v.items.size(); ++i) {
        if (i > 0) out.sp();
        write_tagged_ext(out, v.items[i]);
    }
    out.raw(')');
}

struct data_writer {
    writer& out;
    std::vector<stream_slot>* slots;

    void operator()(const status_response& r) {
        static constexpr std::array<std::string_view, 5> names = {"OK", "NO", "BAD", "PREAUTH", "BYE"};
        MAILACCESS_ASSERT(!r.tagged || r.status == status_kind::ok || r.status == status_kind::no ||
                          r.status == status_kind::bad);
        if (r.tagged)
            write(out, *r.tagged);
        else
            out.raw('*');
        out.sp().raw(names[static_cast<std::size_t>(r.status)]).sp();
        write_resp_text(out, r.code, r.text);
    }
    void operator()(const continuation_request& r) {
        out.raw("+ ");
        write_resp_text(out, r.code, r.text);
    }
    void operator()(const capability_data& r) {
        out.raw("* ");
        write(out, r.capabilities);
    }
    void operator()(const list_data& r) {
        out.raw(r.lsub ? "* LSUB (" : "* LIST (");
        bool first = true;
        for (const auto a : r.attributes) {
            if (!std::exchange(first, false)) out.sp();
            out.raw(to_string(a));
        }
        for (const auto& a : r.other_attributes) {
            if (!std::exchange(first, false)) out.sp();
            out.raw('\\').raw(a);
        }
        out.raw(") ");
        write_delimiter(out, r.delimiter);
        out.sp();
        write(out, r.mailbox);
        if (r.childinfo.empty() && !r.oldname && r.extended.empty()) return;
        // RFC 5258 section 9: SP "(" mbox-list-extended-item *(SP ...) ")",
        // each item `tag SP tagged-ext-val`.
        out.raw(" (");
        first = true;
        if (!r.childinfo.empty()) {
            first = false;
            out.raw("\"CHILDINFO\" (");
            for (std::size_t i = 0; i < r.childinfo.size(); ++i) {
                if (i > 0) out.sp();
                out.string(r.childinfo[i]);
            }
            out.raw(')');
        }
        if (r.oldname) {
            if (!std::exchange(first, false)) out.sp();
            out.raw("\"OLDNAME\" (");  // RFC 9051 section 9: mbox-list-oldname
            write(out, *r.oldname);
            out.raw(')');
        }
        for (const auto& item : r.extended) {
            if (!std::exchange(first, false)) out.sp();
            out.astring(item.first).sp();
            write_tagged_ext(out, item.second);
        }
        out.raw(')');
    }
    void operator()(const status_data& r) {
        out.raw("* STATUS ");
        write(out, r.mailbox);
        out.raw(" (");
        for (std::size_t i = 0; i < r.items.size(); ++i) {
            if (i > 0) out.sp();
            write(out, r.items[i].first);
            out.sp().number(r.items[i].second);
        }
        out.raw(')');
    }
    void operator()(const search_data& r) {
        out.raw("* SEARCH");
        for (auto n : r.numbers) out.sp().number(n);
        if (r.modseq) out.raw(" (MODSEQ ").number(*r.modseq).raw(')');
    }
    void operator()(const esearch_data& r) {
        out.raw("* ESEARCH");
        if (r.correlator) {
            out.raw(" (TAG ");
            out.string(r.correlator->str());
            out.raw(')');
        }
        if (r.uid) out.raw(" UID");
        if (r.min) out.raw(" MIN ").number(*r.min);
        if (r.max) out.raw(" MAX ").number(*r.max);
        if (r.all) {
            out.raw(" ALL ");
            write(out, *r.all);
        }
        if (r.count) out.raw(" COUNT ").number(*r.count);
        if (r.modseq) out.raw(" MODSEQ ").number(*r.modseq);
    }
    void operator()(const flags_data& r) {
        out.raw("* FLAGS ");
        write(out, r.flags);
    }
    void operator()(const exists_data& r) { out.raw("* ").number(r.count).raw(" EXISTS"); }
    void operator()(const recent_data& r) { out.raw("* ").number(r.count).raw(" RECENT"); }
    void operator()(const expunge_data& r) {
        MAILACCESS_ASSERT(r.seq != 0);
        out.raw("* ").number(r.seq).raw(" EXPUNGE");
    }
    void operator()(const vanished_data& r) {
        out.raw(r.earlier ? "* VANISHED (EARLIER) " : "* VANISHED ");
        write(out, r.uids);
    }
    void operator()(const enabled_data& r) {
        out.raw("* ENABLED");
        for (const auto& c : r.capabilities) {
            out.sp();
            write(out, c);
        }
    }
    void operator()(const id_data& r) {
        out.raw("* ID ");
        if (!r.fields) {
            out.raw("NIL");
            return;
        }
        out.raw('(');
        for (std::size_t i = 0; i < r.fields->size(); ++i) {
            if (i > 0) out.sp();
            out.string((*r.fields)[i].first).sp().nstring((*r.fields)[i].second);
        }
        out.raw(')');
    }
    void write_namespaces(const std::vector<namespace_descr>& list) {
        if (list.empty()) {
            out.raw("NIL");
            return;
        }
        out.raw('(');
        for (const auto& d : list) {
            out.raw('(').string(d.prefix).sp();
            write_delimiter(out, d.delimiter);
            out.raw(')');
        }
        out.raw(')');
    }
    void operator()(const namespace_data& r) {
        out.raw("* NAMESPACE ");
        write_namespaces(r.personal);
        out.sp();
        write_namespaces(r.other_users);
        out.sp();
        write_namespaces(r.shared);
    }
    void operator()(const quota_data& r) {
        out.raw("* QUOTA ").astring(r.root).raw(" (");
        for (std::size_t i = 0; i < r.resources.size(); ++i) {
            if (i > 0) out.sp();
            out.raw(r.resources[i].name).sp().number(r.resources[i].usage).sp().number(r.resources[i].limit);
        }
        out.raw(')');
    }
    void operator()(const quotaroot_data& r) {
        out.raw("* QUOTAROOT ");
        write(out, r.mailbox);
        for (const auto& root : r.roots) out.sp().astring(root);
    }
    void operator()(const fetch_data& r) {
        MAILACCESS_ASSERT(r.seq != 0 && !r.items.empty());
        out.raw("* ").number(r.seq).raw(" FETCH (");
        for (std::size_t i = 0; i < r.items.size(); ++i) {
            if (i > 0) out.sp();
            std::visit(*this, r.items[i]);
        }
        out.raw(')');
    }
    void operator()(const fetch_item_types::uid& r) { out.raw("UID ").number(r.value); }
    void operator()(const fetch_item_types::flags& r) {
        out.raw("FLAGS ");
        write(out, r.value);
    }
    void operator()(const fetch_item_types::internaldate& r) {
        out.raw("INTERNALDATE ");
        write(out, r.value);
    }
    void operator()(const fetch_item_types::rfc822_size& r) { out.raw("RFC822.SIZE ").number(r.value); }
    void operator()(const fetch_item_types::modseq& r) { out.raw("MODSEQ (").number(r.value).raw(')'); }
    void operator()(const fetch_item_types::envelope& r) {
        out.raw("ENVELOPE ");
        write(out, r.value);
    }
    void operator()(const fetch_item_types::envelope_wire& r) { out.raw("ENVELOPE ").raw(r.value.text()); }
    void operator()(const fetch_item_types::body& r) {
        out.raw(r.extended ? "BODYSTRUCTURE " : "BODY ");
        write(out, r.value, r.extended);
    }
    void operator()(const fetch_item_types::binary_size& r) {
        out.raw("BINARY.SIZE");
        write_section_binary(out, r.part);
        out.sp().number(r.value);
    }
    void operator()(const fetch_body_section& r) {
        const bool binary = r.form == body_item_form::binary;
        switch (r.form) {
            case body_item_form::body:
                out.raw("BODY");
                write(out, r.section);
                break;
            case body_item_form::binary:
                out.raw("BINARY");
                write_section_binary(out, r.section.part());
                break;
            case body_item_form::rfc822: out.raw("RFC822"); break;
            case body_item_form::rfc822_header: out.raw("RFC822.HEADER"); break;
            case body_item_form::rfc822_text: out.raw("RFC822.TEXT"); break;
        }
        if (r.origin && (r.form == body_item_form::body || binary)) out.raw('<').number(*r.origin).raw('>');
        out.sp();
        if (r.streamed_size) {
            MAILACCESS_ASSERT(slots != nullptr);
            // The caller streams the octets; only the announcement is ours.
            // BINARY data may hold NUL, so it is always literal8 (RFC 3516).
            out.raw(binary ? "~{" : "{").number(*r.streamed_size).raw('}').crlf();
            slots->push_back({out.buffer().size(), *r.streamed_size});
        } else if (binary && r.data) {
            out.literal8(*r.data);
        } else {
            out.nstring(r.data);
        }
    }
};

}  // namespace

std::string_view to_string(response_code_kind k) noexcept { return code_names[static_cast<std::size_t>(k)]; }

std::string_view to_string(mailbox_attribute a) noexcept {
    return attribute_names[static_cast<std::size_t>(a)];
}

void write(writer& out, const response_code& c) {
    using k = response_code_kind;
    if (c.kind == k::other) {
        out.raw(c.name);
        if (!c.other_text.empty()) {
            out.sp();
            std::string clean(c.other_text);
            for (char& ch : clean)
                if (ch == '\r' || ch == '\n' || ch == '\0' || ch == ']') ch = ' ';
            out.raw(clean);
        }
        return;
    }
    out.raw(to_string(c.kind));
    switch (c.kind) {
        case k::badcharset:
            if (!c.charsets.empty()) {
                out.raw(" (");
                for (std::size_t i = 0; i < c.charsets.size(); ++i) {
                    if (i > 0) out.sp();
                    out.astring(c.charsets[i]);
                }
                out.raw(')');
            }
            break;
        case k::capability:
            for (const auto& cap : c.capabilities) {
                out.sp();
                write(out, cap);
            }
            break;
        case k::permanentflags:
            out.sp();
            write(out, c.flags);
            break;
        case k::uidnext:
        case k::uidvalidity:
        case k::unseen:
        case k::highestmodseq: out.sp().number(c.number); break;
        case k::appenduid:
            MAILACCESS_ASSERT(c.dest_uids.has_value());
            out.sp().number(c.number).sp();
            write(out, *c.dest_uids);
            break;
        case k::copyuid:
            MAILACCESS_ASSERT(c.source_uids.has_value() && c.dest_uids.has_value());
            out.sp().number(c.number).sp();
            write(out, *c.source_uids);
            out.sp();
            write(out, *c.dest_uids);
            break;
        case k::modified:
            MAILACCESS_ASSERT(c.source_uids.has_value());
            out.sp();
            write(out, *c.source_uids);
            break;
        default: break;
    }
}

void write(writer& out, const envelope& e) {
    // envelope = "(" env-date SP env-subject SP env-from SP env-sender SP
    //            env-reply-to SP env-to SP env-cc SP env-bcc SP
    //            env-in-reply-to SP env-message-id ")"
    out.raw('(').nstring(e.date).sp().nstring(e.subject).sp();
    write_addresses(out, e.from);
    out.sp();
    write_addresses(out, e.sender);
    out.sp();
    write_addresses(out, e.reply_to);
    out.sp();
    write_addresses(out, e.to);
    out.sp();
    write_addresses(out, e.cc);
    out.sp();
    write_addresses(out, e.bcc);
    out.sp().nstring(e.in_reply_to).sp().nstring(e.message_id).raw(')');
}

envelope_text envelope_text::from(const envelope& e) {
    writer w;  // no UTF8=ACCEPT: 8-bit strings become literals, valid everywhere
    write(w, e);
    return envelope_text(std::string(w.buffer()));
}

void write(writer& out, const body_structure& b, bool extended) {
    out.raw('(');
    if (b.type == body_structure::kind::multipart) {
        MAILACCESS_ASSERT(!b.parts.empty());
        // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
        for (const auto& p : b.parts) write(out, p, extended);
        out.sp().string(b.media_subtype);
        if (extended) {
            out.sp();
            write_params(out, b.params);
            write_extension_tail(out, b);
        }
        out.raw(')');
        return;
    }
    // body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]
    out.string(b.media_type).sp().string(b.media_subtype).sp();
    write_params(out, b.params);
    out.sp().nstring(b.id).sp().nstring(b.description).sp().string(b.encoding).sp().number(b.octets);
    if (b.type == body_structure::kind::message) {
        MAILACCESS_ASSERT(b.parts.size() == 1);
        out.sp();
        write(out, b.message_envelope);
        out.sp();
        write(out, b.parts.front(), extended);
        out.sp().number(b.lines);
    } else if (b.type == body_structure::kind::text) {
        out.sp().number(b.lines);
    }
    if (extended) {
        out.sp().nstring(b.md5);
        write_extension_tail(out, b);
    }
    out.raw(')');
}

void write(writer& out, const response& value, std::vector<stream_slot>* slots) {
    std::visit(data_writer{out, slots}, value);
    out.crlf();
}

}  // namespace mailaccess::imap
