// mailaccess-loadgen: drives an IMAP or POP3 server (ours, Dovecot, any)
// through the library's own async clients and prints what it measured as
// JSON lines (bench/bench.hpp format): throughput, latency percentiles and
// errors, with the conditions. bench/compare_dovecot.py runs it against our
// server and Dovecot side by side (issue [6/7]).

#include "../bench.hpp"
#include "workloads.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>

namespace {

constexpr const char* usage_text =
    R"(usage: mailaccess-loadgen WORKLOAD --port P --user U --password PW [options]

WORKLOAD
  login               N clients loop connect + LOGIN + LOGOUT for --duration (IMAP)
  header-sync         EXAMINE + UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE),
                      --iterations times (one op each: what opening the folder costs)
  header-fields-sync  the same with BODY.PEEK[HEADER.FIELDS (From To Cc Subject Date ...)]
  body-download       UID FETCH 1:* BODY.PEEK[], --iterations times
  pop3-retr           RETR of every message (POP3 port), --pipelined or one by one
  append              --clients connections APPEND --iterations messages of --message-size each
  mixed               --clients sessions run a random command mix on --mailbox for --duration
  idle                --clients connections IDLE on --mailbox; server memory per connection
                      (--server-pids) and the time for one APPEND to reach them all

options
  --host H               default 127.0.0.1
  --port P               the server's IMAP (or POP3) port
  --tls none|starttls|implicit   default none (plaintext login then allowed)
  --ca-file PEM | --insecure     how to verify the certificate
  --user U               a "%d" in U numbers the users 1..--users (e.g. user%d)
  --users N              default 1
  --password PW
  --clients N            default 1 (login: 10)
  --duration SECONDS     login only, default 5
  --iterations N         default 1
  --mailbox NAME         default INBOX
  --pipelined            pop3-retr: queue every RETR at once
  --message-size BYTES   append, default 10240
  --server-pids P,P,...  idle: the server's processes; their memory and their children's
                         (proportional set size, so shared pages count once) is measured
  --seed N               mixed: the random seed, default 1
  --label NAME           the server's name in the conditions (e.g. mailaccess, dovecot)
  --peer-config TEXT     free text describing the server's configuration
)";

[[noreturn]] void usage_error(const std::string& what) {
    std::fprintf(stderr, "mailaccess-loadgen: %s\n(see --help)\n", what.c_str());
    std::exit(2);
}

unsigned positive(const std::string& name, const std::string& v) {
    char* end = nullptr;
    const unsigned long n = std::strtoul(v.c_str(), &end, 10);
    if (end == v.c_str() || *end != '\0' || n == 0 || n > 1'000'000'000) usage_error("bad " + name + " " + v);
    return static_cast<unsigned>(n);
}

}  // namespace

int main(int argc, char** argv) {
    mailaccess::bench::program_name() = "mailaccess-loadgen";
    if (argc < 2) usage_error("no workload");
    const std::string workload = argv[1];
    if (workload == "--help" || workload == "-h") {
        std::fputs(usage_text, stdout);
        return 0;
    }
    loadgen::target t;
    loadgen::load l;
    std::optional<unsigned> clients;
    std::string label = "server", peer_config;
    for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage_error(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--help") {
            std::fputs(usage_text, stdout);
            return 0;
        } else if (arg == "--host") {
            t.host = value();
        } else if (arg == "--port") {
            t.port = value();
        } else if (arg == "--tls") {
            t.tls = value();
            if (t.tls != "none" && t.tls != "starttls" && t.tls != "implicit")
                usage_error("bad --tls " + t.tls);
        } else if (arg == "--ca-file") {
            t.ca_file = value();
        } else if (arg == "--insecure") {
            t.insecure = true;
        } else if (arg == "--user") {
            t.user = value();
        } else if (arg == "--users") {
            t.users = positive(arg, value());
        } else if (arg == "--password") {
            t.password = value();
        } else if (arg == "--clients") {
            clients = positive(arg, value());
        } else if (arg == "--duration") {
            l.duration = std::chrono::seconds(positive(arg, value()));
        } else if (arg == "--iterations") {
            l.iterations = positive(arg, value());
        } else if (arg == "--mailbox") {
            t.mailbox = value();
        } else if (arg == "--pipelined") {
            l.pipelined = true;
        } else if (arg == "--message-size") {
            l.message_size = positive(arg, value());
        } else if (arg == "--server-pids") {
            const std::string v = value();
            for (std::size_t at = 0; at < v.size();) {
                const auto comma = std::min(v.find(',', at), v.size());
                l.server_pids.push_back(static_cast<int>(positive(arg, v.substr(at, comma - at))));
                at = comma + 1;
            }
        } else if (arg == "--seed") {
            l.seed = positive(arg, value());
        } else if (arg == "--label") {
            label = value();
        } else if (arg == "--peer-config") {
            peer_config = value();
        } else {
            usage_error("unknown argument " + arg);
        }
    }
    if (t.port.empty() || t.user.empty()) usage_error("--port and --user are required");
    l.clients = clients.value_or(workload == "login" ? 10 : 1);

    // Thousands of idle connections need as many descriptors.
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
    }

    asio::io_context io;
    loadgen::stats s;
    loadgen::idle_result idle;
    std::exception_ptr failure;
    auto run = [&]() -> asio::awaitable<loadgen::stats> {
        if (workload == "login") co_return co_await loadgen::login_storm(t, l);
        if (workload == "header-sync") co_return co_await loadgen::header_sync(t, l, false);
        if (workload == "header-fields-sync") co_return co_await loadgen::header_sync(t, l, true);
        if (workload == "body-download") co_return co_await loadgen::body_download(t, l);
        if (workload == "pop3-retr") co_return co_await loadgen::pop3_retr(t, l);
        if (workload == "append") co_return co_await loadgen::append(t, l);
        if (workload == "mixed") co_return co_await loadgen::mixed(t, l);
        if (workload == "idle") {
            idle = co_await loadgen::idle_capacity(t, l);
            co_return idle.connect;
        }
        usage_error("unknown workload " + workload);
    };
    asio::co_spawn(io, run(), [&](std::exception_ptr e, loadgen::stats result) {
        failure = e;
        s = std::move(result);
    });
    io.run();
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            mailaccess::bench::die(workload + " against " + t.host + ":" + t.port + " failed: " + e.what());
        }
    }

    nlohmann::json c = {{"workload", workload},
                        {"server", label},
                        {"peer_config", peer_config},
                        {"host", t.host},
                        {"port", t.port},
                        {"tls", t.tls},
                        {"clients", l.clients},
                        {"iterations", l.iterations},
                        {"mailbox", t.mailbox},
                        {"pipelined", l.pipelined},
                        {"ops", s.ops},
                        {"messages", s.messages},
                        {"bytes", s.bytes},
                        {"errors", s.errors},
                        {"seconds", s.seconds}};
    if (!s.first_error.empty()) c["first_error"] = s.first_error;
    if (workload == "append") c["message_size"] = l.message_size;
    if (workload == "login" || workload == "mixed")
        c["duration_s"] = std::chrono::duration<double>(l.duration).count();
    if (workload == "idle") {
        c["connections"] = idle.connections;
        c["notified"] = idle.notified;
        c["server_pids"] = l.server_pids;
        c["rss_before_kib"] = idle.rss_before_kib;
        c["rss_idle_kib"] = idle.rss_idle_kib;
        c["rss_half_kib"] = idle.rss_half_kib;
        c["connections_half"] = idle.connections_half;
    }
    const std::string name = "loadgen_" + workload;
    auto figure = [&](const char* unit, double value, const char* metric) {
        nlohmann::json cc = c;
        cc["metric"] = metric;
        mailaccess::bench::report(name, unit, value, 1, cc);
    };
    const double secs = s.seconds > 0 ? s.seconds : 1e-9;
    if (workload == "idle") {
        // What one more idler costs: the second half's memory over its count
        // (everything over all of them when there is no half to compare).
        if (!l.server_pids.empty() && idle.connections > idle.connections_half && idle.connections_half > 0)
            figure("KiB",
                   (idle.rss_idle_kib - idle.rss_half_kib) /
                       static_cast<double>(idle.connections - idle.connections_half),
                   "rss_per_connection");
        else if (!l.server_pids.empty() && idle.connections > 0)
            figure("KiB", (idle.rss_idle_kib - idle.rss_before_kib) / static_cast<double>(idle.connections),
                   "rss_per_connection");
        figure("connections", static_cast<double>(idle.connections), "idling");
        figure("ms", idle.fanout_ms, "fanout");
        if (idle.notified < idle.connections) ++s.errors;  // some idler never heard of the delivery
    }
    figure("ops/s", static_cast<double>(s.ops) / secs, "throughput");
    if (s.messages > 0) figure("messages/s", static_cast<double>(s.messages) / secs, "throughput");
    if (s.bytes > 0) figure("MB/s", static_cast<double>(s.bytes) / 1e6 / secs, "throughput");
    figure("ms", s.percentile(0.5), "p50");
    figure("ms", s.percentile(0.99), "p99");
    if (!s.latencies_ms.empty()) figure("ms", s.latencies_ms.front(), "first");
    if (s.errors == 0) return 0;
    std::fprintf(stderr, "mailaccess-loadgen: %s: %llu errors, the first: %s\n", workload.c_str(),
                 static_cast<unsigned long long>(s.errors), s.first_error.c_str());
    return 1;
}
