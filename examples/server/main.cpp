// mailaccess-server: the reference server, composed only from the public API
// the way a host product would: a Maildir store, a Dovecot passwd-file, POP3
// and IMAP sessions driven by net::server over TLS.
//
// Without listener flags it starts on its embedded default: state in ./var
// (or --state-dir), a demo user with a welcome message, a self-signed
// certificate, loopback ports. `mailaccess-server hash-password` prints a
// passwd-file entry.
#include <mailaccess/auth/passwd_file.hpp>
#include <mailaccess/auth/password_hash.hpp>
#include <mailaccess/auth/sasl_server.hpp>
#include <mailaccess/core/limits.hpp>
#include <mailaccess/engine/imap_engine.hpp>
#include <mailaccess/engine/pop3_engine.hpp>
#include <mailaccess/imap/server_session.hpp>
#include <mailaccess/maildir/maildir_store.hpp>
#include <mailaccess/net/certificate.hpp>
#include <mailaccess/net/server.hpp>
#include <mailaccess/net/tls_context.hpp>
#include <mailaccess/pop3/server_session.hpp>

#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace mailaccess;

// IDLE pushes rely on these (see net/session_traits.hpp); without them the
// driver would still run IMAP, silently without notifications.
static_assert(net::notifiable_session<imap::server_session>);
static_assert(net::change_source<engine::imap_engine>);

namespace {

constexpr std::string_view usage_text = R"(usage: mailaccess-server [options]
       mailaccess-server hash-password [--scheme NAME] [--user NAME]   (password on stdin)

Without listener flags (or a --config that names listeners) the server starts on its
embedded default: state in ./var, POP3 (STLS) on 127.0.0.1:1110, POP3S on 127.0.0.1:1995,
IMAP (STARTTLS) on 127.0.0.1:1143, IMAPS on 127.0.0.1:1993, a demo user (demo/demo) with a
welcome message, a self-signed certificate. Listener flags replace the whole default set.

options (the same keys, without "--", may be given in a JSON file with --config FILE):
  --config FILE              JSON configuration; flags given after it override it
  --pop3 ADDR:PORT           POP3 listener with STLS (repeatable; port 0 picks one)
  --pop3s ADDR:PORT          POP3 listener with implicit TLS (repeatable)
  --imap ADDR:PORT           IMAP listener with STARTTLS (repeatable)
  --imaps ADDR:PORT          IMAP listener with implicit TLS (repeatable)
  --state-dir DIR            where the embedded defaults live (default ./var)
  --maildir-root DIR         mail storage, <DIR>/<user>/Maildir (default STATE/mail)
  --users FILE               Dovecot passwd-file (default STATE/users, created with demo/demo)
  --tls-cert PEM --tls-key PEM   certificate chain and key (default: self-signed in STATE/tls)
  --allow-plaintext-auth     accept USER/PASS/AUTH/LOGIN before STLS/STARTTLS (off: refused,
                             as providers expect)
  --quota-bytes N            per-user storage limit (default 524288000 = 500 MiB)
  --max-connections N        connections served at once, all listeners (default 10000); more
                             are greeted with a refusal and closed
  --log-level LEVEL          debug, info, warning or error (default info)
)";

struct config {
    std::vector<std::string> pop3;
    std::vector<std::string> pop3s;
    std::vector<std::string> imap;
    std::vector<std::string> imaps;
    std::string state_dir = "var";
    std::string maildir_root;
    std::string users;
    std::string tls_cert;
    std::string tls_key;
    bool allow_plaintext_auth = false;
    std::uint64_t quota_bytes = 500ull * 1024 * 1024;
    std::size_t max_connections = mailaccess::limits{}.max_connections;
    std::string log_level = "info";
};

[[noreturn]] void die(const std::string& message) {
    std::cerr << "mailaccess-server: " << message << "\n";
    std::exit(1);
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) die("cannot read " + path.string());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Writes a file that only the owner can read (keys, password hashes).
void write_private_file(const fs::path& path, std::string_view contents) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) die("cannot write " + path.string());
    out << contents;
    out.close();
    ::chmod(path.c_str(), 0600);
}

void apply_json(config& cfg, const std::string& path) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(read_file(path));
    } catch (const nlohmann::json::exception& e) {
        die(path + ": " + e.what());
    }
    auto strings = [&](const char* key, std::vector<std::string>& out) {
        if (!j.contains(key)) return;
        out.clear();
        if (j[key].is_string())
            out.push_back(j[key].get<std::string>());
        else
            for (const auto& v : j[key]) out.push_back(v.get<std::string>());
    };
    try {
        strings("pop3", cfg.pop3);
        strings("pop3s", cfg.pop3s);
        strings("imap", cfg.imap);
        strings("imaps", cfg.imaps);
        for (auto [key, field] : {std::pair{"state-dir", &cfg.state_dir},
                                  {"maildir-root", &cfg.maildir_root},
                                  {"users", &cfg.users},
                                  {"tls-cert", &cfg.tls_cert},
                                  {"tls-key", &cfg.tls_key},
                                  {"log-level", &cfg.log_level}})
            if (j.contains(key)) *field = j[key].get<std::string>();
        if (j.contains("allow-plaintext-auth"))
            cfg.allow_plaintext_auth = j["allow-plaintext-auth"].get<bool>();
        if (j.contains("quota-bytes")) cfg.quota_bytes = j["quota-bytes"].get<std::uint64_t>();
        if (j.contains("max-connections")) cfg.max_connections = j["max-connections"].get<std::size_t>();
    } catch (const nlohmann::json::exception& e) {
        die(path + ": " + e.what());
    }
}

config parse_args(int argc, char** argv) {
    config cfg;
    bool listeners_from_flags = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) die(std::string(arg) + " needs a value");
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            std::cout << usage_text;
            std::exit(0);
        } else if (arg == "--config") {
            apply_json(cfg, value());
        } else if (arg == "--pop3" || arg == "--pop3s" || arg == "--imap" || arg == "--imaps") {
            // The first listener flag replaces every listener a --config named.
            if (!listeners_from_flags) {
                for (auto* list : {&cfg.pop3, &cfg.pop3s, &cfg.imap, &cfg.imaps}) list->clear();
            }
            listeners_from_flags = true;
            auto& list = arg == "--pop3"    ? cfg.pop3
                         : arg == "--pop3s" ? cfg.pop3s
                         : arg == "--imap"  ? cfg.imap
                                            : cfg.imaps;
            list.push_back(value());
        } else if (arg == "--state-dir") {
            cfg.state_dir = value();
        } else if (arg == "--maildir-root") {
            cfg.maildir_root = value();
        } else if (arg == "--users") {
            cfg.users = value();
        } else if (arg == "--tls-cert") {
            cfg.tls_cert = value();
        } else if (arg == "--tls-key") {
            cfg.tls_key = value();
        } else if (arg == "--allow-plaintext-auth") {
            cfg.allow_plaintext_auth = true;
        } else if (arg == "--quota-bytes") {
            try {
                cfg.quota_bytes = std::stoull(value());
            } catch (const std::exception&) {
                die("--quota-bytes needs a number");
            }
        } else if (arg == "--max-connections") {
            try {
                cfg.max_connections = std::stoull(value());
            } catch (const std::exception&) {
                die("--max-connections needs a number");
            }
            if (cfg.max_connections == 0) die("--max-connections must be positive");
        } else if (arg == "--log-level") {
            cfg.log_level = value();
        } else {
            die("unknown option " + std::string(arg) + " (see --help)");
        }
    }
    if (cfg.pop3.empty() && cfg.pop3s.empty() && cfg.imap.empty() && cfg.imaps.empty()) {
        cfg.pop3 = {"127.0.0.1:1110"};
        cfg.pop3s = {"127.0.0.1:1995"};
        cfg.imap = {"127.0.0.1:1143"};
        cfg.imaps = {"127.0.0.1:1993"};
    }
    if (cfg.maildir_root.empty()) cfg.maildir_root = (fs::path(cfg.state_dir) / "mail").string();
    if (cfg.users.empty()) cfg.users = (fs::path(cfg.state_dir) / "users").string();
    return cfg;
}

std::pair<std::string, std::uint16_t> split_endpoint(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) die("listener \"" + text + "\" is not ADDR:PORT");
    std::string address = text.substr(0, colon);
    if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
        address = address.substr(1, address.size() - 2);
    unsigned long port = 0;
    try {
        port = std::stoul(text.substr(colon + 1));
    } catch (const std::exception&) {
        die("listener \"" + text + "\" has no valid port");
    }
    if (port > 65535) die("listener \"" + text + "\" has no valid port");
    return {address, static_cast<std::uint16_t>(port)};
}

int hash_password_command(int argc, char** argv) {
    std::string scheme(auth::password_scheme_name(auth::default_password_scheme));
    std::string user;
    for (int i = 2; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--scheme" && i + 1 < argc)
            scheme = argv[++i];
        else if (arg == "--user" && i + 1 < argc)
            user = argv[++i];
        else
            die("usage: mailaccess-server hash-password [--scheme NAME] [--user NAME]");
    }
    if (::isatty(0)) std::cerr << "password: " << std::flush;
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    secret<> password(std::move(line));
    auto hashed = auth::hash_password(scheme, password);
    if (!hashed) die("hash-password: " + hashed.error().message());
    std::cout << (user.empty() ? "" : user + ":") << *hashed << "\n";
    return 0;
}

net::log_level parse_level(const std::string& name) {
    if (name == "debug") return net::log_level::debug;
    if (name == "info") return net::log_level::info;
    if (name == "warning") return net::log_level::warning;
    if (name == "error") return net::log_level::error;
    die("unknown --log-level " + name);
}

std::string welcome_message(std::string_view user) {
    char date[64];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    std::string m;
    m += "From: mailaccess <postmaster@localhost>\r\n";
    m += "To: " + std::string(user) + "@localhost\r\n";
    m += "Subject: Welcome to mailaccess\r\n";
    m += std::string("Date: ") + date + "\r\n";
    m += "Message-ID: <welcome." + std::to_string(now) + "@localhost>\r\n";
    m += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
    m += "Your mailbox is ready. Read it with any POP3 or IMAP client over TLS.\r\n";
    return m;
}

// The embedded default: creates the demo user (and its welcome message) and a
// self-signed certificate the first time, so a newcomer gets a working server
// from one command. Existing files are never overwritten.
void prepare_defaults(config& cfg, store::store& mail_store, bool& demo_created) {
    if (!fs::exists(cfg.users)) {
        auto entry = auth::hash_password(auth::default_password_scheme, secret<>(std::string("demo")));
        if (!entry) die("cannot hash the demo password: " + entry.error().message());
        write_private_file(cfg.users, "demo:" + *entry + "\n");
        demo_created = true;
    }
    if (demo_created) {
        auto account = mail_store.open_account("demo");
        if (!account) die("cannot create the demo mailbox: " + account.error().message());
        auto inbox = (*account)->open_mailbox("INBOX", store::open_mode::read_write);
        if (!inbox) die("cannot open the demo INBOX: " + inbox.error().message());
        auto sink = (*inbox)->append({}, 0);
        if (!sink) die("cannot deliver the welcome message: " + sink.error().message());
        const std::string text = welcome_message("demo");
        if (auto ec = (*sink)->write(text); ec) die("cannot deliver the welcome message: " + ec.message());
        if (auto uid = (*sink)->commit(); !uid)
            die("cannot deliver the welcome message: " + uid.error().message());
    }
    if (cfg.tls_cert.empty() != cfg.tls_key.empty()) die("--tls-cert and --tls-key go together");
    if (cfg.tls_cert.empty()) {
        const fs::path dir = fs::path(cfg.state_dir) / "tls";
        cfg.tls_cert = (dir / "cert.pem").string();
        cfg.tls_key = (dir / "key.pem").string();
        if (!fs::exists(cfg.tls_cert) || !fs::exists(cfg.tls_key)) {
            auto made =
                net::make_self_signed_certificate("localhost", {"localhost", "127.0.0.1", "::1"}, 825);
            if (!made) die("cannot make a self-signed certificate: " + made.error().message());
            write_private_file(cfg.tls_key, made->private_key_pem.reveal());
            write_private_file(cfg.tls_cert, made->certificate_pem);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && std::string_view(argv[1]) == "hash-password") return hash_password_command(argc, argv);
    config cfg = parse_args(argc, argv);
    const net::log_level min_level = parse_level(cfg.log_level);
    // Each connection is a descriptor: let the process have as many as
    // --max-connections asks for, up to the hard limit.
    if (rlimit files{}; ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
    }

    std::error_code mkdir_error;
    fs::create_directories(cfg.maildir_root, mkdir_error);
    if (mkdir_error) die("cannot create " + cfg.maildir_root + ": " + mkdir_error.message());
    maildir::maildir_store_options store_options;
    store_options.root = cfg.maildir_root;
    store_options.quota_bytes = cfg.quota_bytes;
    maildir::maildir_store mail_store(store_options);

    bool demo_created = false;
    prepare_defaults(cfg, mail_store, demo_created);

    auto users = auth::passwd_file::load(cfg.users);
    if (!users) die(cfg.users + ": " + users.error().message());
    for (const auto& p : users->problems())
        std::cerr << cfg.users << ":" << p.line << ": " << p.reason << " (line skipped)\n";
    auto authenticator = std::make_shared<auth::passwd_file>(std::move(*users));

    net::server_tls_options tls_options;
    tls_options.certificate_chain_file = cfg.tls_cert;
    tls_options.private_key_file = cfg.tls_key;
    auto tls = net::make_server_tls_context(tls_options);
    if (!tls) die("TLS setup failed: " + tls.error().message());

    net::server_options server_options;
    server_options.handle_signals = true;  // SIGINT/SIGTERM: graceful shutdown
    server_options.max_connections = cfg.max_connections;
    server_options.log = [min_level](net::log_level level, std::string_view text) {
        if (level < min_level) return;
        static constexpr const char* names[] = {"debug", "info", "warning", "error"};
        std::cerr << "[" << names[static_cast<int>(level)] << "] " << text << "\n";
    };
    net::server server(server_options);

    enum class protocol { pop3, imap };
    // Who gets \Recent is decided across all IMAP sessions of the process.
    auto recent = std::make_shared<engine::recent_tracker>();
    std::vector<std::string> sasl_mechanisms;
    for (auto m : auth::sasl_server_mechanisms()) sasl_mechanisms.emplace_back(m);

    auto add = [&](const std::string& where, protocol proto, bool implicit_tls) {
        auto [address, port] = split_endpoint(where);
        net::listener_options listener;
        listener.address = address;
        listener.port = port;
        listener.implicit_tls = implicit_tls;
        listener.tls = *tls;
        listener.connection.log = server_options.log;
        const bool plaintext = cfg.allow_plaintext_auth;
        std::optional<result<asio::ip::tcp::endpoint>> bound;
        if (proto == protocol::pop3) {
            listener.refusal_line = "-ERR [SYS/TEMP] Too many connections, try again later.\r\n";
            bound.emplace(server.add_listener(
                listener, [&mail_store, authenticator, plaintext](const net::connection_info& info) {
                    pop3::server_options options;
                    options.tls_active = info.implicit_tls;
                    options.stls_available = true;
                    options.allow_plaintext_auth = plaintext;
                    net::connection_parts<pop3::server_session, engine::pop3_engine> parts;
                    parts.session = std::make_unique<pop3::server_session>(std::move(options));
                    parts.engine = std::make_unique<engine::pop3_engine>(mail_store, *authenticator);
                    return parts;
                }));
        } else {
            listener.refusal_line = "* BYE Too many connections\r\n";
            listener.connection.failure_line = "* BYE Internal error\r\n";
            bound.emplace(server.add_listener(listener, [&mail_store, authenticator, plaintext, recent,
                                                         sasl_mechanisms](const net::connection_info& info) {
                imap::server_options options;
                options.tls_active = info.implicit_tls;
                options.starttls_available = true;
                options.allow_plaintext_auth = plaintext;
                options.sasl_mechanisms = sasl_mechanisms;
                options.engine_capabilities = engine::imap_engine::capabilities();
                engine::imap_engine_options engine_options;
                engine_options.recent = recent;
                net::connection_parts<imap::server_session, engine::imap_engine> parts;
                parts.session = std::make_unique<imap::server_session>(std::move(options));
                parts.engine =
                    std::make_unique<engine::imap_engine>(mail_store, *authenticator, engine_options);
                return parts;
            }));
        }
        if (!*bound) die("cannot listen on " + where + ": " + bound->error().message());
        const char* name =
            proto == protocol::pop3 ? (implicit_tls ? "pop3s" : "pop3") : (implicit_tls ? "imaps" : "imap");
        std::cout << "listening " << name << " on " << (*bound)->address().to_string() << ":"
                  << (*bound)->port() << std::endl;
    };
    for (const auto& where : cfg.pop3) add(where, protocol::pop3, false);
    for (const auto& where : cfg.pop3s) add(where, protocol::pop3, true);
    for (const auto& where : cfg.imap) add(where, protocol::imap, false);
    for (const auto& where : cfg.imaps) add(where, protocol::imap, true);

    if (auto ec = server.start(); ec) die("cannot start: " + ec.message());
    std::cout << "maildir root " << fs::absolute(cfg.maildir_root).string() << ", users " << cfg.users
              << (cfg.allow_plaintext_auth ? ", plaintext auth allowed" : ", TLS required for login") << "\n";
    if (demo_created || cfg.users == (fs::path(cfg.state_dir) / "users").string())
        std::cout << "demo login: user demo, password demo (created on first start in " << cfg.users << ")\n";
    std::cout << "press Ctrl-C to stop" << std::endl;
    server.wait();
    return 0;
}
