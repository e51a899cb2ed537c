#include "workloads.hpp"

#include <mailaccess/imap/fetch_att.hpp>
#include <mailaccess/imap/parse_cursor.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <system_error>

namespace loadgen {

namespace net = mailaccess::net;
namespace imap = mailaccess::imap;
using asio::use_awaitable;
using clock_type = std::chrono::steady_clock;

std::string target::user_for(std::size_t index) const {
    const auto at = user.find("%d");
    if (at == std::string::npos) return user;
    return user.substr(0, at) + std::to_string(index % users + 1) + user.substr(at + 2);
}

namespace {

double ms_since(clock_type::time_point start) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

net::client_tls_options tls_options(const target& t) {
    net::client_tls_options o;
    o.insecure_skip_verify = t.insecure;
    if (!t.ca_file.empty()) {
        o.ca_file = t.ca_file;
        o.use_system_ca = false;
    }
    return o;
}

net::connect_options connect_options(const target& t, std::shared_ptr<asio::ssl::context> tls) {
    net::connect_options c;
    c.host = t.host;
    c.port = t.port;
    c.timeout = std::chrono::seconds(30);
    if (t.tls == "implicit") c.tls = std::move(tls);
    return c;
}

// One TLS context for every connection: building one loads the CA store,
// which would otherwise dominate a login storm.
std::shared_ptr<asio::ssl::context> shared_tls(const target& t) {
    static std::shared_ptr<asio::ssl::context> ctx = [&t] {
        auto c = net::make_client_tls_context(tls_options(t));
        if (!c) throw std::system_error(c.error(), "TLS context");
        return *c;
    }();
    return ctx;
}

net::imap_client_options imap_options(const target& t) {
    net::imap_client_options o;
    o.tls = shared_tls(t);
    o.allow_plaintext_login = t.tls == "none";
    o.timeout = std::chrono::seconds(120);
    return o;
}

// Connect, STARTTLS if asked, LOGIN as client `index`'s user.
asio::awaitable<void> open_imap(net::imap_client& client, const target& t, std::size_t index) {
    co_await client.async_connect(connect_options(t, client.tls_context()), use_awaitable);
    if (t.tls == "starttls") co_await client.async_starttls(use_awaitable);
    co_await client.async_login(t.user_for(index), mailaccess::secret<>(t.password), use_awaitable);
}

imap::fetch_att_list atts(std::string_view text) {
    imap::parse_cursor in(text);
    auto list = imap::parse_fetch_att_list(in);
    if (!list) throw std::system_error(list.error(), "fetch items");
    return *list;
}

imap::cmd::fetch fetch_all(std::string_view items) {
    imap::cmd::fetch f;
    f.uid = true;
    const imap::seq_range all{1, imap::star};
    f.set = *imap::sequence_set::make(std::span<const imap::seq_range>(&all, 1));
    f.atts = atts(items);
    return f;
}

imap::cmd::select_params mailbox_params(const target& t) {
    imap::cmd::select_params p;
    auto name = imap::mailbox_name::make(t.mailbox);
    if (!name) throw std::system_error(name.error(), "mailbox " + t.mailbox);
    p.mailbox = *name;
    return p;
}

// Runs `work(i)` for i in [0, n) concurrently on this executor and returns
// when all have finished.
asio::awaitable<void> run_concurrently(unsigned n, std::function<asio::awaitable<void>(unsigned)> work) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer all_done(ex, clock_type::time_point::max());
    unsigned running = n;
    for (unsigned i = 0; i < n; ++i) {
        asio::co_spawn(ex, work(i), [&running, &all_done](std::exception_ptr) {
            if (--running == 0) all_done.cancel();
        });
    }
    std::error_code ec;
    if (running > 0) co_await all_done.async_wait(asio::redirect_error(use_awaitable, ec));
}

std::string describe(const std::exception& e) { return e.what(); }

}  // namespace

asio::awaitable<stats> login_storm(const target& t, const load& l) {
    auto ex = co_await asio::this_coro::executor;
    stats s;
    const auto start = clock_type::now();
    const auto deadline = start + l.duration;
    co_await run_concurrently(l.clients, [&](unsigned worker) -> asio::awaitable<void> {
        for (std::size_t round = 0; clock_type::now() < deadline; ++round) {
            const auto began = clock_type::now();
            try {
                net::imap_client client(ex, imap_options(t));
                co_await open_imap(client, t, worker + round * l.clients);
                co_await client.async_logout(use_awaitable);
                s.latencies_ms.push_back(ms_since(began));
                ++s.ops;
            } catch (const std::exception& e) {
                s.error(describe(e));
            }
        }
    });
    s.seconds = seconds_since(start);
    co_return s;
}

asio::awaitable<stats> header_sync(const target& t, const load& l, bool header_fields) {
    auto ex = co_await asio::this_coro::executor;
    stats s;
    net::imap_client client(ex, imap_options(t));
    co_await open_imap(client, t, 0);
    const auto items = header_fields
                           ? "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (From To Cc Subject Date "
                             "Message-ID References In-Reply-To Content-Type)])"
                           : "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)";
    const auto start = clock_type::now();
    for (unsigned i = 0; i < l.iterations; ++i) {
        // One op is what a mail program waits for when it opens the folder:
        // EXAMINE (where a server scans a folder it has not indexed) and
        // the header FETCH.
        const auto began = clock_type::now();
        co_await client.async_select(mailbox_params(t), use_awaitable, true);
        std::uint64_t messages = 0;
        std::uint64_t bytes = 0;
        net::imap_fetch_sinks sinks;
        sinks.on_message = [&](imap::fetch_data& f) -> std::error_code {
            ++messages;
            for (const auto& item : f.items)
                if (auto* text = std::get_if<imap::fetch_body_section>(&item))
                    bytes += text->data ? text->data->size() : 0;
            return {};
        };
        co_await client.async_fetch(fetch_all(items), std::move(sinks), use_awaitable);
        s.latencies_ms.push_back(ms_since(began));
        ++s.ops;
        s.messages += messages;
        s.bytes += bytes;
        imap::command::body_type close = imap::cmd::close{};  // named: see imap-sync on GCC 12 and co_await
        co_await client.async_command(std::move(close), use_awaitable);
    }
    s.seconds = seconds_since(start);
    co_await client.async_logout(use_awaitable);
    co_return s;
}

asio::awaitable<stats> body_download(const target& t, const load& l) {
    auto ex = co_await asio::this_coro::executor;
    stats s;
    net::imap_client client(ex, imap_options(t));
    co_await open_imap(client, t, 0);
    co_await client.async_select(mailbox_params(t), use_awaitable, true);
    const auto start = clock_type::now();
    for (unsigned i = 0; i < l.iterations; ++i) {
        net::imap_fetch_sinks sinks;
        sinks.on_message = [&](imap::fetch_data& f) -> std::error_code {
            ++s.messages;
            for (const auto& item : f.items)
                if (auto* text = std::get_if<imap::fetch_body_section>(&item); text && text->data)
                    s.bytes += text->data->size();
            return {};
        };
        sinks.on_body = [&](const net::imap_body_event& e) -> std::error_code {
            if (auto* d = std::get_if<imap::body_data>(&e)) s.bytes += d->bytes.size();
            return {};
        };
        const auto began = clock_type::now();
        co_await client.async_fetch(fetch_all("(UID BODY.PEEK[])"), std::move(sinks), use_awaitable);
        s.latencies_ms.push_back(ms_since(began));
        ++s.ops;
    }
    s.seconds = seconds_since(start);
    co_await client.async_logout(use_awaitable);
    co_return s;
}

asio::awaitable<stats> pop3_retr(const target& t, const load& l) {
    auto ex = co_await asio::this_coro::executor;
    stats s;
    net::pop3_client_options o;
    o.tls = shared_tls(t);
    o.allow_plaintext_login = t.tls == "none";
    o.timeout = std::chrono::seconds(120);
    net::pop3_client client(ex, o);
    co_await client.async_connect(connect_options(t, client.tls_context()), use_awaitable);
    if (t.tls == "starttls") co_await client.async_stls(use_awaitable);
    co_await client.async_login(t.user_for(0), mailaccess::secret<>(t.password), use_awaitable);
    const auto listing = co_await client.async_list(use_awaitable);
    auto sink = [&s](std::string_view chunk) -> std::error_code {
        s.bytes += chunk.size();
        return {};
    };
    const auto start = clock_type::now();
    for (unsigned i = 0; i < l.iterations; ++i) {
        if (l.pipelined) {
            // All RETRs queued at once: the client keeps up to 32 in flight
            // when the server offers PIPELINING (RFC 2449 section 6.6).
            std::vector<clock_type::time_point> queued;
            unsigned left = static_cast<unsigned>(listing.size());
            asio::steady_timer all_done(ex, clock_type::time_point::max());
            for (const auto& entry : listing) {
                queued.push_back(clock_type::now());
                const auto began = queued.back();
                client.async_retr(entry.number, sink, [&, began](std::error_code ec, std::uint64_t) {
                    if (ec)
                        s.error(ec.message());
                    else
                        ++s.messages;
                    s.latencies_ms.push_back(ms_since(began));
                    ++s.ops;
                    if (--left == 0) all_done.cancel();
                });
            }
            std::error_code ec;
            if (left > 0) co_await all_done.async_wait(asio::redirect_error(use_awaitable, ec));
        } else {
            for (const auto& entry : listing) {
                const auto began = clock_type::now();
                co_await client.async_retr(entry.number, sink, use_awaitable);
                s.latencies_ms.push_back(ms_since(began));
                ++s.ops;
                ++s.messages;
            }
        }
    }
    s.seconds = seconds_since(start);
    co_await client.async_quit(use_awaitable);
    co_return s;
}

asio::awaitable<stats> append(const target& t, const load& l) {
    auto ex = co_await asio::this_coro::executor;
    stats s;
    std::string message =
        "From: loadgen <loadgen@example.org>\r\nTo: bench@example.org\r\nSubject: loadgen "
        "append\r\nMessage-ID: <loadgen@example.org>\r\n\r\n";
    while (message.size() < l.message_size)
        message += "a line of the appended message body, to fill it up\r\n";
    message.resize(std::max(l.message_size, std::size_t{64}));
    if (message.size() >= 2) message.replace(message.size() - 2, 2, "\r\n");
    auto mailbox = imap::mailbox_name::make(t.mailbox);
    if (!mailbox) throw std::system_error(mailbox.error(), "mailbox " + t.mailbox);
    // Timed from the first client's first APPEND to the last one's end:
    // logins (a password hash each) are not what this measures.
    std::optional<clock_type::time_point> start;
    clock_type::time_point end{};
    co_await run_concurrently(l.clients, [&](unsigned worker) -> asio::awaitable<void> {
        try {
            net::imap_client client(ex, imap_options(t));
            co_await open_imap(client, t, worker);
            if (!start) start = clock_type::now();
            for (unsigned i = 0; i < l.iterations; ++i) {
                imap::cmd::append a;
                a.mailbox = *mailbox;
                a.messages.emplace_back().data = message;
                const auto began = clock_type::now();
                std::error_code ec;
                co_await client.async_command(std::move(a), asio::redirect_error(use_awaitable, ec));
                if (ec) {
                    s.error(ec.message());
                    continue;
                }
                s.latencies_ms.push_back(ms_since(began));
                ++s.ops;
                ++s.messages;
                s.bytes += message.size();
            }
            end = std::max(end, clock_type::now());
            co_await client.async_logout(use_awaitable);
        } catch (const std::exception& e) {
            s.error(describe(e));
        }
    });
    if (start) s.seconds = std::chrono::duration<double>(end - *start).count();
    co_return s;
}

namespace {

// The processes of `roots` and all their descendants (a server that forks a
// process per connection, like Dovecot, counts them all).
std::vector<int> process_tree(const std::vector<int>& roots) {
    std::vector<std::pair<int, int>> parent_of;  // (pid, ppid)
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(entry.path() / "stat");
        std::string stat;
        std::getline(in, stat);
        // "pid (comm) state ppid ...": comm may hold spaces, so parse after the last ')'.
        const auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(stat.substr(close + 1));
        std::string state;
        int ppid = 0;
        rest >> state >> ppid;
        parent_of.emplace_back(std::stoi(name), ppid);
    }
    std::vector<int> tree = roots;
    for (std::size_t i = 0; i < tree.size(); ++i)
        for (const auto& [pid, ppid] : parent_of)
            if (ppid == tree[i]) tree.push_back(pid);
    return tree;
}

// Memory of `pids` and their descendants in KiB: the proportional set size
// (shared pages split between the processes that map them, so a forking
// server is not charged its shared libraries once per process), or VmRSS
// where smaps_rollup is not available.
double memory_kib(const std::vector<int>& pids) {
    double total = 0;
    for (const int pid : process_tree(pids)) {
        const std::string base = "/proc/" + std::to_string(pid);
        std::ifstream rollup(base + "/smaps_rollup");
        std::string line;
        bool found = false;
        while (std::getline(rollup, line))
            if (line.rfind("Pss:", 0) == 0) {
                total += std::stod(line.substr(4));
                found = true;
                break;
            }
        if (found) continue;
        std::ifstream status(base + "/status");
        while (std::getline(status, line))
            if (line.rfind("VmRSS:", 0) == 0) total += std::stod(line.substr(6));
    }
    return total;
}

imap::command::body_type parsed(const std::string& text) {
    auto c = imap::parse_command("T " + text + "\r\n", {});
    if (!c) throw std::system_error(c.error(), text);
    return std::move(c->body);
}

}  // namespace

asio::awaitable<stats> mixed(const target& t, const load& l) {
    auto ex = co_await asio::this_coro::executor;
    stats s;
    const auto start = clock_type::now();
    const auto deadline = start + l.duration;
    co_await run_concurrently(l.clients, [&](unsigned worker) -> asio::awaitable<void> {
        std::mt19937_64 random(l.seed * 7919 + worker);
        try {
            net::imap_client client(ex, imap_options(t));
            co_await open_imap(client, t, worker);
            auto box = co_await client.async_select(mailbox_params(t), use_awaitable);
            const std::uint32_t top = std::max<std::uint32_t>(1, box.uidnext.value_or(2) - 1);
            while (clock_type::now() < deadline) {
                const auto uid = std::to_string(std::uniform_int_distribution<std::uint32_t>(1, top)(random));
                const auto pick = std::uniform_int_distribution<int>(0, 99)(random);
                // A mail program's steady state: polls, flag and header
                // reads, flag changes, searches, folder counts.
                std::string text =
                    pick < 20   ? "NOOP"
                    : pick < 50 ? "UID FETCH " + uid + " (UID FLAGS)"
                    : pick < 70 ? "UID FETCH " + uid + " (UID RFC822.SIZE BODY.PEEK[HEADER])"
                    : pick < 80 ? "UID STORE " + uid + (pick % 2 ? " +FLAGS (\\Seen)" : " -FLAGS (\\Seen)")
                    : pick < 90 ? "UID SEARCH UNSEEN"
                                : "STATUS \"" + t.mailbox + "\" (MESSAGES UNSEEN UIDNEXT)";
                auto body = parsed(text);
                const auto began = clock_type::now();
                std::error_code ec;
                co_await client.async_command(std::move(body), asio::redirect_error(use_awaitable, ec));
                if (ec) {
                    s.error(text + ": " + ec.message());
                    if (!client.is_open()) co_return;
                    continue;
                }
                s.latencies_ms.push_back(ms_since(began));
                ++s.ops;
            }
            co_await client.async_logout(use_awaitable);
        } catch (const std::exception& e) {
            s.error(describe(e));
        }
    });
    s.seconds = seconds_since(start);
    co_return s;
}

asio::awaitable<idle_result> idle_capacity(const target& t, const load& l) {
    auto ex = co_await asio::this_coro::executor;
    idle_result r;
    r.rss_before_kib = memory_kib(l.server_pids);
    std::vector<std::unique_ptr<net::imap_client>> idlers;
    std::vector<char> saw(l.clients, 0);
    std::uint64_t seen = 0;
    clock_type::time_point appended{};
    clock_type::time_point last_seen{};
    asio::steady_timer everyone(ex, clock_type::time_point::max());
    const auto start = clock_type::now();
    // Connect in batches so the server's accept queue is not the bottleneck;
    // the memory is measured once half of them idle, and again with all: the
    // difference is what the second half costs, without what the first
    // connection of a process pays once (TLS tables, a thread's malloc
    // arena) or what earlier work left free in the heap.
    constexpr unsigned batch = 200;
    const unsigned half = l.clients / 2;
    for (unsigned first = 0; first < l.clients;) {
        if (first == half && half > 0) {
            asio::steady_timer settle_half(ex, std::chrono::seconds(1));
            co_await settle_half.async_wait(use_awaitable);
            r.rss_half_kib = memory_kib(l.server_pids);
            r.connections_half = idlers.size();
        }
        const unsigned n =
            std::min({batch, l.clients - first, first < half ? half - first : l.clients - first});
        co_await run_concurrently(n, [&, first](unsigned k) -> asio::awaitable<void> {
            const unsigned index = first + k;
            auto options = imap_options(t);
            options.on_update = [&, index](const imap::response& u) {
                if (!std::holds_alternative<imap::exists_data>(u) || appended == clock_type::time_point{} ||
                    saw[index] != 0)
                    return;
                saw[index] = 1;
                last_seen = clock_type::now();
                if (++seen == r.connections) everyone.cancel();
            };
            auto client = std::make_unique<net::imap_client>(ex, options);
            const auto began = clock_type::now();
            try {
                co_await open_imap(*client, t, index);
                co_await client->async_select(mailbox_params(t), use_awaitable);
                client->async_idle([](std::error_code, net::imap_reply) {});
                r.connect.latencies_ms.push_back(ms_since(began));
                ++r.connect.ops;
                idlers.push_back(std::move(client));
            } catch (const std::exception& e) {
                r.connect.error(describe(e));
            }
        });
        first += n;
    }
    r.connect.seconds = seconds_since(start);
    r.connections = idlers.size();
    // Let the server settle (IDLE continuations sent, buffers shrunk).
    asio::steady_timer settle(ex, std::chrono::seconds(1));
    co_await settle.async_wait(use_awaitable);
    r.rss_idle_kib = memory_kib(l.server_pids);

    // One delivery; every idler must hear of it.
    net::imap_client sender(ex, imap_options(t));
    co_await open_imap(sender, t, l.clients);
    imap::cmd::append a;
    a.mailbox = mailbox_params(t).mailbox;
    a.messages.emplace_back().data = "Subject: idle fan-out\r\nFrom: loadgen@example.org\r\n\r\nwake up\r\n";
    appended = clock_type::now();
    co_await sender.async_command(std::move(a), use_awaitable);
    asio::steady_timer limit(ex, std::chrono::seconds(30));
    limit.async_wait([&everyone](std::error_code ec) {
        if (!ec) everyone.cancel();
    });
    std::error_code ec;
    if (seen < r.connections) co_await everyone.async_wait(asio::redirect_error(use_awaitable, ec));
    limit.cancel();
    r.notified = seen;
    r.fanout_ms = seen > 0 ? std::chrono::duration<double, std::milli>(last_seen - appended).count() : 0;
    co_await sender.async_logout(use_awaitable);
    for (auto& c : idlers) c->close();
    co_return r;
}

}  // namespace loadgen
