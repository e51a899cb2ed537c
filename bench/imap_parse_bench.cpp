// IMAP codec throughput (issue [2/7]): the framer alone, then the framer
// with the grammar parser (parse_response / parse_command), and for the
// FETCH stream the framer with the zero-copy parse_fetch_view, on three
// realistic streams, next to a memchr-for-LF walk over the same bytes in
// the same run:
//
// - fetch:    a server's answer to a header sync, `UID FETCH 1:* (UID FLAGS
//             INTERNALDATE RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (...)])`,
//             for N messages (varied envelopes, 300-1500 byte header
//             literals), then the tagged OK; read by a client framer;
// - append:   APPENDs of 2-200 KiB messages (log-uniform) with `{N+}`
//             literals, flags and dates; those above the framer's 64 KiB
//             streaming threshold are streamed; read by a server framer;
// - commands: a mix of small commands (UID FETCH, NOOP, UID STORE, SEARCH,
//             SELECT, STATUS, IDLE/DONE, ...); read by a server framer.
//
// The streams are synthesized in memory from a fixed seed, the FETCH
// responses and APPENDs through the library's own serializers. The framer
// is fed in --chunk byte pieces through prepare/commit, as a socket read
// would fill it. Every measurement is the median of --runs timed runs; one
// more untimed run counts heap allocations (global operator new is replaced
// below): per message, and per literal byte and per literal as the
// least-squares coefficients of a message's allocations over its literal
// bytes and literal count (~0 per byte means no allocation per literal byte).
//
// Usage: imap_parse_bench [--messages N] [--appends N] [--commands N] [--runs N]
//        [--chunk N] [--stream all|fetch|append|commands] [--pass all|baseline|framer|parser|view]
//        [--dump fetch|append|commands]   (writes that stream's bytes to stdout instead)
#include "bench.hpp"

#include <support/xorshift.hpp>

#include <mailaccess/core/base64.hpp>
#include <mailaccess/imap/command.hpp>
#include <mailaccess/imap/fetch_view.hpp>
#include <mailaccess/imap/framer.hpp>
#include <mailaccess/imap/response.hpp>
#include <mailaccess/imap/writer.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

// --- allocation accounting ----------------------------------------------------
// The benchmark is single-threaded, so plain counters suffice.

namespace {

std::uint64_t g_alloc_count = 0;
std::uint64_t g_alloc_bytes = 0;

void* counted_malloc(std::size_t n) noexcept {
    ++g_alloc_count;
    g_alloc_bytes += n;
    return std::malloc(n == 0 ? 1 : n);
}

void* counted_aligned(std::size_t n, std::align_val_t al) noexcept {
    ++g_alloc_count;
    g_alloc_bytes += n;
    void* p = nullptr;
    const auto a = std::max(static_cast<std::size_t>(al), sizeof(void*));
    return ::posix_memalign(&p, a, n == 0 ? 1 : n) == 0 ? p : nullptr;
}

// Out of line, so that GCC does not see free() of an operator new pointer.
[[gnu::noinline]] void counted_free(void* p) noexcept { std::free(p); }

void* checked(void* p) {
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

}  // namespace

void* operator new(std::size_t n) { return checked(counted_malloc(n)); }
void* operator new[](std::size_t n) { return checked(counted_malloc(n)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_malloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_malloc(n); }
void* operator new(std::size_t n, std::align_val_t al) { return checked(counted_aligned(n, al)); }
void* operator new[](std::size_t n, std::align_val_t al) { return checked(counted_aligned(n, al)); }
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
    return counted_aligned(n, al);
}
void* operator new[](std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
    return counted_aligned(n, al);
}
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { counted_free(p); }

namespace imap = mailaccess::imap;
using mailaccess::bench::report;
using mailaccess::bench::time_runs;

namespace {

struct options {
    std::size_t messages = 100000;  // FETCH responses
    std::size_t appends = 2000;
    std::size_t commands = 1000000;
    int runs = 5;
    std::size_t chunk = 64 * 1024;
    std::string stream = "all";
    std::string pass = "all";
    std::string dump;  // write this stream's bytes to stdout instead of measuring
};

using mailaccess::bench::die;

options parse_args(int argc, char** argv) {
    options o;
    mailaccess::bench::args a(argc, argv,
                              "[--messages N] [--appends N] [--commands N] [--runs N] [--chunk N] "
                              "[--stream all|fetch|append|commands] [--pass all|baseline|framer|parser|view] "
                              "[--dump fetch|append|commands]");
    while (a.next()) {
        const std::string& v = a.value();
        if (a.is("--messages"))
            o.messages = a.number();
        else if (a.is("--appends"))
            o.appends = a.number();
        else if (a.is("--commands"))
            o.commands = a.number();
        else if (a.is("--runs"))
            o.runs = static_cast<int>(a.number());
        else if (a.is("--chunk"))
            o.chunk = a.number();
        else if (a.is("--stream") && (v == "all" || v == "fetch" || v == "append" || v == "commands"))
            o.stream = v;
        else if (a.is("--pass") &&
                 (v == "all" || v == "baseline" || v == "framer" || v == "parser" || v == "view"))
            o.pass = v;
        else if (a.is("--dump") && (v == "fetch" || v == "append" || v == "commands"))
            o.dump = v;
        else
            a.unknown();
    }
    return o;
}

using rng = mailaccess::test::xorshift;

constexpr std::uint64_t seed = 0x696d61702d626e63ull;

// "A<n>" (not `"A" + std::to_string(n)`, which trips GCC 12's -Wrestrict).
std::string tag_text(std::size_t n) {
    std::string t = "A";
    t += std::to_string(n);
    return t;
}

template <class T>
T value_of(mailaccess::result<T> r, const char* what) {
    if (!r) die(std::string(what) + ": " + r.error().message());
    return std::move(*r);
}

// --- realistic mail text ---------------------------------------------------------

constexpr std::string_view first_names[] = {
    "Alice", "Bob",    "Carol",    "David", "Emma",  "Frank", "Grace", "Henry", "Jörg",  "Zoë",
    "José",  "Łukasz", "François", "Søren", "Иван",  "Wei",   "Aiko",  "Mario", "Priya", "Sean",
    "Olga",  "Ahmed",  "Mei",      "Lars",  "Chloé", "Raúl",  "Yusuf", "Nadia", "Tom",   "Ingrid"};
constexpr std::string_view last_names[] = {
    "Johnson", "Müller",  "Smith",   "García", "O'Brien", "Nguyen", "Kowalski", "Dubois", "Rossi",
    "Tanaka",  "Petrov",  "Schmidt", "Brown",  "Jensen",  "Silva",  "Novák",    "Öztürk", "Wang",
    "Larsen",  "Fischer", "Moreau",  "Ivanov", "Kim",     "Haddad", "Weiß",     "Lefèvre"};
constexpr std::string_view domains[] = {"example.com",      "example.org",       "mail.example.net",
                                        "corp.example.com", "lists.example.org", "example.de",
                                        "uni-example.edu",  "example.co.uk"};
constexpr std::string_view subjects[] = {"Quarterly budget review",
                                         "Invoice #{} for services",
                                         "Meeting notes — Q3 planning",
                                         "Re: \"urgent\" request from the client",
                                         "Weekly status update",
                                         "Ihre Bestellung wurde versandt",
                                         "Réunion de lundi : ordre du jour",
                                         "Build failed on main (commit {})",
                                         "Lunch on Friday?",
                                         "[dev-list] Patch v{}: fix the parser \\ framer split",
                                         "Вопрос по договору",
                                         "Your account statement is ready",
                                         "Travel plans: Zürich → Göteborg",
                                         "Release {} is out",
                                         "Feedback on the draft",
                                         "Fwd: Photos from the weekend"};
constexpr std::string_view words[] = {
    "the",     "meeting", "report",   "attached", "please",   "review",  "budget", "quarter",  "thanks",
    "regards", "project", "schedule", "update",   "client",   "invoice", "draft",  "tomorrow", "agenda",
    "server",  "release", "notes",    "question", "follow",   "up",      "team",   "weekly",   "numbers",
    "final",   "für",     "résumé",   "naïve",    "deadline", "budget",  "ok",     "see",      "below"};

bool is_ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

std::string ascii_local(std::string_view s) {
    std::string out;
    for (char c : s)
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) out += static_cast<char>(c | 0x20);
    return out.empty() ? std::string("user") : out;
}

// RFC 2047 "Q" encoded word.
std::string encoded_word_q(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out = "=?UTF-8?Q?";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == ' ') {
            out += '_';
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            out += c;
        } else {
            out += '=';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out + "?=";
}

std::string encoded_word_b(std::string_view s) { return "=?UTF-8?B?" + mailaccess::base64_encode(s) + "?="; }

std::string fill_number(std::string_view pattern, std::uint64_t n) {
    std::string s(pattern);
    const auto at = s.find("{}");
    if (at != std::string::npos) s.replace(at, 2, std::to_string(n));
    return s;
}

struct person {
    std::optional<std::string> envelope_name;  // as the ENVELOPE carries it
    std::string header_name;                   // as the header carries it ("" for none)
    std::string mailbox, host;
};

person make_person(rng& r) {
    const std::string_view first = r.pick(first_names);
    const std::string_view last = r.pick(last_names);
    const std::string full = std::string(first) + " " + std::string(last);
    person p;
    p.mailbox = ascii_local(first) + "." + ascii_local(last);
    if (r.chance(0.2)) p.mailbox += std::to_string(r.between(1, 99));
    p.host = std::string(r.pick(domains));
    const double form = r.unit();
    if (form < 0.12) {
        // No display name: NIL.
    } else if (form < 0.22) {
        // "Last, First": a quoted display name in the header.
        const std::string n = std::string(last) + ", " + std::string(first);
        if (is_ascii(n)) {
            p.envelope_name = n;  // the phrase without its quotes
            p.header_name = "\"" + n + "\"";
        } else {
            p.envelope_name = encoded_word_q(n);
            p.header_name = *p.envelope_name;
        }
    } else if (form < 0.27) {
        const std::string n =
            std::string(first) + " \"" + std::string(r.pick(words)) + "\" " + std::string(last);
        p.envelope_name = n;  // quotes inside: escaped by the writer
        p.header_name = "\"" + std::string(first) + " \\\"x\\\" " + std::string(last) + "\"";
    } else if (!is_ascii(full) && form < 0.45) {
        // Raw UTF-8 in the header (RFC 6532): the ENVELOPE needs a literal.
        p.envelope_name = full;
        p.header_name = full;
    } else if (!is_ascii(full)) {
        p.envelope_name = r.chance(0.7) ? encoded_word_q(full) : encoded_word_b(full);
        p.header_name = *p.envelope_name;
    } else {
        p.envelope_name = full;
        p.header_name = full;
    }
    return p;
}

imap::address to_address(const person& p) {
    imap::address a;
    a.name = p.envelope_name;
    a.mailbox = p.mailbox;
    a.host = p.host;
    return a;
}

std::string header_address(const person& p) {
    const std::string addr = p.mailbox + "@" + p.host;
    return p.header_name.empty() ? addr : p.header_name + " <" + addr + ">";
}

// A header field folded at about 76 columns (RFC 5322 section 2.2.3).
void add_field(std::string& out, std::string_view name, const std::vector<std::string>& items,
               std::string_view sep) {
    std::size_t col = name.size() + 2;
    out += name;
    out += ": ";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            out += sep;
            col += sep.size();
            if (col + items[i].size() > 76) {
                out += "\r\n ";
                col = 1;
            } else {
                out += ' ';
                ++col;
            }
        }
        out += items[i];
        col += items[i].size();
    }
    out += "\r\n";
}

std::string message_id(rng& r, std::string_view host) {
    return "<" + std::to_string(r.next() % 100000000000ull) + "." + std::to_string(r.next() % 1000000) + "@" +
           std::string(host) + ">";
}

std::string date_header(rng& r, imap::date_time& internal) {
    static constexpr std::string_view days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const int year = static_cast<int>(r.between(2015, 2024));
    const int month = static_cast<int>(r.between(1, 12));
    const int day = static_cast<int>(r.between(1, 28));
    const int hour = static_cast<int>(r.between(0, 23));
    const int minute = static_cast<int>(r.between(0, 59));
    const int second = static_cast<int>(r.between(0, 59));
    static constexpr int zones[] = {0, 60, 120, -300, -420, 330, 540};
    const int zone = r.pick(zones);
    internal = value_of(imap::date_time::make(value_of(imap::date::make(year, month, day), "date"), hour,
                                              minute, second, zone),
                        "date_time");
    char buf[64];
    const int az = zone < 0 ? -zone : zone;
    std::snprintf(buf, sizeof buf, "%s, %d %s %d %02d:%02d:%02d %c%02d%02d",
                  std::string(r.pick(days)).c_str(), day, std::string(months[month - 1]).c_str(), year, hour,
                  minute, second, zone < 0 ? '-' : '+', az / 60, az % 60);
    return buf;
}

// --- stream (a): header-sync FETCH responses --------------------------------------

struct stream_data {
    std::string bytes;
    nlohmann::json conditions;
};

constexpr std::string_view fetch_fields[] = {"From", "To",         "Cc",         "Subject",
                                             "Date", "Message-ID", "References", "Content-Type"};

stream_data make_fetch_stream(std::size_t n) {
    rng r(seed);
    stream_data s;
    std::vector<std::string> field_names;
    for (auto f : fetch_fields) field_names.emplace_back(f);
    const imap::section_spec section =
        value_of(imap::section_spec::make({}, imap::section_text::header_fields, field_names), "section");
    const std::vector<imap::flag> flag_sets[] = {
        {},
        {imap::flag(imap::flag::kind::seen)},
        {imap::flag(imap::flag::kind::seen)},
        {imap::flag(imap::flag::kind::seen), imap::flag(imap::flag::kind::answered)},
        {imap::flag(imap::flag::kind::seen), value_of(imap::flag::make("$Forwarded"), "flag")},
        {imap::flag(imap::flag::kind::flagged), imap::flag(imap::flag::kind::seen)},
        {imap::flag(imap::flag::kind::recent)},
        {value_of(imap::flag::make("$Junk"), "flag"), value_of(imap::flag::make("NonJunk"), "flag")},
    };
    std::uint64_t header_bytes = 0;
    std::uint32_t uid = 1000;
    std::vector<std::string> thread;  // earlier message ids, for References
    for (std::size_t i = 0; i < n; ++i) {
        uid += static_cast<std::uint32_t>(r.chance(0.8) ? 1 : r.between(2, 40));
        const person from = make_person(r);
        std::vector<person> to(r.between(1, 4)), cc(r.chance(0.4) ? r.between(1, 3) : 0);
        for (auto& p : to) p = make_person(r);
        for (auto& p : cc) p = make_person(r);
        std::string subject = fill_number(r.pick(subjects), r.between(1, 99999));
        if (r.chance(0.3)) subject = "Re: " + subject;
        imap::date_time internal;
        const std::string date = date_header(r, internal);
        const std::string mid = message_id(r, from.host);
        const bool reply = r.chance(0.4) && !thread.empty();
        // The subject as the header (and so the ENVELOPE) carries it.
        std::string subject_field = subject;
        if (!is_ascii(subject) && r.chance(0.6)) subject_field = encoded_word_q(subject);

        // The header literal: the requested fields, 300-1500 octets.
        const std::size_t target = r.between(300, 1500);
        std::string hdr;
        add_field(hdr, "From", {header_address(from)}, ",");
        std::vector<std::string> items;
        for (const auto& p : to) items.push_back(header_address(p));
        add_field(hdr, "To", items, ",");
        if (!cc.empty()) {
            items.clear();
            for (const auto& p : cc) items.push_back(header_address(p));
            add_field(hdr, "Cc", items, ",");
        }
        hdr += "Subject: " + subject_field + "\r\n";
        hdr += "Date: " + date + "\r\n";
        hdr += "Message-ID: " + mid + "\r\n";
        const std::string content_type = r.chance(0.5)
                                             ? "Content-Type: text/plain; charset=\"utf-8\"\r\n"
                                             : "Content-Type: multipart/alternative;\r\n boundary=\"=_" +
                                                   std::to_string(r.next() % 1000000000000ull) + "\"\r\n";
        std::vector<std::string> refs;
        std::size_t refs_size = 12;  // "References: " and CRLF, roughly
        for (std::size_t k = thread.size();
             k > 0 && hdr.size() + content_type.size() + refs_size + 2 < target;) {
            --k;
            refs.insert(refs.begin(), thread[k]);
            refs_size += thread[k].size() + 3;
            if (refs.size() >= thread.size()) break;
        }
        if (!refs.empty()) add_field(hdr, "References", refs, "");
        hdr += content_type;
        hdr += "\r\n";
        header_bytes += hdr.size();
        thread.push_back(mid);
        if (thread.size() > 64) thread.erase(thread.begin());

        imap::envelope env;
        env.date = date;
        env.subject = subject_field;
        env.from = {to_address(from)};
        env.sender = env.from;
        env.reply_to = r.chance(0.1) ? std::vector<imap::address>{to_address(make_person(r))} : env.from;
        for (const auto& p : to) env.to.push_back(to_address(p));
        for (const auto& p : cc) env.cc.push_back(to_address(p));
        if (reply) env.in_reply_to = thread[thread.size() - 2];
        env.message_id = mid;

        imap::fetch_data f;
        f.seq = static_cast<std::uint32_t>(i + 1);
        f.items.emplace_back(imap::fetch_item_types::uid{uid});
        f.items.emplace_back(imap::fetch_item_types::flags{r.pick(flag_sets)});
        f.items.emplace_back(imap::fetch_item_types::internaldate{internal});
        f.items.emplace_back(imap::fetch_item_types::rfc822_size{hdr.size() + r.between(200, 200000)});
        f.items.emplace_back(imap::fetch_item_types::envelope{std::move(env)});
        imap::fetch_body_section body;
        body.form = imap::body_item_form::body;
        body.section = section;
        body.data = std::move(hdr);
        f.items.emplace_back(std::move(body));

        imap::writer w;
        imap::write(w, imap::response(std::move(f)));
        s.bytes += w.buffer();
    }
    imap::status_response done;
    done.tagged = value_of(imap::tag::make("A0007"), "tag");
    done.text = "Fetch completed (0.512 + 0.000 + 0.511 secs).";
    imap::writer w;
    imap::write(w, imap::response(std::move(done)));
    s.bytes += w.buffer();

    s.conditions = {
        {"stream", "fetch_header_sync"},
        {"role", "client"},
        {"request",
         "UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (From To Cc "
         "Subject Date Message-ID References Content-Type)])"},
        {"fetch_responses", n},
        {"header_literal_bytes", "300-1500 uniform"},
        {"mean_header_literal_bytes", n == 0 ? 0 : header_bytes / n},
    };
    return s;
}

// --- stream (b): APPEND-heavy commands ---------------------------------------------

// Text lines to cut message bodies from.
std::string make_text_pool(rng& r, std::size_t size) {
    std::string pool;
    std::size_t line = 0;
    while (pool.size() < size) {
        const std::string_view w = r.pick(words);
        if (line + w.size() + 1 > 76) {
            pool += "\r\n";
            line = 0;
        } else if (line > 0) {
            pool += ' ';
            ++line;
        }
        pool += w;
        line += w.size();
    }
    return pool + "\r\n";
}

stream_data make_append_stream(std::size_t n) {
    rng r(seed ^ 0xa99e4d);
    stream_data s;
    const std::string pool = make_text_pool(r, 512 * 1024);
    const imap::mailbox_name boxes[] = {imap::mailbox_name(),
                                        value_of(imap::mailbox_name::make("Sent"), "mailbox"),
                                        value_of(imap::mailbox_name::make("Sent Items"), "mailbox"),
                                        value_of(imap::mailbox_name::make("Archive/2024"), "mailbox"),
                                        value_of(imap::mailbox_name::make("Entwürfe"), "mailbox")};
    const std::vector<imap::flag> flag_sets[] = {
        {},
        {imap::flag(imap::flag::kind::seen)},
        {imap::flag(imap::flag::kind::seen), imap::flag(imap::flag::kind::draft)},
        {imap::flag(imap::flag::kind::seen), value_of(imap::flag::make("$NotJunk"), "flag")},
    };
    imap::writer_options wo;
    wo.literals = imap::literal_support::literal_plus;  // RFC 7888 LITERAL+
    std::uint64_t message_bytes = 0;
    std::size_t over_threshold = 0;
    std::size_t tag = 1;
    for (std::size_t i = 0; i < n; ++i) {
        // log-uniform 2 KiB .. 200 KiB
        const auto target = static_cast<std::size_t>(2048.0 * std::exp(r.unit() * std::log(100.0)));
        const person from = make_person(r), to = make_person(r);
        imap::date_time internal;
        const std::string date = date_header(r, internal);
        std::string m = "From: " + header_address(from) + "\r\nTo: " + header_address(to) +
                        "\r\nSubject: " + encoded_word_q(fill_number(r.pick(subjects), i)) +
                        "\r\nDate: " + date + "\r\nMessage-ID: " + message_id(r, from.host) +
                        "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        "Content-Transfer-Encoding: 8bit\r\n\r\n";
        while (m.size() < target) {
            const std::size_t at = pool.find("\r\n", r.between(0, pool.size() / 2)) + 2;
            const std::size_t want = std::min(target - m.size(), pool.size() / 2);
            const std::size_t end = pool.find("\r\n", at + want);
            m.append(pool, at, (end == std::string::npos ? pool.size() : end + 2) - at);
        }
        message_bytes += m.size();
        if (m.size() > imap::framer_options{}.streaming_threshold) ++over_threshold;

        imap::cmd::append a;
        a.mailbox = r.pick(boxes);
        imap::cmd::append_message msg;
        msg.flags = r.pick(flag_sets);
        if (r.chance(0.8)) msg.internal_date = internal;
        msg.data = std::move(m);
        a.messages.push_back(std::move(msg));
        imap::writer w(wo);
        imap::write(w, imap::command{value_of(imap::tag::make(tag_text(tag++)), "tag"), std::move(a)});
        s.bytes += w.buffer();
        if (i % 20 == 19) s.bytes += tag_text(tag++) + " NOOP\r\n";
    }
    s.conditions = {
        {"stream", "append"},
        {"role", "server"},
        {"appends", n},
        {"append_message_bytes", "2-200 KiB log-uniform"},
        {"mean_append_message_bytes", n == 0 ? 0 : message_bytes / n},
        {"appends_streamed", over_threshold},
        {"literal_form", "{N+} (LITERAL+)"},
        {"other_commands", "NOOP after every 20 APPENDs"},
    };
    return s;
}

// --- stream (c): small commands ------------------------------------------------------

std::string sequence_set(rng& r, std::uint32_t& top) {
    top += static_cast<std::uint32_t>(r.between(0, 3));
    const double f = r.unit();
    if (f < 0.35) return std::to_string(r.between(1, top));
    if (f < 0.6) {
        const std::size_t a = r.between(1, top);
        return std::to_string(a) + ":" + std::to_string(a + r.between(1, 500));
    }
    if (f < 0.75) return std::to_string(r.between(1, top)) + ":*";
    if (f < 0.9) {
        std::string s;
        const std::size_t k = r.between(2, 6);
        for (std::size_t i = 0; i < k; ++i) {
            if (i > 0) s += ',';
            s += std::to_string(r.between(1, top));
        }
        return s;
    }
    return "1:*";
}

stream_data make_command_stream(std::size_t n) {
    rng r(seed ^ 0xc0ffee);
    stream_data s;
    std::uint32_t top = 50000;  // highest UID the client knows
    std::uint64_t modseq = 900000;
    static constexpr std::string_view mailboxes[] = {"INBOX", "\"Sent Items\"", "Archive/2024", "Drafts",
                                                     "Trash", "Lists/dev-list", "&AMQ-rger",    "Junk"};
    static constexpr std::string_view fetch_atts[] = {
        "(FLAGS)",
        "(UID FLAGS)",
        "(UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority "
        "X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])",
        "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)",
        "(BODYSTRUCTURE)",
        "(UID RFC822.SIZE BODY.PEEK[])",
        "(BODY.PEEK[1.2]<0.16384>)",
        "FAST",
        "(UID MODSEQ FLAGS)",
        "(BINARY.PEEK[1] BINARY.SIZE[1])"};
    static constexpr std::string_view store_atts[] = {
        "+FLAGS.SILENT (\\Seen)", "-FLAGS.SILENT (\\Seen)",    "+FLAGS (\\Flagged)",
        "+FLAGS.SILENT ($Junk)",  "FLAGS (\\Seen \\Answered)", "+FLAGS.SILENT (\\Deleted)"};
    static constexpr std::string_view searches[] = {"UNSEEN",
                                                    "SINCE 1-Feb-2024",
                                                    "OR FROM \"alice\" SUBJECT report",
                                                    "RETURN (ALL) UNDELETED",
                                                    "UNDELETED UNSEEN SINCE 12-Mar-2024",
                                                    "HEADER Message-ID \"<123.456@example.org>\"",
                                                    "MODSEQ 900000",
                                                    "NOT DELETED LARGER 100000",
                                                    "CHARSET UTF-8 SUBJECT {7+}\r\nbücher"};
    static constexpr std::string_view statuses[] = {
        "(MESSAGES UNSEEN UIDNEXT UIDVALIDITY)", "(UNSEEN)",
        "(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)"};
    static constexpr std::string_view others[] = {
        "CHECK",  "CAPABILITY",      "EXPUNGE",         "NAMESPACE", "ENABLE QRESYNC",
        "ID NIL", "LIST \"\" \"*\"", "LSUB \"\" \"*\"", "UNSELECT",  "CLOSE"};
    std::size_t messages = 0;
    std::size_t tag = 1;
    while (messages < n) {
        std::string c = tag_text(tag++) + " ";
        const double f = r.unit();
        if (f < 0.20) {
            c += "UID FETCH " + sequence_set(r, top) + " (FLAGS)";
        } else if (f < 0.26) {
            modseq += r.between(1, 20);
            c += "UID FETCH 1:* (FLAGS) (CHANGEDSINCE " + std::to_string(modseq) + ")";
        } else if (f < 0.38) {
            c += "UID FETCH " + sequence_set(r, top) + " " + std::string(r.pick(fetch_atts));
        } else if (f < 0.52) {
            c += "NOOP";
        } else if (f < 0.64) {
            c += "UID STORE " + sequence_set(r, top) + " " + std::string(r.pick(store_atts));
        } else if (f < 0.70) {
            c += "UID SEARCH " + std::string(r.pick(searches));
        } else if (f < 0.74) {
            c += std::string(r.chance(0.8) ? "SELECT " : "EXAMINE ") + std::string(r.pick(mailboxes)) +
                 (r.chance(0.5) ? " (CONDSTORE)" : "");
        } else if (f < 0.82) {
            c += "STATUS " + std::string(r.pick(mailboxes)) + " " + std::string(r.pick(statuses));
        } else if (f < 0.88) {
            c += "IDLE\r\nDONE";  // DONE: the client ends IDLE (RFC 2177)
            ++messages;
        } else if (f < 0.93) {
            c += std::string(r.chance(0.5) ? "UID MOVE " : "UID COPY ") + sequence_set(r, top) + " " +
                 std::string(r.pick(mailboxes));
        } else if (f < 0.96) {
            c += "UID EXPUNGE " + sequence_set(r, top);
        } else {
            c += std::string(r.pick(others));
        }
        c += "\r\n";
        s.bytes += c;
        ++messages;
    }
    s.conditions = {
        {"stream", "small_commands"},
        {"role", "server"},
        {"commands", n},
        {"mix",
         "UID FETCH 38% (FLAGS 20%, CHANGEDSINCE 6%, other atts 12%), NOOP 14%, UID STORE 12%, UID SEARCH "
         "6%, "
         "SELECT/EXAMINE 4%, STATUS 8%, IDLE+DONE 6%, UID MOVE/COPY 5%, UID EXPUNGE 3%, other 4%"},
    };
    return s;
}

// --- the passes --------------------------------------------------------------------

volatile std::uint64_t g_sink = 0;  // keeps results observable

// The baseline: find every LF with memchr and touch each line once.
std::uint64_t memchr_lines(std::string_view s) {
    const char* p = s.data();
    const char* const end = p + s.size();
    std::uint64_t lines = 0, touch = 0;
    while (p < end) {
        const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
        const char* e = nl != nullptr ? static_cast<const char*>(nl) + 1 : end;
        touch += static_cast<unsigned char>(*p) + static_cast<std::uint64_t>(e - p);
        ++lines;
        p = e;
    }
    g_sink = g_sink + touch;
    return lines;
}

struct pass_totals {
    std::uint64_t messages = 0;
    std::uint64_t literals = 0;
    std::uint64_t literal_bytes = 0;
    std::uint64_t streamed_literals = 0;
    std::uint64_t streamed_bytes = 0;
    std::uint64_t check = 0;
};

// Least-squares fit of a message's allocations (y) over its literal bytes
// (b) and its number of literals (k): y = y0 + per_byte * b + per_literal * k.
// Separating the two keeps one allocation per literal (a std::string for
// its value) from reading as a cost per byte.
struct alloc_fit {
    double n = 0, sb = 0, sk = 0, sy = 0, sbb = 0, skk = 0, sbk = 0, sby = 0, sky = 0;
    void add(double b, double k, double y) {
        n += 1;
        sb += b;
        sk += k;
        sy += y;
        sbb += b * b;
        skk += k * k;
        sbk += b * k;
        sby += b * y;
        sky += k * y;
    }
    struct coefficients {
        double per_byte = 0, per_literal = 0;
    };
    coefficients solve() const {
        if (n < 2) return {};
        // Centered sums of squares and products.
        const double cbb = sbb - sb * sb / n, ckk = skk - sk * sk / n, cbk = sbk - sb * sk / n;
        const double cby = sby - sb * sy / n, cky = sky - sk * sy / n;
        const double det = cbb * ckk - cbk * cbk;
        if (det > 1e-9 * cbb * ckk && cbb > 0 && ckk > 0)
            return {(cby * ckk - cky * cbk) / det, (cky * cbb - cby * cbk) / det};
        // The literal count does not vary independently: bytes alone.
        return {cbb > 0 ? cby / cbb : 0.0, 0.0};
    }
};

// Feeds `stream` to a framer in `chunk`-byte reads and calls
// `on_message(framer&, pass_totals&)` for each complete message. With `fit`, records the
// allocations of each message (framing, literal streaming, parsing).
template <class OnMessage>
pass_totals drive(std::string_view stream, imap::framer_role role, std::size_t chunk, OnMessage&& on_message,
                  alloc_fit* fit = nullptr) {
    imap::framer f(role);
    pass_totals t;
    std::size_t pos = 0;
    std::uint64_t allocs_before = g_alloc_count;
    for (;;) {
        auto ev = f.next();
        if (std::holds_alternative<imap::framer::message_ready>(ev)) {
            ++t.messages;
            std::uint64_t lit_bytes = 0;
            const std::size_t lit_count = f.literals().size();
            for (const auto& l : f.literals()) {
                ++t.literals;
                lit_bytes += l.size;
                if (l.streamed) ++t.streamed_literals;
            }
            t.literal_bytes += lit_bytes;
            on_message(f, t);
            f.consume_message();
            if (fit != nullptr) {
                fit->add(static_cast<double>(lit_bytes), static_cast<double>(lit_count),
                         static_cast<double>(g_alloc_count - allocs_before));
                allocs_before = g_alloc_count;
            }
        } else if (std::holds_alternative<imap::framer::need_more>(ev)) {
            if (pos == stream.size()) break;
            const std::size_t n = std::min(chunk, stream.size() - pos);
            const auto buf = f.prepare(n);
            std::memcpy(buf.data(), stream.data() + pos, n);
            f.commit(n);
            pos += n;
        } else if (const auto* d = std::get_if<imap::framer::literal_data>(&ev)) {
            // A sink would write these; the last byte is read so the view is used.
            t.streamed_bytes += d->bytes.size();
            t.check += static_cast<unsigned char>(d->bytes.back());
        } else if (std::holds_alternative<imap::framer::literal_begin>(ev) ||
                   std::holds_alternative<imap::framer::literal_end>(ev)) {
            continue;
        } else if (std::holds_alternative<imap::framer::literal_announced>(ev)) {
            f.accept_literal();  // the session would queue "+ Ready"
        } else if (const auto* rej = std::get_if<imap::framer::message_rejected>(&ev)) {
            die("framer rejected a message (tag " + std::string(rej->tag) + "): " + rej->reason.message());
        } else {
            die("framer failed: " + std::get<imap::framer::fatal>(ev).reason.message());
        }
    }
    if (f.buffered() != 0) die("the stream ends inside a message");
    g_sink = g_sink + t.check;
    return t;
}

std::string excerpt(std::string_view m) {
    std::string s(m.substr(0, 160));
    for (char& c : s)
        if (c == '\r' || c == '\n') c = ' ';
    return s;
}

// Framer only: the message is looked at (its first byte) and released.
auto framer_only() {
    return
        [](imap::framer& f, pass_totals& t) { t.check += static_cast<unsigned char>(f.message().front()); };
}

// Framer and grammar parser, as a client session reads responses.
auto response_parser() {
    return [](imap::framer& f, pass_totals& t) {
        auto r = imap::parse_response(f.message(), f.literals());
        if (!r) die("parse_response: " + r.error().message() + ": " + excerpt(f.message()));
        t.check += r->index();
    };
}

// Framer and the zero-copy FETCH parser, as a client doing a header sync
// would read the responses: every FETCH response through parse_fetch_view
// into one reused fetch_view (anything else through parse_response), and
// every value a header sync keeps is read through its view: the numbers,
// each flag, the ENVELOPE's strings and every address's name, mailbox and
// host, and the header text. Nothing is copied out.
auto fetch_view_parser() {
    return [view = imap::fetch_view()](imap::framer& f, pass_totals& t) mutable {
        auto r = imap::parse_fetch_view(f.message(), f.literals(), view);
        if (!r) die("parse_fetch_view: " + r.error().message() + ": " + excerpt(f.message()));
        if (!*r) {
            auto p = imap::parse_response(f.message(), f.literals());
            if (!p) die("parse_response: " + p.error().message() + ": " + excerpt(f.message()));
            t.check += p->index();
            return;
        }
        using kind = imap::fetch_item_view::kind;
        std::uint64_t sum = view.seq();
        for (const imap::fetch_item_view& item : view.items()) {
            switch (item.type) {
                case kind::uid:
                case kind::rfc822_size:
                case kind::modseq: sum += item.number; break;
                case kind::flags:
                    for (std::string_view flag : item.flags) sum += flag.size();
                    break;
                case kind::internaldate:
                    sum += static_cast<std::uint64_t>(item.internaldate.day().day());
                    break;
                case kind::envelope: {
                    const imap::envelope_view& e = *item.envelope;
                    sum += e.date.raw().size() + e.subject.raw().size() + e.in_reply_to.raw().size() +
                           e.message_id.raw().size();
                    for (const auto& list : {e.from, e.sender, e.reply_to, e.to, e.cc, e.bcc})
                        for (const imap::address_view& a : list)
                            sum += a.name.raw().size() + a.mailbox.raw().size() + a.host.raw().size();
                    break;
                }
                case kind::body_section:
                    sum += item.streamed_size ? *item.streamed_size : item.data.raw().size();
                    break;
                default: sum += item.raw.size(); break;
            }
        }
        t.check += sum;
    };
}

// Framer and grammar parser, as a server session reads commands; the
// session itself recognizes the DONE line that ends IDLE (RFC 2177).
auto command_parser() {
    return [idling = false](imap::framer& f, pass_totals& t) mutable {
        if (idling && (f.message() == "DONE\r\n" || f.message() == "DONE\n")) {
            idling = false;
            return;
        }
        auto c = imap::parse_command(f.message(), f.literals());
        if (!c) die("parse_command: " + c.error().message() + ": " + excerpt(f.message()));
        idling = std::holds_alternative<imap::cmd::idle>(c->body);
        t.check += c->body.index();
    };
}

double mb_per_s(std::size_t bytes, double seconds) {
    return seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0.0;
}

double per(double a, double b) { return b > 0 ? a / b : 0.0; }

void bench_stream(const options& opt, const stream_data& s, imap::framer_role role, bool commands) {
    const std::string_view bytes = s.bytes;
    nlohmann::json c = s.conditions;
    c.update({{"stream_bytes", bytes.size()},
              {"chunk_bytes", opt.chunk},
              {"streaming_threshold", imap::framer_options{}.streaming_threshold},
              {"mb", "1e6 bytes"},
              {"stat", "median"}});
    const std::string prefix = "imap_parse_" + std::string(s.conditions["stream"].get<std::string>()) + "_";

    // Stream statistics, from one framer run (also a warm-up).
    const pass_totals shape = drive(bytes, role, opt.chunk, framer_only());
    c.update({{"messages", shape.messages},
              {"literals", shape.literals},
              {"literal_bytes", shape.literal_bytes},
              {"streamed_literals", shape.streamed_literals},
              {"streamed_bytes", shape.streamed_bytes}});

    double baseline_mbs = 0;
    {
        std::uint64_t lines = 0;
        auto t = time_runs(
            opt.runs, [](int) {}, [&](int) { lines = memchr_lines(bytes); });
        baseline_mbs = mb_per_s(bytes.size(), t.median());
        nlohmann::json b = c;
        b.update({{"pass", "memchr_baseline"},
                  {"lines", lines},
                  {"baseline", "memchr for LF over the whole in-memory stream, touching each line once"}});
        if (opt.pass == "all" || opt.pass == "baseline") {
            report(prefix + "memchr_baseline", "MB/s", baseline_mbs, t.runs(), b);
            report(prefix + "memchr_baseline", "lines/s", per(static_cast<double>(lines), t.median()),
                   t.runs(), b);
        }
    }

    auto measure = [&](const std::string& pass, auto make_handler) {
        if (opt.pass != "all" && opt.pass != pass) return;
        nlohmann::json p = c;
        p["pass"] = pass == "framer" ? "framer"
                    : pass == "view" ? "framer+parse_fetch_view"
                                     : (commands ? "framer+parse_command" : "framer+parse_response");
        p["baseline_mb_per_s"] = baseline_mbs;

        // Untimed accounting run.
        alloc_fit fit;
        const std::uint64_t count0 = g_alloc_count, bytes0 = g_alloc_bytes;
        const pass_totals acct = drive(bytes, role, opt.chunk, make_handler(), &fit);
        const double allocs = static_cast<double>(g_alloc_count - count0);
        const double alloc_bytes = static_cast<double>(g_alloc_bytes - bytes0);

        pass_totals last;
        auto t = time_runs(
            opt.runs, [](int) {}, [&](int) { last = drive(bytes, role, opt.chunk, make_handler()); });
        if (last.messages != acct.messages) die("runs disagree on the message count");
        const double mbs = mb_per_s(bytes.size(), t.median());
        const std::string name = prefix + (pass == "framer" ? "framer"
                                           : pass == "view" ? "framer_fetch_view"
                                                            : "framer_parser");
        report(name, "MB/s", mbs, t.runs(), p);
        report(name, "msgs/s", per(static_cast<double>(last.messages), t.median()), t.runs(), p);
        report(name, "ratio_to_memchr", per(mbs, baseline_mbs), t.runs(), p);

        nlohmann::json a = p;
        a["accounting"] =
            "one untimed run, allocs/literal_byte and allocs/literal are the least-squares coefficients of "
            "each "
            "message's allocations over its literal bytes and literal count, allocs/literal_byte_overall is "
            "all "
            "allocations over all literal bytes";
        a["allocations"] = allocs;
        a["allocated_bytes"] = alloc_bytes;
        report(name, "allocs/msg", per(allocs, static_cast<double>(acct.messages)), 1, a);
        report(name, "alloc_bytes/msg", per(alloc_bytes, static_cast<double>(acct.messages)), 1, a);
        // The fit says nothing when literals are rare (the small commands).
        if (acct.literal_bytes * 100 >= bytes.size()) {
            const auto coef = fit.solve();
            report(name, "allocs/literal_byte", coef.per_byte, 1, a);
            report(name, "allocs/literal", coef.per_literal, 1, a);
        }
        report(name, "allocs/literal_byte_overall", per(allocs, static_cast<double>(acct.literal_bytes)), 1,
               a);
    };
    measure("framer", [] { return framer_only(); });
    if (commands) {
        measure("parser", [] { return command_parser(); });
    } else {
        measure("parser", [] { return response_parser(); });
        measure("view", [] { return fetch_view_parser(); });
    }
}

}  // namespace

int main(int argc, char** argv) {
    const options opt = parse_args(argc, argv);
    if (!opt.dump.empty()) {
        const stream_data s = opt.dump == "fetch"    ? make_fetch_stream(opt.messages)
                              : opt.dump == "append" ? make_append_stream(opt.appends)
                                                     : make_command_stream(opt.commands);
        std::fwrite(s.bytes.data(), 1, s.bytes.size(), stdout);
        return 0;
    }
    if (opt.stream == "all" || opt.stream == "fetch")
        bench_stream(opt, make_fetch_stream(opt.messages), imap::framer_role::client, false);
    if (opt.stream == "all" || opt.stream == "append")
        bench_stream(opt, make_append_stream(opt.appends), imap::framer_role::server, true);
    if (opt.stream == "all" || opt.stream == "commands")
        bench_stream(opt, make_command_stream(opt.commands), imap::framer_role::server, true);
    return 0;
}
