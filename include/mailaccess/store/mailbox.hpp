#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/store/message_source.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace mailaccess::store {

/// IMAP system flags (RFC 3501 section 2.3.2) as bits. \Recent is not a
/// stored flag: it is session state and lives in the IMAP engine.
enum class system_flag : std::uint8_t {
    seen = 1 << 0,
    answered = 1 << 1,
    flagged = 1 << 2,
    deleted = 1 << 3,
    draft = 1 << 4,
};

/// A message's stored flags: system flags plus keywords (IMAP atoms,
/// compared case-insensitively, kept sorted and unique by the store).
struct flag_set {
    std::uint8_t system = 0;  ///< OR of `system_flag` bits
    std::vector<std::string> keywords;

    bool has(system_flag f) const noexcept { return (system & static_cast<std::uint8_t>(f)) != 0; }
    void set(system_flag f) noexcept {
        system = static_cast<std::uint8_t>(system | static_cast<std::uint8_t>(f));
    }
    void clear(system_flag f) noexcept {
        system = static_cast<std::uint8_t>(system & ~static_cast<std::uint8_t>(f));
    }
    friend bool operator==(const flag_set&, const flag_set&) = default;
};

/// What a mailbox listing says about one message.
struct message_info {
    std::uint32_t uid = 0;           ///< strictly ascending, never reused (RFC 3501 2.3.1.1)
    std::uint64_t size = 0;          ///< octets as stored (RFC822.SIZE, POP3 LIST)
    std::int64_t internal_date = 0;  ///< seconds since the Unix epoch, UTC
    flag_set flags;
    std::uint64_t modseq = 1;  ///< CONDSTORE mod-sequence of the last change (RFC 7162)
    /// The size with every line ending in CRLF (IMAP's RFC822.SIZE), when the
    /// store knows it without reading the message: a Maildir file name's
    /// ",W=" field, as Dovecot writes it (and trusts it: so do we). nullopt
    /// when unknown; `size` is then the stored size.
    std::optional<std::uint64_t> crlf_size;
    friend bool operator==(const message_info&, const message_info&) = default;
};

/// Counters for SELECT/STATUS and POP3 STAT.
struct mailbox_status {
    std::uint32_t uidvalidity = 0;     ///< changes only if UIDs had to be reassigned
    std::uint32_t uidnext = 1;         ///< next UID the mailbox will assign
    std::uint64_t highest_modseq = 1;  ///< RFC 7162 HIGHESTMODSEQ
    std::uint32_t messages = 0;
    std::uint32_t unseen = 0;  ///< messages without \Seen
    std::uint64_t size = 0;    ///< sum of message sizes (STATUS=SIZE, RFC 8438)
};

/// What `mailbox::list_changes` returns: enough to bring a listing taken
/// earlier up to date without listing every message again.
struct mailbox_changes {
    /// Messages whose modseq is above the one asked about (new messages and
    /// those whose flags changed), ascending by UID.
    std::vector<message_info> changed;
    /// Every UID in the mailbox now, ascending: a UID missing here is gone.
    std::vector<std::uint32_t> uids;
};

/// How `mailbox::store_flags` combines flags (IMAP STORE FLAGS / +FLAGS / -FLAGS).
enum class flag_mode { replace, add, remove };

/// An open mailbox, owned by one session. Several handles on the same
/// mailbox (other sessions, other processes) may exist at once: each call
/// sees the current state on disk, and changes made through one handle are
/// announced to the others through `events.hpp`.
///
/// Thread safety: distinct objects safe (also on the same mailbox), shared
/// objects unsafe.
class mailbox {
public:
    virtual ~mailbox() = default;

    /// The mailbox name, UTF-8, "/"-separated, "INBOX" for the inbox.
    virtual const std::string& name() const noexcept = 0;
    virtual bool is_read_only() const noexcept = 0;

    /// Re-reads the mailbox (for Maildir: picks up files delivered into new/
    /// by an outside MDA and assigns them UIDs) and returns the counters.
    virtual result<mailbox_status> status() = 0;

    /// Every message, ascending by UID, as of this call (includes a refresh).
    virtual result<std::vector<message_info>> list() = 0;

    /// Like `list`, but in full only the messages whose modseq is above
    /// `modseq` (a HIGHESTMODSEQ from an earlier `status`): every change to
    /// a message gives it a modseq above the mailbox's highest before
    /// (arrivals included), so a listing from then, updated with `changed`
    /// and cut to `uids`, is the listing now. A session that re-reads the
    /// mailbox before each command pays for what changed, plus one UID per
    /// message, or nothing per message with `with_uids` false: `uids` is
    /// then left empty, for a caller that knows from `status` that nothing
    /// arrived or went (the same count and UIDNEXT). The default filters
    /// `list()`.
    virtual result<mailbox_changes> list_changes(std::uint64_t modseq, bool with_uids = true) {
        auto all = list();
        if (!all) return unexpected(all.error());
        mailbox_changes out;
        if (with_uids) out.uids.reserve(all->size());
        for (auto& m : *all) {
            if (with_uids) out.uids.push_back(m.uid);
            if (m.modseq > modseq) out.changed.push_back(std::move(m));
        }
        return out;
    }

    /// For a caller that polls (IMAP IDLE): until called again with zero,
    /// `status` and `list_changes` may answer from what this process learnt
    /// of the storage within the last `max_age` instead of reading it again.
    /// Changes made through this store's handles are always in the answer;
    /// only changes made outside it (an MDA delivering into a Maildir) show
    /// up to `max_age` later. Thousands of idling sessions on one mailbox
    /// then cost the storage a few reads a second, not thousands. The
    /// default ignores it (every read is fresh).
    virtual void allow_stale_reads(std::chrono::milliseconds /*max_age*/) {}

    /// Opens a message's bytes. `errc::no_such_message` if it is gone.
    virtual result<std::unique_ptr<message_source>> open(std::uint32_t uid) = 0;

    /// Changes flags on the given UIDs (absent UIDs are skipped) and returns
    /// the new state of every message found, in the order of `uids`. Only
    /// messages whose flags actually changed take a fresh modseq (RFC 7162
    /// section 3.1.3) and are announced as `flags_changed`.
    virtual result<std::vector<message_info>> store_flags(std::span<const std::uint32_t> uids, flag_mode mode,
                                                          const flag_set& flags) = 0;

    /// Removes the given UIDs permanently (POP3 UPDATE, IMAP EXPUNGE).
    /// Returns the UIDs actually removed; absent ones are skipped.
    virtual result<std::vector<std::uint32_t>> expunge(std::span<const std::uint32_t> uids) = 0;

    /// Starts appending a message with the given flags and internal date
    /// (seconds since epoch; 0 means now). Quota is checked as bytes arrive.
    virtual result<std::unique_ptr<append_sink>> append(const flag_set& flags,
                                                        std::int64_t internal_date) = 0;

    /// Copies messages into `target` (another open mailbox of the same
    /// account); returns the new UIDs in the order of `uids`, for UIDPLUS
    /// COPYUID. Quota is checked before anything is copied.
    virtual result<std::vector<std::uint32_t>> copy(std::span<const std::uint32_t> uids, mailbox& target) = 0;

    /// The message cache: data a protocol engine derived from a message (its
    /// parsed MIME structure, the answer to a HEADER.FIELDS request) kept with
    /// the mailbox so that a later session, or a later process, answers a
    /// header sync without reading the message again. The bytes under a UID
    /// never change, so an entry stays right until the message is expunged or
    /// UIDVALIDITY changes, and the store drops it then. `key` names the kind
    /// of data and its format version ("mime.structure.1"); the value is opaque.
    ///
    /// Best effort on both sides: `cached` returns nothing when there is no
    /// entry or it cannot be read, and `cache` may keep nothing (the default,
    /// for backends without a cache), refuse a key or value over the limits
    /// below, or lose entries to a crash or a size bound. Callers must always
    /// be able to recompute. Later `cache` calls for the same UID and key win.
    virtual std::optional<std::string> cached(std::uint32_t /*uid*/, std::string_view /*key*/) {
        return std::nullopt;
    }
    virtual void cache(std::uint32_t /*uid*/, std::string_view /*key*/, std::string_view /*value*/) {}
};

/// Limits of the message cache (`mailbox::cache`): longer keys and values are
/// not kept.
inline constexpr std::size_t max_cache_key_size = 255;
inline constexpr std::size_t max_cache_value_size = 256 * 1024;

}  // namespace mailaccess::store
