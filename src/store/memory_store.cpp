#include <mailaccess/store/memory_store.hpp>

#include <mailaccess/store/error.hpp>
#include <mailaccess/store/event_hub.hpp>

#include "flag_ops.hpp"
#include "names.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace mailaccess::store {

using detail::apply_flags;
using detail::normalize_keywords;

namespace {

struct mem_message {
    std::uint32_t uid = 0;
    std::shared_ptr<const std::string> bytes;  // shared by copies: COPY costs no bytes
    std::int64_t internal_date = 0;
    flag_set flags;
    std::uint64_t modseq = 1;
    // The message cache (mailbox::cache); copies share the bytes, so they
    // take the entries along.
    std::map<std::string, std::string, std::less<>> cache;
};

struct mem_folder {
    std::string name;
    special_use use = special_use::none;
    std::uint32_t uidvalidity = 0;
    std::uint32_t uidnext = 1;
    std::uint64_t highest_modseq = 1;
    std::vector<mem_message> messages;  // ascending by uid
    bool deleted = false;               // open handles of a deleted folder fail
};

struct mem_user {
    std::shared_ptr<mem_folder> inbox;
    std::map<std::string, std::shared_ptr<mem_folder>> folders;  // excluding INBOX
    std::set<std::string> subscribed;
    bool maildrop_locked = false;
};

class string_source final : public message_source {
public:
    explicit string_source(std::shared_ptr<const std::string> bytes) : bytes_(std::move(bytes)) {}
    std::uint64_t size() const noexcept override { return bytes_->size(); }
    result<std::size_t> read(std::uint64_t offset, std::span<char> out) override {
        if (offset >= bytes_->size()) return std::size_t{0};
        const std::size_t n = std::min(out.size(), static_cast<std::size_t>(bytes_->size() - offset));
        std::memcpy(out.data(), bytes_->data() + offset, n);
        return n;
    }

private:
    std::shared_ptr<const std::string> bytes_;
};

}  // namespace

struct detail::memory_state {
    std::mutex mutex;
    memory_store_options options;
    std::map<std::string, mem_user, std::less<>> users;
    event_hub hub;
    std::uint32_t next_uidvalidity = static_cast<std::uint32_t>(std::time(nullptr));

    std::shared_ptr<mem_folder> make_folder(std::string name, special_use use) {
        auto f = std::make_shared<mem_folder>();
        f->name = std::move(name);
        f->use = use;
        f->uidvalidity = next_uidvalidity++;  // a recreated name never repeats a UIDVALIDITY
        return f;
    }

    // Requires `mutex`.
    mem_user& user_locked(std::string_view user) {
        auto it = users.find(user);
        if (it != users.end()) return it->second;
        mem_user& u = users[std::string(user)];
        u.inbox = make_folder("INBOX", special_use::none);
        if (options.create_special_use) {
            static constexpr std::pair<const char*, special_use> defaults[] = {
                {"Drafts", special_use::drafts},
                {"Sent", special_use::sent},
                {"Trash", special_use::trash},
                {"Junk", special_use::junk},
                {"Archive", special_use::archive}};
            for (const auto& [name, use] : defaults) u.folders[name] = make_folder(name, use);
            for (const auto& [name, use] : defaults) u.subscribed.insert(name);
        }
        u.subscribed.insert("INBOX");
        return u;
    }

    // Requires `mutex`.
    std::shared_ptr<mem_folder> find_locked(mem_user& u, const std::string& name) {
        if (name == "INBOX") return u.inbox;
        auto it = u.folders.find(name);
        return it == u.folders.end() ? nullptr : it->second;
    }

    // Requires `mutex`.
    quota_usage usage_locked(const mem_user& u) const {
        quota_usage q;
        q.bytes_limit = options.quota_bytes;
        q.messages_limit = options.quota_messages;
        auto add = [&](const mem_folder& f) {
            q.messages_used += f.messages.size();
            for (const auto& m : f.messages) q.bytes_used += m.bytes->size();
        };
        add(*u.inbox);
        for (const auto& [name, f] : u.folders) add(*f);
        return q;
    }

    std::error_code check_quota_locked(const mem_user& u, std::uint64_t extra_bytes,
                                       std::uint64_t extra_messages) const {
        const quota_usage q = usage_locked(u);
        if (q.bytes_limit != 0 && q.bytes_used + extra_bytes > q.bytes_limit) return errc::over_quota;
        if (q.messages_limit != 0 && q.messages_used + extra_messages > q.messages_limit)
            return errc::over_quota;
        return {};
    }
};

namespace {

using state_ptr = std::shared_ptr<detail::memory_state>;

class memory_append_sink final : public append_sink {
public:
    memory_append_sink(state_ptr st, std::string user, std::shared_ptr<mem_folder> folder, flag_set flags,
                       std::int64_t date, std::uint64_t quota_room)
        : state_(std::move(st)),
          user_(std::move(user)),
          folder_(std::move(folder)),
          flags_(std::move(flags)),
          date_(date),
          quota_room_(quota_room) {}

    std::error_code write(std::span<const char> bytes) override {
        if (done_) return errc::io_error;
        // buffer_.size() <= max_message_size always holds, so this cannot wrap.
        if (bytes.size() > state_->options.max_message_size - buffer_.size()) {
            abort();
            return errc::message_too_large;
        }
        if (bytes.size() > quota_room_ - std::min(quota_room_, buffer_.size())) {
            abort();
            return errc::over_quota;
        }
        buffer_.append(bytes.data(), bytes.size());
        return {};
    }

    result<std::uint32_t> commit() override {
        if (done_) return unexpected(errc::io_error);
        done_ = true;
        change_event ev;
        std::uint32_t uid = 0;
        {
            std::lock_guard lock(state_->mutex);
            if (folder_->deleted) return unexpected(errc::no_such_mailbox);
            // Re-check: other sessions may have filled the quota since append().
            if (auto ec = state_->check_quota_locked(state_->user_locked(user_), buffer_.size(), 1))
                return unexpected(ec);
            mem_message m;
            m.uid = uid = folder_->uidnext++;
            m.bytes = std::make_shared<const std::string>(std::move(buffer_));
            m.internal_date = date_ != 0 ? date_ : static_cast<std::int64_t>(std::time(nullptr));
            m.flags = flags_;
            m.modseq = ++folder_->highest_modseq;
            folder_->messages.push_back(std::move(m));
            ev = change_event{change_event::kind::appended, user_, folder_->name, {}, {uid}};
        }
        state_->hub.publish(ev);
        return uid;
    }

    void abort() noexcept override {
        done_ = true;
        buffer_.clear();
        buffer_.shrink_to_fit();
    }

private:
    state_ptr state_;
    std::string user_;
    std::shared_ptr<mem_folder> folder_;
    flag_set flags_;
    std::int64_t date_;
    std::uint64_t quota_room_;
    std::string buffer_;
    bool done_ = false;
};

class memory_mailbox final : public mailbox {
public:
    memory_mailbox(state_ptr st, std::string user, std::shared_ptr<mem_folder> folder, open_mode mode)
        : state_(std::move(st)),
          user_(std::move(user)),
          folder_(std::move(folder)),
          name_(folder_->name),
          read_only_(mode == open_mode::read_only) {}

    const std::string& name() const noexcept override { return name_; }
    bool is_read_only() const noexcept override { return read_only_; }

    result<mailbox_status> status() override {
        std::lock_guard lock(state_->mutex);
        if (folder_->deleted) return unexpected(errc::no_such_mailbox);
        mailbox_status s;
        s.uidvalidity = folder_->uidvalidity;
        s.uidnext = folder_->uidnext;
        s.highest_modseq = folder_->highest_modseq;
        s.messages = static_cast<std::uint32_t>(folder_->messages.size());
        for (const auto& m : folder_->messages) {
            if (!m.flags.has(system_flag::seen)) ++s.unseen;
            s.size += m.bytes->size();
        }
        return s;
    }

    result<std::vector<message_info>> list() override {
        std::lock_guard lock(state_->mutex);
        if (folder_->deleted) return unexpected(errc::no_such_mailbox);
        std::vector<message_info> out;
        out.reserve(folder_->messages.size());
        for (const auto& m : folder_->messages) out.push_back(info(m));
        return out;
    }

    result<std::unique_ptr<message_source>> open(std::uint32_t uid) override {
        std::lock_guard lock(state_->mutex);
        if (folder_->deleted) return unexpected(errc::no_such_mailbox);
        const mem_message* m = find(uid);
        if (m == nullptr) return unexpected(errc::no_such_message);
        return std::unique_ptr<message_source>(std::make_unique<string_source>(m->bytes));
    }

    std::optional<std::string> cached(std::uint32_t uid, std::string_view key) override {
        std::lock_guard lock(state_->mutex);
        const mem_message* m = folder_->deleted ? nullptr : find(uid);
        if (m == nullptr) return std::nullopt;
        const auto it = m->cache.find(key);
        if (it == m->cache.end()) return std::nullopt;
        return it->second;
    }

    void cache(std::uint32_t uid, std::string_view key, std::string_view value) override {
        if (key.size() > max_cache_key_size || value.size() > max_cache_value_size) return;
        std::lock_guard lock(state_->mutex);
        mem_message* m = folder_->deleted ? nullptr : find(uid);
        if (m != nullptr) m->cache.insert_or_assign(std::string(key), std::string(value));
    }

    result<std::vector<message_info>> store_flags(std::span<const std::uint32_t> uids, flag_mode mode,
                                                  const flag_set& flags) override {
        if (read_only_) return unexpected(errc::read_only);
        std::vector<message_info> out;
        change_event ev{change_event::kind::flags_changed, user_, {}, {}, {}};
        {
            std::lock_guard lock(state_->mutex);
            if (folder_->deleted) return unexpected(errc::no_such_mailbox);
            ev.mailbox = folder_->name;
            for (std::uint32_t uid : uids) {
                mem_message* m = find(uid);
                if (m == nullptr) continue;
                flag_set next = apply_flags(m->flags, mode, flags);
                if (next != m->flags) {
                    m->flags = std::move(next);
                    m->modseq = ++folder_->highest_modseq;
                    ev.uids.push_back(uid);
                }
                out.push_back(info(*m));
            }
        }
        if (!ev.uids.empty()) state_->hub.publish(ev);
        return out;
    }

    result<std::vector<std::uint32_t>> expunge(std::span<const std::uint32_t> uids) override {
        if (read_only_) return unexpected(errc::read_only);
        change_event ev{change_event::kind::expunged, user_, {}, {}, {}};
        {
            std::lock_guard lock(state_->mutex);
            if (folder_->deleted) return unexpected(errc::no_such_mailbox);
            ev.mailbox = folder_->name;
            const std::set<std::uint32_t> wanted(uids.begin(), uids.end());
            std::erase_if(folder_->messages, [&](const mem_message& m) {
                if (wanted.count(m.uid) == 0) return false;
                ev.uids.push_back(m.uid);
                return true;
            });
        }
        if (!ev.uids.empty()) state_->hub.publish(ev);
        return std::move(ev.uids);
    }

    result<std::unique_ptr<append_sink>> append(const flag_set& flags, std::int64_t internal_date) override {
        if (read_only_) return unexpected(errc::read_only);
        std::lock_guard lock(state_->mutex);
        if (folder_->deleted) return unexpected(errc::no_such_mailbox);
        mem_user& u = state_->user_locked(user_);
        if (auto ec = state_->check_quota_locked(u, 0, 1)) return unexpected(ec);
        const quota_usage q = state_->usage_locked(u);
        const std::uint64_t room = q.bytes_limit == 0 ? UINT64_MAX : q.bytes_limit - q.bytes_used;
        flag_set f = flags;
        normalize_keywords(f.keywords);
        return std::unique_ptr<append_sink>(
            std::make_unique<memory_append_sink>(state_, user_, folder_, std::move(f), internal_date, room));
    }

    result<std::vector<std::uint32_t>> copy(std::span<const std::uint32_t> uids, mailbox& target) override {
        auto* dest = dynamic_cast<memory_mailbox*>(&target);
        if (dest == nullptr || dest->state_ != state_ || dest->user_ != user_)
            return unexpected(errc::no_such_mailbox);
        if (dest->read_only_) return unexpected(errc::read_only);
        std::vector<std::uint32_t> out;
        change_event ev{change_event::kind::appended, user_, {}, {}, {}};
        {
            std::lock_guard lock(state_->mutex);
            if (folder_->deleted || dest->folder_->deleted) return unexpected(errc::no_such_mailbox);
            std::vector<const mem_message*> sources;
            std::uint64_t bytes = 0;
            for (std::uint32_t uid : uids) {
                const mem_message* m = find(uid);
                if (m == nullptr) return unexpected(errc::no_such_message);
                sources.push_back(m);
                bytes += m->bytes->size();
            }
            if (auto ec = state_->check_quota_locked(state_->user_locked(user_), bytes, sources.size()))
                return unexpected(ec);
            // Copy first: the target may be this folder, and push_back would move `sources`.
            std::vector<mem_message> copies;
            for (const mem_message* m : sources) copies.push_back(*m);
            mem_folder& to = *dest->folder_;
            for (mem_message& m : copies) {
                m.uid = to.uidnext++;
                m.modseq = ++to.highest_modseq;
                out.push_back(m.uid);
                to.messages.push_back(std::move(m));
            }
            ev.mailbox = to.name;
            ev.uids = out;
        }
        if (!ev.uids.empty()) state_->hub.publish(ev);
        return out;
    }

private:
    static message_info info(const mem_message& m) {
        return message_info{m.uid, m.bytes->size(), m.internal_date, m.flags, m.modseq, std::nullopt};
    }
    mem_message* find(std::uint32_t uid) {
        auto it = std::lower_bound(folder_->messages.begin(), folder_->messages.end(), uid,
                                   [](const mem_message& m, std::uint32_t u) { return m.uid < u; });
        return it != folder_->messages.end() && it->uid == uid ? &*it : nullptr;
    }

    state_ptr state_;
    std::string user_;
    std::shared_ptr<mem_folder> folder_;
    std::string name_;
    bool read_only_;
};

class memory_account final : public account {
public:
    memory_account(state_ptr st, std::string user) : state_(std::move(st)), user_(std::move(user)) {}

    const std::string& user() const noexcept override { return user_; }

    result<std::vector<mailbox_entry>> list_mailboxes() override {
        std::lock_guard lock(state_->mutex);
        mem_user& u = state_->user_locked(user_);
        std::vector<mailbox_entry> out;
        out.push_back({"INBOX", special_use::none, u.subscribed.count("INBOX") != 0});
        for (const auto& [name, f] : u.folders) out.push_back({name, f->use, u.subscribed.count(name) != 0});
        return out;
    }

    result<std::unique_ptr<mailbox>> open_mailbox(std::string_view name, open_mode mode) override {
        auto n = detail::normalize_mailbox_name(name);
        if (!n) return unexpected(n.error());
        std::lock_guard lock(state_->mutex);
        auto f = state_->find_locked(state_->user_locked(user_), *n);
        if (!f) return unexpected(errc::no_such_mailbox);
        return std::unique_ptr<mailbox>(std::make_unique<memory_mailbox>(state_, user_, std::move(f), mode));
    }

    std::error_code create_mailbox(std::string_view name, special_use use) override {
        auto n = detail::normalize_mailbox_name(name);
        if (!n) return n.error();
        {
            std::lock_guard lock(state_->mutex);
            mem_user& u = state_->user_locked(user_);
            if (state_->find_locked(u, *n)) return errc::mailbox_exists;
            u.folders[*n] = state_->make_folder(*n, use);
        }
        state_->hub.publish({change_event::kind::mailbox_created, user_, *n, {}, {}});
        return {};
    }

    std::error_code delete_mailbox(std::string_view name) override {
        auto n = detail::normalize_mailbox_name(name);
        if (!n) return n.error();
        if (*n == "INBOX") return errc::invalid_mailbox_name;  // RFC 3501 6.3.4
        {
            std::lock_guard lock(state_->mutex);
            mem_user& u = state_->user_locked(user_);
            auto it = u.folders.find(*n);
            if (it == u.folders.end()) return errc::no_such_mailbox;
            it->second->deleted = true;
            u.folders.erase(it);
        }
        state_->hub.publish({change_event::kind::mailbox_deleted, user_, *n, {}, {}});
        return {};
    }

    std::error_code rename_mailbox(std::string_view from, std::string_view to) override {
        auto f = detail::normalize_mailbox_name(from);
        if (!f) return f.error();
        auto t = detail::normalize_mailbox_name(to);
        if (!t) return t.error();
        std::vector<change_event> events;
        {
            std::lock_guard lock(state_->mutex);
            mem_user& u = state_->user_locked(user_);
            auto src = state_->find_locked(u, *f);
            if (!src) return errc::no_such_mailbox;
            if (*t == "INBOX" || state_->find_locked(u, *t)) return errc::mailbox_exists;
            if (t->size() > f->size() && t->compare(0, f->size() + 1, *f + "/") == 0)
                return errc::invalid_mailbox_name;
            if (*f == "INBOX") {
                // RFC 3501 6.3.5: the messages move to a new folder, INBOX stays (empty).
                auto dst = state_->make_folder(*t, special_use::none);
                change_event gone{change_event::kind::expunged, user_, "INBOX", {}, {}};
                for (mem_message& m : src->messages) {
                    gone.uids.push_back(m.uid);
                    m.uid = dst->uidnext++;
                    m.modseq = ++dst->highest_modseq;
                    dst->messages.push_back(std::move(m));
                }
                src->messages.clear();
                u.folders[*t] = std::move(dst);
                events.push_back({change_event::kind::mailbox_created, user_, *t, {}, {}});
                if (!gone.uids.empty()) events.push_back(std::move(gone));
            } else {
                // Inferior names follow their parent (RFC 3501 6.3.5).
                const std::string prefix = *f + "/";
                std::vector<std::string> moved;
                for (const auto& [name, folder] : u.folders)
                    if (name == *f || name.compare(0, prefix.size(), prefix) == 0) moved.push_back(name);
                for (const std::string& old : moved) {
                    const std::string fresh = *t + old.substr(f->size());
                    if (u.folders.count(fresh) != 0) return errc::mailbox_exists;
                }
                for (const std::string& old : moved) {
                    auto node = u.folders.extract(old);
                    node.key() = *t + old.substr(f->size());
                    node.mapped()->name = node.key();
                    events.push_back({change_event::kind::mailbox_renamed, user_, old, node.key(), {}});
                    u.folders.insert(std::move(node));
                }
            }
        }
        for (const auto& ev : events) state_->hub.publish(ev);
        return {};
    }

    std::error_code set_subscribed(std::string_view name, bool subscribed) override {
        auto n = detail::normalize_mailbox_name(name);
        if (!n) return n.error();
        std::lock_guard lock(state_->mutex);
        mem_user& u = state_->user_locked(user_);
        if (subscribed)
            u.subscribed.insert(*n);
        else
            u.subscribed.erase(*n);
        return {};
    }

    result<quota_usage> quota() override {
        std::lock_guard lock(state_->mutex);
        return state_->usage_locked(state_->user_locked(user_));
    }

private:
    state_ptr state_;
    std::string user_;
};

class memory_maildrop_lock final : public maildrop_lock {
public:
    memory_maildrop_lock(state_ptr st, std::string user) : state_(std::move(st)), user_(std::move(user)) {}
    ~memory_maildrop_lock() override {
        std::lock_guard lock(state_->mutex);
        state_->user_locked(user_).maildrop_locked = false;
    }

private:
    state_ptr state_;
    std::string user_;
};

}  // namespace

memory_store::memory_store(memory_store_options options) : state_(std::make_shared<detail::memory_state>()) {
    state_->options = options;
}

memory_store::~memory_store() = default;

const memory_store_options& memory_store::options() const noexcept { return state_->options; }

result<std::unique_ptr<account>> memory_store::open_account(std::string_view user) {
    if (auto ec = detail::check_user_name(user)) return unexpected(ec);
    {
        std::lock_guard lock(state_->mutex);
        state_->user_locked(user);
    }
    return std::unique_ptr<account>(std::make_unique<memory_account>(state_, std::string(user)));
}

result<std::unique_ptr<maildrop_lock>> memory_store::lock_maildrop(std::string_view user) {
    if (auto ec = detail::check_user_name(user)) return unexpected(ec);
    std::lock_guard lock(state_->mutex);
    mem_user& u = state_->user_locked(user);
    if (u.maildrop_locked) return unexpected(errc::in_use);
    u.maildrop_locked = true;
    return std::unique_ptr<maildrop_lock>(std::make_unique<memory_maildrop_lock>(state_, std::string(user)));
}

std::unique_ptr<subscription> memory_store::subscribe(std::string_view user, change_listener listener) {
    return state_->hub.subscribe(user, std::move(listener));
}

result<std::uint32_t> memory_store::deliver(std::string_view user, std::string_view mailbox_name,
                                            std::string_view bytes) {
    auto acct = open_account(user);
    if (!acct) return unexpected(acct.error());
    auto box = (*acct)->open_mailbox(mailbox_name, open_mode::read_write);
    if (!box) return unexpected(box.error());
    auto sink = (*box)->append({}, 0);
    if (!sink) return unexpected(sink.error());
    if (auto ec = (*sink)->write(std::span<const char>(bytes.data(), bytes.size()))) return unexpected(ec);
    return (*sink)->commit();
}

}  // namespace mailaccess::store
