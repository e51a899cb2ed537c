#include <mailaccess/imap/command.hpp>

#include <mailaccess/core/assert.hpp>

#include <type_traits>

namespace mailaccess::imap {
namespace {

// list-mailbox: bare when every octet is a list-char, else a string.
void write_list_mailbox(writer& out, const std::string& pattern) {
    bool bare = !pattern.empty();
    for (char c : pattern)
        if (!is_astring_char(c) && c != '%' && c != '*') bare = false;
    if (bare)
        out.raw(pattern);
    else
        out.string(pattern);
}

void write_atoms(writer& out, const std::vector<atom>& atoms) {
    out.raw('(');
    for (std::size_t i = 0; i < atoms.size(); ++i) {
        if (i > 0) out.sp();
        write(out, atoms[i]);
    }
    out.raw(')');
}

void write_select(writer& out, std::string_view name, const cmd::select_params& p) {
    out.raw(name).sp();
    write(out, p.mailbox);
    if (!p.condstore && !p.qresync) return;
    out.raw(" (");
    if (p.condstore) out.raw("CONDSTORE");
    if (p.qresync) {
        const auto& q = *p.qresync;
        if (p.condstore) out.sp();
        out.raw("QRESYNC (").number(q.uidvalidity).sp().number(q.modseq);
        if (q.known_uids) {
            out.sp();
            write(out, *q.known_uids);
        }
        if (q.seq_match) {
            out.raw(" (");
            write(out, q.seq_match->first);
            out.sp();
            write(out, q.seq_match->second);
            out.raw(')');
        }
        out.raw(')');
    }
    out.raw(')');
}

void write_uid(writer& out, bool uid, std::string_view name) {
    if (uid) out.raw("UID ");
    out.raw(name);
}

void write_body(writer& out, const command::body_type& body) {
    std::visit(
        [&out](const auto& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, cmd::capability>) {
                out.raw("CAPABILITY");
            } else if constexpr (std::is_same_v<T, cmd::noop>) {
                out.raw("NOOP");
            } else if constexpr (std::is_same_v<T, cmd::logout>) {
                out.raw("LOGOUT");
            } else if constexpr (std::is_same_v<T, cmd::starttls>) {
                out.raw("STARTTLS");
            } else if constexpr (std::is_same_v<T, cmd::authenticate>) {
                out.raw("AUTHENTICATE ");
                write(out, c.mechanism);
                if (c.initial_response) {
                    // RFC 4959 section 3: "=" stands for an empty response.
                    const std::string_view ir = c.initial_response->reveal();
                    out.sp().raw(ir.empty() ? std::string_view("=") : ir);
                }
            } else if constexpr (std::is_same_v<T, cmd::login>) {
                out.raw("LOGIN ").astring(c.username).sp().astring(c.password.reveal());
            } else if constexpr (std::is_same_v<T, cmd::select>) {
                write_select(out, "SELECT", c);
            } else if constexpr (std::is_same_v<T, cmd::examine>) {
                write_select(out, "EXAMINE", c);
            } else if constexpr (std::is_same_v<T, cmd::create>) {
                out.raw("CREATE ");
                write(out, c.mailbox);
            } else if constexpr (std::is_same_v<T, cmd::delete_>) {
                out.raw("DELETE ");
                write(out, c.mailbox);
            } else if constexpr (std::is_same_v<T, cmd::rename>) {
                out.raw("RENAME ");
                write(out, c.from);
                out.sp();
                write(out, c.to);
            } else if constexpr (std::is_same_v<T, cmd::subscribe>) {
                out.raw("SUBSCRIBE ");
                write(out, c.mailbox);
            } else if constexpr (std::is_same_v<T, cmd::unsubscribe>) {
                out.raw("UNSUBSCRIBE ");
                write(out, c.mailbox);
            } else if constexpr (std::is_same_v<T, cmd::list>) {
                MAILACCESS_ASSERT(!c.patterns.empty());
                out.raw("LIST ");
                if (!c.selection.empty()) {
                    write_atoms(out, c.selection);
                    out.sp();
                }
                write(out, c.reference);
                out.sp();
                if (c.patterns.size() != 1) out.raw('(');
                for (std::size_t i = 0; i < c.patterns.size(); ++i) {
                    if (i > 0) out.sp();
                    write_list_mailbox(out, c.patterns[i]);
                }
                if (c.patterns.size() != 1) out.raw(')');
                if (!c.return_options.empty() || c.return_status) {
                    out.raw(" RETURN (");
                    for (std::size_t i = 0; i < c.return_options.size(); ++i) {
                        if (i > 0) out.sp();
                        write(out, c.return_options[i]);
                    }
                    if (c.return_status) {
                        if (!c.return_options.empty()) out.sp();
                        out.raw("STATUS ");
                        write(out, *c.return_status);
                    }
                    out.raw(')');
                }
            } else if constexpr (std::is_same_v<T, cmd::lsub>) {
                out.raw("LSUB ");
                write(out, c.reference);
                out.sp();
                write_list_mailbox(out, c.pattern);
            } else if constexpr (std::is_same_v<T, cmd::status>) {
                out.raw("STATUS ");
                write(out, c.mailbox);
                out.sp();
                write(out, c.atts);
            } else if constexpr (std::is_same_v<T, cmd::append>) {
                MAILACCESS_ASSERT(!c.messages.empty());
                out.raw("APPEND ");
                write(out, c.mailbox);
                for (const auto& m : c.messages) {
                    out.sp();
                    if (!m.flags.empty()) {
                        write(out, m.flags);
                        out.sp();
                    }
                    if (m.internal_date) {
                        write(out, *m.internal_date);
                        out.sp();
                    }
                    // A streamed message's octets come from the caller
                    // (client_session::send_literal_data).
                    if (m.streamed)
                        out.literal_slot(m.size, m.binary);
                    else if (m.binary)
                        out.literal8(m.data);
                    else
                        out.literal(m.data);
                }
            } else if constexpr (std::is_same_v<T, cmd::enable>) {
                MAILACCESS_ASSERT(!c.capabilities.empty());
                out.raw("ENABLE");
                for (const auto& cap : c.capabilities) {
                    out.sp();
                    write(out, cap);
                }
            } else if constexpr (std::is_same_v<T, cmd::id>) {
                out.raw("ID ");
                if (!c.params) {
                    out.raw("NIL");
                } else {
                    out.raw('(');
                    for (std::size_t i = 0; i < c.params->size(); ++i) {
                        if (i > 0) out.sp();
                        out.string((*c.params)[i].first).sp().nstring((*c.params)[i].second);
                    }
                    out.raw(')');
                }
            } else if constexpr (std::is_same_v<T, cmd::namespace_>) {
                out.raw("NAMESPACE");
            } else if constexpr (std::is_same_v<T, cmd::compress>) {
                out.raw("COMPRESS ");
                write(out, c.algorithm);
            } else if constexpr (std::is_same_v<T, cmd::idle>) {
                out.raw("IDLE");
            } else if constexpr (std::is_same_v<T, cmd::getquota>) {
                out.raw("GETQUOTA ").astring(c.root);
            } else if constexpr (std::is_same_v<T, cmd::getquotaroot>) {
                out.raw("GETQUOTAROOT ");
                write(out, c.mailbox);
            } else if constexpr (std::is_same_v<T, cmd::setquota>) {
                out.raw("SETQUOTA ").astring(c.root).raw(" (");
                for (std::size_t i = 0; i < c.limits.size(); ++i) {
                    if (i > 0) out.sp();
                    write(out, c.limits[i].first);
                    out.sp().number(c.limits[i].second);
                }
                out.raw(')');
            } else if constexpr (std::is_same_v<T, cmd::check>) {
                out.raw("CHECK");
            } else if constexpr (std::is_same_v<T, cmd::close>) {
                out.raw("CLOSE");
            } else if constexpr (std::is_same_v<T, cmd::unselect>) {
                out.raw("UNSELECT");
            } else if constexpr (std::is_same_v<T, cmd::expunge>) {
                out.raw("EXPUNGE");
            } else if constexpr (std::is_same_v<T, cmd::uid_expunge>) {
                out.raw("UID EXPUNGE ");
                write(out, c.uids);
            } else if constexpr (std::is_same_v<T, cmd::search>) {
                MAILACCESS_ASSERT(!c.keys.empty());
                write_uid(out, c.uid, "SEARCH");
                if (c.return_options) {
                    out.raw(" RETURN ");
                    write_atoms(out, *c.return_options);
                }
                if (c.charset) out.raw(" CHARSET ").astring(*c.charset);
                for (const auto& key : c.keys) {
                    out.sp();
                    write(out, key);
                }
            } else if constexpr (std::is_same_v<T, cmd::fetch>) {
                write_uid(out, c.uid, "FETCH ");
                write(out, c.set);
                out.sp();
                write(out, c.atts);
                if (c.changedsince) {
                    out.raw(" (CHANGEDSINCE ").number(*c.changedsince);
                    if (c.vanished) out.raw(" VANISHED");
                    out.raw(')');
                }
            } else if constexpr (std::is_same_v<T, cmd::store>) {
                write_uid(out, c.uid, "STORE ");
                write(out, c.set);
                if (c.unchangedsince) out.raw(" (UNCHANGEDSINCE ").number(*c.unchangedsince).raw(')');
                out.sp();
                write(out, c.action);
            } else {
                static_assert(std::is_same_v<T, cmd::copy> || std::is_same_v<T, cmd::move>,
                              "command not handled");
                write_uid(out, c.uid, std::is_same_v<T, cmd::copy> ? "COPY " : "MOVE ");
                write(out, c.set);
                out.sp();
                write(out, c.mailbox);
            }
        },
        body);
}

}  // namespace

void write(writer& out, const command& value) {
    write(out, value.tag);
    out.sp();
    write_body(out, value.body);
    out.crlf();
}

std::string_view command_name(const command& value) noexcept {
    static constexpr std::string_view names[] = {
        "CAPABILITY",  "NOOP",         "LOGOUT",   "STARTTLS", "AUTHENTICATE", "LOGIN",       "SELECT",
        "EXAMINE",     "CREATE",       "DELETE",   "RENAME",   "SUBSCRIBE",    "UNSUBSCRIBE", "LIST",
        "LSUB",        "STATUS",       "APPEND",   "ENABLE",   "ID",           "NAMESPACE",   "IDLE",
        "GETQUOTA",    "GETQUOTAROOT", "SETQUOTA", "CHECK",    "CLOSE",        "UNSELECT",    "EXPUNGE",
        "UID EXPUNGE", "SEARCH",       "FETCH",    "STORE",    "COPY",         "MOVE",        "COMPRESS"};
    static_assert(std::size(names) == std::variant_size_v<command::body_type>);
    const std::string_view name = names[value.body.index()];
    bool uid = false;
    std::visit(
        [&uid](const auto& c) {
            if constexpr (requires { c.uid; }) uid = c.uid;
        },
        value.body);
    if (!uid) return name;
    if (name == "SEARCH") return "UID SEARCH";
    if (name == "FETCH") return "UID FETCH";
    if (name == "STORE") return "UID STORE";
    if (name == "COPY") return "UID COPY";
    return "UID MOVE";
}

}  // namespace mailaccess::imap
