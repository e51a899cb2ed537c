#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/command.hpp>
#include <mailaccess/imap/response.hpp>
#include <mailaccess/imap/sequence_set.hpp>
#include <mailaccess/imap/server_actions.hpp>
#include <mailaccess/store/mailbox.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace mailaccess::engine {

/// One message as the client sees it: its message sequence number (RFC 3501
/// section 2.3.1.2) and UID (section 2.3.1.1) in this session.
struct message_ref {
    std::uint32_t seq = 0;
    std::uint32_t uid = 0;
    /// \Recent in this session (RFC 3501 section 2.3.2): FETCH FLAGS adds
    /// `\Recent`, SEARCH RECENT/NEW match it.
    bool recent = false;
    /// The message is gone from the mailbox but its EXPUNGE (or VANISHED)
    /// has not been sent yet, so `seq` is still valid for the client. How a
    /// FETCH or STORE of it is answered is the engine's choice (RFC 2180
    /// section 4: NO, or OK with the last known data).
    bool expunged = false;

    friend bool operator==(const message_ref&, const message_ref&) = default;
};

/// How the command being answered shapes unilateral data: which responses
/// may be sent now and which FETCH items they carry.
struct MAILACCESS_API report_context {
    /// CONDSTORE is enabled (RFC 7162 section 3.1: any CONDSTORE enabling
    /// command, or QRESYNC): every untagged FETCH carries MODSEQ and, per
    /// section 3.2.4 (which section 3.1.4.2 asks CONDSTORE servers to
    /// follow too), UID.
    bool condstore = false;
    /// QRESYNC is enabled (RFC 7162 section 3.2.3): expunges are reported by
    /// one `VANISHED uid-set` instead of EXPUNGE responses (section 3.2.10).
    /// Implies `condstore`.
    bool qresync = false;
    /// The command is a UID command: FETCH responses it causes carry UID
    /// (RFC 3501 section 6.4.8).
    bool uid_command = false;
    /// EXPUNGE/VANISHED may be sent now (RFC 3501 section 7.4.1, RFC 7162
    /// section 3.2.10.2): false while responding to FETCH, STORE or SEARCH
    /// and to a UID SEARCH whose criteria contain message sequence numbers.
    bool allow_expunge = false;

    /// The context for answering `command` (any state; also `cmd::idle{}`
    /// for IDLE polls) with the extensions the session has enabled:
    ///  - FETCH, STORE, SEARCH: expunges held back;
    ///  - UID FETCH, UID STORE: expunges allowed, UID in FETCH;
    ///  - UID SEARCH: as UID FETCH, but expunges held back when a criterion
    ///    is a message sequence set (RFC 3501 section 5.5, RFC 7162 section
    ///    3.2.10.2; `$` counts as one);
    ///  - UID COPY, UID MOVE, UID EXPUNGE: expunges allowed, UID in FETCH;
    ///  - every other command (NOOP, CHECK, EXPUNGE, COPY, MOVE, IDLE,
    ///    STATUS...): expunges allowed. COPY is not among the commands RFC
    ///    3501 section 7.4.1 names, and section 5.5 makes clients wait for
    ///    its completion before using sequence numbers again.
    static report_context for_command(const imap::command::body_type& command,
                                      const imap::enabled_extensions& enabled);
};

/// Fixed properties of the selected mailbox.
struct view_options {
    /// Opened by EXAMINE, or SELECT of a read-only mailbox: PERMANENTFLAGS
    /// is `()` (RFC 3501 section 6.3.2 example).
    bool read_only = false;
    /// The mailbox keeps mod-sequences (RFC 7162 section 3.1.2). When false,
    /// SELECT reports `NOMODSEQ` (section 3.1.2.2), FETCH never carries
    /// MODSEQ, expunges are always EXPUNGE responses (section 3.2.10) and
    /// QRESYNC parameters are ignored (section 3.2.5.1).
    bool persistent_modseq = true;
};

/// What SELECT/EXAMINE (QRESYNC) owes the client after the ordinary
/// untagged data (RFC 7162 sections 3.2.5.1-2).
struct qresync_result {
    /// `VANISHED (EARLIER)` responses, to be sent first (section 3.2.6:
    /// before any FETCH). Several when the set has more than
    /// `mailbox_view::max_vanished_ranges` ranges; empty when none.
    std::vector<imap::vanished_data> vanished;
    /// Messages whose mod-sequence is above the client's: send each one a
    /// `FETCH (UID FLAGS MODSEQ)` (`mailbox_view::fetch_flags` with
    /// `qresync` set), in this order.
    std::vector<message_ref> changed;
};

/// One IMAP session's view of its selected mailbox: the map between
/// message sequence numbers and UIDs as the client knows it, and the
/// unilateral updates (RFC 3501 section 5.2) the session still owes its
/// client. Pure logic: the engine reads the store and feeds the view; the
/// view decides what may be sent when and builds the responses.
///
/// Messages have three states:
///  - announced: the client knows them (through SELECT's EXISTS or a later
///    EXISTS); they hold sequence numbers 1..`exists()`;
///  - announced but expunged: gone from the mailbox, EXPUNGE not yet sent;
///    they keep their sequence numbers until `flush` may send it;
///  - new: seen in a listing after the last EXISTS; invisible to sequence
///    sets, `*` and `find_uid` until `flush` announces them.
///
/// A typical command, on the store executor:
///
///     auto listing = mbox.list(); auto status = mbox.status();
///     if (!view.update(*listing, *status, recent_uids)) { /* BYE */ }
///     auto ctx = report_context::for_command(cmd.body, enabled);
///     view.flush(ctx, out);                  // EXISTS for new mail first
///     auto refs = view.resolve(set, uid);    // then the command's work
///     ...                                    // (note_store, note_expunged)
///     view.flush(ctx, out);                  // owed updates, before the tagged OK
///
/// Memory: one entry per message (UID, flags, mod-sequence and state bits,
/// about 48 bytes plus the message's keywords), in a vector sorted by UID.
/// Lookups are binary searches; `update` and `flush` are linear in the
/// number of messages.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API mailbox_view {
public:
    /// The most UID ranges one VANISHED response carries, so that its line
    /// stays under 8192 octets (at most 22 octets a range), the line limit
    /// clients commonly apply (RFC 7162 section 4) and our own framer's
    /// default. Longer sets are split over several responses.
    static constexpr std::size_t max_vanished_ranges = 256;

    /// Opens the view at SELECT/EXAMINE. `listing` is the store's listing
    /// (`mailbox::list`), ascending by UID (precondition); its flags are
    /// moved into the view. Every message is announced: `exists()` is
    /// `listing.size()`. `recent_uids` (ascending) are the UIDs for which
    /// this session holds \Recent: the engine decides which session is the
    /// first to be notified (RFC 3501 section 2.3.2), never for EXAMINE.
    mailbox_view(std::vector<store::message_info> listing, const store::mailbox_status& status,
                 std::span<const std::uint32_t> recent_uids, view_options options = {});

    // --- SELECT / EXAMINE ---------------------------------------------------

    /// Appends the untagged data of a successful SELECT/EXAMINE (RFC 3501
    /// sections 6.3.1-2, RFC 7162 section 3.1.2), in this order:
    ///
    ///     * FLAGS (\Answered \Flagged \Deleted \Seen \Draft kw...)
    ///     * OK [PERMANENTFLAGS (\Answered ... kw... \*)]   ("()" when read-only)
    ///     * n EXISTS
    ///     * n RECENT
    ///     * OK [UNSEEN n]                  (first message without \Seen; omitted if none)
    ///     * OK [UIDVALIDITY n]
    ///     * OK [UIDNEXT n]
    ///     * OK [HIGHESTMODSEQ n] / [NOMODSEQ]  (only with `condstore`)
    ///
    /// Keywords are those of the listing's messages, sorted, each once.
    /// `condstore`: CONDSTORE or QRESYNC is enabled, or the command has the
    /// CONDSTORE or QRESYNC parameter (RFC 7162 sections 3.1.8, 3.2.5).
    /// The tagged OK's [READ-WRITE]/[READ-ONLY] and the QRESYNC data
    /// (`qresync`) are the engine's.
    void select_responses(bool condstore, std::vector<imap::response>& out) const;

    /// `* OK [HIGHESTMODSEQ n]` (`reportable_modseq()`), or `* OK [NOMODSEQ]`
    /// when the mailbox keeps no mod-sequences: for SELECT, and for the
    /// first CONDSTORE enabling command while this mailbox is selected
    /// (RFC 7162 section 3.1).
    imap::response modseq_status() const;

    // --- State ------------------------------------------------------------------

    /// The message count the client knows (its last EXISTS minus the
    /// EXPUNGEs sent since): announced messages, expunged-pending included.
    std::uint32_t exists() const noexcept { return announced_; }
    /// Announced messages with \Recent in this session.
    std::uint32_t recent_count() const noexcept { return recent_; }
    std::uint32_t uidvalidity() const noexcept { return uidvalidity_; }
    /// UIDNEXT as of the last `update` (never below the highest UID + 1).
    std::uint32_t uidnext() const noexcept { return uidnext_; }
    /// The mailbox's HIGHESTMODSEQ as of the last `update` or own STORE.
    std::uint64_t highest_modseq() const noexcept { return highest_modseq_; }
    /// The HIGHESTMODSEQ the client may be told now (a tagged `OK
    /// [HIGHESTMODSEQ]`): `highest_modseq()`, or while expunges are held
    /// back, the value from before the first of them was seen, which is
    /// lower than the expunges' mod-sequences (RFC 7162 section 3.2). After
    /// the session's own EXPUNGE, call `update` (or pass a fresh status)
    /// before using it, so that it includes the expunge's mod-sequence.
    std::uint64_t reportable_modseq() const noexcept;
    const view_options& options() const noexcept { return options_; }

    /// True when `flush` has something to send under some context: new
    /// messages, held expunges, flag changes, or new keywords.
    bool has_pending() const noexcept;
    /// True when expunges are waiting for a context that allows them.
    bool has_pending_expunges() const noexcept { return pending_expunges_ != 0; }

    // --- Sequence sets ---------------------------------------------------------

    /// The announced messages named by `set`, ascending and each once.
    ///
    /// - Sequence numbers (`uid == false`): `*` is `exists()`; a range may
    ///   be written either way round (`4:2`). A number above `exists()`,
    ///   or any set at all while `exists()` is 0 (including `*`), fails
    ///   with `mailaccess::errc::invalid_argument`; RFC 9051 section 9
    ///   (`seq-number`) says the server should answer BAD.
    /// - UIDs (`uid == true`): `*` is the highest announced UID, or
    ///   `uidnext()` when none is announced (RFC 9051 section 9), so `n:*`
    ///   includes the highest UID even when n is larger (RFC 3501 section
    ///   6.4.8). UIDs that do not exist are skipped silently; never fails.
    ///
    /// Expunged-pending messages are included and marked. Precondition:
    /// `!set.is_last_result()` (the engine substitutes `$` first).
    /// Lifetime: the sequence numbers hold until the next `flush`, which
    /// may renumber (`update` and `note_expunged` never do).
    result<std::vector<message_ref>> resolve(const imap::sequence_set& set, bool uid) const;
    /// The announced message with this UID (expunged-pending included).
    std::optional<message_ref> find_uid(std::uint32_t uid) const;
    /// The announced message with this sequence number (1..`exists()`).
    std::optional<message_ref> at(std::uint32_t seq) const;

    // --- Refresh -------------------------------------------------------------

    /// Compares the store's current listing (ascending by UID) with the
    /// view and queues what changed; sends nothing. Linear in the sizes.
    ///  - UIDs above every known UID are new messages (EXISTS, and RECENT,
    ///    at the next `flush`); those in `recent_uids` (ascending) get
    ///    \Recent in this session.
    ///  - Announced UIDs missing from the listing become expunged-pending
    ///    (the next `flush` that allows it sends EXPUNGE or VANISHED); new
    ///    ones that vanished before being announced are dropped unseen
    ///    (RFC 7162 section 3.2.10.2: never report unannounced UIDs).
    ///  - Changed flags or mod-sequences of announced messages queue a
    ///    FETCH; keywords not seen before queue a new FLAGS and
    ///    PERMANENTFLAGS.
    /// A UID below the highest known one that the view does not know cannot
    /// appear (RFC 3501 section 2.3.1.1) and is ignored. Returns false, and
    /// changes nothing, when `status.uidvalidity` differs from the view's:
    /// the UIDs the client holds are void and the engine must end the
    /// session (`BYE`).
    [[nodiscard]] bool update(std::span<const store::message_info> listing,
                              const store::mailbox_status& status,
                              std::span<const std::uint32_t> recent_uids = {});

    /// `update` for flag changes alone: `changed` (UID-ascending) are the
    /// messages whose flags or mod-sequence moved, and the mailbox holds the
    /// same messages as at the last `update` (same UIDNEXT and count).
    /// O(changed * log n) instead of a merge with the whole listing; the
    /// same result as `update` with the full listing. Returns false, and
    /// changes nothing, on a UIDVALIDITY change.
    [[nodiscard]] bool update_flags(std::span<const store::message_info> changed,
                                    const store::mailbox_status& status);

    /// The session's own EXPUNGE, UID EXPUNGE, MOVE or CLOSE removed `uids`
    /// (`mailbox::expunge`'s result, any order): they become
    /// expunged-pending, and the next `flush` with `allow_expunge` sends
    /// their EXPUNGE (RFC 3501 section 6.4.3) or VANISHED (RFC 7162 section
    /// 3.2.7) responses, together with any from other sessions. Unknown
    /// UIDs are ignored. (For CLOSE the engine simply drops the view: no
    /// responses, RFC 7162 section 3.2.8.)
    void note_expunged(std::span<const std::uint32_t> uids);

    /// The session's own STORE/UID STORE: `results` is
    /// `mailbox::store_flags`' answer (the new state of each message
    /// found), `mode` and `requested` what the command asked. Records the
    /// new state, so no later FETCH repeats it, and appends the responses
    /// the STORE owes now:
    ///  - without .SILENT: `FETCH (FLAGS ...)` for every message (RFC 3501
    ///    section 6.4.6);
    ///  - with .SILENT: with CONDSTORE, `FETCH (MODSEQ ...)` for every
    ///    message anyway (RFC 7162 section 3.1.3 and its examples 3, 4 and
    ///    14); and `FLAGS` too, silent or not, whenever the outcome differs
    ///    from what the client can compute from the flags it was last told
    ///    (a change by another session, RFC 3501 section 6.4.6 note, RFC 7162
    ///    example 10).
    /// FETCH items are `UID` (UID command or CONDSTORE), `FLAGS`, `MODSEQ`
    /// (CONDSTORE), with current sequence numbers. New keywords are
    /// announced first with FLAGS and PERMANENTFLAGS. Messages that are not
    /// announced are recorded silently.
    void note_store(std::span<const store::message_info> results, store::flag_mode mode,
                    const store::flag_set& requested, bool silent, const report_context& ctx,
                    std::vector<imap::response>& out);

    /// The engine sent the client `message`'s FLAGS itself (a FETCH that
    /// set \Seen, RFC 3501 section 6.4.5, or any FETCH FLAGS): records them
    /// so that no unilateral FETCH repeats them. Unknown UIDs are ignored.
    void note_flags_sent(const store::message_info& message);

    /// `* seq FETCH ([UID n] FLAGS (...) [MODSEQ (m)])` for `ref` from the
    /// view's current knowledge: UID when the context is a UID command or
    /// CONDSTORE is on, `\Recent` when the message is recent in this
    /// session, MODSEQ under CONDSTORE with persistent mod-sequences. For
    /// an expunged-pending message, its last known flags. Precondition:
    /// `ref` comes from this view and is still valid (see `resolve`).
    imap::fetch_data fetch_flags(const message_ref& ref, const report_context& ctx) const;

    // --- Flushing ------------------------------------------------------------

    /// Appends the unilateral updates that `ctx` allows, in this order:
    ///  1. when `ctx.allow_expunge`: every expunged-pending message, as one
    ///     `VANISHED uid-set` (QRESYNC, persistent mod-sequences; split per
    ///     `max_vanished_ranges`) or as EXPUNGE responses from the lowest
    ///     sequence number up, each number already lowered by the ones
    ///     before it (RFC 3501 section 7.4.1; the RFC 3501 section 6.4.3
    ///     example's `3, 3, 5, 8` for messages 3, 4, 7, 11). Otherwise they
    ///     stay pending and keep their sequence numbers;
    ///  2. new messages: `* n EXISTS` and `* m RECENT` (RFC 3501 sections
    ///     7.3.1-2: RECENT whenever the size grows). Always allowed; the
    ///     count includes held-back messages, so EXISTS never decreases;
    ///  3. `* FLAGS` and `* OK [PERMANENTFLAGS]` when keywords appeared;
    ///  4. `FETCH` for every announced message whose flags changed (or only
    ///     its mod-sequence, under CONDSTORE), ascending, current sequence
    ///     numbers, items as in `fetch_flags`;
    ///  5. with QRESYNC and expunges still held: `* OK [HIGHESTMODSEQ n]`
    ///     with `reportable_modseq()`, so the client does not take MODSEQ
    ///     items sent meanwhile as covering the held expunges (RFC 7162
    ///     section 3.2, section 6 example).
    /// Nothing is appended when nothing is owed.
    void flush(const report_context& ctx, std::vector<imap::response>& out);

    // --- CONDSTORE / QRESYNC -----------------------------------------------

    /// SELECT/EXAMINE (QRESYNC (uidvalidity modseq [known-uids]
    /// [seq-match])) (RFC 7162 section 3.2.5). Empty when the UIDVALIDITY
    /// differs or the mailbox keeps no mod-sequences (section 3.2.5.1).
    ///  - `vanished`: the store keeps no record of expunged UIDs, so every
    ///    UID of the client's known range (`known_uids`, else 1:UIDNEXT-1)
    ///    below UIDNEXT that is not in the mailbox (section 3.2.5.1 and
    ///    section 5.1's minimal server), except those at or below the
    ///    highest UID of the seq-match data before its first pair that no
    ///    longer matches (section 3.2.5.2);
    ///  - `changed`: the announced messages of the known range whose
    ///    mod-sequence is above `modseq`.
    qresync_result qresync(const imap::cmd::qresync_params& params) const;

    /// `UID FETCH set ... (CHANGEDSINCE m VANISHED)` (RFC 7162 section
    /// 3.2.6): `VANISHED (EARLIER)` responses for the UIDs of `uids` below
    /// UIDNEXT that are not in the mailbox (all of them whatever `m`, as
    /// section 5.1 allows), empty when there are none. Messages still
    /// announced are never included, expunged-pending or not: the next
    /// `flush` reports those with a plain VANISHED. `*` as in `resolve`.
    /// Precondition: `!uids.is_last_result()`.
    std::vector<imap::vanished_data> vanished_earlier(const imap::sequence_set& uids) const;

    /// The CHANGEDSINCE FETCH modifier (RFC 7162 section 3.1.4.1): removes
    /// from `refs` (from `resolve`) the messages whose mod-sequence, as of
    /// the last `update`, is not above `modseq`, and the expunged-pending
    /// ones.
    void keep_changed_since(std::vector<message_ref>& refs, std::uint64_t modseq) const;

private:
    struct entry {
        std::uint32_t uid = 0;
        std::uint8_t state = 0;  // entry_state bits
        store::flag_set flags;   // the store's flags as last seen
        std::uint64_t modseq = 0;
    };

    bool modseq_enabled(const report_context& ctx) const noexcept;
    const entry* find_entry(std::uint32_t uid) const;
    void apply(entry& e, const store::message_info& m, bool announced);
    void learn_keywords(const store::flag_set& flags);
    void clear_pending(entry& e) noexcept;
    void mark_expunged(entry& e) noexcept;
    std::vector<imap::seq_range> uid_ranges(const imap::sequence_set& set) const;
    std::vector<imap::vanished_data> missing_uids(const std::vector<imap::seq_range>& ranges,
                                                  std::uint32_t above) const;
    imap::fetch_data make_fetch(std::size_t index, const report_context& ctx, bool with_flags) const;
    void flag_responses(std::vector<imap::response>& out) const;

    std::vector<entry> entries_;         // ascending UID; [0, announced_) announced, the rest new
    std::vector<std::string> keywords_;  // every keyword seen, ASCII-case-insensitively sorted
    view_options options_;
    std::uint32_t announced_ = 0;
    std::uint32_t recent_ = 0;              // announced entries with \Recent
    std::uint32_t pending_expunges_ = 0;    // announced entries marked expunged
    std::uint32_t pending_changes_ = 0;     // announced entries with a FETCH owed
    std::vector<std::uint32_t> owed_uids_;  // their UIDs (and some settled since), unsorted
    bool keywords_changed_ = false;         // FLAGS/PERMANENTFLAGS owed
    std::uint32_t uidvalidity_ = 0;
    std::uint32_t uidnext_ = 1;
    std::uint64_t highest_modseq_ = 0;
    std::uint64_t held_floor_ = 0;  // highest_modseq_ before the first held expunge
};

}  // namespace mailaccess::engine
