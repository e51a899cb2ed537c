// SEARCH and UID SEARCH (RFC 3501 section 6.4.4, RFC 4731 ESEARCH, RFC 7162
// MODSEQ). Keys on flags, sizes, dates and numbers are answered from the
// listing; header and body keys read the message (imap_search_text.cpp).

#include "imap_convert.hpp"
#include "imap_engine_impl.hpp"

#include <mailaccess/core/ascii.hpp>
#include <mailaccess/mime/message_date.hpp>
#include <mailaccess/mime/structure_parser.hpp>

#include <algorithm>

namespace mailaccess::engine {
namespace {

using key = imap::search_key;

bool has_keyword(const store::flag_set& flags, std::string_view keyword) {
    return std::any_of(flags.keywords.begin(), flags.keywords.end(),
                       [keyword](const std::string& k) { return iequals(k, keyword); });
}

// Days since the epoch of a moment in a zone: the local date IMAP compares
// (RFC 3501 section 6.4.4: "disregarding time and timezone").
std::int64_t local_day(std::int64_t seconds, int zone_minutes) {
    std::int64_t local = seconds + static_cast<std::int64_t>(zone_minutes) * 60;
    std::int64_t day = local / 86400;
    if (local % 86400 < 0) --day;
    return day;
}

// A message being matched: its listing entry, and the message bytes and
// structure, read only when a key needs them.
struct candidate {
    // Its listing entry, referred to: a SEARCH looks at every message.
    const store::message_info& info;
    std::uint32_t seq = 0;
    bool recent = false;
    imap_engine::impl& engine;
    imap_engine::impl::lazy_message message;
    std::error_code error;

    // The structure (and the bytes too when `with_bytes`); false on error.
    bool load(bool with_bytes) {
        if (error) return false;
        if (!message.structure) {
            auto s = engine.structure_of(message);
            if (!s) {
                error = s.error();
                return false;
            }
        }
        if (with_bytes && !message.bytes) {
            auto b = engine.bytes_of(message);
            if (!b) {
                error = b.error();
                return false;
            }
        }
        return true;
    }
};

struct matcher {
    imap_engine::impl& engine;
    std::uint32_t max_seq;
    std::uint32_t max_uid;
    const std::string& charset;

    bool sent_date(candidate& c, std::int64_t& day) {
        if (!c.load(false)) return false;
        const auto& date = c.message.structure->envelope().date;
        // README item 38: a missing or unparsable Date counts as 1970-01-01.
        day = 0;
        if (!date) return true;
        if (auto parsed = mime::parse_message_date(*date))
            day = local_day(parsed->utc_seconds, parsed->zone_minutes);
        return true;
    }

    bool operator()(const key& k, candidate& c) {
        const auto& info = c.info;
        const auto& f = info.flags;
        const std::int64_t internal_day = local_day(info.internal_date, 0);
        switch (k.type) {
            case key::kind::all: return true;
            case key::kind::answered: return f.has(store::system_flag::answered);
            case key::kind::deleted: return f.has(store::system_flag::deleted);
            case key::kind::draft: return f.has(store::system_flag::draft);
            case key::kind::flagged: return f.has(store::system_flag::flagged);
            case key::kind::seen: return f.has(store::system_flag::seen);
            case key::kind::unanswered: return !f.has(store::system_flag::answered);
            case key::kind::undeleted: return !f.has(store::system_flag::deleted);
            case key::kind::undraft: return !f.has(store::system_flag::draft);
            case key::kind::unflagged: return !f.has(store::system_flag::flagged);
            case key::kind::unseen: return !f.has(store::system_flag::seen);
            case key::kind::recent: return c.recent;
            case key::kind::new_: return c.recent && !f.has(store::system_flag::seen);
            case key::kind::old: return !c.recent;
            case key::kind::keyword: return k.keyword && has_keyword(f, k.keyword->str());
            case key::kind::unkeyword: return !k.keyword || !has_keyword(f, k.keyword->str());
            case key::kind::before: return internal_day < detail::to_unix(k.day) / 86400;
            case key::kind::on: return internal_day == detail::to_unix(k.day) / 86400;
            case key::kind::since: return internal_day >= detail::to_unix(k.day) / 86400;
            case key::kind::sentbefore:
            case key::kind::senton:
            case key::kind::sentsince: {
                std::int64_t day = 0;
                if (!sent_date(c, day)) return false;
                const std::int64_t want = detail::to_unix(k.day) / 86400;
                if (k.type == key::kind::sentbefore) return day < want;
                if (k.type == key::kind::senton) return day == want;
                return day >= want;
            }
            case key::kind::larger:
            case key::kind::smaller: {
                // RFC822.SIZE, as FETCH reports it (bare LF counted as CRLF).
                std::uint64_t size = info.size;
                if (c.load(false)) size = c.message.structure->imap_size();
                return k.type == key::kind::larger ? size > k.number : size < k.number;
            }
            case key::kind::uid: return k.set && k.set->contains(info.uid, max_uid);
            case key::kind::sequence: return k.set && k.set->contains(c.seq, max_seq);
            case key::kind::modseq: return info.modseq >= k.number;
            case key::kind::not_: return !k.children.empty() && !(*this)(k.children[0], c);
            case key::kind::or_:
                return k.children.size() == 2 && ((*this)(k.children[0], c) || (*this)(k.children[1], c));
            case key::kind::list:
                return std::all_of(k.children.begin(), k.children.end(),
                                   [&](const key& child) { return (*this)(child, c); });
            case key::kind::bcc:
            case key::kind::cc:
            case key::kind::from:
            case key::kind::to:
            case key::kind::subject:
            case key::kind::header:
            case key::kind::body:
            case key::kind::text:
                if (!c.load(true)) return false;
                return engine.text_matches(k, *c.message.bytes, *c.message.structure, charset);
        }
        return false;
    }
};

}  // namespace

imap::command_reply imap_engine::impl::search(const imap::command& c, const imap::cmd::search& s,
                                              const imap::enabled_extensions& enabled) {
    if (auto ok = refresh(); !ok) return failure(ok.error(), "SEARCH failed");
    // RFC 3501 section 6.4.4: an unsupported charset is NO [BADCHARSET].
    const std::string charset = s.charset ? *s.charset : "US-ASCII";
    if (!search_charset_supported(charset)) {
        imap::response_code code;
        code.kind = imap::response_code_kind::badcharset;
        code.charsets = {"US-ASCII", "UTF-8"};
        return reply(imap::status_kind::no, std::move(code), "Unsupported charset.");
    }
    const auto ctx = report_context::for_command(c.body, enabled);
    imap::command_reply r = reply(imap::status_kind::ok, std::nullopt, "Search completed.");
    // Every message, paired with its listing entry (both in ascending UID
    // order: one merge walk, no lookup and no copy each).
    std::vector<std::pair<message_ref, const store::message_info*>> all;
    if (view->exists() > 0) {
        const imap::seq_range everything{1, view->exists()};
        if (auto refs = view->resolve(*imap::sequence_set::make(std::span(&everything, 1)), false)) {
            all.reserve(refs->size());
            auto next = listing.begin();
            for (const auto& ref : *refs) {
                while (next != listing.end() && next->uid < ref.uid) ++next;
                if (next != listing.end() && next->uid == ref.uid) all.emplace_back(ref, &*next);
            }
        }
    }
    matcher m{*this, view->exists(), all.empty() ? 0 : all.back().second->uid, charset};
    std::vector<std::uint32_t> hits;
    std::uint64_t highest = 0;
    for (const auto& [ref, info] : all) {
        candidate cand{*info, ref.seq, ref.recent, *this, imap_engine::impl::lazy_message(info->uid), {}};
        const bool match =
            std::all_of(s.keys.begin(), s.keys.end(), [&](const key& k) { return m(k, cand); });
        if (!match) continue;
        hits.push_back(s.uid ? info->uid : ref.seq);
        highest = std::max(highest, info->modseq);
    }
    // RFC 7162 section 3.1.5: a MODSEQ key makes the answer carry the highest modseq.
    const bool modseq_key =
        std::any_of(s.keys.begin(), s.keys.end(), [](const key& k) { return k.type == key::kind::modseq; });
    if (s.return_options) {
        // RFC 4731: ESEARCH with MIN/MAX/ALL/COUNT (none given means ALL).
        imap::esearch_data e;
        if (auto t = imap::tag::make(c.tag.str())) e.correlator = std::move(*t);
        e.uid = s.uid;
        bool want_min = false, want_max = false, want_all = false, want_count = false;
        for (const auto& o : *s.return_options) {
            want_min |= iequals(o.str(), "MIN");
            want_max |= iequals(o.str(), "MAX");
            want_all |= iequals(o.str(), "ALL");
            want_count |= iequals(o.str(), "COUNT");
        }
        if (s.return_options->empty()) want_all = true;
        if (!hits.empty()) {
            if (want_min) e.min = hits.front();
            if (want_max) e.max = hits.back();
            if (want_all) {
                if (auto set = detail::to_sequence_set(hits)) e.all = std::move(*set);
            }
        }
        if (want_count) e.count = static_cast<std::uint32_t>(hits.size());
        if (modseq_key && !hits.empty()) e.modseq = highest;
        r.untagged.push_back({std::move(e), {}});
    } else {
        imap::search_data d;
        d.numbers = std::move(hits);
        if (modseq_key && !d.numbers.empty()) d.modseq = highest;
        r.untagged.push_back({std::move(d), {}});
    }
    flush(r, ctx);
    return r;
}

}  // namespace mailaccess::engine
