// mailaccess-pop3-fetch: downloads a POP3 maildrop into a local Maildir.
//
// The protocol and the connection live in net::pop3_client (certificate and
// host name verified, DELE pipelined behind RETR when the server allows);
// this file is the fetch logic, one coroutine, plus plain POSIX file I/O for
// the Maildir.
//
// Durability: each message is streamed into tmp/, fsync'ed, renamed into
// new/, and new/ is fsync'ed. Only then is its UIDL recorded and, unless
// --keep, the DELE sent; the server removes messages at QUIT (RFC 1939
// section 6). A crash therefore never leaves half a message in new/ and never
// loses one: at worst a message is on both sides, and the UIDL file makes
// the next run delete it instead of fetching it again.
//
// The password is never sent in plain text: STLS (RFC 2595) is mandatory in
// the default mode, and authentication starts only once TLS is up.

#include "maildir_writer.hpp"
#include "posix_file.hpp"

#include <mailaccess/core/assert.hpp>
#include <mailaccess/core/secret.hpp>
#include <mailaccess/net/error.hpp>
#include <mailaccess/net/pop3_client.hpp>
#include <mailaccess/net/tls_context.hpp>
#include <mailaccess/pop3/error.hpp>

#include <asio/co_spawn.hpp>
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ssl/error.hpp>
#include <asio/use_awaitable.hpp>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace net = mailaccess::net;
namespace pop3 = mailaccess::pop3;
using mailaccess::secret;
using namespace examples::posix_file;
using examples::maildir_writer;

namespace {

// Exit statuses, documented in --help.
enum exit_status : int {
    exit_ok = 0,
    exit_usage = 2,    // bad arguments, no password
    exit_connect = 3,  // resolve/connect failed, refused, timed out
    exit_tls = 4,      // TLS handshake, certificate, or no STLS
    exit_auth = 5,     // credentials rejected
    exit_server = 6,   // protocol error, -ERR, connection lost, maildrop in use
    exit_local = 7,    // Maildir or UIDL file could not be written
};

constexpr const char* usage_text =
    R"(usage: mailaccess-pop3-fetch --host HOST --user USER --maildir DIR [options]

Downloads every message of a POP3 maildrop into the Maildir DIR (created if
missing). A message is stored in tmp/, synced, and renamed into new/ before
it is deleted on the server or remembered as fetched.

  --host HOST             server name or address
  --port PORT             default 110 (starttls) or 995 (implicit)
  --tls starttls|implicit STLS upgrade on the plain port (default) or TLS from
                          the first byte; the password is never sent unencrypted
  --user USER             login name
  --password-file FILE    first line of FILE is the password; otherwise the
                          environment variable MAILACCESS_PASSWORD is used
  --maildir DIR           where messages go (Maildir: tmp/ new/ cur/)
  --keep                  leave messages on the server; fetched UIDLs are
                          remembered in DIR/.mailaccess-uidls and skipped later
                          (default: delete each message once it is stored)
  --ca-file PEM           trust the certificates in PEM instead of the system's
  --insecure              do not verify the server certificate (tests only)
  --timeout SECONDS       time limit per connection step and per message (default 60)
  --json                  print the summary as one JSON object
  --help                  this text

Exit status: 0 success, 2 usage, 3 cannot connect, 4 TLS failure,
5 authentication failed, 6 server or protocol error, 7 local storage error.
)";

struct options {
    std::string host;
    std::string port;
    bool implicit_tls = false;
    std::string user;
    secret<> password;
    std::string maildir;
    bool keep = false;
    bool json = false;
    bool insecure = false;
    std::string ca_file;
    std::chrono::seconds timeout{60};
};

[[noreturn]] void usage_error(const std::string& message) {
    std::cerr << "mailaccess-pop3-fetch: " << message << "\n(see --help)\n";
    std::exit(exit_usage);
}

secret<> read_password_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) usage_error("cannot read password file " + path);
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    secret<> password(std::move(line));
    if (password.empty()) usage_error("password file " + path + " is empty");
    return password;
}

options parse_args(int argc, char** argv) {
    options o;
    std::string tls = "starttls";
    std::string password_file;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage_error(std::string(arg) + " needs a value");
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
            tls = value();
        } else if (arg == "--user") {
            o.user = value();
        } else if (arg == "--password-file") {
            password_file = value();
        } else if (arg == "--password") {
            usage_error(
                "passwords are not accepted on the command line (other users can see them); "
                "use --password-file or MAILACCESS_PASSWORD");
        } else if (arg == "--maildir") {
            o.maildir = value();
        } else if (arg == "--keep") {
            o.keep = true;
        } else if (arg == "--json") {
            o.json = true;
        } else if (arg == "--insecure") {
            o.insecure = true;
        } else if (arg == "--ca-file") {
            o.ca_file = value();
        } else if (arg == "--timeout") {
            const std::string v = value();
            long long secs = 0;
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), secs);
            if (ec != std::errc{} || p != v.data() + v.size() || secs <= 0) usage_error("bad --timeout " + v);
            o.timeout = std::chrono::seconds(secs);
        } else {
            usage_error("unknown argument " + std::string(arg));
        }
    }
    if (o.host.empty()) usage_error("--host is required");
    if (o.user.empty()) usage_error("--user is required");
    if (o.maildir.empty()) usage_error("--maildir is required");
    if (tls == "implicit")
        o.implicit_tls = true;
    else if (tls != "starttls")
        usage_error("--tls must be starttls or implicit");
    if (o.port.empty()) o.port = o.implicit_tls ? "995" : "110";
    if (o.insecure && !o.ca_file.empty()) usage_error("--insecure and --ca-file exclude each other");
    if (!password_file.empty()) {
        o.password = read_password_file(password_file);
    } else if (const char* env = std::getenv("MAILACCESS_PASSWORD"); env != nullptr && *env != '\0') {
        o.password = secret<>(std::string(env));
    } else {
        usage_error("no password: use --password-file FILE or set MAILACCESS_PASSWORD");
    }
    return o;
}

// DIR/.mailaccess-uidls: one "account uidl" line per message already stored
// locally (account = user@host; UIDLs contain no spaces, RFC 1939 section 7).
// New entries are appended and fsync'ed one by one, so a crash loses none; the
// file is rewritten atomically at the start (if a crash cut a line short)
// and at the end, dropping UIDLs that are no longer on the server.
class uidl_file {
public:
    std::error_code load(const std::string& dir, std::string account) {
        dir_ = dir;
        path_ = dir + "/.mailaccess-uidls";
        account_ = std::move(account);
        struct stat st {};
        if (::stat(path_.c_str(), &st) != 0)
            return errno == ENOENT ? std::error_code{} : fail("stat " + path_);
        std::ifstream in(path_, std::ios::binary);
        if (!in) return fail("read " + path_, std::make_error_code(std::errc::io_error));
        std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        bool damaged = false;
        std::size_t pos = 0;
        while (pos < content.size()) {
            const std::size_t nl = content.find('\n', pos);
            if (nl == std::string::npos) {  // a line the last crash cut short
                damaged = true;
                break;
            }
            const std::string_view line(content.data() + pos, nl - pos);
            pos = nl + 1;
            const std::size_t sp = line.rfind(' ');
            if (sp == std::string_view::npos || sp + 1 == line.size()) {
                damaged = true;
                continue;
            }
            if (line.substr(0, sp) == account_)
                known_.emplace(line.substr(sp + 1));
            else
                others_.emplace_back(line);
        }
        if (damaged) return rewrite(known_);
        return {};
    }

    bool contains(const std::string& uidl) const { return known_.count(uidl) != 0; }
    const std::set<std::string>& known() const noexcept { return known_; }

    /// Records one stored message durably.
    std::error_code append(const std::string& uidl) {
        if (fd_ < 0) {
            fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
            if (fd_ < 0) return fail("open " + path_);
        }
        if (auto ec = write_all(fd_, account_ + " " + uidl + "\n")) return fail("write " + path_, ec);
        if (::fsync(fd_) != 0) return fail("fsync " + path_);
        known_.insert(uidl);
        return {};
    }

    /// Replaces this account's entries with `uidls`, atomically.
    std::error_code rewrite(const std::set<std::string>& uidls) {
        std::string content;
        for (const auto& line : others_) content.append(line).push_back('\n');
        for (const auto& u : uidls) content.append(account_).append(" ").append(u).push_back('\n');
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
        if (auto ec = write_file_atomically(dir_, path_, content)) return fail("rewrite " + path_, ec);
        known_ = uidls;
        return {};
    }

    const std::string& what() const noexcept { return what_; }
    ~uidl_file() {
        if (fd_ >= 0) ::close(fd_);
    }

private:
    std::error_code fail(std::string what, std::error_code ec = last_errno()) {
        what_ = std::move(what);
        return ec ? ec : std::make_error_code(std::errc::io_error);
    }

    std::string dir_;
    std::string path_;
    std::string account_;
    std::string what_;
    std::set<std::string> known_;
    std::vector<std::string> others_;
    int fd_ = -1;
};

std::string human_bytes(std::uint64_t n) {
    char buf[32];
    if (n >= 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1024.0 * 1024.0));
    else if (n >= 1024)
        std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024.0);
    else
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
    return buf;
}

// A one-line progress bar on stderr, only when stderr is a terminal.
class progress_bar {
public:
    progress_bar() : enabled_(::isatty(STDERR_FILENO) == 1) {}

    void update(std::size_t done, std::size_t total, std::uint64_t bytes, std::uint64_t total_bytes,
                bool force) {
        if (!enabled_ || total == 0) return;
        const auto now = std::chrono::steady_clock::now();
        if (!force && now - last_ < std::chrono::milliseconds(100)) return;
        last_ = now;
        constexpr int width = 30;
        const double frac =
            total_bytes == 0 ? 1.0
                             : std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_bytes));
        const int filled = static_cast<int>(frac * width);
        std::string bar(static_cast<std::size_t>(filled), '#');
        bar.resize(width, '.');
        std::cerr << "\r[" << bar << "] " << done << "/" << total << " messages, " << human_bytes(bytes)
                  << " / " << human_bytes(total_bytes) << "   " << std::flush;
        shown_ = true;
    }

    void clear() {
        if (!shown_) return;
        std::cerr << "\r\033[K" << std::flush;
        shown_ = false;
    }

private:
    bool enabled_;
    bool shown_ = false;
    std::chrono::steady_clock::time_point last_{};
};

// One POP3 download: the fetch logic as a coroutine on net::pop3_client.
class fetcher {
public:
    explicit fetcher(options& opts) : opts_(opts) {}

    int run() {
        started_ = std::chrono::steady_clock::now();
        if (auto ec = maildir_.open(opts_.maildir)) return local_failure(maildir_.what(), ec);
        if (auto ec = uidls_.load(opts_.maildir, opts_.user + "@" + opts_.host))
            return local_failure(uidls_.what(), ec);

        net::client_tls_options tls_options;
        tls_options.insecure_skip_verify = opts_.insecure;
        if (!opts_.ca_file.empty()) {
            tls_options.ca_file = opts_.ca_file;
            tls_options.use_system_ca = false;
        }
        auto ctx = net::make_client_tls_context(tls_options);
        if (!ctx) {
            fail(exit_tls, "cannot set up TLS" + (opts_.ca_file.empty() ? "" : " with " + opts_.ca_file) +
                               ": " + ctx.error().message());
            return report();
        }

        asio::io_context io;
        net::pop3_client_options po;
        po.tls = *ctx;
        po.timeout = opts_.timeout;
        // Bodies stream to disk, so a large message costs no memory; the
        // bound only stops a server that never ends a reply.
        po.limits.max_message_size = 4ull * 1024 * 1024 * 1024;
        net::pop3_client client(io.get_executor(), po);
        asio::co_spawn(io, fetch(client), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
        io.run();
        return report();
    }

private:
    std::string where() const { return opts_.host + ":" + opts_.port; }

    std::string tls_hint() const {
        if (opts_.insecure || !opts_.ca_file.empty()) return {};
        return " (is the certificate trusted? use --ca-file PEM for a private CA or self-signed server)";
    }

    static bool is_tls_error(std::error_code ec) {
        return ec.category() == asio::error::get_ssl_category() ||
               ec.category() == asio::ssl::error::get_stream_category() ||
               ec == net::errc::tls_setup_failed || ec == net::errc::handshake_timed_out;
    }

    static std::string describe(const pop3::status_line& line) {
        std::string s = line.kind == pop3::status::err ? "-ERR" : "+OK";
        if (!line.code.empty()) s += " [" + line.code + "]";
        if (!line.text.empty()) s += " " + line.text;
        return s;
    }

    // A failure of the connection itself (the client has closed it).
    void connection_failed(std::error_code ec, const char* doing) {
        if (ec == net::errc::timed_out)
            fail(exit_server,
                 "timed out after " + std::to_string(opts_.timeout.count()) + " s " + doing + " " + where());
        else if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)
            fail(exit_server, "the server at " + where() + " closed the connection unexpectedly");
        else
            fail(exit_server, std::string("error ") + doing + " " + where() + ": " + ec.message());
    }

    asio::awaitable<void> fetch(net::pop3_client& client) {
        std::error_code ec;
        auto tok =
            asio::redirect_error(asio::use_awaitable, ec);  // not const: Asio 1.22 needs a mutable token
        net::connect_options co;
        co.host = opts_.host;
        co.port = opts_.port;
        co.timeout = opts_.timeout;
        if (opts_.implicit_tls) co.tls = client.tls_context();
        co_await client.async_connect(co, tok);
        if (ec == net::pop3_client_errc::negative_response) {
            fail(exit_server, where() + " refused the session: " + describe(client.last_error_response()));
            co_return;
        }
        if (ec) {
            if (is_tls_error(ec))
                fail(exit_tls, "TLS handshake with " + where() + " failed: " + ec.message() + tls_hint());
            else
                fail(exit_connect, "cannot connect to " + where() + ": " + ec.message());
            co_return;
        }
        if (!opts_.implicit_tls) {
            // RFC 2595 section 4: STLS first, whatever CAPA said; refuse to go on without it.
            co_await client.async_stls(tok);
            if (ec == net::pop3_client_errc::negative_response) {
                fail(exit_tls, where() + " refused STLS (" + describe(client.last_error_response()) +
                                   "); not sending the password unencrypted (try --tls implicit)");
                co_return;
            }
            if (ec) {
                if (is_tls_error(ec))
                    fail(exit_tls, "TLS handshake after STLS with " + where() + " failed: " + ec.message() +
                                       tls_hint());
                else
                    connection_failed(ec, "talking to");
                co_return;
            }
        }
        // The client refuses to send the password before TLS anyway.
        co_await client.async_login(opts_.user, opts_.password, tok);
        if (ec == pop3::errc::auth_failed) {
            fail(exit_auth, "authentication failed for user " + opts_.user + " at " + where() + ": " +
                                describe(client.last_error_response()));
        } else if (ec == pop3::errc::maildrop_in_use || ec == pop3::errc::temporary_failure) {
            // RFC 3206: [IN-USE] and [SYS/TEMP] are not the user's fault.
            fail(exit_server, "login to " + where() + " as " + opts_.user +
                                  " refused: " + describe(client.last_error_response()));
        } else if (ec) {
            connection_failed(ec, "logging in to");
            co_return;
        }
        if (!failure_) co_await transfer(client);
        if (client.is_open()) co_await quit(client);
    }

    asio::awaitable<void> transfer(net::pop3_client& client) {
        std::error_code ec;
        auto tok =
            asio::redirect_error(asio::use_awaitable, ec);  // not const: Asio 1.22 needs a mutable token
        const auto uidl = co_await client.async_uidl(tok);
        if (ec == net::pop3_client_errc::negative_response) {
            if (opts_.keep) {
                fail(exit_server, where() + " does not support UIDL (" +
                                      describe(client.last_error_response()) + "), which --keep needs");
                co_return;
            }
            has_uidl_ = false;
        } else if (ec) {
            co_return connection_failed(ec, "listing UIDLs at");
        }
        for (const auto& u : uidl) uidl_of_[u.number] = u.uid;
        const auto list = co_await client.async_list(tok);
        if (ec) {
            if (ec == net::pop3_client_errc::negative_response)
                fail(exit_server, "LIST failed: " + describe(client.last_error_response()));
            else
                connection_failed(ec, "listing messages at");
            co_return;
        }
        listed_ = true;
        std::vector<std::uint32_t> todo;
        for (const auto& m : list) {
            const auto it = uidl_of_.find(m.number);
            if (has_uidl_ && it != uidl_of_.end() && uidls_.contains(it->second)) {
                // Stored by an earlier run; without --keep it is still due for deletion.
                ++skipped_;
                if (!opts_.keep) dele(client, m.number);
            } else {
                todo.push_back(m.number);
                total_bytes_ += m.size;
            }
        }
        for (const std::uint32_t n : todo) {
            if (auto err = maildir_.begin())
                co_return fail(exit_local, maildir_.what() + ": " + err.message());
            std::error_code local;
            co_await client.async_retr(
                n,
                [&](std::string_view bytes) {
                    bytes_ += bytes.size();
                    local = maildir_.write(bytes);
                    progress_.update(fetched_, todo.size(), bytes_, total_bytes_, false);
                    return local;
                },
                tok);
            if (local) co_return fail(exit_local, maildir_.what() + ": " + local.message());
            if (ec == net::pop3_client_errc::negative_response) {
                maildir_.abort();
                ++failed_;
                progress_.clear();
                std::cerr << "mailaccess-pop3-fetch: message " << n
                          << " could not be fetched: " << describe(client.last_error_response()) << "\n";
                continue;
            }
            if (ec) co_return connection_failed(ec, "reading from");
            if (auto err = maildir_.commit())
                co_return fail(exit_local, maildir_.what() + ": " + err.message());
            ++fetched_;
            const auto it = uidl_of_.find(n);
            if (has_uidl_ && it != uidl_of_.end()) {
                if (auto err = uidls_.append(it->second))
                    co_return fail(exit_local, uidls_.what() + ": " + err.message());
            }
            // The message is durable locally: only now may the server drop it.
            if (!opts_.keep) dele(client, n);
            progress_.update(fetched_, todo.size(), bytes_, total_bytes_, true);
        }
    }

    // DELE without waiting: the client pipelines it behind the next RETR.
    void dele(net::pop3_client& client, std::uint32_t n) {
        client.async_dele(n, [this, n, &client](std::error_code ec, std::string) {
            if (!ec) {
                ++marked_;
                dele_ok_.insert(n);
            } else if (ec == net::pop3_client_errc::negative_response) {
                std::cerr << "mailaccess-pop3-fetch: message " << n
                          << " could not be deleted: " << describe(client.last_error_response()) << "\n";
            }
        });
    }

    // After a rejected login or a local storage error the session is still
    // sound, so it ends with QUIT (DELEs for messages already stored take effect).
    asio::awaitable<void> quit(net::pop3_client& client) {
        std::error_code ec;
        co_await client.async_quit(asio::redirect_error(asio::use_awaitable, ec));
        // DELE callbacks run on the client's strand: let those queued before run.
        co_await asio::post(client.get_executor(), asio::use_awaitable);
        if (!ec) {
            quit_ok_ = true;
        } else if (ec == net::pop3_client_errc::negative_response) {
            if (marked_ > 0)
                fail(exit_server, where() + " could not remove the fetched messages: " +
                                      describe(client.last_error_response()));
            else
                quit_ok_ = true;  // nothing depended on the UPDATE state
        } else if (!failure_) {
            fail(exit_server, "the connection to " + where() + " ended before QUIT: " + ec.message());
        }
    }

    // Records the first failure.
    void fail(int status, std::string message) {
        if (!failure_) {
            failure_ = status;
            error_ = std::move(message);
        }
        maildir_.abort();
    }

    int local_failure(const std::string& what, std::error_code ec) {
        fail(exit_local, what + ": " + ec.message());
        return report();
    }

    // Final UIDL bookkeeping and the summary; returns the exit status.
    int report() {
        progress_.clear();
        if (listed_ && has_uidl_) {
            // After a clean QUIT the server state is known: forget UIDLs of
            // messages that are gone (deleted now, or elsewhere). Otherwise
            // keep every entry, so nothing is fetched twice.
            std::set<std::string> keep = uidls_.known();
            if (quit_ok_) {
                keep.clear();
                for (const auto& [n, u] : uidl_of_)
                    if (uidls_.contains(u) && dele_ok_.count(n) == 0) keep.insert(u);
            }
            if (keep != uidls_.known()) {
                if (auto ec = uidls_.rewrite(keep)) fail(exit_local, uidls_.what() + ": " + ec.message());
            }
        }
        const std::uint64_t deleted = quit_ok_ ? marked_ : 0;
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
        if (failure_) std::cerr << "mailaccess-pop3-fetch: " << error_ << "\n";
        if (opts_.json) {
            nlohmann::json j = {{"fetched", fetched_},
                                {"skipped", skipped_},
                                {"deleted", deleted},
                                {"failed", failed_},
                                {"bytes", bytes_},
                                {"seconds", seconds},
                                {"ok", failure_ == 0 && failed_ == 0}};
            if (failure_) j["error"] = error_;
            std::cout << j.dump() << std::endl;
        } else {
            char secs[32];
            std::snprintf(secs, sizeof secs, "%.2f", seconds);
            std::cout << "fetched " << fetched_ << ", skipped " << skipped_ << ", deleted " << deleted;
            if (failed_ > 0) std::cout << ", failed " << failed_;
            std::cout << ", " << bytes_ << " bytes in " << secs << " s" << std::endl;
        }
        if (failure_) return failure_;
        return failed_ > 0 ? exit_server : exit_ok;
    }

    options& opts_;
    maildir_writer maildir_;
    uidl_file uidls_;
    progress_bar progress_;

    std::map<std::uint32_t, std::string> uidl_of_;
    std::set<std::uint32_t> dele_ok_;
    bool has_uidl_ = true;
    bool listed_ = false;
    bool quit_ok_ = false;

    std::uint64_t fetched_ = 0;
    std::uint64_t skipped_ = 0;
    std::uint64_t marked_ = 0;
    std::uint64_t failed_ = 0;
    std::uint64_t bytes_ = 0;
    std::uint64_t total_bytes_ = 0;
    std::chrono::steady_clock::time_point started_;
    int failure_ = 0;
    std::string error_;
};

}  // namespace

int main(int argc, char** argv) {
    options opts = parse_args(argc, argv);
    fetcher f(opts);
    return f.run();
}
