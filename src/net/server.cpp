#include <mailaccess/net/server.hpp>

#include <mailaccess/net/error.hpp>

#include <asio/dispatch.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/thread_pool.hpp>
#include <asio/write.hpp>

#include <condition_variable>
#include <csignal>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace mailaccess::net {
namespace {

using tcp = asio::ip::tcp;

// Live connections, shared with every connection's destroy callback so it
// stays valid however late the last connection dies.
struct tracker {
    std::mutex mutex;
    std::condition_variable changed;
    std::uint64_t next_id = 0;
    std::unordered_map<std::uint64_t, std::weak_ptr<connection_base>> live;

    std::vector<std::shared_ptr<connection_base>> snapshot() {
        std::lock_guard lock(mutex);
        std::vector<std::shared_ptr<connection_base>> out;
        for (auto& [id, weak] : live)
            if (auto c = weak.lock()) out.push_back(std::move(c));
        return out;
    }
    bool wait_empty_until(std::chrono::steady_clock::time_point deadline) {
        std::unique_lock lock(mutex);
        return changed.wait_until(lock, deadline, [&] { return live.empty(); });
    }
};

struct listener {
    listener(asio::io_context& ioc, listener_options o,
             std::function<std::shared_ptr<connection_base>(stream&&, const connection_info&,
                                                            const listener_options&)>
                 m)
        : acceptor(asio::make_strand(ioc)), options(std::move(o)), make(std::move(m)) {}
    tcp::acceptor acceptor;
    tcp::endpoint endpoint;
    listener_options options;
    std::function<std::shared_ptr<connection_base>(stream&&, const connection_info&, const listener_options&)>
        make;
};

// Over the limit: say why if the protocol has a line for it, bounded by a
// short timer so a refused peer cannot hold the socket.
void refuse(tcp::socket socket, const std::string& line) {
    if (line.empty()) {
        std::error_code ignored;
        socket.close(ignored);
        return;
    }
    struct refusal {
        refusal(tcp::socket s, std::string l)
            : socket(std::move(s)), timer(socket.get_executor()), text(std::move(l)) {}
        tcp::socket socket;
        asio::steady_timer timer;
        std::string text;
    };
    auto r = std::make_shared<refusal>(std::move(socket), line);
    r->timer.expires_after(std::chrono::seconds(2));
    r->timer.async_wait([r](std::error_code ec) {
        std::error_code ignored;
        if (!ec) r->socket.close(ignored);
    });
    asio::async_write(r->socket, asio::buffer(r->text), [r](std::error_code, std::size_t) {
        std::error_code ignored;
        r->timer.cancel();
        r->socket.shutdown(tcp::socket::shutdown_both, ignored);
        r->socket.close(ignored);
    });
}

}  // namespace

struct server::impl {
    explicit impl(server_options o)
        : options(std::move(o)),
          ioc(static_cast<int>(options.io_threads == 0 ? 1 : options.io_threads)),
          trk(std::make_shared<tracker>()) {
        if (!options.store_executor) pool.emplace(options.store_threads == 0 ? 1 : options.store_threads);
    }

    void log(log_level level, std::string_view text) const {
        if (options.log) options.log(level, text);
    }
    void accept_next(listener& l);
    void on_accept(listener& l, tcp::socket socket);
    void shutdown_now();

    server_options options;
    asio::io_context ioc;  // declared before everything that uses it, so destroyed last
    std::optional<asio::thread_pool> pool;
    std::shared_ptr<tracker> trk;
    std::vector<std::unique_ptr<listener>> listeners;
    std::optional<asio::signal_set> signals;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::vector<std::thread> threads;

    std::mutex stop_mutex;
    std::condition_variable stop_changed;
    bool started = false;
    bool stop_requested = false;
    bool stopping = false;
    bool stopped = false;
    std::atomic<bool> accepting{true};
};

void server::impl::accept_next(listener& l) {
    // Each accepted socket gets a fresh strand: its connection's executor.
    l.acceptor.async_accept(asio::make_strand(ioc), [this, &l](std::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !l.acceptor.is_open()) return;
        if (!ec)
            on_accept(l, std::move(socket));
        else
            log(log_level::warning, "accept failed: " + ec.message());
        if (accepting.load()) accept_next(l);
    });
}

void server::impl::on_accept(listener& l, tcp::socket socket) {
    if (!accepting.load()) return;
    // Mail protocols are request/response with small replies: without
    // TCP_NODELAY, Nagle holds each reply until the peer's delayed ACK
    // (~40 ms per command, measured with POP3 TOP loops).
    std::error_code nodelay_error;
    socket.set_option(tcp::no_delay(true), nodelay_error);
    std::uint64_t id = 0;
    {
        std::lock_guard lock(trk->mutex);
        if (trk->live.size() >= options.max_connections) {
            log(log_level::warning, "connection limit reached; refusing a connection");
            refuse(std::move(socket), l.options.implicit_tls ? std::string() : l.options.refusal_line);
            return;
        }
        id = ++trk->next_id;
        trk->live.emplace(id, std::weak_ptr<connection_base>());  // reserve the slot
    }
    const auto release = [trk = trk, id] {
        std::lock_guard lock(trk->mutex);
        trk->live.erase(id);
        trk->changed.notify_all();
    };
    connection_info info;
    std::error_code ignored;
    info.local = socket.local_endpoint(ignored);
    info.remote = socket.remote_endpoint(ignored);
    info.implicit_tls = l.options.implicit_tls;
    std::shared_ptr<connection_base> conn;
    try {
        conn = l.make(stream(std::move(socket)), info, l.options);
    } catch (const std::exception& e) {
        log(log_level::error, std::string("connection factory threw: ") + e.what());
    } catch (...) {
        log(log_level::error, "connection factory threw");
    }
    if (!conn) return release();
    conn->set_on_destroy(release);
    {
        std::lock_guard lock(trk->mutex);
        trk->live[id] = conn;
    }
    conn->start();
}

void server::impl::shutdown_now() {
    accepting.store(false);
    for (auto& l : listeners) {
        asio::dispatch(l->acceptor.get_executor(), [&a = l->acceptor] {
            std::error_code ignored;
            a.close(ignored);
        });
    }
    if (signals) {
        asio::post(ioc, [this] {
            std::error_code ignored;
            signals->cancel(ignored);
        });
    }
    for (auto& c : trk->snapshot()) c->request_stop();
    if (!trk->wait_empty_until(std::chrono::steady_clock::now() + options.shutdown_timeout)) {
        log(log_level::warning, "shutdown timeout; closing remaining connections");
        for (auto& c : trk->snapshot()) c->force_close();
        (void)trk->wait_empty_until(std::chrono::steady_clock::now() + std::chrono::seconds(1));
    }
    work.reset();
    ioc.stop();
    for (auto& t : threads) t.join();
    threads.clear();
    // Engine calls already running finish; queued ones are dropped with
    // their connections.
    if (pool) {
        pool->stop();
        pool->join();
    }
    log(log_level::info, "server stopped");
}

server::server(server_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

server::~server() { stop(); }

result<asio::ip::tcp::endpoint> server::add_listener_erased(listener_options options, connection_maker make) {
    {
        std::lock_guard lock(impl_->stop_mutex);
        if (impl_->started || impl_->stopped) return unexpected(errc::server_stopped);
    }
    if (options.implicit_tls && !options.tls) return unexpected(errc::tls_not_configured);
    std::error_code ec;
    const auto address = asio::ip::make_address(options.address, ec);
    if (ec) return unexpected(errc::invalid_address);
    if (!options.connection.log) options.connection.log = impl_->options.log;

    auto l = std::make_unique<listener>(impl_->ioc, std::move(options), std::move(make));
    const tcp::endpoint wanted(address, l->options.port);
    l->acceptor.open(wanted.protocol(), ec);
    if (!ec) l->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) l->acceptor.bind(wanted, ec);
    if (!ec) l->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) l->endpoint = l->acceptor.local_endpoint(ec);
    if (ec) return unexpected(ec);
    impl_->log(log_level::info, "listening on " + l->endpoint.address().to_string() + ":" +
                                    std::to_string(l->endpoint.port()) +
                                    (l->options.implicit_tls ? " (TLS)" : ""));
    const tcp::endpoint bound = l->endpoint;
    impl_->listeners.push_back(std::move(l));
    return bound;
}

std::error_code server::start() {
    {
        std::lock_guard lock(impl_->stop_mutex);
        if (impl_->started || impl_->stopped || impl_->stopping) return errc::server_stopped;
        impl_->started = true;
    }
    impl& m = *impl_;
    m.work.emplace(m.ioc.get_executor());
    if (m.options.handle_signals) {
        m.signals.emplace(m.ioc, SIGINT, SIGTERM);
        m.signals->async_wait([this](std::error_code ec, int signo) {
            if (ec) return;
            impl_->log(log_level::info, "signal " + std::to_string(signo) + " received; stopping");
            request_stop();
        });
    }
    for (auto& l : m.listeners) {
        asio::dispatch(l->acceptor.get_executor(), [&m, &l = *l] { m.accept_next(l); });
    }
    const std::size_t n = m.options.io_threads == 0 ? 1 : m.options.io_threads;
    for (std::size_t i = 0; i < n; ++i) {
        m.threads.emplace_back([&m] {
            // Our handlers catch what host code throws; this is the last line
            // of defence so one escaped exception does not end the server.
            for (;;) {
                try {
                    m.ioc.run();
                    return;
                } catch (const std::exception& e) {
                    m.log(log_level::error, std::string("I/O thread caught: ") + e.what());
                } catch (...) {
                    m.log(log_level::error, "I/O thread caught an unknown exception");
                }
            }
        });
    }
    return {};
}

void server::stop() {
    impl& m = *impl_;
    std::unique_lock lock(m.stop_mutex);
    m.stop_requested = true;
    m.stop_changed.notify_all();
    if (m.stopped) return;
    if (m.stopping) {
        m.stop_changed.wait(lock, [&] { return m.stopped; });
        return;
    }
    m.stopping = true;
    const bool was_started = m.started;
    lock.unlock();
    if (was_started) {
        m.shutdown_now();
    } else {
        for (auto& l : m.listeners) {
            std::error_code ignored;
            l->acceptor.close(ignored);
        }
    }
    lock.lock();
    m.stopped = true;
    m.stop_changed.notify_all();
}

void server::request_stop() {
    std::lock_guard lock(impl_->stop_mutex);
    impl_->stop_requested = true;
    impl_->stop_changed.notify_all();
}

void server::wait() {
    {
        std::unique_lock lock(impl_->stop_mutex);
        impl_->stop_changed.wait(lock, [&] { return impl_->stop_requested; });
    }
    stop();
}

std::vector<asio::ip::tcp::endpoint> server::local_endpoints() const {
    std::vector<asio::ip::tcp::endpoint> out;
    for (const auto& l : impl_->listeners) out.push_back(l->endpoint);
    return out;
}

std::size_t server::connection_count() const {
    std::lock_guard lock(impl_->trk->mutex);
    return impl_->trk->live.size();
}

asio::io_context& server::io_context() noexcept { return impl_->ioc; }

asio::any_io_executor server::store_executor() const {
    if (impl_->options.store_executor) return *impl_->options.store_executor;
    return impl_->pool->get_executor();
}

}  // namespace mailaccess::net
