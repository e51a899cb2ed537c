// maildir_store throughput: durable sequential APPENDs (fsync on, then off),
// concurrent APPENDs from several threads into one INBOX, list() on a
// large folder the first time (no UID list yet) and warm, and open() of
// every message of that folder (what a POP3 session's RETR/TOP loop does).
//
// Messages are synthesized: RFC 5322 headers plus text bodies of 4-60 KiB
// (log-uniform, as typical mail is), from a fixed seed, so runs compare.
// Usage: maildir_append_bench [--messages N] [--threads N] [--list-messages N]
//        [--runs N] [--list-runs N] [--open-limit N] [--dir PATH]
#include "bench.hpp"

#include <support/xorshift.hpp>

#include <mailaccess/maildir/maildir_store.hpp>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/vfs.h>

namespace fs = std::filesystem;
namespace store = mailaccess::store;
namespace maildir = mailaccess::maildir;
using mailaccess::bench::report;
using mailaccess::bench::time_runs;

namespace {

struct options {
    std::size_t messages = 2000;  // per sequential run, shared out among threads
    std::size_t threads = 4;
    std::size_t list_messages = 10000;  // folder size for list()
    int runs = 3;
    int list_runs = 5;
    std::size_t open_limit = 0;  // open() at most this many messages per run; 0 = all
    fs::path dir;                // default: a fresh directory under $TMPDIR or /tmp
};

using mailaccess::bench::die;

options parse_args(int argc, char** argv) {
    options o;
    mailaccess::bench::args a(argc, argv,
                              "[--messages N] [--threads N] [--list-messages N] [--runs N] [--list-runs N] "
                              "[--open-limit N] [--dir PATH]");
    while (a.next()) {
        if (a.is("--messages"))
            o.messages = a.number();
        else if (a.is("--threads"))
            o.threads = a.number();
        else if (a.is("--list-messages"))
            o.list_messages = a.number();
        else if (a.is("--runs"))
            o.runs = static_cast<int>(a.number());
        else if (a.is("--list-runs"))
            o.list_runs = static_cast<int>(a.number());
        else if (a.is("--open-limit"))
            o.open_limit = a.number();
        else if (a.is("--dir"))
            o.dir = a.value();
        else
            a.unknown();
    }
    return o;
}

using rng = mailaccess::test::xorshift;

std::vector<std::string> make_messages(std::size_t count) {
    static constexpr std::string_view words[] = {
        "the",      "meeting", "report",   "attached", "please",   "review",  "budget",
        "quarter",  "thanks",  "regards",  "project",  "schedule", "update",  "client",
        "invoice",  "draft",   "tomorrow", "agenda",   "server",   "release", "notes",
        "question", "follow",  "up",       "team",     "weekly",   "numbers", "final"};
    rng r(0x6d61696c61636373ull);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < count; ++i) {
        // log-uniform 4 KiB .. 60 KiB
        const auto target = static_cast<std::size_t>(4096.0 * std::exp(r.unit() * std::log(60.0 / 4.0)));
        std::string m =
            "Return-Path: <sender" + std::to_string(i) + "@example.org>\r\n" + "From: Sender " +
            std::to_string(i) + " <sender" + std::to_string(i) +
            "@example.org>\r\nTo: Alice <alice@example.com>\r\nSubject: Benchmark message " +
            std::to_string(i) + "\r\nDate: Mon, 6 May 2024 10:00:00 +0000\r\nMessage-ID: <" +
            std::to_string(r.next()) +
            "@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
        std::size_t line = 0;
        while (m.size() < target) {
            const std::string_view w = words[r.next() % std::size(words)];
            if (line + w.size() + 1 > 76) {
                m += "\r\n";
                line = 0;
            } else if (line > 0) {
                m += ' ';
                ++line;
            }
            m += w;
            line += w.size();
        }
        m += "\r\n";
        out.push_back(std::move(m));
    }
    return out;
}

std::string filesystem_of(const fs::path& p) {
    struct statfs sb {};
    if (::statfs(p.c_str(), &sb) != 0) return "unknown";
    switch (static_cast<unsigned long>(sb.f_type)) {
        case 0xEF53: return "ext4";
        case 0x01021994: return "tmpfs";
        case 0x58465342: return "xfs";
        case 0x9123683E: return "btrfs";
        case 0x794c7630: return "overlayfs";
        default: return "other";
    }
}

std::unique_ptr<store::mailbox> inbox_of(store::store& s, const std::string& user) {
    auto acct = s.open_account(user);
    if (!acct) die("open_account: " + acct.error().message());
    auto box = (*acct)->open_mailbox("INBOX", store::open_mode::read_write);
    if (!box) die("open_mailbox: " + box.error().message());
    return std::move(*box);
}

void append_one(store::mailbox& box, const std::string& msg) {
    auto sink = box.append({}, 0);
    if (!sink) die("append: " + sink.error().message());
    if (auto ec = (*sink)->write(std::span<const char>(msg.data(), msg.size())))
        die("write: " + ec.message());
    auto uid = (*sink)->commit();
    if (!uid) die("commit: " + uid.error().message());
}

maildir::maildir_store_options store_options(const fs::path& root, bool fsync) {
    maildir::maildir_store_options o;
    o.root = root;
    o.fsync = fsync;
    // quota_bytes stays at its default: a server checks quota on every APPEND.
    o.create_special_use = false;
    return o;
}

void bench_sequential(const options& opt, const fs::path& root, const std::vector<std::string>& msgs,
                      const nlohmann::json& common, bool fsync) {
    maildir::maildir_store s(store_options(root, fsync));
    std::unique_ptr<store::mailbox> box;
    const std::string prefix = fsync ? "seq-fsync-" : "seq-nofsync-";
    auto t = time_runs(
        opt.runs, [&](int run) { box = inbox_of(s, prefix + std::to_string(run)); },
        [&](int) {
            for (std::size_t i = 0; i < opt.messages; ++i) append_one(*box, msgs[i % msgs.size()]);
        });
    nlohmann::json c = common;
    c.update({{"fsync", fsync}, {"messages_per_run", opt.messages}, {"threads", 1}, {"stat", "median"}});
    report(fsync ? "maildir_append_sequential_fsync" : "maildir_append_sequential_nofsync", "msgs/s",
           static_cast<double>(opt.messages) / t.median(), t.runs(), c);
}

void bench_concurrent(const options& opt, const fs::path& root, const std::vector<std::string>& msgs,
                      const nlohmann::json& common) {
    maildir::maildir_store s(store_options(root, true));
    const std::size_t per_thread = std::max<std::size_t>(1, opt.messages / opt.threads);
    std::vector<std::unique_ptr<store::mailbox>> boxes;
    auto t = time_runs(
        opt.runs,
        [&](int run) {
            // One handle per thread, as one session each would have.
            boxes.clear();
            for (std::size_t i = 0; i < opt.threads; ++i)
                boxes.push_back(inbox_of(s, "conc-" + std::to_string(run)));
        },
        [&](int) {
            std::vector<std::thread> threads;
            for (std::size_t th = 0; th < opt.threads; ++th)
                threads.emplace_back([&, th] {
                    for (std::size_t i = 0; i < per_thread; ++i)
                        append_one(*boxes[th], msgs[(th * per_thread + i) % msgs.size()]);
                });
            for (auto& th : threads) th.join();
        });
    nlohmann::json c = common;
    c.update({{"fsync", true},
              {"messages_per_run", per_thread * opt.threads},
              {"threads", opt.threads},
              {"stat", "median"}});
    report("maildir_append_concurrent_fsync", "msgs/s",
           static_cast<double>(per_thread * opt.threads) / t.median(), t.runs(), c);
}

// A Maildir written by someone else: files in cur/, no mailaccess-uidlist.
void bench_list(const options& opt, const fs::path& root, const std::vector<std::string>& msgs,
                const nlohmann::json& common) {
    const fs::path md = root / "list" / "Maildir";
    for (const char* sub : {"cur", "new", "tmp"}) fs::create_directories(md / sub);
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < opt.list_messages; ++i) {
        const std::string& m = msgs[i % msgs.size()];
        const std::string name = std::to_string(1700000000 + i) + ".M" + std::to_string(i) +
                                 "P1Q1.bench,S=" + std::to_string(m.size()) + ":2,S";
        std::ofstream out(md / "cur" / name, std::ios::binary);
        out << m;
        if (!out) die("writing the list corpus failed");
        bytes += m.size();
    }
    nlohmann::json c = common;
    c.update({{"fsync", true},
              {"folder_messages", opt.list_messages},
              {"folder_bytes", bytes},
              {"page_cache", "warm"},
              {"stat", "median"}});

    std::unique_ptr<maildir::maildir_store> s;
    std::unique_ptr<store::mailbox> box;
    auto check = [&] {
        auto l = box->list();
        if (!l || l->size() != opt.list_messages) die("list() returned the wrong number of messages");
    };
    auto cold = time_runs(
        opt.list_runs,
        [&](int) {
            fs::remove(md / "mailaccess-uidlist");
            s = std::make_unique<maildir::maildir_store>(store_options(root, true));
            box = inbox_of(*s, "list");
        },
        [&](int) { check(); });
    c["uidlist"] = "absent";
    report("maildir_list_first", "ms", cold.median() * 1000, cold.runs(), c);

    auto warm = time_runs(
        opt.list_runs, [](int) {}, [&](int) { check(); });
    c["uidlist"] = "present";
    report("maildir_list_warm", "ms", warm.median() * 1000, warm.runs(), c);

    // open() of every message in UID order through one handle, reading the
    // first bytes as TOP would; the folder is unchanged between opens.
    auto l = box->list();
    if (!l) die("list: " + l.error().message());
    std::vector<std::uint32_t> uids;
    for (const auto& m : *l) uids.push_back(m.uid);
    if (opt.open_limit != 0 && uids.size() > opt.open_limit) uids.resize(opt.open_limit);
    auto opens = time_runs(
        opt.list_runs, [](int) {},
        [&](int) {
            char buf[512];
            for (std::uint32_t uid : uids) {
                auto src = box->open(uid);
                if (!src) die("open: " + src.error().message());
                auto n = (*src)->read(0, std::span<char>(buf, sizeof buf));
                if (!n || *n == 0) die("read after open failed");
            }
        });
    c["uidlist"] = "present";
    c["opens_per_run"] = uids.size();
    report("maildir_open_each", "opens/s", static_cast<double>(uids.size()) / opens.median(), opens.runs(),
           c);
}

}  // namespace

int main(int argc, char** argv) {
    options opt = parse_args(argc, argv);
    bool remove_dir = false;
    if (opt.dir.empty()) {
        const char* base = std::getenv("TMPDIR");
        std::string pattern =
            std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/mailaccess-bench-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) die("mkdtemp failed");
        opt.dir = pattern;
        remove_dir = true;
    } else {
        fs::create_directories(opt.dir);
    }

    const auto msgs = make_messages(256);
    std::uint64_t total = 0;
    for (const auto& m : msgs) total += m.size();
    const nlohmann::json common = {
        {"store", "maildir_store"},
        {"corpus", "synthetic text/plain, 4-60 KiB log-uniform, 256 distinct, seed fixed"},
        {"mean_message_bytes", total / msgs.size()},
        {"filesystem", filesystem_of(opt.dir)},
        {"quota_bytes", maildir::maildir_store_options{}.quota_bytes},
    };

    bench_sequential(opt, opt.dir, msgs, common, true);
    bench_sequential(opt, opt.dir, msgs, common, false);
    bench_concurrent(opt, opt.dir, msgs, common);
    bench_list(opt, opt.dir, msgs, common);

    if (remove_dir) {
        std::error_code ec;
        fs::remove_all(opt.dir, ec);
    }
    return 0;
}
