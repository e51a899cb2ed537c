#pragma once

// The state of one IMAP engine and the handlers, split over
// imap_engine.cpp (dispatch, login), imap_mailboxes.cpp (management, LIST,
// STATUS, quota), imap_append.cpp and imap_selected.cpp. Internal.

#include <mailaccess/engine/imap_engine.hpp>
#include <mailaccess/engine/mailbox_view.hpp>
#include <mailaccess/imap/command.hpp>
#include <mailaccess/imap/response.hpp>
#include <mailaccess/mime/message_structure.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mailaccess::engine {

/// A message a FETCH/STORE/SEARCH addresses: its sequence number, \Recent in
/// this session, and its state from the last listing.
struct fetch_target {
    std::uint32_t seq = 0;
    bool recent = false;
    store::message_info info;
    bool flags_changed = false;  ///< \Seen was just set by this FETCH: FLAGS are sent
};

struct imap_engine::impl {
    impl(store::store& s, auth::authenticator& a, imap_engine_options o)
        : store(s), credentials(a), options(o) {}

    store::store& store;
    detail::credentials credentials;
    imap_engine_options options;
    std::string user;
    std::unique_ptr<store::account> account;

    // The selected mailbox (SELECT/EXAMINE until CLOSE/UNSELECT/failure).
    std::unique_ptr<store::mailbox> selected;
    std::string selected_name;
    bool read_only = false;

    // APPEND messages streamed before the command completed: the target
    // and one sink per streamed message, in literal order.
    std::unique_ptr<store::mailbox> append_target;
    std::string append_target_name;
    std::vector<std::unique_ptr<store::append_sink>> append_sinks;
    std::vector<std::size_t> append_literals;

    // The rest of a sliced reply (`command_reply::more`).
    std::function<imap::command_reply()> continuation;

    // The selected mailbox as of the last refresh, and the session's view of it.
    std::vector<store::message_info> listing;
    // Applies list_changes() to `listing`; false (listing untouched) when the
    // changes do not fit it.
    bool merge_changes(store::mailbox_changes& delta);
    // The same for changes without UIDs (nothing arrived or went): replaces
    // the changed entries (copies: the view takes them too); false (listing
    // untouched) for an unknown UID.
    bool update_changed(const store::mailbox_changes& delta);
    store::mailbox_status status_cache;
    std::unique_ptr<mailbox_view> view;
    // Parsed MIME structures of messages this session fetched (bounded).
    std::unordered_map<std::uint32_t, std::shared_ptr<const mime::message_structure>> structures;
    // The extensions of the last command, for IDLE polls.
    imap::enabled_extensions last_enabled;

    imap::login_reply login(result<std::string> canonical_user);
    imap::command_reply run(imap::command& c, const imap::enabled_extensions& enabled);

    // imap_mailboxes.cpp
    imap::command_reply create(const imap::cmd::create& c);
    imap::command_reply delete_mailbox(const imap::cmd::delete_& c);
    imap::command_reply rename(const imap::cmd::rename& c);
    imap::command_reply subscribe(const imap::mailbox_name& name, bool on);
    imap::command_reply list(const imap::cmd::list& c);
    imap::command_reply lsub(const imap::cmd::lsub& c);
    imap::command_reply status(const imap::cmd::status& c);
    imap::command_reply getquota(const imap::cmd::getquota& c);
    imap::command_reply getquotaroot(const imap::cmd::getquotaroot& c);
    result<imap::status_data> status_of(std::string_view name, const std::vector<imap::status_att>& atts);
    result<imap::quota_data> quota_of();

    // imap_selected.cpp
    result<void> refresh();
    const store::message_info* info_of(std::uint32_t uid) const;
    result<std::vector<fetch_target>> resolve(const imap::sequence_set& set, bool uid);
    void flush(imap::command_reply& r, const report_context& ctx);
    void deselect();
    imap::command_reply select(const imap::cmd::select_params& c, bool examine,
                               const imap::enabled_extensions& enabled);
    imap::command_reply noop(const imap::command& c, const imap::enabled_extensions& enabled);
    imap::command_reply close(bool expunge_deleted);
    imap::command_reply expunge(const imap::command& c, const std::optional<imap::sequence_set>& uids,
                                const imap::enabled_extensions& enabled);
    imap::command_reply store_flags(const imap::command& c, const imap::cmd::store& s,
                                    const imap::enabled_extensions& enabled);
    imap::command_reply copy(const imap::command& c, bool uid, const imap::sequence_set& set,
                             const imap::mailbox_name& target, bool move,
                             const imap::enabled_extensions& enabled);
    imap::idle_reply idle_poll(const imap::enabled_extensions& enabled);
    void mark_seen(std::vector<fetch_target>& targets);

    // imap_fetch.cpp
    // A message of the selected mailbox, read only when something needs its
    // bytes: a header sync answered from cached structures and header fields
    // never opens a message file.
    struct lazy_message {
        explicit lazy_message(std::uint32_t u) : uid(u) {}
        std::uint32_t uid = 0;
        std::shared_ptr<byte_source> bytes;
        std::shared_ptr<const mime::message_structure> structure;
        std::optional<mime::message_summary> summary;
        // The store's cache entry for the structure, read at most once.
        std::optional<std::string> cache_entry;
        bool cache_entry_read = false;
        // The structure of the header block alone (header_structure_of).
        std::shared_ptr<const mime::message_structure> header_structure;
    };
    /// The message's bytes (opened once).
    result<std::shared_ptr<byte_source>> bytes_of(lazy_message& m);
    /// Its MIME structure: from this session's cache, else the store's
    /// message cache, else parsed from the bytes (and then kept in both).
    result<std::shared_ptr<const mime::message_structure>> structure_of(lazy_message& m);
    /// Its size facts: from the structure when it is loaded, else read off
    /// the front of the store's cache entry, else from structure_of.
    result<mime::message_summary> summary_of(lazy_message& m);
    /// Its ENVELOPE: from the structure when it is loaded, else decoded
    /// alone from the cache entry, else from structure_of.
    /// `cache_header`: as for header_structure_of.
    result<imap::envelope> envelope_of(lazy_message& m, bool cache_header = true);
    /// Its ENVELOPE in wire form, for a session without UTF8=ACCEPT: the
    /// store's cache entry of it, else made from envelope_of and cached
    /// (instead of the header structure: a warm header sync then decodes,
    /// builds and writes nothing per message).
    result<imap::envelope_text> envelope_text_of(lazy_message& m);
    /// The structure's cache entry (read once), or null when there is none.
    const std::string* cache_entry_of(lazy_message& m);
    /// Takes the structure from this session's cache when the message has none.
    void adopt_session_structure(lazy_message& m);
    /// The summary without any I/O: from the structure this message or this
    /// session's cache already holds; nothing otherwise.
    std::optional<mime::message_summary> loaded_summary(lazy_message& m);
    /// loaded_summary, else read off the store's cache entry; no parsing.
    std::optional<mime::message_summary> cached_summary(lazy_message& m);
    /// RFC822.SIZE: as summary_of, but a size the store knows without
    /// reading (Maildir W=) is taken before parsing a message.
    result<std::uint64_t> rfc822_size_of(lazy_message& m, const store::message_info& info);
    /// What BODY[] of the whole message needs (and opens the message): the
    /// summary if known or cached, else, when the store knows the size as
    /// sent (W=) and the file is the size listed, taken from those.
    result<mime::message_summary> download_summary_of(lazy_message& m, const store::message_info& info);
    /// A structure whose root header (and ENVELOPE) is the message's, made
    /// from the header block alone when the whole structure is not at hand:
    /// the full structure if loaded, else the cached header entry, else the
    /// header read and parsed (and cached when `cache_it`). What a first
    /// header sync needs without reading every message to its end.
    result<std::shared_ptr<const mime::message_structure>> header_structure_of(lazy_message& m,
                                                                               bool cache_it = true);
    /// The message cache key of a HEADER.FIELDS section (none for sections
    /// not cached), remembered for the last section asked about.
    const std::optional<std::string>& header_cache_key(const imap::section_spec& section);
    std::optional<imap::section_spec> last_header_section;
    std::optional<std::string> last_header_key;
    result<imap::reply_data> fetch_message(const fetch_target& t, const std::vector<imap::fetch_att>& atts,
                                           bool with_uid, const imap::enabled_extensions& enabled);
    imap::command_reply fetch(const imap::command& c, const imap::cmd::fetch& f,
                              const imap::enabled_extensions& enabled);
    imap::command_reply fetch_slice(imap::command_reply r, std::shared_ptr<std::vector<fetch_target>> targets,
                                    std::shared_ptr<std::vector<imap::fetch_att>> atts, std::size_t from,
                                    bool with_uid, report_context ctx, imap::enabled_extensions enabled);

    // imap_search.cpp, imap_search_text.cpp
    imap::command_reply search(const imap::command& c, const imap::cmd::search& s,
                               const imap::enabled_extensions& enabled);
    bool search_charset_supported(std::string_view charset) const;
    bool text_matches(const imap::search_key& k, byte_source& message, const mime::message_structure& s,
                      std::string_view charset);

    // imap_append.cpp
    imap::append_reply append_begin(const imap::append_begin_request& r);
    imap::append_reply append_data(const imap::append_data_request& r);
    void append_abort() noexcept;
    imap::command_reply append(imap::cmd::append& c);
};

/// A tagged-status reply without untagged data.
imap::command_reply reply(imap::status_kind status, std::optional<imap::response_code> code,
                          std::string text);
/// `NO [code] text` for a store failure.
imap::command_reply failure(std::error_code ec, std::string_view what, bool target = false);

}  // namespace mailaccess::engine
