#include <mailaccess/maildir/maildir_store.hpp>

#include "../../src/maildir/posix_io.hpp"

#include "maildir/temp_dir.hpp"
#include "store/store_helpers.hpp"

#include <mailaccess/core/error.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace store = mailaccess::store;
namespace maildir = mailaccess::maildir;
using namespace mailaccess::test;
using store::errc;
using store::system_flag;
namespace fs = std::filesystem;

namespace {

maildir::maildir_store_options options_for(const temp_dir& dir, bool sync = false) {
    REQUIRE_FALSE(dir.path().empty());
    maildir::maildir_store_options o;
    o.root = dir.path();
    o.fsync = sync;
    return o;
}

std::unique_ptr<store::mailbox> open_box(store::store& s, std::string_view user, std::string_view name) {
    auto acct = s.open_account(user);
    REQUIRE(acct);
    auto box = (*acct)->open_mailbox(name, store::open_mode::read_write);
    REQUIRE(box);
    return std::move(*box);
}

void write_file(const fs::path& p, std::string_view bytes) {
    std::ofstream out(p, std::ios::binary);
    out << bytes;
    REQUIRE(out.good());
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> files_in(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("maildir layout matches Dovecot's", "[maildir]") {
    temp_dir dir;
    maildir::maildir_store s(options_for(dir));
    auto acct = s.open_account("alice");
    REQUIRE(acct);
    const fs::path md = dir.path() / "alice" / "Maildir";
    CHECK(s.maildir_path("alice") == md);
    for (const char* sub : {"cur", "new", "tmp", ".Sent/cur", ".Trash/new", ".Drafts/tmp"})
        CHECK(fs::is_directory(md / sub));
    CHECK(fs::exists(md / ".Sent" / "maildirfolder"));

    REQUIRE_FALSE((*acct)->create_mailbox("Work/2024", store::special_use::none));
    REQUIRE_FALSE((*acct)->create_mailbox("Entw\xc3\xbcrfe", store::special_use::none));
    CHECK(fs::is_directory(md / ".Work.2024" / "cur"));
    CHECK(fs::is_directory(md / ".Entw&APw-rfe" / "cur"));
    CHECK((*acct)->create_mailbox("a.b", store::special_use::none) == errc::invalid_mailbox_name);

    auto inbox = open_box(s, "alice", "INBOX");
    const std::string body = "Subject: x\r\n\r\nbody\r\n";
    const auto uid = append_message(*inbox, body, flags({system_flag::seen, system_flag::flagged}));
    const auto names = files_in(md / "cur");
    REQUIRE(names.size() == 1);
    const std::string& n = names[0];
    INFO(n);
    CHECK(n.find(",S=" + std::to_string(body.size()) + ":2,FS") != std::string::npos);
    CHECK(n.find(".M") != std::string::npos);
    CHECK(files_in(md / "tmp").empty());
    CHECK(slurp(md / "cur" / n) == body);

    const std::string uidlist = slurp(md / "mailaccess-uidlist");
    CHECK(uidlist.rfind("3 V", 0) == 0);
    CHECK(uidlist.find(std::to_string(uid) + " M") != std::string::npos);
    CHECK(uidlist.find(n.substr(0, n.find(':'))) != std::string::npos);

    CHECK(s.open_account("../etc").error() == errc::no_such_user);
    CHECK(s.open_account("").error() == errc::no_such_user);
    CHECK(s.open_account(".hidden").error() == errc::no_such_user);
}

TEST_CASE("maildir state survives reopening the store", "[maildir]") {
    temp_dir dir;
    std::uint32_t validity = 0, uidnext = 0, keep = 0, gone = 0;
    std::vector<store::message_info> before;
    {
        maildir::maildir_store s(options_for(dir, true));
        auto inbox = open_box(s, "alice", "INBOX");
        keep = append_message(*inbox, "keep me", flags({system_flag::answered}), 1600000000);
        gone = append_message(*inbox, "drop me");
        const std::uint32_t set[] = {gone};
        REQUIRE(inbox->expunge(set));
        const std::uint32_t k[] = {keep};
        REQUIRE(inbox->store_flags(k, store::flag_mode::add, flags({system_flag::seen})));
        auto st = inbox->status();
        REQUIRE(st);
        validity = st->uidvalidity;
        uidnext = st->uidnext;
        before = *inbox->list();
    }
    maildir::maildir_store s(options_for(dir, true));
    auto inbox = open_box(s, "alice", "INBOX");
    auto st = inbox->status();
    REQUIRE(st);
    CHECK(st->uidvalidity == validity);
    CHECK(st->uidnext == uidnext);
    auto after = inbox->list();
    REQUIRE(after);
    CHECK(*after == before);
    REQUIRE(after->size() == 1);
    CHECK((*after)[0].flags == flags({system_flag::answered, system_flag::seen}));
    CHECK((*after)[0].internal_date == 1600000000);
    CHECK(read_message(*inbox, keep) == "keep me");
    CHECK(append_message(*inbox, "new") > gone);
}

TEST_CASE("mail dropped into new/ by an MDA gets a UID", "[maildir]") {
    temp_dir dir;
    maildir::maildir_store s(options_for(dir));
    auto inbox = open_box(s, "alice", "INBOX");
    const auto first = append_message(*inbox, "ours");
    std::vector<store::change_event> events;
    auto sub = s.subscribe("alice", [&](const store::change_event& e) { events.push_back(e); });

    const fs::path md = s.maildir_path("alice");
    write_file(md / "tmp" / "1700000001.M1P1.mda", "From: mda\r\n\r\nhi\r\n");
    fs::rename(md / "tmp" / "1700000001.M1P1.mda", md / "new" / "1700000001.M1P1.mda");

    auto st = inbox->status();
    REQUIRE(st);
    CHECK(st->messages == 2);
    auto list = inbox->list();
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    const auto uid = (*list)[1].uid;
    CHECK(uid > first);
    CHECK((*list)[1].size == 17);  // no S= in the name: from stat
    CHECK(read_message(*inbox, uid) == "From: mda\r\n\r\nhi\r\n");
    CHECK(files_in(md / "new").empty());
    CHECK(files_in(md / "cur").size() == 2);
    REQUIRE(events.size() == 1);
    CHECK(events[0].what == store::change_event::kind::appended);
    CHECK(events[0].uids == std::vector<std::uint32_t>{uid});

    // Removed behind our back: announced as expunged at the next sync.
    for (const auto& n : files_in(md / "cur"))
        if (n.rfind("1700000001.", 0) == 0) fs::remove(md / "cur" / n);
    auto st2 = inbox->status();
    REQUIRE(st2);
    CHECK(st2->messages == 1);
    REQUIRE(events.size() == 2);
    CHECK(events[1].what == store::change_event::kind::expunged);
}

TEST_CASE("a Maildir written by Dovecot keeps its UIDs", "[maildir][dovecot]") {
    temp_dir dir;
    const fs::path md = dir.path() / "bob" / "Maildir";
    for (const char* sub : {"cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"})
        fs::create_directories(md / sub);
    write_file(md / "dovecot-uidlist",
               "3 V1234567 N11 G0123456789abcdef0123456789abcdef\n"
               "5 :1600000000.M1P1.mx,S=5\n"
               "9 W8 :1600000001.M2P1.mx,S=6\n");
    write_file(md / "cur" / "1600000000.M1P1.mx,S=5:2,S", "hello");
    write_file(md / "cur" / "1600000001.M2P1.mx,S=6:2,", "world!");
    write_file(md / ".Sent" / "dovecot-uidlist", "3 V7654321 N4\n3 :1600000002.M3P1.mx,S=4\n");
    write_file(md / ".Sent" / "cur" / "1600000002.M3P1.mx,S=4:2,RS", "sent");
    write_file(md / ".Sent" / "maildirfolder", "");
    write_file(md / "subscriptions", "Sent\n");

    maildir::maildir_store s(options_for(dir));
    auto acct = s.open_account("bob");
    REQUIRE(acct);
    auto boxes = (*acct)->list_mailboxes();
    REQUIRE(boxes);
    REQUIRE(boxes->size() == 2);  // an existing Maildir gets no extra folders
    CHECK((*boxes)[1] == store::mailbox_entry{"Sent", store::special_use::none, true});

    auto inbox = open_box(s, "bob", "INBOX");
    auto st = inbox->status();
    REQUIRE(st);
    CHECK(st->uidvalidity == 1234567u);
    CHECK(st->uidnext == 11u);
    CHECK(st->messages == 2);
    CHECK(st->unseen == 1);
    CHECK(st->size == 11);
    auto list = inbox->list();
    REQUIRE(list);
    CHECK(uids_of(*list) == std::vector<std::uint32_t>{5, 9});
    CHECK((*list)[0].flags == flags({system_flag::seen}));
    CHECK(read_message(*inbox, 5) == "hello");
    CHECK(read_message(*inbox, 9) == "world!");
    CHECK(append_message(*inbox, "next") == 11u);

    auto sent = open_box(s, "bob", "Sent");
    auto sl = sent->list();
    REQUIRE(sl);
    CHECK(uids_of(*sl) == std::vector<std::uint32_t>{3});
    CHECK((*sl)[0].flags == flags({system_flag::answered, system_flag::seen}));
    CHECK(sent->status()->uidvalidity == 7654321u);
}

TEST_CASE("a corrupt uidlist is reported, not silently renumbered", "[maildir]") {
    temp_dir dir;
    maildir::maildir_store s(options_for(dir));
    auto inbox = open_box(s, "alice", "INBOX");
    append_message(*inbox, "x");
    write_file(s.maildir_path("alice") / "mailaccess-uidlist", "garbage\n");
    CHECK(inbox->status().error() == errc::corrupt);
}

TEST_CASE("concurrent appends get unique increasing UIDs", "[maildir][concurrency]") {
    temp_dir dir;
    // Two store objects on one tree stand in for two processes: only flock orders them.
    maildir::maildir_store a(options_for(dir)), b(options_for(dir));
    REQUIRE(a.open_account("alice"));
    constexpr int per_thread = 25;
    std::vector<std::vector<std::uint32_t>> got(4);
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            maildir::maildir_store& s = t % 2 == 0 ? a : b;
            auto acct = s.open_account("alice");
            if (!acct) return void(++failures);
            auto box = (*acct)->open_mailbox("INBOX", store::open_mode::read_write);
            if (!box) return void(++failures);
            for (int i = 0; i < per_thread; ++i) {
                const std::string msg = "thread " + std::to_string(t) + " message " + std::to_string(i);
                auto sink = (*box)->append({}, 0);
                if (!sink || (*sink)->write(std::span<const char>(msg.data(), msg.size())))
                    return void(++failures);
                auto uid = (*sink)->commit();
                if (!uid) return void(++failures);
                got[static_cast<std::size_t>(t)].push_back(*uid);
            }
        });
    }
    for (auto& th : threads) th.join();
    REQUIRE(failures == 0);
    std::set<std::uint32_t> all;
    for (const auto& v : got) {
        CHECK(std::is_sorted(v.begin(), v.end()));
        CHECK(std::adjacent_find(v.begin(), v.end()) == v.end());
        all.insert(v.begin(), v.end());
    }
    CHECK(all.size() == 4 * per_thread);
    auto inbox = open_box(a, "alice", "INBOX");
    auto list = inbox->list();
    REQUIRE(list);
    CHECK(list->size() == 4 * per_thread);
    for (std::size_t t = 0; t < 4; ++t)
        for (std::size_t i = 0; i < got[t].size(); ++i)
            CHECK(read_message(*inbox, got[t][i]) ==
                  "thread " + std::to_string(t) + " message " + std::to_string(i));
}

TEST_CASE("the maildrop lock excludes other processes", "[maildir][concurrency]") {
    temp_dir dir;
    maildir::maildir_store a(options_for(dir)), b(options_for(dir));
    auto lock = a.lock_maildrop("alice");
    REQUIRE(lock);
    CHECK(b.lock_maildrop("alice").error() == errc::in_use);
    lock->reset();
    CHECK(b.lock_maildrop("alice"));
}

TEST_CASE("acknowledged appends survive SIGKILL", "[maildir][crash]") {
    temp_dir dir;
    {
        maildir::maildir_store s(options_for(dir, true));
        REQUIRE(s.open_account("alice"));
    }
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(fds[0]);
        maildir::maildir_store s(options_for(dir, true));
        auto acct = s.open_account("alice");
        if (!acct) ::_exit(2);
        auto box = (*acct)->open_mailbox("INBOX", store::open_mode::read_write);
        if (!box) ::_exit(3);
        for (std::uint32_t i = 0;; ++i) {
            const std::string msg = "crash test message " + std::to_string(i) + "\r\n";
            auto sink = (*box)->append({}, 0);
            if (!sink || (*sink)->write(std::span<const char>(msg.data(), msg.size()))) ::_exit(4);
            auto uid = (*sink)->commit();
            if (!uid) ::_exit(5);
            const std::uint32_t record[2] = {*uid, i};
            if (::write(fds[1], record, sizeof record) != static_cast<ssize_t>(sizeof record)) ::_exit(6);
        }
    }
    ::close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));  // it was still appending, not failed early

    std::map<std::uint32_t, std::uint32_t> acked;  // uid -> message index
    std::uint32_t record[2];
    while (::read(fds[0], record, sizeof record) == static_cast<ssize_t>(sizeof record))
        acked[record[0]] = record[1];
    ::close(fds[0]);
    REQUIRE_FALSE(acked.empty());

    maildir::maildir_store s(options_for(dir, true));
    auto inbox = open_box(s, "alice", "INBOX");
    auto list = inbox->list();
    REQUIRE(list);
    const auto uids = uids_of(*list);
    for (const auto& row : acked) {
        const auto& uid = row.first;
        const auto& i = row.second;
        INFO("uid " << uid);
        REQUIRE(std::binary_search(uids.begin(), uids.end(), uid));
        CHECK(read_message(*inbox, uid) == "crash test message " + std::to_string(i) + "\r\n");
    }
    CHECK(append_message(*inbox, "after the crash") > acked.rbegin()->first);
}

namespace {

store::flag_set keywords(std::vector<std::string> names, std::initializer_list<system_flag> fs = {}) {
    store::flag_set out = flags(fs);
    out.keywords = std::move(names);
    return out;
}

std::string only_file(const fs::path& dir) {
    const auto names = files_in(dir);
    REQUIRE(names.size() == 1);
    return names[0];
}

}  // namespace

TEST_CASE("keywords live in dovecot-keywords and survive reopening", "[maildir][keywords]") {
    temp_dir dir;
    std::uint32_t uid = 0;
    std::vector<store::message_info> before;
    {
        maildir::maildir_store s(options_for(dir, true));
        auto inbox = open_box(s, "alice", "INBOX");
        uid = append_message(*inbox, "hello", keywords({"Work", "$Forwarded"}, {system_flag::seen}));
        const std::uint32_t set[] = {uid};
        REQUIRE(inbox->store_flags(set, store::flag_mode::add, keywords({"$Junk"})));
        REQUIRE(inbox->store_flags(set, store::flag_mode::remove, keywords({"work"})));
        before = *inbox->list();
    }
    const fs::path md = dir.path() / "alice" / "Maildir";
    // Letters in the order names were first seen; "Work" keeps its letter.
    CHECK(slurp(md / "dovecot-keywords") == "0 $Forwarded\n1 Work\n2 $Junk\n");
    const std::string name = only_file(md / "cur");
    CHECK(name.substr(name.find(':')) == ":2,Sac");

    maildir::maildir_store s(options_for(dir, true));
    auto inbox = open_box(s, "alice", "INBOX");
    auto after = inbox->list();
    REQUIRE(after);
    CHECK(*after == before);
    REQUIRE(after->size() == 1);
    CHECK((*after)[0].flags == keywords({"$Forwarded", "$Junk"}, {system_flag::seen}));
}

TEST_CASE("a dovecot-keywords written by Dovecot is understood", "[maildir][keywords][dovecot]") {
    temp_dir dir;
    const fs::path md = dir.path() / "bob" / "Maildir";
    for (const char* sub : {"cur", "new", "tmp"}) fs::create_directories(md / sub);
    write_file(md / "dovecot-uidlist",
               "3 V1234567 N5 G0123456789abcdef0123456789abcdef\n"
               "3 :1600000000.M1P1.mx,S=5\n4 :1600000001.M2P1.mx,S=6\n");
    // What Dovecot writes: "<index> <name>", letters a.. by index; 'c' has no name.
    write_file(md / "dovecot-keywords", "0 $Forwarded\n1 NonJunk\n3 $label1\n");
    write_file(md / "cur" / "1600000000.M1P1.mx,S=5:2,RSabd", "hello");
    write_file(md / "cur" / "1600000001.M2P1.mx,S=6:2,Sc", "world!");

    maildir::maildir_store s(options_for(dir));
    auto inbox = open_box(s, "bob", "INBOX");
    auto list = inbox->list();
    REQUIRE(list);
    REQUIRE(uids_of(*list) == std::vector<std::uint32_t>{3, 4});
    CHECK((*list)[0].flags ==
          keywords({"$Forwarded", "$label1", "NonJunk"}, {system_flag::answered, system_flag::seen}));
    CHECK((*list)[1].flags == keywords({}, {system_flag::seen}));  // nobody named 'c'

    // A new keyword takes a letter no file carries ('e', not the unnamed 'c'),
    // and the unnamed letter stays on its file.
    const std::uint32_t set[] = {4};
    auto changed = inbox->store_flags(set, store::flag_mode::add, keywords({"Project", "nonjunk"}));
    REQUIRE(changed);
    CHECK((*changed)[0].flags == keywords({"NonJunk", "Project"}, {system_flag::seen}));
    CHECK(slurp(md / "dovecot-keywords") == "0 $Forwarded\n1 NonJunk\n3 $label1\n4 Project\n");
    bool found = false;
    for (const auto& n : files_in(md / "cur"))
        if (n.rfind("1600000001.", 0) == 0) {
            CHECK(n.substr(n.find(':')) == ":2,Sbce");
            found = true;
        }
    CHECK(found);
}

TEST_CASE("more than 26 keywords in a folder is a limit error", "[maildir][keywords]") {
    temp_dir dir;
    maildir::maildir_store s(options_for(dir));
    auto inbox = open_box(s, "alice", "INBOX");
    std::vector<std::string> many;
    for (int i = 0; i < 26; ++i) many.push_back("kw" + std::to_string(i));
    const auto uid = append_message(*inbox, "full", keywords(many));
    auto list = inbox->list();
    REQUIRE(list);
    CHECK((*list)[0].flags.keywords.size() == 26);
    const fs::path md = s.maildir_path("alice");
    const std::string keywords_before = slurp(md / "dovecot-keywords");
    const auto files_before = files_in(md / "cur");

    // All 26 letters are on a file: a 27th keyword fails and changes nothing,
    // whether it comes with STORE or with APPEND.
    const std::uint32_t set[] = {uid};
    CHECK(inbox->store_flags(set, store::flag_mode::add, keywords({"one-too-many"})).error() ==
          mailaccess::errc::limit_exceeded);
    auto sink = inbox->append(keywords({"one-too-many"}), 0);
    REQUIRE(sink);
    REQUIRE_FALSE((*sink)->write(std::span<const char>("x", 1)));
    CHECK((*sink)->commit().error() == mailaccess::errc::limit_exceeded);
    CHECK(slurp(md / "dovecot-keywords") == keywords_before);
    CHECK(files_in(md / "cur") == files_before);
    CHECK(files_in(md / "tmp").empty());

    // Dropping keywords from every file frees their letters for new ones.
    REQUIRE(inbox->store_flags(set, store::flag_mode::remove, keywords({"kw0", "kw1"})));
    auto ok = inbox->store_flags(set, store::flag_mode::add, keywords({"one-too-many"}));
    REQUIRE(ok);
    CHECK((*ok)[0].flags.keywords.size() == 25);
}

TEST_CASE("a sync removes tmp/ files older than 36 hours", "[maildir]") {
    temp_dir dir;
    const fs::path md = dir.path() / "alice" / "Maildir";
    {
        maildir::maildir_store s(options_for(dir));
        REQUIRE(s.open_account("alice"));
    }
    auto plant = [&](const fs::path& p, std::chrono::hours age) {
        write_file(p, "partial delivery");
        const auto when = std::time(nullptr) - static_cast<std::time_t>(age.count() * 3600);
        const struct timespec times[2] = {{when, 0}, {when, 0}};
        REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
    };
    plant(md / "tmp" / "1600000000.M1P1.stale", std::chrono::hours(37));
    plant(md / "tmp" / "1600000000.M2P1.fresh", std::chrono::hours(35));
    plant(md / ".Sent" / "tmp" / "1600000000.M3P1.stale", std::chrono::hours(40));

    maildir::maildir_store s(options_for(dir));
    auto inbox = open_box(s, "alice", "INBOX");
    REQUIRE(inbox->status());
    CHECK(files_in(md / "tmp") == std::vector<std::string>{"1600000000.M2P1.fresh"});
    // Only the synced folder is cleaned.
    CHECK(files_in(md / ".Sent" / "tmp").size() == 1);
    auto sent = open_box(s, "alice", "Sent");
    REQUIRE(sent->list());
    CHECK(files_in(md / ".Sent" / "tmp").empty());
    CHECK(inbox->list()->empty());  // stale files never became messages
}

// The per-folder index (folder.hpp): other processes' changes must still be
// seen, whatever the index remembers.

namespace {

struct timespec mtime_of(const fs::path& p) {
    struct stat sb {};
    REQUIRE(::stat(p.c_str(), &sb) == 0);
    return sb.st_mtim;
}

void set_mtime(const fs::path& p, struct timespec t) {
    const struct timespec times[2] = {t, t};
    REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
}

}  // namespace

TEST_CASE("open() follows a flag change made by another process", "[maildir][index]") {
    temp_dir dir;
    maildir::maildir_store a(options_for(dir)), b(options_for(dir));
    auto box_a = open_box(a, "alice", "INBOX");
    const auto uid = append_message(*box_a, "first");
    const auto other = append_message(*box_a, "second");
    CHECK(read_message(*box_a, uid) == "first");  // a's index knows the file name

    // Through another store object (another process, as far as a can tell).
    auto box_b = open_box(b, "alice", "INBOX");
    const std::uint32_t set[] = {uid};
    REQUIRE(box_b->store_flags(set, store::flag_mode::add, flags({system_flag::seen})));
    CHECK(read_message(*box_a, uid) == "first");

    // Directly on disk, as a MUA or Dovecot would rename it.
    const fs::path md = a.maildir_path("alice");
    std::string name;
    for (const auto& n : files_in(md / "cur"))
        if (n.find(":2,S") != std::string::npos) name = n;
    REQUIRE_FALSE(name.empty());
    fs::rename(md / "cur" / name, md / "cur" / (name.substr(0, name.find(':')) + ":2,FS"));
    CHECK(read_message(*box_a, uid) == "first");
    auto list = box_a->list();
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    CHECK((*list)[0].flags == flags({system_flag::flagged, system_flag::seen}));
    CHECK(read_message(*box_a, other) == "second");
}

TEST_CASE("open() of a file removed behind our back is no_such_message", "[maildir][index]") {
    temp_dir dir;
    maildir::maildir_store s(options_for(dir));
    auto box = open_box(s, "alice", "INBOX");
    const auto gone = append_message(*box, "gone");
    const fs::path md = s.maildir_path("alice");
    const std::string gone_name = only_file(md / "cur");
    const auto kept = append_message(*box, "kept");
    CHECK(read_message(*box, gone) == "gone");
    std::vector<store::change_event> events;
    auto sub = s.subscribe("alice", [&](const store::change_event& e) { events.push_back(e); });

    // The directory's mtime put back as well: the index must not trust it.
    const auto before = mtime_of(md / "cur");
    fs::remove(md / "cur" / gone_name);
    set_mtime(md / "cur", before);
    CHECK(box->open(gone).error() == errc::no_such_message);
    CHECK(read_message(*box, kept) == "kept");
    REQUIRE(events.size() == 1);
    CHECK(events[0].what == store::change_event::kind::expunged);
    CHECK(events[0].uids == std::vector<std::uint32_t>{gone});
    auto list = box->list();
    REQUIRE(list);
    CHECK(uids_of(*list) == std::vector<std::uint32_t>{kept});
}

TEST_CASE("stale reads for pollers: ours at once, an MDA's within the allowed age", "[maildir][index]") {
    temp_dir dir;
    maildir::maildir_store s(options_for(dir));
    auto poller = open_box(s, "alice", "INBOX");
    auto writer = open_box(s, "alice", "INBOX");
    REQUIRE(poller->status());  // a sync that checked the disk just now
    const fs::path md = s.maildir_path("alice");
    auto deliver = [&](const std::string& name) {
        write_file(md / "tmp" / name, "From: mda\r\n\r\nhi\r\n");
        fs::rename(md / "tmp" / name, md / "new" / name);
    };

    SECTION("an outside delivery waits for the age to pass; a fresh read sees it at once") {
        poller->allow_stale_reads(std::chrono::hours(1));
        deliver("1700000001.M1P1.mda");
        auto st = poller->status();
        REQUIRE(st);
        CHECK(st->messages == 0);
        auto changes = poller->list_changes(0);
        REQUIRE(changes);
        CHECK(changes->uids.empty());
        poller->allow_stale_reads(std::chrono::milliseconds::zero());
        st = poller->status();
        REQUIRE(st);
        CHECK(st->messages == 1);
    }
    SECTION("an outside delivery is seen once the allowed age has passed") {
        poller->allow_stale_reads(std::chrono::milliseconds(50));
        deliver("1700000002.M1P1.mda");
        std::this_thread::sleep_for(std::chrono::milliseconds(60));
        auto st = poller->status();
        REQUIRE(st);
        CHECK(st->messages == 1);
    }
    SECTION("what another handle of ours changes is in a stale read") {
        poller->allow_stale_reads(std::chrono::hours(1));
        const auto uid = append_message(*writer, "ours");
        auto st = poller->status();
        REQUIRE(st);
        CHECK(st->messages == 1);
        CHECK(st->uidnext == uid + 1);
        auto changes = poller->list_changes(0);
        REQUIRE(changes);
        CHECK(changes->uids == std::vector<std::uint32_t>{uid});
        store::flag_set seen;
        seen.set(system_flag::seen);
        REQUIRE(writer->store_flags(std::vector<std::uint32_t>{uid}, store::flag_mode::add, seen));
        auto after = poller->status();
        REQUIRE(after);
        CHECK(after->highest_modseq > st->highest_modseq);
        CHECK(after->unseen == 0);
        REQUIRE(writer->expunge(std::vector<std::uint32_t>{uid}));
        after = poller->status();
        REQUIRE(after);
        CHECK(after->messages == 0);
    }
    SECTION("a file found missing forces the next read to look at the disk") {
        const auto uid = append_message(*writer, "ours");
        REQUIRE(poller->status());
        poller->allow_stale_reads(std::chrono::hours(1));
        for (const auto& n : files_in(md / "cur")) fs::remove(md / "cur" / n);
        CHECK(poller->open(uid).error() == errc::no_such_message);
        auto st = poller->status();
        REQUIRE(st);
        CHECK(st->messages == 0);
    }
}

TEST_CASE("deliveries in the same second as a sync are seen", "[maildir][index]") {
    temp_dir dir;
    maildir::maildir_store s(options_for(dir));
    REQUIRE(s.open_account("alice"));
    auto acct = s.open_account("alice");
    REQUIRE(acct);
    // Read-only: files stay in new/, so only new/'s stamp moves.
    auto ro = (*acct)->open_mailbox("INBOX", store::open_mode::read_only);
    REQUIRE(ro);
    auto& box = **ro;
    const fs::path md = s.maildir_path("alice");
    for (int i = 0; i < 20; ++i) {
        auto st = box.status();
        REQUIRE(st);
        CHECK(st->messages == static_cast<std::uint32_t>(i));
        const std::string name = "1700000000.M" + std::to_string(i) + "P1.mda";
        write_file(md / "tmp" / name, "mail " + std::to_string(i));
        fs::rename(md / "tmp" / name, md / "new" / name);
        auto list = box.list();
        REQUIRE(list);
        REQUIRE(list->size() == static_cast<std::size_t>(i) + 1);
        CHECK(read_message(box, list->back().uid) == "mail " + std::to_string(i));
    }
}

TEST_CASE("a change that leaves the directory mtime unchanged is seen", "[maildir][index]") {
    temp_dir dir;
    maildir::maildir_store s(options_for(dir));
    auto acct = s.open_account("alice");
    REQUIRE(acct);
    auto ro = (*acct)->open_mailbox("INBOX", store::open_mode::read_only);
    REQUIRE(ro);
    auto& box = **ro;
    const fs::path md = s.maildir_path("alice");
    // new/ looks untouched for a long time: a sync would trust an mtime skip.
    const struct timespec old { 1600000000, 123456789 };
    set_mtime(md / "new", old);
    auto st = box.status();
    REQUIRE(st);
    CHECK(st->messages == 0);
    // A delivery in the same timestamp tick as that sync: the mtime does not
    // move (forced here), only ctime does.
    write_file(md / "new" / "1700000000.M1P1.mda", "hidden");
    set_mtime(md / "new", old);
    auto st2 = box.status();
    REQUIRE(st2);
    CHECK(st2->messages == 1);
}

TEST_CASE("the racy rule distrusts directory mtimes close to the sync", "[maildir][index]") {
    using mailaccess::maildir::detail::is_racy;
    constexpr std::int64_t sec = 1000000000;
    const std::int64_t sync_at = 1700000000 * sec + 500;
    CHECK(is_racy(sync_at, sync_at));
    CHECK(is_racy(sync_at - sec + 1, sync_at));  // same second, ns precision
    CHECK(is_racy(sync_at + 5, sync_at));        // changed after we looked
    CHECK_FALSE(is_racy(sync_at - sec, sync_at));
    CHECK_FALSE(is_racy(sync_at - 10 * sec, sync_at));
}

TEST_CASE("appended uidlist lines survive a torn last line", "[maildir][crash][index]") {
    temp_dir dir;
    std::vector<std::uint32_t> acked;
    const fs::path md = dir.path() / "alice" / "Maildir";
    {
        maildir::maildir_store s(options_for(dir, true));
        auto box = open_box(s, "alice", "INBOX");
        for (int i = 0; i < 5; ++i) acked.push_back(append_message(*box, "msg " + std::to_string(i)));
    }
    // Appends add lines after the header instead of rewriting it.
    const std::string text = slurp(md / "mailaccess-uidlist");
    CHECK(text.rfind("3 V", 0) == 0);
    CHECK(std::count(text.begin(), text.end(), '\n') == 6);
    // A writer killed in the middle of a line (never acknowledged).
    {
        std::ofstream out(md / "mailaccess-uidlist", std::ios::binary | std::ios::app);
        out << std::to_string(acked.back() + 1) << " M9 :17000";
    }
    maildir::maildir_store s(options_for(dir, true));
    auto box = open_box(s, "alice", "INBOX");
    auto list = box->list();
    REQUIRE(list);
    CHECK(uids_of(*list) == acked);
    const auto next = append_message(*box, "after");
    CHECK(next > acked.back());
    for (std::size_t i = 0; i < acked.size(); ++i)
        CHECK(read_message(*box, acked[i]) == "msg " + std::to_string(i));
    // The torn line is gone: the list was rewritten rather than appended to.
    maildir::maildir_store again(options_for(dir, true));
    auto box2 = open_box(again, "alice", "INBOX");
    auto list2 = box2->list();
    REQUIRE(list2);
    REQUIRE(list2->size() == acked.size() + 1);
    CHECK(list2->back().uid == next);
    CHECK(read_message(*box2, next) == "after");
}

TEST_CASE("lines appended by another process are picked up", "[maildir][index]") {
    temp_dir dir;
    maildir::maildir_store a(options_for(dir)), b(options_for(dir));
    auto box_a = open_box(a, "alice", "INBOX");
    auto box_b = open_box(b, "alice", "INBOX");
    std::vector<std::uint32_t> all;
    for (int i = 0; i < 6; ++i) {
        auto& box = i % 2 == 0 ? *box_a : *box_b;
        all.push_back(append_message(box, "m" + std::to_string(i)));
    }
    CHECK(std::is_sorted(all.begin(), all.end()));
    CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
    for (auto* box : {box_a.get(), box_b.get()}) {
        auto list = box->list();
        REQUIRE(list);
        CHECK(uids_of(*list) == all);
        for (std::size_t i = 0; i < all.size(); ++i)
            CHECK(read_message(*box, all[i]) == "m" + std::to_string(i));
    }
}

TEST_CASE("cached quota follows our changes and others'", "[maildir][index][quota]") {
    temp_dir dir;
    maildir::maildir_store s(options_for(dir));
    auto acct = s.open_account("alice");
    REQUIRE(acct);
    auto inbox = open_box(s, "alice", "INBOX");
    auto trash = open_box(s, "alice", "Trash");
    auto fresh_usage = [&] {
        maildir::maildir_store other(options_for(dir));
        auto oa = other.open_account("alice");
        REQUIRE(oa);
        auto q = (*oa)->quota();
        REQUIRE(q);
        return *q;
    };
    auto usage = [&] {
        auto q = (*acct)->quota();
        REQUIRE(q);
        return *q;
    };
    CHECK(usage().messages_used == 0);
    const auto u1 = append_message(*inbox, "12345");
    append_message(*inbox, "1234567890");
    const std::uint32_t one[] = {u1};
    REQUIRE(inbox->copy(one, *trash));
    CHECK(usage().messages_used == 3);
    CHECK(usage().bytes_used == 20);
    REQUIRE(inbox->expunge(one));
    CHECK(usage().messages_used == 2);
    CHECK(usage().bytes_used == 15);
    CHECK(usage().bytes_used == fresh_usage().bytes_used);

    // Delivered and removed by others.
    const fs::path md = s.maildir_path("alice");
    write_file(md / ".Trash" / "new" / "1700000000.M1P1.mda,S=100", std::string(100, 'x'));
    CHECK(usage().messages_used == 3);
    CHECK(usage().bytes_used == 115);
    fs::remove(md / ".Trash" / "new" / "1700000000.M1P1.mda,S=100");
    CHECK(usage().bytes_used == 15);
    CHECK(usage().messages_used == fresh_usage().messages_used);
}

TEST_CASE("list_changes gives what changed since a modseq, whoever changed it", "[maildir][index]") {
    temp_dir dir;
    maildir::maildir_store s(options_for(dir)), other(options_for(dir));
    auto box = open_box(s, "alice", "INBOX");
    const auto a = append_message(*box, "a");
    const auto b = append_message(*box, "b");
    const auto c = append_message(*box, "c");
    auto before = box->status();
    REQUIRE(before);
    auto none = box->list_changes(before->highest_modseq);
    REQUIRE(none);
    CHECK(none->changed.empty());
    CHECK(none->uids == std::vector<std::uint32_t>{a, b, c});

    CHECK(before->unseen == 3);
    // Ours: a flag change, an arrival, an expunge.
    const std::uint32_t set_b[] = {b};
    REQUIRE(box->store_flags(set_b, store::flag_mode::add, flags({system_flag::seen})));
    // STATUS's sums follow flag changes (kept, not summed again).
    auto seen_one = box->status();
    REQUIRE(seen_one);
    CHECK(seen_one->unseen == 2);
    REQUIRE(box->store_flags(set_b, store::flag_mode::remove, flags({system_flag::seen})));
    CHECK(box->status()->unseen == 3);
    REQUIRE(box->store_flags(set_b, store::flag_mode::add, flags({system_flag::seen})));
    CHECK(box->status()->unseen == 2);
    // Without UIDs, only what changed.
    auto flags_only = box->list_changes(before->highest_modseq, false);
    REQUIRE(flags_only);
    CHECK(flags_only->uids.empty());
    REQUIRE(flags_only->changed.size() == 1);
    CHECK(flags_only->changed[0].uid == b);
    const auto d = append_message(*box, "d");
    const std::uint32_t set_a[] = {a};
    REQUIRE(box->expunge(set_a));
    auto delta = box->list_changes(before->highest_modseq);
    REQUIRE(delta);
    CHECK(delta->uids == std::vector<std::uint32_t>{b, c, d});
    REQUIRE(delta->changed.size() == 2);
    CHECK(delta->changed[0].uid == b);
    CHECK(delta->changed[0].flags == flags({system_flag::seen}));
    CHECK(delta->changed[1].uid == d);

    // Another process's flag change, and a rename on disk by a MUA: both
    // get a modseq above what we saw, so neither is missed.
    auto mid = box->status();
    REQUIRE(mid);
    auto box_other = open_box(other, "alice", "INBOX");
    const std::uint32_t set_c[] = {c};
    REQUIRE(box_other->store_flags(set_c, store::flag_mode::add, flags({system_flag::answered})));
    const fs::path md = s.maildir_path("alice");
    std::string name;
    for (const auto& n : files_in(md / "cur"))
        if (n.find(":2,S") != std::string::npos) name = n;  // b, seen
    REQUIRE_FALSE(name.empty());
    fs::rename(md / "cur" / name, md / "cur" / (name.substr(0, name.find(':')) + ":2,FS"));
    auto later = box->list_changes(mid->highest_modseq);
    REQUIRE(later);
    CHECK(later->uids == std::vector<std::uint32_t>{b, c, d});
    REQUIRE(later->changed.size() == 2);
    CHECK(later->changed[0].uid == b);
    CHECK(later->changed[0].flags == flags({system_flag::flagged, system_flag::seen}));
    CHECK(later->changed[1].uid == c);
    CHECK(later->changed[1].flags == flags({system_flag::answered}));
    // The same as listing everything and keeping what is newer.
    auto all = box->list();
    REQUIRE(all);
    std::vector<std::uint32_t> newer;
    for (const auto& m : *all)
        if (m.modseq > mid->highest_modseq) newer.push_back(m.uid);
    CHECK(newer == std::vector<std::uint32_t>{b, c});
}

TEST_CASE("a flag change appends its modseq to the UID list, and modseqs survive a reload",
          "[maildir][index]") {
    temp_dir dir;
    maildir::maildir_store s(options_for(dir)), other(options_for(dir));
    auto box = open_box(s, "alice", "INBOX");
    append_message(*box, "a");
    const auto b = append_message(*box, "b");
    append_message(*box, "c");
    auto box_other = open_box(other, "alice", "INBOX");
    REQUIRE(box_other->status());  // loaded before the change: it reads the appended line
    const fs::path uidlist = s.maildir_path("alice") / "mailaccess-uidlist";
    const std::string before = slurp(uidlist);

    const std::uint32_t set_b[] = {b};
    REQUIRE(box->store_flags(set_b, store::flag_mode::add, flags({system_flag::seen})));
    auto after = box->status();
    REQUIRE(after);
    const std::string text = slurp(uidlist);
    // Not rewritten: one short line more.
    CHECK(text == before + std::to_string(b) + " M" + std::to_string(after->highest_modseq) + "\n");

    auto modseq_of = [&](store::mailbox& m, std::uint32_t uid) {
        auto all = m.list();
        REQUIRE(all);
        for (const auto& info : *all)
            if (info.uid == uid) return info.modseq;
        FAIL("no such UID");
        return std::uint64_t{0};
    };
    CHECK(modseq_of(*box_other, b) == after->highest_modseq);
    CHECK(box_other->status()->highest_modseq == after->highest_modseq);
    {
        maildir::maildir_store fresh(options_for(dir));
        auto again = open_box(fresh, "alice", "INBOX");
        CHECK(modseq_of(*again, b) == after->highest_modseq);
        CHECK(again->status()->highest_modseq == after->highest_modseq);
    }

    // The short lines are folded in by a full rewrite once they outweigh the
    // list, and nothing is lost by it.
    std::size_t largest = text.size();
    bool rewritten = false;
    for (int i = 0; i < 40000 && !rewritten; ++i) {
        REQUIRE(box->store_flags(set_b, i % 2 ? store::flag_mode::add : store::flag_mode::remove,
                                 flags({system_flag::seen})));
        const auto size = fs::file_size(uidlist);
        rewritten = size < largest;
        largest = std::max<std::size_t>(largest, size);
    }
    CHECK(rewritten);
    CHECK(largest > 256 * 1024);
    const auto last = box->status()->highest_modseq;
    maildir::maildir_store fresh(options_for(dir));
    auto again = open_box(fresh, "alice", "INBOX");
    CHECK(modseq_of(*again, b) == last);
    CHECK(again->status()->highest_modseq == last);
    CHECK(modseq_of(*box_other, b) == last);
}
