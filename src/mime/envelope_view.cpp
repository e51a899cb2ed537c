#include <mailaccess/mime/envelope_view.hpp>

#include <mailaccess/core/ascii.hpp>
#include <mailaccess/mime/address.hpp>
#include <mailaccess/mime/header_field.hpp>

#include <algorithm>
#include <utility>
#include <vector>

namespace mailaccess::mime {
namespace {

// At most this many addresses per ENVELOPE list, whatever the number of
// fields (a hostile header can repeat From: thousands of times).
constexpr std::size_t max_addresses = 10000;

void append_addresses(std::vector<imap::address>& out, std::string_view value) {
    if (out.size() >= max_addresses) return;
    address_list_options options;
    options.max_entries = max_addresses - out.size();
    for (auto& a : parse_address_list(value, options)) {
        imap::address x;
        if (a.name) x.name = normalize_for_humans(*a.name);
        x.adl = std::move(a.adl);
        x.mailbox = std::move(a.mailbox);
        x.host = std::move(a.host);
        out.push_back(std::move(x));
    }
}

void replace_nul(std::optional<std::string>& s) {
    if (s) std::replace(s->begin(), s->end(), '\0', '\x80');
}

// IMAP strings cannot carry NUL (RFC 3501 section 4.3): 0x80, as Dovecot
// does (README item 28).
void replace_nul(imap::envelope& e) {
    replace_nul(e.date);
    replace_nul(e.subject);
    replace_nul(e.in_reply_to);
    replace_nul(e.message_id);
    for (auto* list : {&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc})
        for (auto& a : *list) {
            replace_nul(a.name);
            replace_nul(a.adl);
            replace_nul(a.mailbox);
            replace_nul(a.host);
        }
}

}  // namespace

std::string normalize_for_humans(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    bool pending_space = false;
    for (char c : value) {
        if (c == '\r' || c == '\n') continue;
        if (c == ' ' || c == '\t') {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out.push_back(' ');
        pending_space = false;
        out.push_back(c == '\0' ? '\x80' : c);
    }
    return out;
}

imap::envelope make_envelope(std::string_view header) {
    imap::envelope e;
    for (const header_field_view& f : header_fields_view(header)) {
        if (!f.has_colon) continue;
        const std::string_view n = f.name;
        // README items 18 and 29-30: the last Date, Subject, Message-ID and
        // In-Reply-To; the addresses of every occurrence, in order.
        if (iequals(n, "Date"))
            e.date = f.unfolded_value();
        else if (iequals(n, "Subject"))
            e.subject = normalize_for_humans(f.value);
        else if (iequals(n, "Message-ID"))
            e.message_id = f.unfolded_value();
        else if (iequals(n, "In-Reply-To"))
            e.in_reply_to = f.unfolded_value();
        else if (iequals(n, "From"))
            append_addresses(e.from, f.value);
        else if (iequals(n, "Sender"))
            append_addresses(e.sender, f.value);
        else if (iequals(n, "Reply-To"))
            append_addresses(e.reply_to, f.value);
        else if (iequals(n, "To"))
            append_addresses(e.to, f.value);
        else if (iequals(n, "Cc"))
            append_addresses(e.cc, f.value);
        else if (iequals(n, "Bcc"))
            append_addresses(e.bcc, f.value);
    }
    // RFC 3501 section 7.4.2: a missing Sender or Reply-To is From
    // (Dovecot also when the field is present but empty, README item 30).
    if (e.sender.empty()) e.sender = e.from;
    if (e.reply_to.empty()) e.reply_to = e.from;
    if (header.find('\0') != std::string_view::npos) replace_nul(e);
    return e;
}

}  // namespace mailaccess::mime
