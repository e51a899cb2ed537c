// mailaccess-imap-sync: keeps a local Maildir in sync with an IMAP account,
// the way the seed text describes IMAP clients: headers of every folder
// first (fast), whole messages on demand (--fetch-body) or with --bodies,
// changes made offline (flags, moves between folders, deletions) pushed back
// on the next run, and incremental resync with QRESYNC or CONDSTORE when the
// server offers them (a UID/flags comparison otherwise).
//
// The protocol and the connection live in net::imap_client; this program is
// the command line, the summary and the progress display. account_sync.cpp
// holds the synchronisation, local_maildir.hpp the Maildir++ layout and
// sync_state.hpp what is remembered between runs.

#include "account_sync.hpp"

#include <mailaccess/core/secret.hpp>
#include <mailaccess/imap/error.hpp>
#include <mailaccess/net/error.hpp>
#include <mailaccess/net/imap_client.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ssl/error.hpp>
#include <asio/use_awaitable.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

namespace net = mailaccess::net;
namespace imap = mailaccess::imap;
using mailaccess::secret;

namespace {

enum exit_status : int {
    exit_ok = 0,
    exit_usage = 2,
    exit_connect = 3,
    exit_tls = 4,
    exit_auth = 5,
    exit_server = 6,
    exit_local = 7,
};

constexpr const char* usage_text =
    R"(usage: mailaccess-imap-sync --host HOST --user USER --maildir DIR [options]

Synchronises every folder of an IMAP account with the Maildir++ tree DIR
(INBOX at the top, folder "A/B" in DIR/.A.B). The first run downloads the
headers of all messages; later runs transfer only what changed on either
side: new messages, flag changes and expunges on the server (QRESYNC or
CONDSTORE when offered), flag changes, moves between folders and deletions
made locally. What was agreed is kept in DIR/.mailaccess-sync.json.

  --host HOST              server name or address
  --port PORT              default 143 (starttls, none) or 993 (implicit)
  --tls starttls|implicit|none
                           STARTTLS on the plain port (default), TLS from the
                           first byte, or no TLS at all (sends the password in
                           clear text: loopback tests only)
  --user USER              login name
  --password-file FILE     first line of FILE is the password; otherwise the
                           environment variable MAILACCESS_PASSWORD is used
  --maildir DIR            the local Maildir++ tree (created if missing)
  --bodies                 download whole messages, not only headers
  --fetch-body FOLDER UID  download one whole message (a body on demand) and
                           print its path; run a sync first
  --resync auto|condstore|full
                           how server changes are found: QRESYNC or CONDSTORE
                           when offered (default), CONDSTORE only, or a
                           comparison of every UID and its flags
  --ca-file PEM            trust the certificates in PEM instead of the system's
  --insecure               do not verify the server certificate (tests only)
  --timeout SECONDS        time limit per command (default 60)
  --json                   print the summary as one JSON object
  --help                   this text

Exit status: 0 success, 2 usage, 3 cannot connect, 4 TLS failure,
5 authentication failed, 6 server or protocol error, 7 local storage error.
)";

struct options {
    std::string host, port, tls = "starttls", user, maildir, ca_file;
    secret<> password;
    bool bodies = false, json = false, insecure = false;
    imap_sync::resync_method resync = imap_sync::resync_method::automatic;
    std::string body_folder;
    std::uint32_t body_uid = 0;
    std::chrono::seconds timeout{60};
};

[[noreturn]] void usage_error(const std::string& message) {
    std::cerr << "mailaccess-imap-sync: " << message << "\n(see --help)\n";
    std::exit(exit_usage);
}

template <class N>
N number_arg(const std::string& name, const std::string& v) {
    N n{};
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size() || n == 0) usage_error("bad " + name + " " + v);
    return n;
}

options parse_args(int argc, char** argv) {
    options o;
    std::string password_file;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage_error(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            std::cout << usage_text;
            std::exit(exit_ok);
        } else if (arg == "--host") {
            o.host = value();
        } else if (arg == "--port") {
            o.port = value();
        } else if (arg == "--tls") {
            o.tls = value();
        } else if (arg == "--user") {
            o.user = value();
        } else if (arg == "--password-file") {
            password_file = value();
        } else if (arg == "--maildir") {
            o.maildir = value();
        } else if (arg == "--bodies") {
            o.bodies = true;
        } else if (arg == "--fetch-body") {
            o.body_folder = value();
            o.body_uid = number_arg<std::uint32_t>("UID", value());
        } else if (arg == "--resync") {
            const std::string v = value();
            if (v == "auto")
                o.resync = imap_sync::resync_method::automatic;
            else if (v == "condstore")
                o.resync = imap_sync::resync_method::condstore;
            else if (v == "full")
                o.resync = imap_sync::resync_method::full;
            else
                usage_error("--resync must be auto, condstore or full");
        } else if (arg == "--ca-file") {
            o.ca_file = value();
        } else if (arg == "--insecure") {
            o.insecure = true;
        } else if (arg == "--timeout") {
            o.timeout = std::chrono::seconds(number_arg<long long>("--timeout", value()));
        } else if (arg == "--json") {
            o.json = true;
        } else {
            usage_error("unknown argument " + arg);
        }
    }
    if (o.host.empty() || o.user.empty() || o.maildir.empty())
        usage_error("--host, --user and --maildir are required");
    if (o.tls != "starttls" && o.tls != "implicit" && o.tls != "none")
        usage_error("--tls must be starttls, implicit or none");
    if (o.port.empty()) o.port = o.tls == "implicit" ? "993" : "143";
    if (o.insecure && !o.ca_file.empty()) usage_error("--insecure and --ca-file exclude each other");
    std::string password;
    if (!password_file.empty()) {
        std::ifstream in(password_file, std::ios::binary);
        if (!in) usage_error("cannot read password file " + password_file);
        std::getline(in, password);
        if (!password.empty() && password.back() == '\r') password.pop_back();
    } else if (const char* env = std::getenv("MAILACCESS_PASSWORD"); env != nullptr) {
        password = env;
    }
    if (password.empty()) usage_error("no password: use --password-file FILE or set MAILACCESS_PASSWORD");
    o.password = secret<>(std::move(password));
    return o;
}

struct failure {
    int status;
    std::string message;
};

// A progress line on a terminal: "INBOX  [#########-----------]  450/1000".
void show_progress(const std::string& folder, std::uint64_t done, std::uint64_t expected) {
    constexpr int width = 30;
    std::string bar;
    if (expected > 0) {
        const auto filled = static_cast<int>(std::min<std::uint64_t>(done, expected) * width / expected);
        bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
              std::string(static_cast<std::size_t>(width - filled), '-') + "] ";
    }
    std::cerr << "\r" << folder << "  " << bar << done;
    if (expected > 0) std::cerr << "/" << expected;
    std::cerr << "   " << std::flush;
}

asio::awaitable<void> run(const options& o, nlohmann::json& summary, failure& failed) {
    auto io = co_await asio::this_coro::executor;
    net::imap_client_options co;
    co.timeout = o.timeout;
    co.allow_plaintext_login = o.tls == "none";
    if (o.insecure) co.tls_options.insecure_skip_verify = true;
    if (!o.ca_file.empty()) {
        co.tls_options.ca_file = o.ca_file;
        co.tls_options.use_system_ca = false;
    }
    net::imap_client client(io, co);
    const std::string where = o.host + ":" + o.port;
    net::connect_options c;
    c.host = o.host;
    c.port = o.port;
    c.timeout = o.timeout;
    if (o.tls == "implicit") c.tls = client.tls_context();
    std::error_code ec;
    co_await client.async_connect(c, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        failed = {ec.category() == asio::error::get_ssl_category() ? exit_tls : exit_connect,
                  "cannot connect to " + where + ": " + ec.message()};
        co_return;
    }
    if (o.tls == "starttls") {
        co_await client.async_starttls(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            failed = {exit_tls, "STARTTLS with " + where + " failed: " + ec.message()};
            co_return;
        }
    }
    co_await client.async_login(o.user, o.password, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        failed = {ec == imap::errc::auth_failed ? exit_auth : exit_server,
                  "login as " + o.user + " at " + where + " failed: " + ec.message()};
        co_return;
    }
    imap_sync::local_maildir local(o.maildir);
    if (auto e = local.ensure(o.maildir)) {
        failed = {exit_local, "cannot create " + o.maildir + ": " + e.message()};
        co_return;
    }
    auto state = imap_sync::sync_state::load(o.maildir, o.user + "@" + where);
    try {
        if (!o.body_folder.empty()) {
            const auto path = co_await imap_sync::fetch_body(client, local, state, o.body_folder, o.body_uid);
            summary["fetched_body"] = path;
        } else {
            imap_sync::sync_options so;
            so.bodies = o.bodies;
            so.resync = o.resync;
            if (!o.json && ::isatty(2) != 0) so.progress = show_progress;
            const auto started = std::chrono::steady_clock::now();
            auto folders = co_await imap_sync::sync_account(client, local, state, so);
            if (so.progress) std::cerr << "\n";
            imap_sync::folder_summary total;
            auto& per_folder = summary["folders"] = nlohmann::json::object();
            for (const auto& [name, s] : folders) {
                per_folder[name] = s.to_json();
                total.add(s);
            }
            summary["totals"] = total.to_json();
            summary["totals"].erase("mode");
            summary["seconds"] =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        }
    } catch (const std::system_error& e) {
        const bool local_error = e.code().category() == std::generic_category();
        failed = {local_error ? exit_local : exit_server, e.what()};
    }
    co_await client.async_logout(asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace

int main(int argc, char** argv) {
    const options o = parse_args(argc, argv);
    asio::io_context io;
    nlohmann::json summary;
    failure failed{exit_ok, {}};
    asio::co_spawn(io, run(o, summary, failed), [&](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            failed = {exit_server, ex.what()};
        }
    });
    io.run();
    if (failed.status != exit_ok) {
        std::cerr << "mailaccess-imap-sync: " << failed.message << "\n";
        return failed.status;
    }
    if (o.json) {
        std::cout << summary.dump() << "\n";
    } else if (summary.contains("fetched_body")) {
        std::cout << summary["fetched_body"].get<std::string>() << "\n";
    } else {
        const auto& t = summary["totals"];
        std::cout << "synchronised " << summary["folders"].size() << " folders: " << t["new_messages"]
                  << " new, " << t["bodies"] << " bodies, " << t["bytes_downloaded"] << " bytes; pulled "
                  << t["flags_pulled"] << " flag changes and " << t["expunged_pulled"] << " expunges; pushed "
                  << t["flags_pushed"] << " flag changes, " << t["moves_pushed"] << " moves and "
                  << t["deletes_pushed"] << " deletions\n";
    }
    return exit_ok;
}
