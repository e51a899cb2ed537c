#include <mailaccess/engine/mailbox_view.hpp>

#include "imap_convert.hpp"

#include <mailaccess/core/ascii.hpp>
#include <mailaccess/core/assert.hpp>
#include <mailaccess/core/error.hpp>

#include <algorithm>
#include <iterator>
#include <type_traits>
#include <utility>
#include <variant>

namespace mailaccess::engine {
namespace {

enum entry_state : std::uint8_t {
    recent_bit = 1 << 0,
    expunged_bit = 1 << 1,
    flags_owed = 1 << 2,   // the client has not been told the current flags
    modseq_owed = 1 << 3,  // ... nor the current mod-sequence
};
constexpr std::uint8_t owed_bits = flags_owed | modseq_owed;

bool keyword_less(std::string_view a, std::string_view b) noexcept {
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        const char x = ascii_to_lower(a[i]);
        const char y = ascii_to_lower(b[i]);
        if (x != y) return static_cast<unsigned char>(x) < static_cast<unsigned char>(y);
    }
    return a.size() < b.size();
}

bool has_keyword(const std::vector<std::string>& list, std::string_view k) noexcept {
    return std::any_of(list.begin(), list.end(), [&](const std::string& s) { return iequals(s, k); });
}

// Whether the outcome of a STORE is what the client computes from the
// flags it knew: anything else is a concurrent change it must be told of.
bool as_expected(const store::flag_set& before, store::flag_mode mode, const store::flag_set& req,
                 const store::flag_set& after) {
    std::uint8_t system = req.system;
    if (mode == store::flag_mode::add) system = static_cast<std::uint8_t>(before.system | req.system);
    if (mode == store::flag_mode::remove) system = static_cast<std::uint8_t>(before.system & ~req.system);
    if (system != after.system) return false;
    const auto expected = [&](std::string_view k) {
        switch (mode) {
            case store::flag_mode::replace: return has_keyword(req.keywords, k);
            case store::flag_mode::add:
                return has_keyword(before.keywords, k) || has_keyword(req.keywords, k);
            case store::flag_mode::remove:
                return has_keyword(before.keywords, k) && !has_keyword(req.keywords, k);
        }
        return false;
    };
    for (const auto& k : after.keywords)
        if (!expected(k)) return false;
    for (const auto* list : {&before.keywords, &req.keywords})
        for (const auto& k : *list)
            if (expected(k) && !has_keyword(after.keywords, k)) return false;
    return true;
}

bool has_sequence_key(const std::vector<imap::search_key>& keys) {
    return std::any_of(keys.begin(), keys.end(), [](const imap::search_key& k) {
        return k.type == imap::search_key::kind::sequence || has_sequence_key(k.children);
    });
}

// Sorts and merges closed ranges (first <= last).
void merge_ranges(std::vector<imap::seq_range>& v) {
    std::sort(v.begin(), v.end(), [](const imap::seq_range& a, const imap::seq_range& b) {
        return a.first < b.first || (a.first == b.first && a.last < b.last);
    });
    std::size_t w = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (w > 0 &&
            static_cast<std::uint64_t>(v[i].first) <= static_cast<std::uint64_t>(v[w - 1].last) + 1) {
            v[w - 1].last = std::max(v[w - 1].last, v[i].last);
        } else {
            v[w++] = v[i];
        }
    }
    v.resize(w);
}

// Cuts a set of UIDs into VANISHED responses of at most `max_vanished_ranges`
// ranges each (so lines stay short).
void append_vanished(const std::vector<imap::seq_range>& ranges, bool earlier,
                     std::vector<imap::vanished_data>& out) {
    for (std::size_t i = 0; i < ranges.size(); i += mailbox_view::max_vanished_ranges) {
        const std::size_t n = std::min(mailbox_view::max_vanished_ranges, ranges.size() - i);
        auto set = imap::sequence_set::make(std::span(ranges).subspan(i, n));
        MAILACCESS_ASSERT(set.has_value());
        out.push_back(imap::vanished_data{earlier, std::move(*set)});
    }
}

imap::response ok_with(imap::response_code code, std::string text) {
    return imap::status_response{std::nullopt, imap::status_kind::ok, std::move(code), std::move(text)};
}

// Steps through the numbers of sorted, disjoint ranges.
class range_cursor {
public:
    explicit range_cursor(const std::vector<imap::seq_range>& r) : ranges_(r) {}
    bool next(std::uint32_t& n) {
        while (i_ < ranges_.size()) {
            const std::uint64_t v = static_cast<std::uint64_t>(ranges_[i_].first) + offset_;
            if (v <= ranges_[i_].last) {
                ++offset_;
                n = static_cast<std::uint32_t>(v);
                return true;
            }
            ++i_;
            offset_ = 0;
        }
        return false;
    }

private:
    const std::vector<imap::seq_range>& ranges_;
    std::size_t i_ = 0;
    std::uint64_t offset_ = 0;
};

}  // namespace

report_context report_context::for_command(const imap::command::body_type& command,
                                           const imap::enabled_extensions& enabled) {
    report_context ctx;
    ctx.qresync = enabled.qresync;
    ctx.condstore = enabled.condstore || enabled.qresync;  // RFC 7162 section 3.2.3
    ctx.allow_expunge = true;
    std::visit(
        [&]([[maybe_unused]] const auto& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, imap::cmd::fetch> || std::is_same_v<T, imap::cmd::store>) {
                ctx.uid_command = c.uid;
                ctx.allow_expunge = c.uid;
            } else if constexpr (std::is_same_v<T, imap::cmd::search>) {
                ctx.uid_command = c.uid;
                ctx.allow_expunge = c.uid && !has_sequence_key(c.keys);
            } else if constexpr (std::is_same_v<T, imap::cmd::copy> || std::is_same_v<T, imap::cmd::move>) {
                ctx.uid_command = c.uid;
            } else if constexpr (std::is_same_v<T, imap::cmd::uid_expunge>) {
                ctx.uid_command = true;
            }
        },
        command);
    return ctx;
}

mailbox_view::mailbox_view(std::vector<store::message_info> listing, const store::mailbox_status& status,
                           std::span<const std::uint32_t> recent_uids, view_options options)
    : options_(options),
      uidvalidity_(status.uidvalidity),
      uidnext_(status.uidnext),
      highest_modseq_(status.highest_modseq) {
    entries_.reserve(listing.size());
    std::size_t r = 0;
    for (auto& m : listing) {
        MAILACCESS_ASSERT(entries_.empty() || entries_.back().uid < m.uid);
        entry e;
        e.uid = m.uid;
        e.modseq = m.modseq;
        e.flags = std::move(m.flags);
        while (r < recent_uids.size() && recent_uids[r] < e.uid) ++r;
        if (r < recent_uids.size() && recent_uids[r] == e.uid) {
            e.state = recent_bit;
            ++recent_;
        }
        highest_modseq_ = std::max(highest_modseq_, e.modseq);
        learn_keywords(e.flags);
        entries_.push_back(std::move(e));
    }
    announced_ = static_cast<std::uint32_t>(entries_.size());
    if (!entries_.empty()) uidnext_ = std::max(uidnext_, entries_.back().uid + 1);
    keywords_changed_ = false;  // SELECT's own FLAGS carries them
}

// --- SELECT ---------------------------------------------------------------

void mailbox_view::flag_responses(std::vector<imap::response>& out) const {
    using k = imap::flag::kind;
    std::vector<imap::flag> flags;
    for (auto kind : {k::answered, k::flagged, k::deleted, k::seen, k::draft}) flags.emplace_back(kind);
    for (const auto& kw : keywords_)
        if (auto f = imap::flag::make(kw); f && f->type() == k::keyword) flags.push_back(std::move(*f));
    imap::response_code perm;
    perm.kind = imap::response_code_kind::permanentflags;
    if (!options_.read_only) {
        perm.flags = flags;
        perm.flags.emplace_back(k::wildcard);
    }
    out.push_back(imap::flags_data{std::move(flags)});
    out.push_back(
        ok_with(std::move(perm), options_.read_only ? "No permanent flags permitted" : "Flags permitted"));
}

void mailbox_view::select_responses(bool condstore, std::vector<imap::response>& out) const {
    using code = imap::response_code;
    using ck = imap::response_code_kind;
    flag_responses(out);
    out.push_back(imap::exists_data{announced_});
    out.push_back(imap::recent_data{recent_});
    for (std::size_t i = 0; i < announced_; ++i)
        if (!entries_[i].flags.has(store::system_flag::seen)) {
            out.push_back(ok_with(code::with_number(ck::unseen, i + 1), "First unseen"));
            break;
        }
    out.push_back(ok_with(code::with_number(ck::uidvalidity, uidvalidity_), "UIDs valid"));
    out.push_back(ok_with(code::with_number(ck::uidnext, uidnext_), "Predicted next UID"));
    if (condstore) out.push_back(modseq_status());
}

imap::response mailbox_view::modseq_status() const {
    using code = imap::response_code;
    using ck = imap::response_code_kind;
    if (!options_.persistent_modseq) return ok_with(code::simple(ck::nomodseq), "No permanent modsequences");
    return ok_with(code::with_number(ck::highestmodseq, reportable_modseq()), "Highest");
}

// --- State -----------------------------------------------------------------

std::uint64_t mailbox_view::reportable_modseq() const noexcept {
    return pending_expunges_ != 0 ? std::min(held_floor_, highest_modseq_) : highest_modseq_;
}

bool mailbox_view::has_pending() const noexcept {
    return pending_expunges_ != 0 || pending_changes_ != 0 || keywords_changed_ ||
           entries_.size() > announced_;
}

bool mailbox_view::modseq_enabled(const report_context& ctx) const noexcept {
    return (ctx.condstore || ctx.qresync) && options_.persistent_modseq;
}

const mailbox_view::entry* mailbox_view::find_entry(std::uint32_t uid) const {
    const auto end = entries_.begin() + announced_;
    const auto it = std::lower_bound(entries_.begin(), end, uid,
                                     [](const entry& e, std::uint32_t u) { return e.uid < u; });
    return it != end && it->uid == uid ? &*it : nullptr;
}

// --- Sequence sets -------------------------------------------------------

std::vector<imap::seq_range> mailbox_view::uid_ranges(const imap::sequence_set& set) const {
    MAILACCESS_ASSERT(!set.is_last_result());
    // RFC 9051 section 9: `*` is the last message's UID, or UIDNEXT when
    // the mailbox is empty. The ends are not clipped: a range reaching
    // above every UID still names the expunged ones below UIDNEXT.
    const std::uint32_t star = announced_ != 0 ? entries_[announced_ - 1].uid : uidnext_;
    std::vector<imap::seq_range> v;
    v.reserve(set.ranges().size());
    for (const auto& r : set.ranges()) {
        const std::uint32_t a = r.first == imap::star ? star : r.first;
        const std::uint32_t b = r.last == imap::star ? star : r.last;
        if (std::max(a, b) == 0) continue;  // `*` with UIDNEXT 0 cannot happen; stay safe
        v.push_back({std::max<std::uint32_t>(1, std::min(a, b)), std::max(a, b)});
    }
    merge_ranges(v);
    return v;
}

result<std::vector<message_ref>> mailbox_view::resolve(const imap::sequence_set& set, bool uid) const {
    MAILACCESS_ASSERT(!set.is_last_result());
    std::vector<message_ref> out;
    const auto ref = [&](std::size_t i) {
        const entry& e = entries_[i];
        return message_ref{static_cast<std::uint32_t>(i + 1), e.uid, (e.state & recent_bit) != 0,
                           (e.state & expunged_bit) != 0};
    };
    if (!uid) {
        // RFC 9051 section 9 (seq-number): a number above the message count,
        // or `*` in an empty mailbox, is an error.
        for (const auto& r : set.ranges())
            if (announced_ == 0 || r.first > announced_ || r.last > announced_)
                return unexpected(mailaccess::errc::invalid_argument);
        for (const auto& r : set.resolve(announced_))
            for (std::uint64_t s = r.first; s <= r.last; ++s)
                out.push_back(ref(static_cast<std::size_t>(s - 1)));
        return out;
    }
    const auto end = entries_.begin() + announced_;
    for (const auto& r : uid_ranges(set)) {
        auto it = std::lower_bound(entries_.begin(), end, r.first,
                                   [](const entry& e, std::uint32_t u) { return e.uid < u; });
        for (; it != end && it->uid <= r.last; ++it)
            out.push_back(ref(static_cast<std::size_t>(it - entries_.begin())));
    }
    return out;
}

std::optional<message_ref> mailbox_view::find_uid(std::uint32_t uid) const {
    const entry* e = find_entry(uid);
    if (e == nullptr) return std::nullopt;
    return message_ref{static_cast<std::uint32_t>(e - entries_.data()) + 1, e->uid,
                       (e->state & recent_bit) != 0, (e->state & expunged_bit) != 0};
}

std::optional<message_ref> mailbox_view::at(std::uint32_t seq) const {
    if (seq == 0 || seq > announced_) return std::nullopt;
    const entry& e = entries_[seq - 1];
    return message_ref{seq, e.uid, (e.state & recent_bit) != 0, (e.state & expunged_bit) != 0};
}

// --- Refresh ---------------------------------------------------------------

void mailbox_view::learn_keywords(const store::flag_set& flags) {
    for (const auto& k : flags.keywords) {
        const auto it =
            std::lower_bound(keywords_.begin(), keywords_.end(), k,
                             [](const std::string& a, const std::string& b) { return keyword_less(a, b); });
        if (it != keywords_.end() && iequals(*it, k)) continue;
        keywords_.insert(it, k);
        keywords_changed_ = true;
    }
}

void mailbox_view::clear_pending(entry& e) noexcept {
    if ((e.state & owed_bits) != 0) --pending_changes_;
    e.state = static_cast<std::uint8_t>(e.state & ~owed_bits);
}

void mailbox_view::mark_expunged(entry& e) noexcept {
    if ((e.state & expunged_bit) != 0) return;
    // RFC 7162 section 3.2: while expunges are held, the client may only be
    // told a HIGHESTMODSEQ below theirs; the value before the first is.
    if (pending_expunges_ == 0) held_floor_ = highest_modseq_;
    clear_pending(e);  // a FETCH for a message about to be expunged is moot
    e.state = static_cast<std::uint8_t>(e.state | expunged_bit);
    ++pending_expunges_;
}

void mailbox_view::apply(entry& e, const store::message_info& m, bool announced) {
    std::uint8_t owed = 0;
    if (!(e.flags == m.flags)) {
        e.flags = m.flags;
        learn_keywords(e.flags);
        owed |= flags_owed;
    }
    if (e.modseq != m.modseq) {
        e.modseq = m.modseq;
        owed |= modseq_owed;
    }
    if (!announced || owed == 0) return;  // new messages: the client fetches them whole
    if ((e.state & owed_bits) == 0) {
        ++pending_changes_;
        owed_uids_.push_back(e.uid);
    }
    e.state = static_cast<std::uint8_t>(e.state | owed);
}

bool mailbox_view::update_flags(std::span<const store::message_info> changed,
                                const store::mailbox_status& status) {
    if (status.uidvalidity != uidvalidity_) return false;
    const auto announced_end = entries_.begin() + announced_;
    for (const store::message_info& m : changed) {
        const auto it = std::lower_bound(entries_.begin(), entries_.end(), m.uid,
                                         [](const entry& e, std::uint32_t u) { return e.uid < u; });
        if (it == entries_.end() || it->uid != m.uid || (it->state & expunged_bit) != 0) continue;
        apply(*it, m, it < announced_end);
    }
    highest_modseq_ = std::max(highest_modseq_, status.highest_modseq);
    uidnext_ = std::max(uidnext_, status.uidnext);
    return true;
}

bool mailbox_view::update(std::span<const store::message_info> listing, const store::mailbox_status& status,
                          std::span<const std::uint32_t> recent_uids) {
    if (status.uidvalidity != uidvalidity_) return false;
    // Expunges seen now are newer than the previous HIGHESTMODSEQ, which
    // `mark_expunged` keeps as the floor while they are held back.
    const std::uint64_t before = highest_modseq_;

    // One merge of two UID-sorted sequences; unannounced entries that
    // vanished are compacted away in the same pass.
    std::size_t j = 0;
    std::size_t w = 0;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        entry& e = entries_[i];
        while (j < listing.size() && listing[j].uid < e.uid) ++j;  // unknown old UIDs: impossible, ignored
        const bool announced = i < announced_;
        if (j < listing.size() && listing[j].uid == e.uid) {
            if ((e.state & expunged_bit) == 0) apply(e, listing[j], announced);
            ++j;
        } else if (announced) {
            mark_expunged(e);
        } else {
            continue;  // new and gone before the client heard of it
        }
        if (w != i) entries_[w] = std::move(e);
        ++w;
    }
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(w), entries_.end());

    std::size_t r = 0;
    for (; j < listing.size(); ++j) {
        const store::message_info& m = listing[j];
        if (!entries_.empty() && m.uid <= entries_.back().uid) continue;
        entry e;
        e.uid = m.uid;
        e.modseq = m.modseq;
        e.flags = m.flags;
        while (r < recent_uids.size() && recent_uids[r] < e.uid) ++r;
        if (r < recent_uids.size() && recent_uids[r] == e.uid) e.state = recent_bit;
        learn_keywords(e.flags);
        entries_.push_back(std::move(e));
    }

    highest_modseq_ = std::max(status.highest_modseq, before);
    uidnext_ = std::max(uidnext_, status.uidnext);
    if (!entries_.empty()) uidnext_ = std::max(uidnext_, entries_.back().uid + 1);
    return true;
}

void mailbox_view::note_expunged(std::span<const std::uint32_t> uids) {
    for (const std::uint32_t uid : uids) {
        const auto it = std::lower_bound(entries_.begin(), entries_.end(), uid,
                                         [](const entry& e, std::uint32_t u) { return e.uid < u; });
        if (it == entries_.end() || it->uid != uid) continue;
        if (static_cast<std::size_t>(it - entries_.begin()) < announced_) {
            mark_expunged(*it);
        } else {
            entries_.erase(it);  // never announced: nothing to report
        }
    }
}

void mailbox_view::note_store(std::span<const store::message_info> results, store::flag_mode mode,
                              const store::flag_set& requested, bool silent, const report_context& ctx,
                              std::vector<imap::response>& out) {
    for (const auto& m : results) learn_keywords(m.flags);
    if (keywords_changed_) {
        flag_responses(out);
        keywords_changed_ = false;
    }
    const bool modseq = modseq_enabled(ctx);
    for (const auto& m : results) {
        const auto it = std::lower_bound(entries_.begin(), entries_.end(), m.uid,
                                         [](const entry& e, std::uint32_t u) { return e.uid < u; });
        if (it == entries_.end() || it->uid != m.uid) continue;
        entry& e = *it;
        const auto index = static_cast<std::size_t>(it - entries_.begin());
        const bool announced = index < announced_;
        // The client knows e.flags unless a FETCH for them is still owed.
        const bool surprise = (e.state & flags_owed) != 0 || !as_expected(e.flags, mode, requested, m.flags);
        e.flags = m.flags;
        e.modseq = m.modseq;
        highest_modseq_ = std::max(highest_modseq_, m.modseq);
        if (!announced || (e.state & expunged_bit) != 0) continue;
        clear_pending(e);
        const bool with_flags = !silent || surprise;
        if (with_flags || modseq) out.push_back(make_fetch(index, ctx, with_flags));
    }
}

void mailbox_view::note_flags_sent(const store::message_info& message) {
    const entry* found = find_entry(message.uid);
    if (found == nullptr) return;
    entry& e = entries_[static_cast<std::size_t>(found - entries_.data())];
    if ((e.state & expunged_bit) != 0) return;
    learn_keywords(message.flags);
    e.flags = message.flags;
    e.modseq = message.modseq;
    highest_modseq_ = std::max(highest_modseq_, message.modseq);
    clear_pending(e);
}

imap::fetch_data mailbox_view::make_fetch(std::size_t index, const report_context& ctx,
                                          bool with_flags) const {
    const entry& e = entries_[index];
    imap::fetch_data f;
    f.seq = static_cast<std::uint32_t>(index + 1);
    // RFC 3501 section 6.4.8 (UID commands) and RFC 7162 section 3.2.4
    // (UID and MODSEQ in every FETCH once CONDSTORE is enabled).
    if (ctx.uid_command || ctx.condstore || ctx.qresync)
        f.items.emplace_back(imap::fetch_item_types::uid{e.uid});
    if (with_flags)
        f.items.emplace_back(
            imap::fetch_item_types::flags{detail::to_flags(e.flags, (e.state & recent_bit) != 0)});
    if (modseq_enabled(ctx)) f.items.emplace_back(imap::fetch_item_types::modseq{e.modseq});
    return f;
}

imap::fetch_data mailbox_view::fetch_flags(const message_ref& ref, const report_context& ctx) const {
    MAILACCESS_ASSERT(ref.seq >= 1 && ref.seq <= announced_ && entries_[ref.seq - 1].uid == ref.uid);
    return make_fetch(ref.seq - 1, ctx, true);
}

// --- Flushing ----------------------------------------------------------------

void mailbox_view::flush(const report_context& ctx, std::vector<imap::response>& out) {
    const bool modseq = modseq_enabled(ctx);
    if (ctx.allow_expunge && pending_expunges_ != 0) {
        if (ctx.qresync && options_.persistent_modseq) {
            // RFC 7162 section 3.2.10.2: one VANISHED (no EARLIER) replaces
            // the EXPUNGE responses and decrements the count by itself.
            std::vector<imap::seq_range> gone;
            for (std::size_t i = 0; i < announced_; ++i) {
                if ((entries_[i].state & expunged_bit) == 0) continue;
                const std::uint32_t uid = entries_[i].uid;
                if (!gone.empty() && gone.back().last + 1 == uid) {
                    gone.back().last = uid;
                } else {
                    gone.push_back({uid, uid});
                }
            }
            std::vector<imap::vanished_data> v;
            append_vanished(gone, false, v);
            for (auto& d : v) out.push_back(std::move(d));
        }
        // Compact; from the lowest number up, each EXPUNGE's number is its
        // position less the EXPUNGEs already sent (RFC 3501 section 7.4.1).
        const bool send_expunge = !(ctx.qresync && options_.persistent_modseq);
        std::size_t w = 0;
        std::uint32_t removed = 0;
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            entry& e = entries_[i];
            if (i < announced_ && (e.state & expunged_bit) != 0) {
                if (send_expunge)
                    out.push_back(imap::expunge_data{static_cast<std::uint32_t>(i + 1) - removed});
                if ((e.state & recent_bit) != 0) --recent_;
                ++removed;
                continue;
            }
            if (w != i) entries_[w] = std::move(e);
            ++w;
        }
        entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(w), entries_.end());
        announced_ -= removed;
        pending_expunges_ = 0;
    }

    if (entries_.size() > announced_) {
        for (std::size_t i = announced_; i < entries_.size(); ++i)
            if ((entries_[i].state & recent_bit) != 0) ++recent_;
        announced_ = static_cast<std::uint32_t>(entries_.size());
        out.push_back(imap::exists_data{announced_});
        out.push_back(imap::recent_data{recent_});
    }

    if (keywords_changed_) {
        flag_responses(out);
        keywords_changed_ = false;
    }

    if (pending_changes_ != 0) {
        // Only the entries that owe something, in sequence order: a flag
        // change elsewhere costs this session O(log n), not a walk of the
        // mailbox. UIDs whose debt was settled meanwhile (own STORE, FETCH
        // FLAGS, expunge) are skipped by their state.
        std::sort(owed_uids_.begin(), owed_uids_.end());
        owed_uids_.erase(std::unique(owed_uids_.begin(), owed_uids_.end()), owed_uids_.end());
        const auto end = entries_.begin() + announced_;
        for (const std::uint32_t uid : owed_uids_) {
            const auto it = std::lower_bound(entries_.begin(), end, uid,
                                             [](const entry& e, std::uint32_t u) { return e.uid < u; });
            if (it == end || it->uid != uid || (it->state & owed_bits) == 0) continue;
            // A bare mod-sequence change matters only to CONDSTORE clients.
            if ((it->state & flags_owed) != 0 || modseq)
                out.push_back(make_fetch(static_cast<std::size_t>(it - entries_.begin()), ctx, true));
            it->state = static_cast<std::uint8_t>(it->state & ~owed_bits);
        }
        pending_changes_ = 0;
    }
    owed_uids_.clear();

    if (pending_expunges_ != 0 && ctx.qresync && options_.persistent_modseq)
        out.push_back(ok_with(
            imap::response_code::with_number(imap::response_code_kind::highestmodseq, reportable_modseq()),
            "Expunges pending"));
}

// --- CONDSTORE / QRESYNC -----------------------------------------------------

std::vector<imap::vanished_data> mailbox_view::missing_uids(const std::vector<imap::seq_range>& ranges,
                                                            std::uint32_t above) const {
    // Every UID of `ranges` above `above` and below UIDNEXT that no entry
    // holds (announced or new): without tombstones, all of them may have
    // been expunged (RFC 7162 section 5.1).
    std::vector<imap::seq_range> gone;
    if (uidnext_ <= 1) return {};
    const std::uint32_t top = uidnext_ - 1;
    for (const auto& r : ranges) {
        std::uint64_t lo = std::max<std::uint64_t>(r.first, static_cast<std::uint64_t>(above) + 1);
        const std::uint64_t hi = std::min(r.last, top);
        if (lo > hi) continue;
        auto it = std::lower_bound(entries_.begin(), entries_.end(), lo,
                                   [](const entry& e, std::uint64_t u) { return e.uid < u; });
        for (; lo <= hi; ++it) {
            const std::uint64_t next =
                it == entries_.end() ? hi + 1 : std::min<std::uint64_t>(it->uid, hi + 1);
            if (next > lo)
                gone.push_back({static_cast<std::uint32_t>(lo), static_cast<std::uint32_t>(next - 1)});
            lo = next + 1;
            if (it == entries_.end()) break;
        }
    }
    merge_ranges(gone);
    std::vector<imap::vanished_data> out;
    append_vanished(gone, true, out);
    return out;
}

qresync_result mailbox_view::qresync(const imap::cmd::qresync_params& params) const {
    qresync_result result;
    if (!options_.persistent_modseq || params.uidvalidity != uidvalidity_) return result;

    std::vector<imap::seq_range> known;
    if (params.known_uids && !params.known_uids->is_last_result()) {
        known = uid_ranges(*params.known_uids);
    } else if (uidnext_ > 1) {
        known.push_back({1, uidnext_ - 1});  // section 3.2.5.1: "1:<maxuid>"
    }

    // Section 3.2.5.2: a pair (seq, uid) that still matches proves the
    // client knows every expunge up to that UID; stop at the first that
    // does not.
    std::uint32_t floor = 0;
    if (params.seq_match && !params.seq_match->first.is_last_result() &&
        !params.seq_match->second.is_last_result()) {
        const auto seqs = params.seq_match->first.resolve(announced_);
        const auto uids = uid_ranges(params.seq_match->second);
        range_cursor sc(seqs);
        range_cursor uc(uids);
        std::uint32_t s = 0;
        std::uint32_t u = 0;
        while (sc.next(s) && uc.next(u)) {
            if (entries_[s - 1].uid != u) break;
            floor = u;
        }
    }
    result.vanished = missing_uids(known, floor);

    const auto end = entries_.begin() + announced_;
    for (const auto& r : known) {
        auto it = std::lower_bound(entries_.begin(), end, r.first,
                                   [](const entry& e, std::uint32_t u) { return e.uid < u; });
        for (; it != end && it->uid <= r.last; ++it) {
            if ((it->state & expunged_bit) != 0 || it->modseq <= params.modseq) continue;
            result.changed.push_back(message_ref{static_cast<std::uint32_t>(it - entries_.begin()) + 1,
                                                 it->uid, (it->state & recent_bit) != 0, false});
        }
    }
    return result;
}

std::vector<imap::vanished_data> mailbox_view::vanished_earlier(const imap::sequence_set& uids) const {
    return missing_uids(uid_ranges(uids), 0);
}

void mailbox_view::keep_changed_since(std::vector<message_ref>& refs, std::uint64_t modseq) const {
    std::erase_if(refs, [&](const message_ref& r) {
        const entry* e = find_entry(r.uid);
        return e == nullptr || (e->state & expunged_bit) != 0 || e->modseq <= modseq;
    });
}

}  // namespace mailaccess::engine
