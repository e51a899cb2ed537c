#include "account_sync.hpp"

#include <mailaccess/imap/fetch_att.hpp>
#include <mailaccess/imap/parse_cursor.hpp>

#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdio>
#include <span>
#include <system_error>

namespace imap_sync {

namespace net = mailaccess::net;
namespace imap = mailaccess::imap;
using asio::use_awaitable;

namespace {

[[noreturn]] void fail(const std::string& what, std::error_code ec) { throw std::system_error(ec, what); }

imap::mailbox_name mailbox(const std::string& name) {
    auto m = imap::mailbox_name::make(name);
    if (!m) fail("mailbox name " + name, m.error());
    return *m;
}

// CLOSE leaves the folder without the EXPUNGE of RFC 3501 section 6.4.2 on
// an EXAMINEd folder, and expunges only what this program marked otherwise.
imap::command::body_type close_command() { return imap::cmd::close{}; }

imap::cmd::select_params select_of(const std::string& name) {
    imap::cmd::select_params p;
    p.mailbox = mailbox(name);
    return p;
}

imap::fetch_att_list atts(std::string_view text) {
    imap::parse_cursor in(text);
    auto list = imap::parse_fetch_att_list(in);
    if (!list) fail("fetch items", list.error());
    return *list;
}

// UIDs as sequence sets of at most `max_ranges` ranges each (a long
// scattered list becomes several commands).
std::vector<imap::sequence_set> uid_sets(const std::vector<std::uint32_t>& sorted) {
    std::vector<imap::sequence_set> out;
    std::vector<imap::seq_range> ranges;
    auto flush = [&] {
        if (ranges.empty()) return;
        out.push_back(*imap::sequence_set::make(ranges));
        ranges.clear();
    };
    for (const auto uid : sorted) {
        if (!ranges.empty() && ranges.back().last + 1 == uid) {
            ranges.back().last = uid;
            continue;
        }
        if (ranges.size() == 1000) flush();
        ranges.push_back({uid, uid});
    }
    flush();
    return out;
}

// The set first:last (`last` may be imap::star).
imap::sequence_set range_set(std::uint32_t first, std::uint32_t last) {
    const imap::seq_range r{first, last};
    return *imap::sequence_set::make(std::span<const imap::seq_range>(&r, 1));
}

std::set<std::string> flags_of(const std::vector<imap::flag>& flags) {
    std::set<std::string> out;
    for (const auto& f : flags)
        if (f.type() != imap::flag::kind::recent) out.insert(f.text());
    return out;
}

std::vector<imap::flag> to_flags(const std::set<std::string>& names) {
    std::vector<imap::flag> out;
    for (const auto& n : names)
        if (auto f = imap::flag::make(n)) out.push_back(*f);
    return out;
}

// The Maildir-visible part of a flag set (what a local reader can change).
std::set<std::string> maildir_part(const std::set<std::string>& flags) {
    std::set<std::string> out;
    for (const auto& f : flags)
        if (is_maildir_flag(f)) out.insert(f);
    return out;
}

std::string base_name(std::uint32_t uid, std::uint32_t uidvalidity) {
    return std::to_string(uid) + "." + std::to_string(uidvalidity) + ".imap-sync";
}

// One server folder as LIST reported it.
struct server_folder {
    std::string name;
    char delimiter = '\0';
};

class account_syncer {
public:
    account_syncer(net::imap_client& client, local_maildir& local, sync_state& state,
                   const sync_options& options)
        : client_(client), local_(local), state_(state), options_(options) {}

    asio::awaitable<std::map<std::string, folder_summary>> run() {
        qresync_ = options_.resync == resync_method::automatic && client_.has_capability("QRESYNC");
        condstore_ = options_.resync != resync_method::full &&
                     (client_.has_capability("QRESYNC") || client_.has_capability("CONDSTORE"));
        if (qresync_) {  // RFC 7162 section 3.2.3: QRESYNC must be enabled before use
            std::vector<imap::capability> enable{*imap::capability::make("QRESYNC")};
            co_await client_.async_enable(std::move(enable), use_awaitable);
        }
        co_await list_folders();
        co_await push_local_changes();
        for (const auto& f : folders_) co_await pull(f);
        co_return std::move(summaries_);
    }

    asio::awaitable<std::string> fetch_one(const std::string& name, std::uint32_t uid) {
        co_await list_folders();
        const server_folder& folder = folder_named(name);
        auto& record = state_.folders[name];
        auto box = co_await client_.async_select(select_of(name), use_awaitable, true);
        check_synchronised(record, box, name, uid);
        std::vector<std::uint32_t> uids(1, uid);  // not a braced list: GCC 12 cannot keep one across co_await
        co_await download(folder, record, std::move(uids), true, summaries_[name]);
        co_await client_.async_command(close_command(), use_awaitable);
        save_state();
        co_return path_of(folder, record.messages.at(uid));
    }

private:
    asio::awaitable<void> list_folders() {
        imap::cmd::list list;
        list.patterns = {"*"};
        auto listed = co_await client_.async_list(std::move(list), use_awaitable);
        folders_.clear();
        for (const auto& l : listed.mailboxes) {
            const auto& a = l.attributes;
            if (std::find(a.begin(), a.end(), imap::mailbox_attribute::noselect) != a.end() ||
                std::find(a.begin(), a.end(), imap::mailbox_attribute::nonexistent) != a.end())
                continue;
            folders_.push_back({l.mailbox.str(), l.delimiter.value_or('\0')});
        }
        std::sort(folders_.begin(), folders_.end(),
                  [](const auto& x, const auto& y) { return x.name < y.name; });
    }

    void save_state() const {
        if (auto ec = state_.save(local_.root())) fail("save " + sync_state::path(local_.root()), ec);
    }

    const server_folder& folder_named(const std::string& name) const {
        const server_folder* f = find_folder(name);
        if (f == nullptr)
            fail("no folder " + name, std::make_error_code(std::errc::no_such_file_or_directory));
        return *f;
    }

    static void check_synchronised(const folder_record& record, const net::imap_mailbox& box,
                                   const std::string& name, std::uint32_t uid) {
        if (box.uidvalidity.value_or(0) != record.uidvalidity || record.messages.count(uid) == 0)
            fail("message " + std::to_string(uid) + " of " + name +
                     " is not synchronised yet; run a sync first",
                 std::make_error_code(std::errc::no_such_file_or_directory));
    }

    std::string path_of(const server_folder& f, const message_record& m) const {
        return local_maildir::path_of(dir_of(f), m.file, maildir_part(m.flags));
    }

    const server_folder* find_folder(const std::string& name) const {
        for (const auto& f : folders_)
            if (f.name == name) return &f;
        return nullptr;
    }

    std::string dir_of(const server_folder& f) const { return local_.folder_dir(f.name, f.delimiter); }

    // --- push: what changed locally since the last agreement ------------------

    struct folder_changes {
        std::map<std::uint32_t, std::set<std::string>> flags;     // uid -> new Maildir flags
        std::vector<std::uint32_t> deleted;                       // removed locally
        std::map<std::string, std::vector<std::uint32_t>> moved;  // destination -> uids
        std::map<std::uint32_t, local_file> moved_files;
        bool empty() const { return flags.empty() && deleted.empty() && moved.empty(); }
    };

    asio::awaitable<void> push_local_changes() {
        std::map<std::string, std::string> dirs;
        for (const auto& f : folders_) dirs[f.name] = dir_of(f);
        const auto files = local_.scan(dirs);
        for (auto entry = state_.folders.begin(); entry != state_.folders.end(); ++entry) {
            const std::string& name = entry->first;
            folder_record& record = entry->second;
            const server_folder* folder = find_folder(name);
            if (folder == nullptr) continue;  // gone on the server: its pull resets it
            folder_changes changes;
            for (const auto& [uid, m] : record.messages) {
                auto it = files.find(m.file);
                if (it == files.end()) {
                    changes.deleted.push_back(uid);
                } else if (it->second.folder != name) {
                    changes.moved[it->second.folder].push_back(uid);
                    changes.moved_files.emplace(uid, it->second);
                } else if (it->second.flags != maildir_part(m.flags)) {
                    changes.flags.emplace(uid, it->second.flags);
                }
            }
            if (!changes.empty()) co_await push(*folder, record, changes);
        }
    }

    asio::awaitable<void> push(const server_folder& folder, folder_record& record, folder_changes& changes) {
        auto& summary = summaries_[folder.name];
        auto box = co_await client_.async_select(select_of(folder.name), use_awaitable);
        if (box.uidvalidity.value_or(0) != record.uidvalidity) co_return;  // the pull resets this folder
        auto commands = flag_commands(record, changes, summary);
        for (auto& command : commands) co_await client_.async_command(std::move(command), use_awaitable);
        for (auto it = changes.moved.begin(); it != changes.moved.end(); ++it) {
            const server_folder* to = find_folder(it->first);
            if (to == nullptr) continue;
            std::vector<std::uint32_t>& uids = it->second;
            std::sort(uids.begin(), uids.end());
            const bool can_move = client_.has_capability("MOVE");
            const auto sets = uid_sets(uids);
            for (const auto& set : sets) {
                auto reply =
                    co_await client_.async_command(move_command(can_move, set, it->first), use_awaitable);
                adopt_moved(reply, *to, record, changes.moved_files);
            }
            if (!can_move) co_await remove_on_server(uids);
            for (const auto uid : uids) record.messages.erase(uid);
            summary.moves_pushed += uids.size();
        }
        if (!changes.deleted.empty()) {
            co_await remove_on_server(changes.deleted);
            for (const auto uid : changes.deleted) record.messages.erase(uid);
            summary.deletes_pushed += changes.deleted.size();
        }
        co_await client_.async_command(close_command(), use_awaitable);
        save_state();
    }

    // The STOREs that give the server the flags changed locally (only the
    // difference, so keywords and concurrent changes of other flags stay),
    // recorded as agreed.
    static std::vector<imap::command::body_type> flag_commands(folder_record& record,
                                                               const folder_changes& changes,
                                                               folder_summary& summary) {
        std::vector<imap::command::body_type> out;
        for (const auto& [uid, local_flags] : changes.flags) {
            auto& m = record.messages.at(uid);
            const auto known = maildir_part(m.flags);
            std::set<std::string> added, removed;
            std::set_difference(local_flags.begin(), local_flags.end(), known.begin(), known.end(),
                                std::inserter(added, added.end()));
            std::set_difference(known.begin(), known.end(), local_flags.begin(), local_flags.end(),
                                std::inserter(removed, removed.end()));
            for (const auto& [mode, set] :
                 {std::pair{imap::store_mode::add, &added}, {imap::store_mode::remove, &removed}}) {
                if (set->empty()) continue;
                imap::cmd::store store;
                store.uid = true;
                store.set = imap::sequence_set::single(uid);
                store.action = *imap::store_att::make(mode, true, to_flags(*set));
                out.emplace_back(std::move(store));
            }
            for (const auto& f : added) m.flags.insert(f);
            for (const auto& f : removed) m.flags.erase(f);
            ++summary.flags_pushed;
        }
        return out;
    }

    imap::command::body_type move_command(bool can_move, const imap::sequence_set& set,
                                          const std::string& dest) {
        if (can_move) return imap::cmd::move{true, set, mailbox(dest)};
        return imap::cmd::copy{true, set, mailbox(dest)};
    }

    // \Deleted, then UID EXPUNGE (RFC 4315) so that only these go; without
    // UIDPLUS they stay marked \Deleted for the user's next expunge.
    asio::awaitable<void> remove_on_server(std::vector<std::uint32_t> uids) {
        std::sort(uids.begin(), uids.end());
        const auto sets = uid_sets(uids);
        for (const auto& set : sets) {
            imap::cmd::store store;
            store.uid = true;
            store.set = set;
            store.action =
                *imap::store_att::make(imap::store_mode::add, true, {imap::flag(imap::flag::kind::deleted)});
            co_await client_.async_command(std::move(store), use_awaitable);
            if (client_.has_capability("UIDPLUS")) {
                // A named variable, not a braced temporary in the co_await
                // expression: GCC 12 destroys such temporaries twice.
                imap::command::body_type expunge = imap::cmd::uid_expunge{set};
                co_await client_.async_command(std::move(expunge), use_awaitable);
            }
        }
    }

    // RFC 4315 COPYUID names the moved messages' new UIDs: the local files
    // are renamed to them and recorded in the destination, so the pull of
    // the destination does not download them again. Without it, the files
    // go and the pull brings the messages back under their new UIDs.
    void adopt_moved(const net::imap_reply& reply, const server_folder& to, folder_record& from,
                     const std::map<std::uint32_t, local_file>& files) {
        const imap::response_code* copyuid = nullptr;
        if (reply.status.code && reply.status.code->kind == imap::response_code_kind::copyuid)
            copyuid = &*reply.status.code;
        for (const auto& u : reply.untagged)
            if (auto* st = std::get_if<imap::status_response>(&u);
                st && st->code && st->code->kind == imap::response_code_kind::copyuid)
                copyuid = &*st->code;
        auto dest_it = state_.folders.find(to.name);
        std::vector<std::uint32_t> src, dst;
        if (copyuid != nullptr && copyuid->source_uids && copyuid->dest_uids &&
            dest_it != state_.folders.end() && dest_it->second.uidvalidity == copyuid->number) {
            for (const auto& r : copyuid->source_uids->ranges())
                for (std::uint64_t n = r.first; n <= r.last; ++n)
                    src.push_back(static_cast<std::uint32_t>(n));
            for (const auto& r : copyuid->dest_uids->ranges())
                for (std::uint64_t n = r.first; n <= r.last; ++n)
                    dst.push_back(static_cast<std::uint32_t>(n));
        }
        std::map<std::uint32_t, std::uint32_t> new_uid;
        if (src.size() == dst.size())
            for (std::size_t i = 0; i < src.size(); ++i) new_uid[src[i]] = dst[i];
        for (const auto& [uid, file] : files) {
            auto it = new_uid.find(uid);
            if (it == new_uid.end() || from.messages.count(uid) == 0) {
                if (new_uid.empty() || it == new_uid.end()) ::unlink(file.path.c_str());
                continue;
            }
            message_record m = from.messages.at(uid);
            m.file = base_name(it->second, dest_it->second.uidvalidity);
            const std::string path = local_maildir::path_of(dir_of(to), m.file, maildir_part(m.flags));
            if (::rename(file.path.c_str(), path.c_str()) != 0) {
                ::unlink(file.path.c_str());
                continue;
            }
            dest_it->second.messages[it->second] = std::move(m);
        }
    }

    // --- pull: what changed on the server since the last agreement -------------

    asio::awaitable<void> pull(const server_folder& folder) {
        auto& summary = summaries_[folder.name];
        auto& record = state_.folders[folder.name];
        const std::string dir = dir_of(folder);
        if (auto ec = local_.ensure(dir)) fail("create " + dir, ec);

        imap::cmd::select_params params = select_of(folder.name);
        const bool known = record.uidvalidity != 0;
        if (qresync_ && known && record.highestmodseq != 0) {
            imap::cmd::qresync_params q;
            q.uidvalidity = record.uidvalidity;
            q.modseq = record.highestmodseq;
            params.qresync = q;
        } else if (condstore_) {
            params.condstore = true;
        }
        auto box = co_await client_.async_select(params, use_awaitable, true);
        const std::uint32_t uidvalidity = box.uidvalidity.value_or(0);
        if (known && uidvalidity != record.uidvalidity) {
            // RFC 3501 section 2.3.1.1: the old UIDs mean nothing now.
            for (const auto& [uid, m] : record.messages)
                ::unlink(local_maildir::path_of(dir, m.file, maildir_part(m.flags)).c_str());
            record = folder_record{};
            summary.uidvalidity_reset = true;
        }
        const bool fresh = record.uidvalidity == 0;
        record.uidvalidity = uidvalidity;
        summary.mode = fresh                                                       ? "new"
                       : params.qresync                                            ? "qresync"
                       : (condstore_ && box.highestmodseq && record.highestmodseq) ? "condstore"
                                                                                   : "full";

        if (!fresh) {
            if (params.qresync) {
                for (const auto& set : box.vanished) expunge_local(dir, record, set, summary);
                for (const auto& f : box.changed) apply_flags(dir, record, f, summary);
            } else {
                co_await pull_changes(folder, record, box, summary);
            }
        }

        // New messages: UIDs above the last known one. "n:*" also names the
        // highest UID when it is below n (RFC 3501 section 6.4.8), hence the
        // check against uidnext first and the filter in download().
        const std::uint32_t last = record.last_uid();
        if (box.exists > 0 && (!box.uidnext || *box.uidnext > last + 1 || fresh)) {
            co_await download_new(folder, record, last, box.exists, summary);
        }
        if (options_.bodies) {
            std::vector<std::uint32_t> missing;
            for (const auto& [uid, m] : record.messages)
                if (!m.body) missing.push_back(uid);
            if (!missing.empty()) co_await download(folder, record, missing, true, summary);
        }
        record.highestmodseq = box.highestmodseq.value_or(0);
        record.uidnext = box.uidnext.value_or(0);
        co_await client_.async_command(close_command(), use_awaitable);
        save_state();
    }

    // Flag changes and expunges without QRESYNC: with CONDSTORE only what
    // changed since the last modseq (RFC 7162 section 3.1.4.1), else every
    // UID and its flags; expunges from the UIDs still there.
    asio::awaitable<void> pull_changes(const server_folder& folder, folder_record& record,
                                       const net::imap_mailbox& box, folder_summary& summary) {
        const std::string dir = dir_of(folder);
        const std::uint32_t last = record.last_uid();
        if (last == 0) co_return;
        const bool incremental = condstore_ && box.highestmodseq && record.highestmodseq;
        if (incremental && *box.highestmodseq == record.highestmodseq) co_return;  // nothing changed at all
        imap::cmd::fetch fetch;
        fetch.uid = true;
        fetch.set = range_set(1, last);
        fetch.atts = atts("(UID FLAGS)");
        if (incremental) fetch.changedsince = record.highestmodseq;
        net::imap_fetch_sinks sinks;
        std::set<std::uint32_t> present;
        sinks.on_message = [&](imap::fetch_data& f) -> std::error_code {
            if (auto* uid = imap::find_item<imap::fetch_item_types::uid>(f)) present.insert(uid->value);
            apply_flags(dir, record, f, summary);
            return {};
        };
        co_await client_.async_fetch(std::move(fetch), std::move(sinks), use_awaitable);
        if (incremental) {
            present.clear();
            imap::cmd::search search;
            search.uid = true;
            search.keys.push_back(
                imap::search_key::with_set(imap::search_key::kind::uid, range_set(1, last)));
            auto found = co_await client_.async_search(std::move(search), use_awaitable);
            present.insert(found.numbers.begin(), found.numbers.end());
        }
        std::vector<std::uint32_t> gone;
        for (const auto& [uid, m] : record.messages)
            if (uid <= last && present.count(uid) == 0) gone.push_back(uid);
        for (const auto& set : uid_sets(gone)) expunge_local(dir, record, set, summary);
    }

    void expunge_local(const std::string& dir, folder_record& record, const imap::sequence_set& uids,
                       folder_summary& summary) {
        for (const auto& r : uids.ranges()) {
            auto it = record.messages.lower_bound(r.first);
            while (it != record.messages.end() && (r.last == imap::star || it->first <= r.last)) {
                ::unlink(
                    local_maildir::path_of(dir, it->second.file, maildir_part(it->second.flags)).c_str());
                it = record.messages.erase(it);
                ++summary.expunged_pulled;
            }
        }
    }

    void apply_flags(const std::string& dir, folder_record& record, const imap::fetch_data& f,
                     folder_summary& summary) {
        auto* uid = imap::find_item<imap::fetch_item_types::uid>(f);
        auto* flags = imap::find_item<imap::fetch_item_types::flags>(f);
        if (uid == nullptr || flags == nullptr) return;
        auto it = record.messages.find(uid->value);
        if (it == record.messages.end()) return;
        auto now = flags_of(flags->value);
        if (now == it->second.flags) return;
        const auto before = local_maildir::path_of(dir, it->second.file, maildir_part(it->second.flags));
        const auto after = local_maildir::path_of(dir, it->second.file, maildir_part(now));
        if (before != after) ::rename(before.c_str(), after.c_str());
        it->second.flags = std::move(now);
        ++summary.flags_pulled;
    }

    asio::awaitable<void> download_new(const server_folder& folder, folder_record& record, std::uint32_t last,
                                       std::uint32_t expected, folder_summary& summary) {
        co_await fetch_messages(folder, record, range_set(last + 1, imap::star), options_.bodies, last,
                                expected, summary);
    }

    asio::awaitable<void> download(const server_folder& folder, folder_record& record,
                                   std::vector<std::uint32_t> uids, bool bodies, folder_summary& summary) {
        std::sort(uids.begin(), uids.end());
        const auto sets = uid_sets(uids);
        for (const auto& set : sets)
            co_await fetch_messages(folder, record, set, bodies, 0, uids.size(), summary);
    }

    // One UID FETCH of headers (BODY.PEEK[HEADER]) or whole messages
    // (BODY.PEEK[]), written to the Maildir as the responses arrive; large
    // bodies are streamed to the file chunk by chunk.
    asio::awaitable<void> fetch_messages(const server_folder& folder, folder_record& record,
                                         const imap::sequence_set& set, bool bodies, std::uint32_t above,
                                         std::uint64_t expected, folder_summary& summary) {
        const std::string dir = dir_of(folder);
        imap::cmd::fetch fetch;
        fetch.uid = true;
        fetch.set = set;
        fetch.atts = atts(bodies ? "(UID FLAGS RFC822.SIZE BODY.PEEK[])"
                                 : "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER])");
        examples::maildir_writer writer;
        if (auto ec = writer.open(dir)) fail("open " + dir + " " + writer.what(), ec);
        bool streaming = false;
        std::error_code disk_error;
        std::uint64_t done = 0;
        net::imap_fetch_sinks sinks;
        sinks.on_body = [&](const net::imap_body_event& e) -> std::error_code {
            if (std::holds_alternative<imap::body_begin>(e)) {
                disk_error = writer.begin();
                streaming = !disk_error;
            } else if (auto* d = std::get_if<imap::body_data>(&e)) {
                if (streaming && !disk_error) disk_error = writer.write(d->bytes);
            }
            return disk_error;
        };
        sinks.on_message = [&](imap::fetch_data& f) -> std::error_code {
            auto* uid = imap::find_item<imap::fetch_item_types::uid>(f);
            auto* flags = imap::find_item<imap::fetch_item_types::flags>(f);
            auto* size = imap::find_item<imap::fetch_item_types::rfc822_size>(f);
            auto* text = imap::find_item<imap::fetch_body_section>(f);
            const bool was_streaming = std::exchange(streaming, false);
            if (uid == nullptr || text == nullptr || uid->value <= above) {
                writer.abort();
                return {};
            }
            message_record m;
            if (auto it = record.messages.find(uid->value); it != record.messages.end()) m = it->second;
            const auto old_path = local_maildir::path_of(dir, m.file, maildir_part(m.flags));
            m.file = base_name(uid->value, record.uidvalidity);
            if (flags != nullptr) m.flags = flags_of(flags->value);
            if (size != nullptr) m.size = size->value;
            m.body = bodies;
            if (!was_streaming) {
                if (auto ec = writer.begin()) return ec;
                // BODY[HEADER] ends with the blank line (RFC 3501 section
                // 6.4.5), so a header-only file is a message with an empty body.
                if (auto ec = writer.write(text->data.value_or(""))) return ec;
            }
            const auto bytes = writer.size();
            if (auto ec = writer.commit_to("cur", m.file + ":" + info_of(maildir_part(m.flags)))) return ec;
            const auto new_path = local_maildir::path_of(dir, m.file, maildir_part(m.flags));
            if (old_path != new_path && record.messages.count(uid->value) != 0) ::unlink(old_path.c_str());
            const bool is_new = record.messages.count(uid->value) == 0;
            record.messages[uid->value] = std::move(m);
            summary.bytes_downloaded += bytes;
            if (is_new) ++summary.new_messages;
            if (bodies) ++summary.bodies;
            if (options_.progress) options_.progress(folder.name, ++done, expected);
            return {};
        };
        std::error_code ec;
        co_await client_.async_fetch(std::move(fetch), std::move(sinks),
                                     asio::redirect_error(use_awaitable, ec));
        if (ec)
            fail("fetch from " + folder.name + (writer.what().empty() ? "" : " (" + writer.what() + ")"), ec);
    }

    net::imap_client& client_;
    local_maildir& local_;
    sync_state& state_;
    const sync_options& options_;
    bool qresync_ = false;
    bool condstore_ = false;
    std::vector<server_folder> folders_;
    std::map<std::string, folder_summary> summaries_;
};

}  // namespace

nlohmann::json folder_summary::to_json() const {
    return {{"mode", mode},
            {"new_messages", new_messages},
            {"bodies", bodies},
            {"bytes_downloaded", bytes_downloaded},
            {"flags_pulled", flags_pulled},
            {"expunged_pulled", expunged_pulled},
            {"flags_pushed", flags_pushed},
            {"moves_pushed", moves_pushed},
            {"deletes_pushed", deletes_pushed},
            {"uidvalidity_reset", uidvalidity_reset}};
}

void folder_summary::add(const folder_summary& o) {
    new_messages += o.new_messages;
    bodies += o.bodies;
    bytes_downloaded += o.bytes_downloaded;
    flags_pulled += o.flags_pulled;
    expunged_pulled += o.expunged_pulled;
    flags_pushed += o.flags_pushed;
    moves_pushed += o.moves_pushed;
    deletes_pushed += o.deletes_pushed;
    uidvalidity_reset = uidvalidity_reset || o.uidvalidity_reset;
}

asio::awaitable<std::map<std::string, folder_summary>> sync_account(net::imap_client& client,
                                                                    local_maildir& local, sync_state& state,
                                                                    const sync_options& options) {
    account_syncer syncer(client, local, state, options);
    co_return co_await syncer.run();
}

asio::awaitable<std::string> fetch_body(net::imap_client& client, local_maildir& local, sync_state& state,
                                        const std::string& mailbox, std::uint32_t uid) {
    sync_options options;
    account_syncer syncer(client, local, state, options);
    co_return co_await syncer.fetch_one(mailbox, uid);
}

}  // namespace imap_sync
