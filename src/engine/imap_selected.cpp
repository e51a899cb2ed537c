// The selected state (RFC 3501 sections 6.3.1-2 and 6.4, RFC 3691
// UNSELECT, RFC 4315 UIDPLUS, RFC 6851 MOVE, RFC 7162 CONDSTORE/QRESYNC):
// every command first re-reads the mailbox into the session's
// `mailbox_view`, which decides what unilateral data may be sent.

#include "imap_convert.hpp"
#include "imap_engine_impl.hpp"

#include <mailaccess/core/error.hpp>
#include <mailaccess/store/error.hpp>

#include <algorithm>

namespace mailaccess::engine {
namespace {

void add_untagged(imap::command_reply& r, std::vector<imap::response>& responses) {
    for (auto& x : responses) r.untagged.push_back({std::move(x), {}});
    responses.clear();
}

}  // namespace

std::vector<std::uint32_t> recent_tracker::claim(std::string_view user, std::string_view mailbox,
                                                 std::uint32_t uidvalidity,
                                                 std::span<const store::message_info> listing) {
    std::lock_guard lock(mutex_);
    auto& seen = highest_[std::string(user) + '\0' + std::string(mailbox)];
    if (seen.first != uidvalidity) seen = {uidvalidity, 0};
    std::vector<std::uint32_t> out;
    // The listing ascends by UID: only its tail can be new.
    const auto first_new =
        std::upper_bound(listing.begin(), listing.end(), seen.second,
                         [](std::uint32_t u, const store::message_info& m) { return u < m.uid; });
    for (auto it = first_new; it != listing.end(); ++it) out.push_back(it->uid);
    if (!listing.empty()) seen.second = std::max(seen.second, listing.back().uid);
    return out;
}

result<void> imap_engine::impl::refresh() {
    auto st = selected->status();
    if (!st) return unexpected(st.error());
    // Nothing moved since the last listing: every flag change raises
    // HIGHESTMODSEQ, every arrival UIDNEXT, every removal lowers the count
    // (a removal with an arrival raises UIDNEXT). Listing every message
    // again would make each command cost O(mailbox) in every session.
    const auto& was = status_cache;
    if (st->uidvalidity == was.uidvalidity && st->uidnext == was.uidnext &&
        st->highest_modseq == was.highest_modseq && st->messages == was.messages) {
        status_cache = *st;
        return {};
    }
    // Only what changed since the last refresh, merged into the listing;
    // when nothing arrived or went (flag changes only), not even the UIDs.
    const bool same_messages =
        st->uidvalidity == was.uidvalidity && st->uidnext == was.uidnext && st->messages == was.messages;
    auto delta = selected->list_changes(status_cache.highest_modseq, !same_messages);
    if (!delta) return unexpected(delta.error());
    if (same_messages && update_changed(*delta)) {
        // Flag changes only: nothing new to claim \Recent for, and the view
        // takes just the changed messages.
        if (!view->update_flags(delta->changed, *st))
            return unexpected(make_error_code(store::errc::corrupt));
        status_cache = *st;
        return {};
    }
    if (same_messages || !merge_changes(*delta)) {
        // A UID neither listed before nor reported as changed: the store
        // broke the modseq contract; list everything.
        auto l = selected->list();
        if (!l) return unexpected(l.error());
        listing = std::move(*l);
    }
    std::vector<std::uint32_t> recent;
    if (options.recent && !read_only)
        recent = options.recent->claim(user, selected_name, st->uidvalidity, listing);
    if (!view->update(listing, *st, recent)) return unexpected(make_error_code(store::errc::corrupt));
    status_cache = *st;
    return {};
}

bool imap_engine::impl::merge_changes(store::mailbox_changes& delta) {
    std::vector<store::message_info> next;
    next.reserve(delta.uids.size());
    auto old = listing.begin();
    auto changed = delta.changed.begin();
    for (const std::uint32_t uid : delta.uids) {
        while (old != listing.end() && old->uid < uid) ++old;
        if (changed != delta.changed.end() && changed->uid == uid) {
            next.push_back(std::move(*changed++));
        } else if (old != listing.end() && old->uid == uid) {
            next.push_back(std::move(*old));
        } else {
            return false;
        }
    }
    if (changed != delta.changed.end()) return false;
    listing = std::move(next);
    return true;
}

bool imap_engine::impl::update_changed(const store::mailbox_changes& delta) {
    // All of them first, so a failure leaves the listing as it was.
    std::vector<std::vector<store::message_info>::iterator> at;
    at.reserve(delta.changed.size());
    for (const auto& m : delta.changed) {
        auto it = std::lower_bound(listing.begin(), listing.end(), m.uid,
                                   [](const store::message_info& e, std::uint32_t u) { return e.uid < u; });
        if (it == listing.end() || it->uid != m.uid) return false;  // an arrival after all
        at.push_back(it);
    }
    for (std::size_t i = 0; i < at.size(); ++i) *at[i] = delta.changed[i];  // kept for the view
    return true;
}

const store::message_info* imap_engine::impl::info_of(std::uint32_t uid) const {
    auto it = std::lower_bound(listing.begin(), listing.end(), uid,
                               [](const store::message_info& m, std::uint32_t u) { return m.uid < u; });
    return it != listing.end() && it->uid == uid ? &*it : nullptr;
}

result<std::vector<fetch_target>> imap_engine::impl::resolve(const imap::sequence_set& set, bool uid) {
    if (set.is_last_result()) return unexpected(make_error_code(mailaccess::errc::invalid_argument));
    auto refs = view->resolve(set, uid);
    if (!refs) return unexpected(refs.error());
    std::vector<fetch_target> out;
    out.reserve(refs->size());
    for (const auto& ref : *refs) {
        const auto* info = info_of(ref.uid);
        if (!info) continue;  // expunged meanwhile: nothing to send (RFC 2180 section 4.1.2)
        out.push_back({ref.seq, ref.recent, *info, false});
    }
    return out;
}

void imap_engine::impl::flush(imap::command_reply& r, const report_context& ctx) {
    std::vector<imap::response> responses;
    view->flush(ctx, responses);
    add_untagged(r, responses);
}

imap::command_reply imap_engine::impl::select(const imap::cmd::select_params& c, bool examine,
                                              const imap::enabled_extensions& enabled) {
    // RFC 3501 section 6.3.1: SELECT deselects first, also when it fails.
    deselect();
    if (c.qresync && !enabled.qresync)
        return reply(imap::status_kind::bad, std::nullopt, "QRESYNC is not enabled.");
    auto opened = account->open_mailbox(c.mailbox.str(),
                                        examine ? store::open_mode::read_only : store::open_mode::read_write);
    imap::command_reply failed;
    if (!opened) {
        failed = failure(opened.error(), examine ? "EXAMINE failed" : "SELECT failed");
        failed.new_state = imap::session_state::authenticated;
        return failed;
    }
    auto st = (*opened)->status();
    auto l = st ? (*opened)->list() : result<std::vector<store::message_info>>(unexpected(st.error()));
    if (!st || !l) {
        failed = failure(st ? l.error() : st.error(), examine ? "EXAMINE failed" : "SELECT failed");
        failed.new_state = imap::session_state::authenticated;
        return failed;
    }
    selected = std::move(*opened);
    selected_name = c.mailbox.str();
    read_only = examine || selected->is_read_only();
    listing = std::move(*l);
    status_cache = *st;
    std::vector<std::uint32_t> recent;
    if (options.recent && !read_only)
        recent = options.recent->claim(user, selected_name, st->uidvalidity, listing);
    view_options vo;
    vo.read_only = read_only;
    view = std::make_unique<mailbox_view>(listing, *st, recent, vo);

    imap::command_reply r =
        reply(imap::status_kind::ok,
              imap::response_code::simple(read_only ? imap::response_code_kind::read_only
                                                    : imap::response_code_kind::read_write),
              examine ? "Examine completed." : "Select completed.");
    std::vector<imap::response> responses;
    view->select_responses(enabled.condstore || c.condstore || c.qresync.has_value(), responses);
    add_untagged(r, responses);
    if (c.qresync) {
        // RFC 7162 section 3.2.5.1: VANISHED (EARLIER) first, then the changed flags.
        auto q = view->qresync(*c.qresync);
        for (auto& v : q.vanished) r.untagged.push_back({std::move(v), {}});
        report_context ctx;
        ctx.condstore = ctx.qresync = true;
        ctx.uid_command = true;
        for (const auto& ref : q.changed) r.untagged.push_back({view->fetch_flags(ref, ctx), {}});
    }
    r.new_state = imap::session_state::selected;
    return r;
}

void imap_engine::impl::deselect() {
    view.reset();
    selected.reset();
    selected_name.clear();
    listing.clear();
    structures.clear();
}

imap::command_reply imap_engine::impl::noop(const imap::command& c, const imap::enabled_extensions& enabled) {
    imap::command_reply r =
        reply(imap::status_kind::ok, std::nullopt,
              std::holds_alternative<imap::cmd::check>(c.body) ? "Check completed." : "NOOP completed.");
    if (!selected) return r;
    if (auto ok = refresh(); !ok) return failure(ok.error(), "NOOP failed");
    flush(r, report_context::for_command(c.body, enabled));
    return r;
}

imap::command_reply imap_engine::impl::close(bool expunge_deleted) {
    imap::command_reply r = reply(imap::status_kind::ok, std::nullopt,
                                  expunge_deleted ? "Close completed." : "Unselect completed.");
    // RFC 3501 section 6.4.2: CLOSE removes \Deleted messages silently
    // (not when the mailbox was EXAMINEd).
    if (expunge_deleted && selected && !read_only) {
        if (auto l = selected->list()) {
            std::vector<std::uint32_t> uids;
            for (const auto& m : *l)
                if (m.flags.has(store::system_flag::deleted)) uids.push_back(m.uid);
            if (!uids.empty()) {
                if (auto removed = selected->expunge(uids); !removed)
                    r = failure(removed.error(), "CLOSE failed");
            }
        }
    }
    deselect();
    r.new_state = imap::session_state::authenticated;
    return r;
}

imap::command_reply imap_engine::impl::expunge(const imap::command& c,
                                               const std::optional<imap::sequence_set>& uids,
                                               const imap::enabled_extensions& enabled) {
    if (read_only)
        return reply(imap::status_kind::no, imap::response_code::simple(imap::response_code_kind::cannot),
                     "Mailbox is read-only.");
    if (auto ok = refresh(); !ok) return failure(ok.error(), "EXPUNGE failed");
    std::vector<std::uint32_t> doomed;
    if (uids) {
        // RFC 4315 section 2.1: only the \Deleted messages among these UIDs.
        auto targets = resolve(*uids, true);
        if (!targets) return reply(imap::status_kind::bad, std::nullopt, "Invalid UID set.");
        for (const auto& t : *targets)
            if (t.info.flags.has(store::system_flag::deleted)) doomed.push_back(t.info.uid);
    } else {
        for (const auto& m : listing)
            if (m.flags.has(store::system_flag::deleted)) doomed.push_back(m.uid);
    }
    imap::command_reply r = reply(imap::status_kind::ok, std::nullopt, "Expunge completed.");
    if (!doomed.empty()) {
        auto removed = selected->expunge(doomed);
        if (!removed) return failure(removed.error(), "EXPUNGE failed");
        view->note_expunged(*removed);
    }
    flush(r, report_context::for_command(c.body, enabled));
    // RFC 7162 section 3.1.9: a CONDSTORE client learns the new HIGHESTMODSEQ.
    if (enabled.condstore) {
        if (auto ok = refresh(); ok)
            r.code = imap::response_code::with_number(imap::response_code_kind::highestmodseq,
                                                      view->reportable_modseq());
    }
    return r;
}

imap::command_reply imap_engine::impl::store_flags(const imap::command& c, const imap::cmd::store& s,
                                                   const imap::enabled_extensions& enabled) {
    if (read_only)
        return reply(imap::status_kind::no, imap::response_code::simple(imap::response_code_kind::cannot),
                     "Mailbox is read-only.");
    if (auto ok = refresh(); !ok) return failure(ok.error(), "STORE failed");
    auto targets = resolve(s.set, s.uid);
    if (!targets) return reply(imap::status_kind::bad, std::nullopt, "Invalid message set.");
    const auto ctx = report_context::for_command(c.body, enabled);
    imap::command_reply r = reply(imap::status_kind::ok, std::nullopt, "Store completed.");
    std::vector<std::uint32_t> uids;
    std::vector<std::uint32_t> modified;  // RFC 7162 section 3.1.3: UNCHANGEDSINCE failures
    for (const auto& t : *targets) {
        if (s.unchangedsince && t.info.modseq > *s.unchangedsince)
            modified.push_back(s.uid ? t.info.uid : t.seq);
        else
            uids.push_back(t.info.uid);
    }
    store::flag_mode mode = store::flag_mode::replace;
    if (s.action.mode() == imap::store_mode::add) mode = store::flag_mode::add;
    if (s.action.mode() == imap::store_mode::remove) mode = store::flag_mode::remove;
    const store::flag_set requested = detail::to_flag_set(s.action.flags());
    if (!uids.empty()) {
        auto results = selected->store_flags(uids, mode, requested);
        if (!results) return failure(results.error(), "STORE failed");
        std::vector<imap::response> responses;
        view->note_store(*results, mode, requested, s.action.is_silent(), ctx, responses);
        add_untagged(r, responses);
    }
    flush(r, ctx);
    if (!modified.empty()) {
        std::sort(modified.begin(), modified.end());
        imap::response_code code;
        code.kind = imap::response_code_kind::modified;
        auto set = detail::to_sequence_set(modified);
        code.source_uids = set ? std::move(*set) : imap::sequence_set::single(1);
        r.code = std::move(code);
        r.text = "Conditional STORE failed for some messages.";
    }
    return r;
}

imap::command_reply imap_engine::impl::copy(const imap::command& c, bool uid, const imap::sequence_set& set,
                                            const imap::mailbox_name& target_name, bool move,
                                            const imap::enabled_extensions& enabled) {
    const char* what = move ? "MOVE failed" : "COPY failed";
    if (move && read_only)
        return reply(imap::status_kind::no, imap::response_code::simple(imap::response_code_kind::cannot),
                     "Mailbox is read-only.");
    if (auto ok = refresh(); !ok) return failure(ok.error(), what);
    auto targets = resolve(set, uid);
    if (!targets) return reply(imap::status_kind::bad, std::nullopt, "Invalid message set.");
    auto target = account->open_mailbox(target_name.str(), store::open_mode::read_write);
    if (!target) return failure(target.error(), what, true);
    auto target_status = (*target)->status();
    if (!target_status) return failure(target_status.error(), what, true);
    std::vector<std::uint32_t> uids;
    for (const auto& t : *targets) uids.push_back(t.info.uid);
    imap::command_reply r =
        reply(imap::status_kind::ok, std::nullopt, move ? "Move completed." : "Copy completed.");
    if (uids.empty()) return r;  // RFC 6851 section 3.3: nothing to do is success
    auto copied = selected->copy(uids, **target);
    if (!copied) return failure(copied.error(), what, true);
    // RFC 4315 section 3: COPYUID uidvalidity source-uids dest-uids, in the same order.
    imap::response_code code;
    code.kind = imap::response_code_kind::copyuid;
    code.number = target_status->uidvalidity;
    const std::size_t n = std::min(uids.size(), copied->size());
    if (auto s = detail::to_sequence_set(std::span(uids).first(n))) code.source_uids = std::move(*s);
    if (auto d = detail::to_sequence_set(std::span(*copied).first(n))) code.dest_uids = std::move(*d);
    if (!move) {
        r.code = std::move(code);
        flush(r, report_context::for_command(c.body, enabled));
        return r;
    }
    // RFC 6851 section 4.3: COPYUID in an untagged OK before the expunges.
    r.untagged.push_back(
        {imap::status_response{std::nullopt, imap::status_kind::ok, std::move(code), "Moved."}, {}});
    auto removed = selected->expunge(uids);
    if (!removed) return failure(removed.error(), what);
    view->note_expunged(*removed);
    flush(r, report_context::for_command(c.body, enabled));
    return r;
}

imap::idle_reply imap_engine::impl::idle_poll(const imap::enabled_extensions& enabled) {
    imap::idle_reply out;
    if (!selected) return out;
    // Only the IDLE poll may answer from a recent read of the storage: a
    // command still sees an outside delivery made just before it.
    struct stale_reads {
        store::mailbox& m;
        ~stale_reads() { m.allow_stale_reads(std::chrono::milliseconds::zero()); }
    } scope{*selected};
    selected->allow_stale_reads(options.idle_poll_max_staleness);
    if (!refresh()) return out;
    std::vector<imap::response> responses;
    view->flush(report_context::for_command(imap::cmd::idle{}, enabled), responses);
    for (auto& x : responses) out.untagged.push_back({std::move(x), {}});
    return out;
}

void imap_engine::impl::mark_seen(std::vector<fetch_target>& targets) {
    std::vector<std::uint32_t> uids;
    for (const auto& t : targets)
        if (!t.info.flags.has(store::system_flag::seen)) uids.push_back(t.info.uid);
    if (uids.empty()) return;
    store::flag_set seen;
    seen.set(store::system_flag::seen);
    auto results = selected->store_flags(uids, store::flag_mode::add, seen);
    if (!results) return;  // the FETCH goes on; \Seen is best effort (RFC 3501 section 6.4.5)
    for (const auto& m : *results) {
        for (auto& t : targets)
            if (t.info.uid == m.uid) {
                t.info = m;
                t.flags_changed = true;
            }
        view->note_flags_sent(m);
    }
}

}  // namespace mailaccess::engine
