// mailaccess-webmail: a web front end on the library's async IMAP client.
// It serves a single-page UI and a JSON API on loopback HTTP and keeps one
// IMAP session per web session (see README "Webmail").
//
//   mailaccess-webmail [--listen 127.0.0.1:8080] [--imap-host 127.0.0.1] [--imap-port 1993]
//                      [--ca-file var/tls/cert.pem] [--server-name NAME] [--static-dir DIR]
//                      [--max-sessions N] [--session-timeout SECONDS] [--wait SECONDS]

#include "http_routes.hpp"
#include "http_server.hpp"

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

namespace fs = std::filesystem;

namespace {

struct config {
    std::string listen = "127.0.0.1:8080";
    webmail::webmail_options app;
    std::string static_dir = MAILACCESS_WEBMAIL_STATIC_DIR;
    int wait_seconds = 120;
};

[[noreturn]] void die(const std::string& message) {
    std::cerr << "mailaccess-webmail: " << message << "\n";
    std::exit(2);
}

constexpr const char* usage = R"(usage: mailaccess-webmail [options]
  --listen ADDR:PORT        HTTP listener (default 127.0.0.1:8080; loopback: plain HTTP)
  --imap-host HOST          IMAP server, implicit TLS (default 127.0.0.1)
  --imap-port PORT          (default 1993)
  --ca-file PEM             certificate to verify the IMAP server with (default var/tls/cert.pem,
                            the reference server's self-signed one); "system" for the system store
  --server-name NAME        name the certificate must match (default: the host)
  --static-dir DIR          the UI's files (default: the source tree's examples/webmail/static)
  --max-sessions N          web sessions at once (default 64; the least recently used goes)
  --session-timeout SECONDS idle web sessions are logged out (default 1800)
  --wait SECONDS            wait this long at start for the IMAP server to accept (default 120)
)";

std::uint64_t number(const std::string& flag, const std::string& text) {
    try {
        std::size_t used = 0;
        const auto n = std::stoull(text, &used);
        if (used != text.size()) throw std::invalid_argument(text);
        return n;
    } catch (const std::exception&) {
        die(flag + " needs a number");
    }
}

config parse_args(int argc, char** argv) {
    config cfg;
    cfg.app.imap.ca_file = "var/tls/cert.pem";
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) die(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            std::exit(0);
        } else if (arg == "--listen") {
            cfg.listen = value();
        } else if (arg == "--imap-host") {
            cfg.app.imap.host = value();
        } else if (arg == "--imap-port") {
            cfg.app.imap.port = value();
        } else if (arg == "--ca-file") {
            cfg.app.imap.ca_file = value();
            if (cfg.app.imap.ca_file == "system") cfg.app.imap.ca_file.clear();
        } else if (arg == "--server-name") {
            cfg.app.imap.server_name = value();
        } else if (arg == "--static-dir") {
            cfg.static_dir = value();
        } else if (arg == "--max-sessions") {
            cfg.app.max_sessions = number(arg, value());
            if (cfg.app.max_sessions == 0 || cfg.app.max_sessions > 10000) die("--max-sessions: 1 to 10000");
        } else if (arg == "--session-timeout") {
            cfg.app.session_idle_timeout = std::chrono::seconds(number(arg, value()));
        } else if (arg == "--wait") {
            cfg.wait_seconds = static_cast<int>(std::min<std::uint64_t>(number(arg, value()), 3600));
        } else {
            die("unknown option " + arg + " (see --help)");
        }
    }
    return cfg;
}

// The UI's files, read once at start (a handful of small files).
std::map<std::string, std::string> load_static_files(const std::string& dir) {
    std::map<std::string, std::string> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (!e.is_regular_file() || e.file_size() > 1024 * 1024) continue;
        std::ifstream in(e.path(), std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        files[e.path().filename().string()] = text.str();
    }
    if (ec || files.count("index.html") == 0) die("no index.html in --static-dir " + dir);
    return files;
}

// One IMAP connection and LOGOUT, as a session would open it (a bare TCP
// probe would make the server log a failed TLS handshake).
bool imap_answers(asio::any_io_executor executor, const webmail::imap_endpoint& imap) {
    webmail::web_session probe(std::move(executor), imap);
    return probe.probe();
}

// The reference server writes its certificate and opens its port a moment
// after it starts (dev.sh starts both at once): wait for both, then go on
// regardless (a login meanwhile answers 503 and can be retried).
void wait_for_imap(asio::any_io_executor executor, const webmail::imap_endpoint& imap, int seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    bool told = false;
    while (std::chrono::steady_clock::now() < deadline) {
        const bool cert_ready = imap.ca_file.empty() || fs::exists(imap.ca_file);
        if (cert_ready && imap_answers(executor, imap)) return;
        if (!told) {
            std::cout << "waiting for the IMAP server at " << imap.host << ":" << imap.port << std::endl;
            told = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    std::cerr << "mailaccess-webmail: the IMAP server at " << imap.host << ":" << imap.port
              << " is not answering yet; logins will fail until it does" << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
    config cfg = parse_args(argc, argv);
    cfg.app.static_files = load_static_files(cfg.static_dir);
    const auto colon = cfg.listen.rfind(':');
    if (colon == std::string::npos) die("--listen needs ADDR:PORT");
    webmail::http_server_options http;
    http.address = cfg.listen.substr(0, colon);
    if (http.address.size() > 2 && http.address.front() == '[')
        http.address = http.address.substr(1, http.address.size() - 2);
    const auto port = number("--listen", cfg.listen.substr(colon + 1));
    if (port > 65535) die("--listen: bad port");
    http.port = static_cast<std::uint16_t>(port);
    http.max_connections = static_cast<unsigned>(std::max<std::size_t>(64, 4 * cfg.app.max_sessions));
    if (http.address.rfind("127.", 0) != 0 && http.address != "::1")
        std::cerr << "mailaccess-webmail: warning: plain HTTP on " << http.address
                  << ", not loopback: passwords and session cookies cross the network unencrypted\n";

    // Signals are taken by sigtimedwait below, in this thread only.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    // The IMAP clients run on this io_context's thread; HTTP handlers block
    // on their results (blocking_call.hpp).
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    std::thread io_thread([&io] { io.run(); });
    wait_for_imap(io.get_executor(), cfg.app.imap, cfg.wait_seconds);

    webmail::webmail_app app(io.get_executor(), cfg.app);
    webmail::http_server server(http, [&app](const webmail::http_request& r) { return app.handle(r); });
    if (auto ec = server.start()) die("cannot listen on " + cfg.listen + ": " + ec.message());
    std::cout << "webmail listening on http://" << cfg.listen.substr(0, colon) << ":" << server.port()
              << " (IMAP " << cfg.app.imap.host << ":" << cfg.app.imap.port << ")" << std::endl;

    const timespec tick{30, 0};
    for (;;) {
        const int sig = sigtimedwait(&signals, nullptr, &tick);
        if (sig == SIGINT || sig == SIGTERM) break;
        app.expire_idle_sessions();
    }
    std::cout << "webmail stopping" << std::endl;
    server.stop();
    work.reset();
    io.stop();
    io_thread.join();
    return 0;
}
