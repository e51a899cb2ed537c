// mailaccess-pop3-fetch: downloads a POP3 maildrop into a local Maildir.
//
// The protocol lives in the sans-I/O pop3::client_session; this file is the
// driver around it: net::async_connect / net::async_start_tls for the TLS
// connection (certificate and host name verified), one Asio read or write at
// a time, and plain POSIX file I/O for the Maildir.
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

#include <mailaccess/core/assert.hpp>
#include <mailaccess/core/secret.hpp>
#include <mailaccess/net/client.hpp>
#include <mailaccess/net/error.hpp>
#include <mailaccess/net/stream.hpp>
#include <mailaccess/net/tls_context.hpp>
#include <mailaccess/pop3/client_session.hpp>

#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/ssl/error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

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
#include <deque>
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
  --timeout SECONDS       network inactivity limit (default 60)
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

std::error_code last_errno() { return {errno, std::generic_category()}; }

std::error_code write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return last_errno();
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

std::error_code fsync_dir(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return last_errno();
    std::error_code ec;
    if (::fsync(fd) != 0) ec = last_errno();
    ::close(fd);
    return ec;
}

// Writes `content` to `path` atomically: a temporary file beside it, fsync,
// rename over the old one, fsync the directory.
std::error_code write_file_atomically(const std::string& dir, const std::string& path,
                                      std::string_view content) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return last_errno();
    std::error_code ec = write_all(fd, content);
    if (!ec && ::fsync(fd) != 0) ec = last_errno();
    if (::close(fd) != 0 && !ec) ec = last_errno();
    if (!ec && ::rename(tmp.c_str(), path.c_str()) != 0) ec = last_errno();
    if (ec) {
        ::unlink(tmp.c_str());
        return ec;
    }
    return fsync_dir(dir);
}

// A Maildir (tmp/ new/ cur/) that receives one message at a time.
class maildir_writer {
public:
    /// Creates DIR and its subdirectories if they are missing.
    std::error_code open(const std::string& dir) {
        dir_ = dir;
        for (const std::string& d : {dir_, dir_ + "/tmp", dir_ + "/new", dir_ + "/cur"}) {
            if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) return fail("mkdir " + d);
            struct stat st {};
            if (::stat(d.c_str(), &st) != 0) return fail("stat " + d);
            if (!S_ISDIR(st.st_mode)) return fail(d, std::make_error_code(std::errc::not_a_directory));
        }
        char host[256] = {};
        if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "localhost");
        // Maildir names: '/' and ':' in the host name are written as \057 and \072.
        for (const char* p = host; *p != '\0'; ++p) {
            if (*p == '/')
                host_ += "\\057";
            else if (*p == ':')
                host_ += "\\072";
            else
                host_ += *p;
        }
        return {};
    }

    /// Starts a new message in tmp/ under a unique name.
    std::error_code begin() {
        MAILACCESS_ASSERT(fd_ < 0);
        for (int attempt = 0; attempt < 100; ++attempt) {
            const auto now = std::chrono::system_clock::now().time_since_epoch();
            const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
            name_ = std::to_string(usec / 1000000) + ".M" + std::to_string(usec % 1000000) + "P" +
                    std::to_string(::getpid()) + "Q" + std::to_string(++counter_) + "." + host_;
            tmp_path_ = dir_ + "/tmp/" + name_;
            fd_ = ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd_ >= 0) break;
            if (errno != EEXIST) return fail("create " + tmp_path_);
        }
        if (fd_ < 0) return fail("create " + tmp_path_);
        size_ = 0;
        held_cr_ = false;
        return {};
    }

    /// Appends body bytes. POP3 transmits CRLF; the Maildir gets the local
    /// convention, LF (a lone CR is kept as it is).
    std::error_code write(std::string_view bytes) {
        out_.clear();
        for (const char c : bytes) {
            if (held_cr_) {
                held_cr_ = false;
                if (c != '\n') out_.push_back('\r');
            }
            if (c == '\r') {
                held_cr_ = true;
                continue;
            }
            out_.push_back(c);
        }
        size_ += out_.size();
        if (auto ec = write_all(fd_, out_)) return fail("write " + tmp_path_, ec);
        return {};
    }

    /// Makes the message durable in new/: fsync, rename, fsync new/.
    std::error_code commit() {
        if (held_cr_) {  // a lone CR at the very end
            held_cr_ = false;
            ++size_;
            if (auto ec = write_all(fd_, "\r")) return fail("write " + tmp_path_, ec);
        }
        if (::fsync(fd_) != 0) return fail("fsync " + tmp_path_);
        const int fd = std::exchange(fd_, -1);
        if (::close(fd) != 0) return fail("close " + tmp_path_);
        const std::string final_path = dir_ + "/new/" + name_ + ",S=" + std::to_string(size_);
        if (::rename(tmp_path_.c_str(), final_path.c_str()) != 0) return fail("rename into " + final_path);
        if (auto ec = fsync_dir(dir_ + "/new")) return fail("fsync " + dir_ + "/new", ec);
        return {};
    }

    /// Drops the message being written, if any.
    void abort() noexcept {
        if (fd_ < 0) return;
        ::close(std::exchange(fd_, -1));
        ::unlink(tmp_path_.c_str());
    }

    bool is_writing() const noexcept { return fd_ >= 0; }
    const std::string& what() const noexcept { return what_; }
    ~maildir_writer() { abort(); }

private:
    std::error_code fail(std::string what, std::error_code ec = last_errno()) {
        what_ = std::move(what);
        abort();
        return ec ? ec : std::make_error_code(std::errc::io_error);
    }

    std::string dir_;
    std::string host_;
    std::string name_;
    std::string tmp_path_;
    std::string out_;
    std::string what_;
    int fd_ = -1;
    std::uint64_t counter_ = 0;
    std::uint64_t size_ = 0;
    bool held_cr_ = false;
};

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

// One POP3 download: the connection driver and the fetch logic.
class fetcher {
public:
    fetcher(asio::io_context& io, options& opts) : io_(io), opts_(opts) {
        pop3::client_options co;
        // Bodies stream to disk, so a large message costs no memory; the
        // bound only stops a server that never ends a reply.
        co.limits.max_message_size = 4ull * 1024 * 1024 * 1024;
        session_.emplace(co);
    }

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
        tls_ = *ctx;

        net::connect_options co;
        co.host = opts_.host;
        co.port = opts_.port;
        co.timeout = opts_.timeout;
        if (opts_.implicit_tls) co.tls = tls_;
        net::async_connect(io_.get_executor(), co, [this](std::error_code ec, net::stream s) {
            if (ec) {
                if (is_tls_error(ec))
                    fail(exit_tls, "TLS handshake with " + where() + " failed: " + ec.message() + tls_hint());
                else
                    fail(exit_connect, "cannot connect to " + where() + ": " + ec.message());
                return;
            }
            stream_.emplace(std::move(s));
            timer_.emplace(stream_->get_executor());
            tls_active_ = opts_.implicit_tls;
            pump();
        });
        io_.run();
        return report();
    }

private:
    struct sent {
        pop3::verb verb;
        std::uint32_t message = 0;
    };

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

    // --- driver: the only place that does network I/O ---------------------

    void pump() {
        while (!finished_) {
            auto act = session_->next();
            if (std::holds_alternative<pop3::need_input>(act)) {
                return start_read();
            } else if (std::holds_alternative<pop3::write_ready>(act)) {
                return start_write();
            } else if (std::holds_alternative<pop3::start_tls>(act)) {
                return start_tls();
            } else if (std::holds_alternative<pop3::close_connection>(act)) {
                return finish();
            } else if (auto* err = std::get_if<pop3::client_error>(&act)) {
                fail(exit_server, "protocol error from " + where() + ": " + err->error.message());
            } else {
                on_event(act);
            }
        }
    }

    void arm_timer() {
        timer_->expires_after(opts_.timeout);
        timer_->async_wait([this](std::error_code ec) {
            if (ec || finished_) return;
            timed_out_ = true;
            stream_->close();
        });
    }

    void start_read() {
        auto buf = session_->prepare(64 * 1024);
        arm_timer();
        stream_->async_read_some(asio::buffer(buf.data(), buf.size()),
                                 [this](std::error_code ec, std::size_t n) {
                                     timer_->cancel();
                                     session_->commit(ec ? 0 : n);
                                     if (finished_) return;
                                     if (ec) return io_failed(ec, "reading from");
                                     pump();
                                 });
    }

    void start_write() {
        const std::string_view out = session_->pending_output();
        arm_timer();
        asio::async_write(*stream_, asio::buffer(out.data(), out.size()),
                          [this](std::error_code ec, std::size_t n) {
                              timer_->cancel();
                              if (finished_) return;
                              if (ec) return io_failed(ec, "writing to");
                              session_->consume_output(n);
                              pump();
                          });
    }

    void start_tls() {
        net::async_start_tls(*stream_, tls_, opts_.host, opts_.timeout, [this](std::error_code ec) {
            if (finished_) return;
            if (ec)
                return fail(exit_tls, "TLS handshake after STLS with " + where() +
                                          " failed: " + ec.message() + tls_hint());
            tls_active_ = true;
            session_->tls_established();
            // RFC 2595 section 4: capabilities learnt before TLS are void.
            send(session_->capa(), pop3::verb::capa);
            pump();
        });
    }

    void io_failed(std::error_code ec, const char* doing) {
        if (timed_out_)
            fail(exit_server,
                 "timed out after " + std::to_string(opts_.timeout.count()) + " s " + doing + " " + where());
        else if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)
            fail(exit_server, "the server at " + where() + " closed the connection unexpectedly");
        else
            fail(exit_server, std::string("error ") + doing + " " + where() + ": " + ec.message());
    }

    // Ends the run: a polite TLS close_notify if all went well, else just close.
    void finish() {
        if (finished_) return;
        finished_ = true;
        if (!quit_ok_ && !failure_) fail(exit_server, "the connection to " + where() + " ended before QUIT");
        if (!stream_) return;
        if (failure_ || !stream_->is_tls()) {
            timer_->cancel();
            stream_->close();
            return;
        }
        timer_->expires_after(std::chrono::seconds(3));
        timer_->async_wait([this](std::error_code ec) {
            if (!ec) stream_->close();
        });
        stream_->async_shutdown([this](std::error_code) {
            timer_->cancel();
            stream_->close();
        });
    }

    // Records the first failure. After a rejected login or a local storage
    // error the session is still sound, so it ends with QUIT (DELEs for
    // messages already stored take effect); otherwise it closes at once.
    void fail(int status, std::string message) {
        if (!failure_) {
            failure_ = status;
            error_ = std::move(message);
        }
        stopping_ = true;
        maildir_.abort();
        if (finished_) return;
        if (!stream_ || (status != exit_local && status != exit_auth)) {
            finished_ = true;
            if (timer_) timer_->cancel();
            if (stream_) stream_->close();
            return;
        }
        maybe_quit();
    }

    int local_failure(const std::string& what, std::error_code ec) {
        fail(exit_local, what + ": " + ec.message());
        return report();
    }

    void send(std::error_code ec, pop3::verb v, std::uint32_t message = 0) {
        if (ec)
            return fail(exit_usage, std::string("cannot send ") + pop3::to_string(v) + ": " + ec.message());
        expected_.push_back({v, message});
    }

    // --- the fetch logic, driven by session events -------------------------

    void on_event(const pop3::client_action& act) {
        if (auto* st = std::get_if<pop3::client_status>(&act)) return on_status(*st);
        if (auto* line = std::get_if<pop3::client_line>(&act)) return on_line(*line);
        if (auto* end = std::get_if<pop3::client_lines_end>(&act)) {
            if (end->command == pop3::verb::capa) return after_capa();
            if (end->command == pop3::verb::list) return plan_transfer();
            return;
        }
        if (std::holds_alternative<pop3::body_begin>(act)) return on_body_begin();
        if (auto* data = std::get_if<pop3::body_data>(&act)) return on_body_data(data->bytes);
        if (std::holds_alternative<pop3::body_end>(act)) return on_body_end();
    }

    static std::string describe(const pop3::status_line& line) {
        std::string s = line.kind == pop3::status::err ? "-ERR" : "+OK";
        if (!line.code.empty()) s += " [" + line.code + "]";
        if (!line.text.empty()) s += " " + line.text;
        return s;
    }

    void on_status(const pop3::client_status& st) {
        const bool ok = st.line.kind == pop3::status::ok;
        if (!st.command) {  // the greeting
            if (!ok) return fail(exit_server, where() + " refused the session: " + describe(st.line));
            return send(session_->capa(), pop3::verb::capa);
        }
        MAILACCESS_ASSERT(!expected_.empty() && expected_.front().verb == *st.command);
        const sent cmd = expected_.front();
        expected_.pop_front();
        switch (cmd.verb) {
            case pop3::verb::capa:
                if (!ok) after_capa();  // no CAPA (RFC 1939-only server): proceed without
                return;
            case pop3::verb::stls:
                if (!ok)
                    fail(exit_tls, where() + " refused STLS (" + describe(st.line) +
                                       "); not sending the password unencrypted (try --tls implicit)");
                return;
            case pop3::verb::user:
                if (!ok) return auth_failed(st.line);
                return send(session_->pass(opts_.password), pop3::verb::pass);
            case pop3::verb::pass:
            case pop3::verb::auth:
                if (!ok) return auth_failed(st.line);
                authenticated_ = true;
                send(session_->uidl(), pop3::verb::uidl);
                return send(session_->list(), pop3::verb::list);
            case pop3::verb::uidl:
                if (!ok) {
                    if (opts_.keep)
                        return fail(exit_server, where() + " does not support UIDL (" + describe(st.line) +
                                                     "), which --keep needs");
                    has_uidl_ = false;
                }
                return;
            case pop3::verb::list:
                if (!ok) fail(exit_server, "LIST failed: " + describe(st.line));
                return;
            case pop3::verb::retr:
                current_ = cmd.message;
                if (!ok) {
                    ++failed_;
                    --retr_outstanding_;
                    progress_.clear();
                    std::cerr << "mailaccess-pop3-fetch: message " << cmd.message
                              << " could not be fetched: " << describe(st.line) << "\n";
                    fill_window();
                }
                return;
            case pop3::verb::dele:
                if (ok) {
                    ++marked_;
                    dele_ok_.insert(cmd.message);
                } else {
                    std::cerr << "mailaccess-pop3-fetch: message " << cmd.message
                              << " could not be deleted: " << describe(st.line) << "\n";
                }
                return;
            case pop3::verb::quit:
                if (ok) {
                    quit_ok_ = true;
                } else if (marked_ > 0) {
                    fail(exit_server,
                         where() + " could not remove the fetched messages: " + describe(st.line));
                } else {
                    quit_ok_ = true;  // nothing depended on the UPDATE state
                }
                return;
            default: return;
        }
    }

    void auth_failed(const pop3::status_line& line) {
        // RFC 3206: [IN-USE] and [SYS/TEMP] are not the user's fault.
        if (line.code == "IN-USE" || line.code == "SYS/TEMP" || line.code == "SYS/PERM")
            return fail(exit_server,
                        "login to " + where() + " as " + opts_.user + " refused: " + describe(line));
        fail(exit_auth,
             "authentication failed for user " + opts_.user + " at " + where() + ": " + describe(line));
    }

    void after_capa() {
        if (!tls_active_) {
            // RFC 2595 section 4: STLS first, whatever CAPA said; refuse to go on without it.
            return send(session_->stls(), pop3::verb::stls);
        }
        if (authenticated_ || auth_started_) return;
        auth_started_ = true;
        // Never reached without TLS: the password only travels encrypted.
        MAILACCESS_ASSERT(stream_ && stream_->is_tls());
        const auto& caps = session_->capabilities();
        bool user_cap = caps.empty();
        bool sasl_plain = false;
        for (const auto& c : caps) {
            if (c == "USER") user_cap = true;
            if (c.rfind("SASL ", 0) == 0 && (" " + c + " ").find(" PLAIN ") != std::string::npos)
                sasl_plain = true;
        }
        pipelining_ = std::find(caps.begin(), caps.end(), "PIPELINING") != caps.end();
        if (!user_cap && sasl_plain)
            return send(session_->auth_plain(opts_.user, opts_.password), pop3::verb::auth);
        send(session_->user(opts_.user), pop3::verb::user);
    }

    void on_line(const pop3::client_line& line) {
        if (line.command != pop3::verb::uidl && line.command != pop3::verb::list) return;
        // "msg uidl" (RFC 1939 section 7) or "msg octets" (section 5).
        const std::string_view text = line.text;
        const std::size_t sp = text.find(' ');
        if (sp == std::string_view::npos) return;
        std::uint32_t n = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + sp, n);
        if (ec != std::errc{} || p != text.data() + sp) return;
        std::string_view rest = text.substr(sp + 1);
        rest = rest.substr(0, rest.find(' '));
        if (line.command == pop3::verb::uidl) {
            uidl_of_[n] = std::string(rest);
        } else {
            std::uint64_t size = 0;
            std::from_chars(rest.data(), rest.data() + rest.size(), size);
            listing_.emplace_back(n, size);
        }
    }

    void plan_transfer() {
        if (stopping_) return;
        for (const auto& [n, size] : listing_) {
            const auto it = uidl_of_.find(n);
            const bool known = has_uidl_ && it != uidl_of_.end() && uidls_.contains(it->second);
            if (known) {
                // Stored by an earlier run; without --keep it is still due for deletion.
                ++skipped_;
                if (!opts_.keep) send(session_->dele(n), pop3::verb::dele, n);
            } else {
                todo_.push_back(n);
                total_bytes_ += size;
            }
        }
        listed_ = true;
        fill_window();
    }

    // Keeps up to `window` RETRs outstanding: 1 without PIPELINING, a few
    // with it. Few enough that commands never fill the socket buffers.
    void fill_window() {
        const std::size_t window = pipelining_ ? 8 : 1;
        while (!stopping_ && next_todo_ < todo_.size() && retr_outstanding_ < window) {
            const std::uint32_t n = todo_[next_todo_++];
            send(session_->retr(n), pop3::verb::retr, n);
            ++retr_outstanding_;
        }
        maybe_quit();
    }

    void maybe_quit() {
        if (quit_sent_ || finished_) return;
        if (!stopping_ && (!listed_ || retr_outstanding_ > 0 || next_todo_ < todo_.size())) return;
        if (stopping_ && retr_outstanding_ > 0) return;  // let replies in flight drain first
        quit_sent_ = true;
        send(session_->quit(), pop3::verb::quit);
    }

    void on_body_begin() {
        if (stopping_) return;  // a local error happened: discard, do not delete
        if (auto ec = maildir_.begin()) fail(exit_local, maildir_.what() + ": " + ec.message());
    }

    void on_body_data(std::string_view bytes) {
        bytes_ += bytes.size();
        if (maildir_.is_writing()) {
            if (auto ec = maildir_.write(bytes)) fail(exit_local, maildir_.what() + ": " + ec.message());
        }
        progress_.update(fetched_, todo_.size(), bytes_, total_bytes_, false);
    }

    void on_body_end() {
        --retr_outstanding_;
        if (maildir_.is_writing()) {
            if (auto ec = maildir_.commit()) {
                fail(exit_local, maildir_.what() + ": " + ec.message());
            } else {
                ++fetched_;
                const auto it = uidl_of_.find(current_);
                if (has_uidl_ && it != uidl_of_.end()) {
                    if (auto uec = uidls_.append(it->second))
                        fail(exit_local, uidls_.what() + ": " + uec.message());
                }
                // The message is durable locally: only now may the server drop it.
                if (!opts_.keep && !stopping_) send(session_->dele(current_), pop3::verb::dele, current_);
            }
        }
        progress_.update(fetched_, todo_.size(), bytes_, total_bytes_, true);
        fill_window();
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

    asio::io_context& io_;
    options& opts_;
    std::optional<pop3::client_session> session_;
    std::shared_ptr<asio::ssl::context> tls_;
    std::optional<net::stream> stream_;
    std::optional<asio::steady_timer> timer_;
    maildir_writer maildir_;
    uidl_file uidls_;
    progress_bar progress_;

    std::deque<sent> expected_;
    std::map<std::uint32_t, std::string> uidl_of_;
    std::vector<std::pair<std::uint32_t, std::uint64_t>> listing_;
    std::vector<std::uint32_t> todo_;
    std::set<std::uint32_t> dele_ok_;
    std::size_t next_todo_ = 0;
    std::size_t retr_outstanding_ = 0;
    std::uint32_t current_ = 0;

    bool tls_active_ = false;
    bool authenticated_ = false;
    bool auth_started_ = false;
    bool pipelining_ = false;
    bool has_uidl_ = true;
    bool listed_ = false;
    bool stopping_ = false;
    bool quit_sent_ = false;
    bool quit_ok_ = false;
    bool timed_out_ = false;
    bool finished_ = false;

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
    asio::io_context io;
    fetcher f(io, opts);
    return f.run();
}
