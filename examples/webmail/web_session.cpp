#include "web_session.hpp"

#include "blocking_call.hpp"
#include "message_render.hpp"

#include <mailaccess/imap/fetch_att.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/net/error.hpp>

#include <algorithm>
#include <functional>

namespace webmail {

namespace imap = mailaccess::imap;
namespace net = mailaccess::net;
using mailaccess::result;
using mailaccess::unexpected;
using nlohmann::json;

namespace {

net::imap_client_options client_options(const imap_endpoint& endpoint,
                                        std::shared_ptr<std::atomic<std::uint64_t>> version) {
    net::imap_client_options o;
    o.timeout = endpoint.timeout;
    o.tls_options.ca_file = endpoint.ca_file;
    o.tls_options.use_system_ca = endpoint.ca_file.empty();
    // Mailbox events of the selected folder (RFC 3501 section 7.3, 7.4):
    // new mail, expunges and flag changes made by other sessions.
    o.on_update = [version = std::move(version)](const imap::response& r) {
        if (std::holds_alternative<imap::exists_data>(r) || std::holds_alternative<imap::expunge_data>(r) ||
            std::holds_alternative<imap::vanished_data>(r) || std::holds_alternative<imap::fetch_data>(r))
            ++*version;
    };
    return o;
}

imap::fetch_att_list atts(std::string_view text) {
    imap::parse_cursor in(text);
    return *imap::parse_fetch_att_list(in);  // constant, valid text
}

imap::sequence_set uid_set(const std::vector<std::uint32_t>& uids) {
    std::vector<imap::seq_range> ranges;
    for (auto uid : uids) ranges.push_back({uid, uid});
    return *imap::sequence_set::make(ranges);
}

result<imap::mailbox_name> mailbox(const std::string& name) { return imap::mailbox_name::make(name); }

bool has_non_ascii(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

}  // namespace

web_session::web_session(asio::any_io_executor executor, const imap_endpoint& endpoint)
    : endpoint_(endpoint),
      version_(std::make_shared<std::atomic<std::uint64_t>>(0)),
      client_(std::move(executor), client_options(endpoint, version_)) {}

web_session::~web_session() { client_.close(); }

std::error_code web_session::connect_tls() {
    auto tls = client_.tls_context();
    if (!tls) return net::errc::tls_setup_failed;
    net::connect_options c{.host = endpoint_.host,
                           .port = endpoint_.port,
                           .timeout = endpoint_.timeout,
                           .tls = tls,
                           .server_name = endpoint_.server_name};
    auto connected = blocking_call<std::vector<imap::capability>>(
        [&](auto handler) { client_.async_connect(std::move(c), std::move(handler)); },
        endpoint_.timeout + std::chrono::seconds(5));
    return connected ? std::error_code() : connected.error();
}

result<std::shared_ptr<web_session>> web_session::open(asio::any_io_executor executor,
                                                       const imap_endpoint& endpoint, const std::string& user,
                                                       mailaccess::secret<> password) {
    auto s = std::make_shared<web_session>(std::move(executor), endpoint);
    std::lock_guard lock(s->mutex_);
    if (auto ec = s->connect_tls()) return unexpected(ec);
    auto logged_in = blocking_call<std::vector<imap::capability>>(
        [&](auto handler) { s->client_.async_login(user, std::move(password), std::move(handler)); },
        endpoint.timeout + std::chrono::seconds(5));
    if (!logged_in) return unexpected(logged_in.error());
    return s;
}

bool web_session::probe() {
    std::lock_guard lock(mutex_);
    if (connect_tls()) return false;
    (void)blocking_call<net::imap_reply>([&](auto handler) { client_.async_logout(std::move(handler)); },
                                         endpoint_.timeout + std::chrono::seconds(5));
    client_.close();
    return true;
}

std::string web_session::open_folder() const {
    std::lock_guard lock(mutex_);
    return selected_;
}

std::string web_session::last_error_text() const {
    std::lock_guard lock(mutex_);
    return last_error_;
}

result<bool> web_session::command(imap::command::body_type body) {
    auto r = blocking_call<net::imap_reply>(
        [&](auto handler) { client_.async_command(std::move(body), std::move(handler)); },
        endpoint_.timeout + std::chrono::seconds(5));
    if (!r) {
        const imap::status_response st = client_.last_failed_status();
        last_error_ = st.text;
        last_trycreate_ = st.code && st.code->kind == imap::response_code_kind::trycreate;
        return unexpected(r.error());
    }
    return true;
}

result<bool> web_session::select(const std::string& folder) {
    if (folder == selected_ && client_.is_open()) return true;
    auto name = mailbox(folder);
    if (!name) return unexpected(name.error());
    imap::cmd::select_params p;
    p.mailbox = *name;
    selected_.clear();
    auto r = blocking_call<net::imap_mailbox>(
        [&](auto handler) { client_.async_select(std::move(p), std::move(handler)); },
        endpoint_.timeout + std::chrono::seconds(5));
    if (!r) {
        last_error_ = client_.last_failed_status().text;
        if (last_error_.empty()) last_error_ = r.error().message();
        return unexpected(r.error());
    }
    selected_ = folder;
    ++*version_;  // another folder: whatever the browser shows is stale
    return true;
}

// IDLE between requests on the open folder; the next request's command ends
// it (the client sends DONE when another operation is queued).
void web_session::idle() {
    if (selected_.empty() || !client_.is_open()) return;
    client_.async_idle([](std::error_code, net::imap_reply) {});
}

result<json> web_session::folders() {
    std::lock_guard lock(mutex_);
    imap::cmd::list list;
    list.patterns = {"*"};
    list.return_status = std::vector<imap::status_att>{imap::status_att::messages, imap::status_att::unseen};
    auto r = blocking_call<net::imap_list_result>(
        [&](auto handler) { client_.async_list(std::move(list), std::move(handler)); },
        endpoint_.timeout + std::chrono::seconds(5));
    idle();
    if (!r) return unexpected(r.error());
    json out = json::array();
    for (const auto& l : r->mailboxes) {
        const auto& a = l.attributes;
        auto has = [&](imap::mailbox_attribute x) { return std::find(a.begin(), a.end(), x) != a.end(); };
        if (has(imap::mailbox_attribute::noselect) || has(imap::mailbox_attribute::nonexistent)) continue;
        std::string special;
        if (l.mailbox.is_inbox()) special = "inbox";
        if (has(imap::mailbox_attribute::sent)) special = "sent";
        if (has(imap::mailbox_attribute::trash)) special = "trash";
        if (has(imap::mailbox_attribute::drafts)) special = "drafts";
        if (has(imap::mailbox_attribute::junk)) special = "junk";
        if (has(imap::mailbox_attribute::archive)) special = "archive";
        json f = {{"name", l.mailbox.str()},
                  {"delimiter", l.delimiter ? std::string(1, *l.delimiter) : std::string()},
                  {"special", special},
                  {"messages", 0},
                  {"unseen", 0}};
        for (const auto& st : r->statuses) {
            if (st.mailbox != l.mailbox) continue;
            for (const auto& [att, value] : st.items) {
                if (att == imap::status_att::messages) f["messages"] = value;
                if (att == imap::status_att::unseen) f["unseen"] = value;
            }
        }
        out.push_back(std::move(f));
    }
    // INBOX first, then by name.
    std::stable_sort(out.begin(), out.end(), [](const json& x, const json& y) {
        const bool xi = x["special"] == "inbox", yi = y["special"] == "inbox";
        if (xi != yi) return xi;
        return x["name"].get<std::string>() < y["name"].get<std::string>();
    });
    return out;
}

result<json> web_session::messages(const std::string& folder, std::size_t page, std::size_t page_size,
                                   const std::string& query) {
    std::lock_guard lock(mutex_);
    const auto wait = endpoint_.timeout + std::chrono::seconds(5);
    auto selected = select(folder);
    if (!selected) {
        idle();
        return unexpected(selected.error());
    }
    // Before the search: an event received after this is either in the
    // result already or moves the count past what the page is told.
    const std::uint64_t version = version_->load();
    imap::cmd::search search;
    search.uid = true;
    if (query.empty()) {
        search.keys.push_back(imap::search_key::simple(imap::search_key::kind::all));
    } else {
        search.keys.push_back(imap::search_key::with_string(imap::search_key::kind::text, query));
        if (has_non_ascii(query)) search.charset = "UTF-8";
    }
    auto found = blocking_call<net::imap_search_result>(
        [&](auto handler) { client_.async_search(std::move(search), std::move(handler)); }, wait);
    if (!found) {
        idle();
        return unexpected(found.error());
    }
    std::vector<std::uint32_t> uids = found->numbers;
    std::sort(uids.begin(), uids.end(), std::greater<>());
    json out = {{"folder", folder}, {"version", version},     {"total", uids.size()},
                {"page", page},     {"page_size", page_size}, {"messages", json::array()}};
    const std::size_t first = std::min(uids.size(), page * page_size);
    const std::size_t last = std::min(uids.size(), first + page_size);
    if (first < last) {
        imap::cmd::fetch fetch;
        fetch.uid = true;
        fetch.set = uid_set({uids.begin() + static_cast<std::ptrdiff_t>(first),
                             uids.begin() + static_cast<std::ptrdiff_t>(last)});
        fetch.atts = atts("(UID FLAGS ENVELOPE INTERNALDATE RFC822.SIZE)");
        auto fetched = blocking_call<net::imap_fetch_result>(
            [&](auto handler) { client_.async_fetch(std::move(fetch), {}, std::move(handler)); }, wait);
        if (!fetched) {
            idle();
            return unexpected(fetched.error());
        }
        json rows = json::array();
        for (const auto& m : fetched->messages) rows.push_back(summary_json(m));
        std::sort(rows.begin(), rows.end(), [](const json& x, const json& y) {
            return x["uid"].get<std::uint32_t>() > y["uid"].get<std::uint32_t>();
        });
        out["messages"] = std::move(rows);
    }
    idle();
    return out;
}

result<std::shared_ptr<const std::string>> web_session::message(const std::string& folder,
                                                                std::uint32_t uid) {
    std::lock_guard lock(mutex_);
    const std::string key = folder + "\n" + std::to_string(uid);
    if (key == cached_key_ && cached_message_) return cached_message_;
    auto selected = select(folder);
    if (!selected) {
        idle();
        return unexpected(selected.error());
    }
    imap::cmd::fetch fetch;
    fetch.uid = true;
    fetch.set = imap::sequence_set::single(uid);
    fetch.atts = atts("(UID BODY.PEEK[]<0." + std::to_string(endpoint_.max_message_size) + ">)");
    auto body = std::make_shared<std::string>();
    bool found = false;
    net::imap_fetch_sinks sinks;
    // Large bodies arrive streamed in chunks, small ones whole.
    sinks.on_body = [body](const net::imap_body_event& e) -> std::error_code {
        if (const auto* d = std::get_if<imap::body_data>(&e)) body->append(d->bytes.data(), d->bytes.size());
        return {};
    };
    sinks.on_message = [body, &found, uid](imap::fetch_data& f) -> std::error_code {
        const auto* u = imap::find_item<imap::fetch_item_types::uid>(f);
        const auto* section = imap::find_item<imap::fetch_body_section>(f);
        if (u == nullptr || u->value != uid || section == nullptr) return {};
        found = true;
        if (!section->streamed_size && section->data) *body = *section->data;
        return {};
    };
    auto fetched = blocking_call<net::imap_fetch_result>(
        [&](auto handler) { client_.async_fetch(std::move(fetch), std::move(sinks), std::move(handler)); },
        endpoint_.timeout + std::chrono::seconds(5));
    if (!fetched) {
        idle();
        return unexpected(fetched.error());
    }
    if (!found) {
        idle();
        last_error_ = "no such message";
        return unexpected(std::make_error_code(std::errc::no_such_file_or_directory));
    }
    imap::cmd::store store;
    store.uid = true;
    store.set = imap::sequence_set::single(uid);
    store.action = *imap::store_att::make(imap::store_mode::add, true, {imap::flag(imap::flag::kind::seen)});
    (void)command(std::move(store));  // a read-only folder still shows the message
    idle();
    cached_key_ = key;
    cached_message_ = body;
    return std::shared_ptr<const std::string>(body);
}

result<bool> web_session::set_flag(const std::string& folder, std::uint32_t uid, const std::string& flag,
                                   bool on) {
    std::lock_guard lock(mutex_);
    imap::flag::kind kind;
    if (flag == "seen")
        kind = imap::flag::kind::seen;
    else if (flag == "flagged")
        kind = imap::flag::kind::flagged;
    else
        return unexpected(std::make_error_code(std::errc::invalid_argument));
    auto selected = select(folder);
    if (!selected) {
        idle();
        return unexpected(selected.error());
    }
    imap::cmd::store store;
    store.uid = true;
    store.set = imap::sequence_set::single(uid);
    store.action = *imap::store_att::make(on ? imap::store_mode::add : imap::store_mode::remove, true,
                                          {imap::flag(kind)});
    auto r = command(std::move(store));
    idle();
    return r;
}

result<bool> web_session::move(const std::string& folder, std::uint32_t uid, const std::string& to) {
    std::lock_guard lock(mutex_);
    auto target = mailbox(to);
    if (!target) return unexpected(target.error());
    auto selected = select(folder);
    if (!selected) {
        idle();
        return unexpected(selected.error());
    }
    auto r = command(imap::cmd::move{true, imap::sequence_set::single(uid), *target});
    cached_key_.clear();
    idle();
    return r;
}

// The folder LIST marks \Trash (RFC 6154), else "Trash".
std::string web_session::trash_folder() {
    imap::cmd::list list;
    list.patterns = {"*"};
    auto r = blocking_call<net::imap_list_result>(
        [&](auto handler) { client_.async_list(std::move(list), std::move(handler)); },
        endpoint_.timeout + std::chrono::seconds(5));
    if (r)
        for (const auto& l : r->mailboxes)
            if (std::find(l.attributes.begin(), l.attributes.end(), imap::mailbox_attribute::trash) !=
                l.attributes.end())
                return l.mailbox.str();
    return "Trash";
}

result<bool> web_session::remove(const std::string& folder, std::uint32_t uid) {
    std::lock_guard lock(mutex_);
    auto selected = select(folder);
    if (!selected) {
        idle();
        return unexpected(selected.error());
    }
    const std::string trash = trash_folder();
    cached_key_.clear();
    if (folder == trash) {
        imap::cmd::store store;
        store.uid = true;
        store.set = imap::sequence_set::single(uid);
        store.action =
            *imap::store_att::make(imap::store_mode::add, true, {imap::flag(imap::flag::kind::deleted)});
        auto stored = command(std::move(store));
        auto r = stored ? command(imap::cmd::uid_expunge{imap::sequence_set::single(uid)}) : stored;
        idle();
        return r;
    }
    auto target = mailbox(trash);
    if (!target) return unexpected(target.error());
    auto r = command(imap::cmd::move{true, imap::sequence_set::single(uid), *target});
    if (!r && last_trycreate_) {
        // RFC 3501 section 6.4.7: [TRYCREATE] says the target is missing.
        (void)command(imap::cmd::create{*target});
        r = command(imap::cmd::move{true, imap::sequence_set::single(uid), *target});
    }
    idle();
    return r;
}

result<json> web_session::quota() {
    std::lock_guard lock(mutex_);
    auto r = blocking_call<net::imap_quota_result>(
        [&](auto handler) { client_.async_getquotaroot(imap::mailbox_name(), std::move(handler)); },
        endpoint_.timeout + std::chrono::seconds(5));
    idle();
    if (!r) return unexpected(r.error());
    for (const auto& q : r->quotas)
        for (const auto& res : q.resources)
            if (res.name == "STORAGE") return json{{"usage_kib", res.usage}, {"limit_kib", res.limit}};
    return json::object();
}

void web_session::logout() {
    std::lock_guard lock(mutex_);
    if (client_.is_open())
        (void)blocking_call<net::imap_reply>([&](auto handler) { client_.async_logout(std::move(handler)); },
                                             std::chrono::seconds(5));
    client_.close();
}

}  // namespace webmail
