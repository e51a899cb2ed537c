// One behavioural suite, run against every backend (STYLE.md 4): what an
// engine may rely on, whichever store the host plugs in.
#include <mailaccess/maildir/maildir_store.hpp>
#include <mailaccess/store/memory_store.hpp>

#include "maildir/temp_dir.hpp"
#include "store/store_helpers.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace mailaccess;
using namespace mailaccess::test;
using store::errc;
using store::system_flag;

namespace {

constexpr std::uint64_t default_quota = 500ull * 1024 * 1024;

struct memory_backend {
    std::unique_ptr<store::store> make(std::uint64_t quota = default_quota) {
        store::memory_store_options o;
        o.quota_bytes = quota;
        return std::make_unique<store::memory_store>(o);
    }
};

struct maildir_backend {
    temp_dir dir;
    std::unique_ptr<store::store> make(std::uint64_t quota = default_quota) {
        REQUIRE_FALSE(dir.path().empty());
        maildir::maildir_store_options o;
        o.root = dir.path();
        o.quota_bytes = quota;
        o.fsync = false;  // durability has its own tests in tests/maildir
        return std::make_unique<maildir::maildir_store>(o);
    }
};

std::unique_ptr<store::account> account_of(store::store& s, const char* user = "alice") {
    auto a = s.open_account(user);
    REQUIRE(a);
    return std::move(*a);
}

std::unique_ptr<store::mailbox> open_box(store::account& a, std::string_view name,
                                         store::open_mode mode = store::open_mode::read_write) {
    auto b = a.open_mailbox(name, mode);
    REQUIRE(b);
    return std::move(*b);
}

}  // namespace

TEMPLATE_TEST_CASE("append, list, open and status", "[store][conformance]", memory_backend, maildir_backend) {
    TestType backend;
    auto s = backend.make();
    auto acct = account_of(*s);
    auto inbox = open_box(*acct, "INBOX");
    CHECK(inbox->name() == "INBOX");

    auto empty = inbox->status();
    REQUIRE(empty);
    CHECK(empty->messages == 0);
    CHECK(empty->uidvalidity != 0);

    const std::string m1 = "Subject: one\r\n\r\nfirst body\r\n";
    const std::string m2 = "Subject: two\r\n\r\nsecond, longer body\r\n";
    const auto u1 = append_message(*inbox, m1, {}, 1700000000);
    const auto u2 = append_message(*inbox, m2, flags({system_flag::seen}));
    CHECK(u2 > u1);

    auto list = inbox->list();
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    CHECK((*list)[0].uid == u1);
    CHECK((*list)[0].size == m1.size());
    CHECK((*list)[0].internal_date == 1700000000);
    CHECK((*list)[0].flags == store::flag_set{});
    CHECK((*list)[1].uid == u2);
    CHECK((*list)[1].flags.has(system_flag::seen));
    CHECK(read_message(*inbox, u1) == m1);
    CHECK(read_message(*inbox, u2) == m2);

    auto st = inbox->status();
    REQUIRE(st);
    CHECK(st->messages == 2);
    CHECK(st->unseen == 1);
    CHECK(st->size == m1.size() + m2.size());
    CHECK(st->uidnext > u2);
    CHECK(st->uidvalidity == empty->uidvalidity);

    // A second handle (another session) sees the same state.
    auto other = open_box(*account_of(*s), "inbox");
    CHECK(other->name() == "INBOX");
    auto list2 = other->list();
    REQUIRE(list2);
    CHECK(uids_of(*list2) == uids_of(*list));

    CHECK(inbox->open(u2 + 100).error() == errc::no_such_message);
}

TEMPLATE_TEST_CASE("special-use folders exist after the first open", "[store][conformance]", memory_backend,
                   maildir_backend) {
    TestType backend;
    auto s = backend.make();
    auto acct = account_of(*s);
    auto boxes = acct->list_mailboxes();
    REQUIRE(boxes);
    std::vector<store::mailbox_entry> expected = {
        {"INBOX", store::special_use::none, true},    {"Archive", store::special_use::archive, true},
        {"Drafts", store::special_use::drafts, true}, {"Junk", store::special_use::junk, true},
        {"Sent", store::special_use::sent, true},     {"Trash", store::special_use::trash, true}};
    CHECK(*boxes == expected);
}

TEMPLATE_TEST_CASE("store_flags changes flags and modseqs", "[store][conformance]", memory_backend,
                   maildir_backend) {
    TestType backend;
    auto s = backend.make();
    auto inbox = open_box(*account_of(*s), "INBOX");
    const auto u1 = append_message(*inbox, "a\r\n");
    const auto u2 = append_message(*inbox, "b\r\n");
    const auto before = inbox->status();
    REQUIRE(before);

    const std::uint32_t set[] = {u1, u2 + 50};
    auto changed =
        inbox->store_flags(set, store::flag_mode::add, flags({system_flag::seen, system_flag::flagged}));
    REQUIRE(changed);
    REQUIRE(changed->size() == 1);  // the absent UID is skipped
    CHECK((*changed)[0].uid == u1);
    CHECK((*changed)[0].flags == flags({system_flag::seen, system_flag::flagged}));
    CHECK((*changed)[0].modseq > before->highest_modseq);

    auto after = inbox->status();
    REQUIRE(after);
    CHECK(after->highest_modseq == (*changed)[0].modseq);
    CHECK(after->unseen == 1);

    // Unchanged flags take no new modseq.
    auto again = inbox->store_flags(std::span(set, 1), store::flag_mode::add, flags({system_flag::seen}));
    REQUIRE(again);
    CHECK((*again)[0].modseq == (*changed)[0].modseq);

    auto removed =
        inbox->store_flags(std::span(set, 1), store::flag_mode::remove, flags({system_flag::flagged}));
    REQUIRE(removed);
    CHECK((*removed)[0].flags == flags({system_flag::seen}));
    auto replaced =
        inbox->store_flags(std::span(set, 1), store::flag_mode::replace,
                           flags({system_flag::deleted, system_flag::answered, system_flag::draft}));
    REQUIRE(replaced);
    CHECK((*replaced)[0].modseq > (*removed)[0].modseq);

    auto list = inbox->list();
    REQUIRE(list);
    CHECK((*list)[0].flags == flags({system_flag::deleted, system_flag::answered, system_flag::draft}));
    CHECK((*list)[1].flags == store::flag_set{});
    CHECK(read_message(*inbox, u1) == "a\r\n");
}

TEMPLATE_TEST_CASE("keywords are stored, changed and copied", "[store][conformance][keywords]",
                   memory_backend, maildir_backend) {
    TestType backend;
    auto s = backend.make();
    auto acct = account_of(*s);
    auto inbox = open_box(*acct, "INBOX");
    store::flag_set f = flags({system_flag::seen});
    f.keywords = {"Work", "$Forwarded", "work"};
    const auto uid = append_message(*inbox, "Subject: k\r\n\r\nbody\r\n", f);
    auto list = inbox->list();
    REQUIRE(list);
    REQUIRE(list->size() == 1);
    // Sorted case-insensitively, duplicates dropped, first spelling kept.
    CHECK((*list)[0].flags.keywords == std::vector<std::string>{"$Forwarded", "Work"});
    CHECK((*list)[0].flags.has(system_flag::seen));

    const std::uint32_t set[] = {uid};
    store::flag_set add;
    add.keywords = {"Project", "WORK"};
    auto added = inbox->store_flags(set, store::flag_mode::add, add);
    REQUIRE(added);
    REQUIRE(added->size() == 1);
    CHECK((*added)[0].flags.keywords == std::vector<std::string>{"$Forwarded", "Project", "Work"});
    CHECK((*added)[0].flags.has(system_flag::seen));

    store::flag_set rm;
    rm.keywords = {"work"};
    auto removed = inbox->store_flags(set, store::flag_mode::remove, rm);
    REQUIRE(removed);
    CHECK((*removed)[0].flags.keywords == std::vector<std::string>{"$Forwarded", "Project"});

    auto sent = open_box(*acct, "Sent");
    append_message(*sent, "other", [] {
        store::flag_set g;
        g.keywords = {"SentOnly"};
        return g;
    }());
    auto copied = inbox->copy(set, *sent);
    REQUIRE(copied);
    REQUIRE(copied->size() == 1);
    auto sl = sent->list();
    REQUIRE(sl);
    REQUIRE(sl->size() == 2);
    CHECK((*sl)[0].flags.keywords == std::vector<std::string>{"SentOnly"});
    CHECK((*sl)[1].uid == (*copied)[0]);
    CHECK((*sl)[1].flags.keywords == std::vector<std::string>{"$Forwarded", "Project"});
    CHECK((*sl)[1].flags.has(system_flag::seen));

    store::flag_set none;
    auto cleared = inbox->store_flags(set, store::flag_mode::replace, none);
    REQUIRE(cleared);
    CHECK((*cleared)[0].flags == store::flag_set{});
}

TEMPLATE_TEST_CASE("expunge removes messages and UIDs are never reused", "[store][conformance]",
                   memory_backend, maildir_backend) {
    TestType backend;
    auto s = backend.make();
    auto inbox = open_box(*account_of(*s), "INBOX");
    const auto u1 = append_message(*inbox, "1");
    const auto u2 = append_message(*inbox, "2");
    const auto u3 = append_message(*inbox, "3");
    const std::uint32_t gone[] = {u3, u1, 9999};
    auto removed = inbox->expunge(gone);
    REQUIRE(removed);
    std::sort(removed->begin(), removed->end());
    CHECK(*removed == std::vector<std::uint32_t>{u1, u3});
    auto list = inbox->list();
    REQUIRE(list);
    CHECK(uids_of(*list) == std::vector<std::uint32_t>{u2});
    CHECK(inbox->open(u3).error() == errc::no_such_message);
    const auto u4 = append_message(*inbox, "4");
    CHECK(u4 > u3);
}

TEMPLATE_TEST_CASE("copy duplicates messages into another folder", "[store][conformance]", memory_backend,
                   maildir_backend) {
    TestType backend;
    auto s = backend.make();
    auto acct = account_of(*s);
    auto inbox = open_box(*acct, "INBOX");
    auto sent = open_box(*acct, "Sent");
    const auto u1 = append_message(*inbox, "hello\r\n", flags({system_flag::flagged}));
    const auto u2 = append_message(*inbox, "world\r\n");
    const std::uint32_t set[] = {u2, u1};
    auto copied = inbox->copy(set, *sent);
    REQUIRE(copied);
    REQUIRE(copied->size() == 2);
    CHECK((*copied)[0] < (*copied)[1]);
    CHECK(read_message(*sent, (*copied)[0]) == "world\r\n");
    CHECK(read_message(*sent, (*copied)[1]) == "hello\r\n");
    auto list = sent->list();
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    CHECK((*list)[1].flags == flags({system_flag::flagged}));
    auto src = inbox->list();
    REQUIRE(src);
    CHECK(src->size() == 2);

    const std::uint32_t absent[] = {u1, 4242};
    CHECK(inbox->copy(absent, *sent).error() == errc::no_such_message);
}

TEMPLATE_TEST_CASE("quota is enforced on append and copy", "[store][conformance]", memory_backend,
                   maildir_backend) {
    TestType backend;
    auto s = backend.make(1000);
    auto acct = account_of(*s);
    auto inbox = open_box(*acct, "INBOX");
    const std::string big(600, 'x');
    const auto u1 = append_message(*inbox, big);

    auto q = acct->quota();
    REQUIRE(q);
    CHECK(q->bytes_used == 600);
    CHECK(q->bytes_limit == 1000);
    CHECK(q->messages_used == 1);

    std::error_code ec;
    auto sink = inbox->append({}, 0);
    if (!sink) {
        ec = sink.error();
    } else {
        ec = (*sink)->write(std::span<const char>(big.data(), big.size()));
        if (!ec) ec = (*sink)->commit().error();
    }
    CHECK(ec == errc::over_quota);

    auto trash = open_box(*acct, "Trash");
    const std::uint32_t set[] = {u1};
    CHECK(inbox->copy(set, *trash).error() == errc::over_quota);
    auto list = inbox->list();
    REQUIRE(list);
    CHECK(list->size() == 1);
    auto tl = trash->list();
    REQUIRE(tl);
    CHECK(tl->empty());

    // Freeing space makes room again.
    REQUIRE(inbox->expunge(set));
    append_message(*inbox, big);
}

TEMPLATE_TEST_CASE("changes are announced to subscribers", "[store][conformance]", memory_backend,
                   maildir_backend) {
    TestType backend;
    auto s = backend.make();
    std::vector<store::change_event> seen;
    auto sub = s->subscribe("alice", [&](const store::change_event& e) { seen.push_back(e); });
    std::vector<store::change_event> bob_events;
    auto bob_sub = s->subscribe("bob", [&](const store::change_event& e) { bob_events.push_back(e); });

    auto acct = account_of(*s);
    seen.clear();  // account creation may announce its folders
    auto inbox = open_box(*acct, "INBOX");
    const auto uid = append_message(*inbox, "x");
    const std::uint32_t set[] = {uid};
    REQUIRE(inbox->store_flags(set, store::flag_mode::add, flags({system_flag::seen})));
    REQUIRE(inbox->expunge(set));
    REQUIRE_FALSE(acct->create_mailbox("Lists", store::special_use::none));

    using kind = store::change_event::kind;
    REQUIRE(seen.size() == 4);
    CHECK(seen[0].what == kind::appended);
    CHECK(seen[0].mailbox == "INBOX");
    CHECK(seen[0].uids == std::vector<std::uint32_t>{uid});
    CHECK(seen[1].what == kind::flags_changed);
    CHECK(seen[1].uids == std::vector<std::uint32_t>{uid});
    CHECK(seen[2].what == kind::expunged);
    CHECK(seen[3].what == kind::mailbox_created);
    CHECK(seen[3].mailbox == "Lists");
    for (const auto& e : seen) CHECK(e.user == "alice");
    CHECK(bob_events.empty());

    sub.reset();
    append_message(*inbox, "y");
    CHECK(seen.size() == 4);
}

TEMPLATE_TEST_CASE("the maildrop lock is exclusive", "[store][conformance]", memory_backend,
                   maildir_backend) {
    TestType backend;
    auto s = backend.make();
    auto lock = s->lock_maildrop("alice");
    REQUIRE(lock);
    CHECK(s->lock_maildrop("alice").error() == errc::in_use);
    auto other = s->lock_maildrop("bob");
    CHECK(other);
    lock->reset();
    auto again = s->lock_maildrop("alice");
    CHECK(again);
}

TEMPLATE_TEST_CASE("create, delete and rename folders", "[store][conformance]", memory_backend,
                   maildir_backend) {
    TestType backend;
    auto s = backend.make();
    auto acct = account_of(*s);
    REQUIRE_FALSE(acct->create_mailbox("Work", store::special_use::none));
    REQUIRE_FALSE(acct->create_mailbox("Work/2024", store::special_use::none));
    REQUIRE_FALSE(acct->create_mailbox("Entwürfe & Ideen", store::special_use::none));
    CHECK(acct->create_mailbox("Work", store::special_use::none) == errc::mailbox_exists);
    CHECK(acct->create_mailbox("inbox", store::special_use::none) == errc::mailbox_exists);
    CHECK(acct->create_mailbox("", store::special_use::none) == errc::invalid_mailbox_name);
    CHECK(acct->create_mailbox("a//b", store::special_use::none) == errc::invalid_mailbox_name);

    std::uint32_t uid = 0;
    std::uint32_t validity = 0;
    {
        auto y = open_box(*acct, "Work/2024");
        uid = append_message(*y, "report\r\n");
        validity = y->status()->uidvalidity;
    }

    auto names = [&] {
        std::vector<std::string> out;
        auto l = acct->list_mailboxes();
        REQUIRE(l);
        for (const auto& e : *l) out.push_back(e.name);
        return out;
    };
    auto has = [&](const std::string& n) {
        const auto all = names();
        return std::find(all.begin(), all.end(), n) != all.end();
    };
    CHECK(has("Work/2024"));
    CHECK(has("Entwürfe & Ideen"));

    REQUIRE_FALSE(acct->rename_mailbox("Work", "Projects"));
    CHECK_FALSE(has("Work"));
    CHECK_FALSE(has("Work/2024"));
    CHECK(has("Projects"));
    CHECK(has("Projects/2024"));
    {
        auto y = open_box(*acct, "Projects/2024");
        auto list = y->list();
        REQUIRE(list);
        CHECK(uids_of(*list) == std::vector<std::uint32_t>{uid});
        CHECK(read_message(*y, uid) == "report\r\n");
        CHECK(y->status()->uidvalidity == validity);
    }
    CHECK(acct->rename_mailbox("Nope", "Other") == errc::no_such_mailbox);
    CHECK(acct->rename_mailbox("Projects", "Sent") == errc::mailbox_exists);
    CHECK(acct->rename_mailbox("Projects", "INBOX") == errc::mailbox_exists);

    REQUIRE_FALSE(acct->delete_mailbox("Projects/2024"));
    CHECK_FALSE(has("Projects/2024"));
    CHECK(acct->open_mailbox("Projects/2024", store::open_mode::read_write).error() == errc::no_such_mailbox);
    CHECK(acct->delete_mailbox("Projects/2024") == errc::no_such_mailbox);
    CHECK(acct->delete_mailbox("INBOX"));

    // A recreated folder is a new mailbox: a different UIDVALIDITY.
    REQUIRE_FALSE(acct->create_mailbox("Projects/2024", store::special_use::none));
    auto fresh = open_box(*acct, "Projects/2024");
    auto st = fresh->status();
    REQUIRE(st);
    CHECK(st->messages == 0);
    CHECK(st->uidvalidity != validity);
}

TEMPLATE_TEST_CASE("renaming INBOX moves its messages", "[store][conformance]", memory_backend,
                   maildir_backend) {
    TestType backend;
    auto s = backend.make();
    auto acct = account_of(*s);
    std::uint32_t last = 0;
    {
        auto inbox = open_box(*acct, "INBOX");
        append_message(*inbox, "one");
        last = append_message(*inbox, "two");
    }
    REQUIRE_FALSE(acct->rename_mailbox("INBOX", "Old"));
    auto old = open_box(*acct, "Old");
    auto list = old->list();
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    CHECK(read_message(*old, (*list)[0].uid) == "one");
    CHECK(read_message(*old, (*list)[1].uid) == "two");

    auto inbox = open_box(*acct, "INBOX");
    auto st = inbox->status();
    REQUIRE(st);
    CHECK(st->messages == 0);
    CHECK(append_message(*inbox, "three") > last);
}

TEMPLATE_TEST_CASE("subscriptions", "[store][conformance]", memory_backend, maildir_backend) {
    TestType backend;
    auto s = backend.make();
    auto acct = account_of(*s);
    REQUIRE_FALSE(acct->create_mailbox("Lists", store::special_use::none));
    auto subscribed = [&](const std::string& n) {
        auto l = acct->list_mailboxes();
        REQUIRE(l);
        for (const auto& e : *l)
            if (e.name == n) return e.subscribed;
        FAIL("no mailbox " << n);
        return false;
    };
    CHECK_FALSE(subscribed("Lists"));
    REQUIRE_FALSE(acct->set_subscribed("Lists", true));
    CHECK(subscribed("Lists"));
    CHECK(account_of(*s)->list_mailboxes()->at(1).name == "Archive");
    REQUIRE_FALSE(acct->set_subscribed("Lists", false));
    CHECK_FALSE(subscribed("Lists"));
    REQUIRE_FALSE(acct->set_subscribed("Sent", false));
    CHECK_FALSE(subscribed("Sent"));
}

TEMPLATE_TEST_CASE("read-only mailboxes refuse changes", "[store][conformance]", memory_backend,
                   maildir_backend) {
    TestType backend;
    auto s = backend.make();
    auto acct = account_of(*s);
    const auto uid = append_message(*open_box(*acct, "INBOX"), "x");
    auto ro = open_box(*acct, "INBOX", store::open_mode::read_only);
    CHECK(ro->is_read_only());
    const std::uint32_t set[] = {uid};
    CHECK(ro->append({}, 0).error() == errc::read_only);
    CHECK(ro->expunge(set).error() == errc::read_only);
    CHECK(ro->store_flags(set, store::flag_mode::add, flags({system_flag::seen})).error() == errc::read_only);
    CHECK(read_message(*ro, uid) == "x");
    CHECK(acct->open_mailbox("Nope", store::open_mode::read_only).error() == errc::no_such_mailbox);
}

TEMPLATE_TEST_CASE("aborted appends leave no trace", "[store][conformance]", memory_backend,
                   maildir_backend) {
    TestType backend;
    auto s = backend.make();
    auto inbox = open_box(*account_of(*s), "INBOX");
    {
        auto sink = inbox->append({}, 0);
        REQUIRE(sink);
        REQUIRE_FALSE((*sink)->write(std::span<const char>("abc", 3)));
        (*sink)->abort();
        (*sink)->abort();
    }
    {
        auto sink = inbox->append({}, 0);
        REQUIRE(sink);
        REQUIRE_FALSE((*sink)->write(std::span<const char>("abc", 3)));
    }  // destroyed uncommitted
    auto st = inbox->status();
    REQUIRE(st);
    CHECK(st->messages == 0);
}

TEMPLATE_TEST_CASE("the message cache keeps derived data per UID and key", "[store][conformance][cache]",
                   memory_backend, maildir_backend) {
    TestType backend;
    auto s = backend.make();
    auto acct = account_of(*s);
    auto inbox = open_box(*acct, "INBOX");
    const auto u1 = append_message(*inbox, "Subject: one\r\n\r\nbody\r\n");
    const auto u2 = append_message(*inbox, "Subject: two\r\n\r\nbody\r\n");

    SECTION("misses before anything is cached") {
        CHECK_FALSE(inbox->cached(u1, "mime.structure.1"));
        CHECK_FALSE(inbox->cached(u2, ""));
    }
    SECTION("round trip, later value wins, keys are independent") {
        inbox->cache(u1, "mime.structure.1", "first");
        CHECK(inbox->cached(u1, "mime.structure.1") == std::optional<std::string>("first"));
        CHECK_FALSE(inbox->cached(u2, "mime.structure.1"));  // other UID
        inbox->cache(u1, "mime.structure.1", "second");
        CHECK(inbox->cached(u1, "mime.structure.1") == std::optional<std::string>("second"));
        inbox->cache(u1, "header.fields.1", std::string("with\0nul\r\n", 10));
        CHECK(inbox->cached(u1, "header.fields.1") ==
              std::optional<std::string>(std::string("with\0nul\r\n", 10)));
        CHECK(inbox->cached(u1, "mime.structure.1") == std::optional<std::string>("second"));
        CHECK_FALSE(inbox->cached(u1, "mime.structure.2"));
        // Another handle on the same mailbox sees the entries.
        auto other = open_box(*acct, "INBOX", store::open_mode::read_only);
        CHECK(other->cached(u1, "mime.structure.1") == std::optional<std::string>("second"));
        inbox->cache(u2, "k", "");
        CHECK(other->cached(u2, "k") == std::optional<std::string>(""));
    }
    SECTION("keys and values over the limits are not kept") {
        const std::string long_key(store::max_cache_key_size + 1, 'k');
        const std::string max_key(store::max_cache_key_size, 'k');
        inbox->cache(u1, long_key, "v");
        CHECK_FALSE(inbox->cached(u1, long_key));
        inbox->cache(u1, "big", std::string(store::max_cache_value_size + 1, 'v'));
        CHECK_FALSE(inbox->cached(u1, "big"));
        const std::string max_value(store::max_cache_value_size, 'v');
        inbox->cache(u1, max_key, max_value);
        CHECK(inbox->cached(u1, max_key) == std::optional<std::string>(max_value));
    }
    SECTION("expunge drops the entries") {
        inbox->cache(u1, "k", "one");
        inbox->cache(u2, "k", "two");
        const std::uint32_t gone[] = {u1};
        REQUIRE(inbox->expunge(gone));
        CHECK_FALSE(inbox->cached(u1, "k"));
        CHECK(inbox->cached(u2, "k") == std::optional<std::string>("two"));
        inbox->cache(u1, "k", "again");
        CHECK_FALSE(inbox->cached(u1, "k"));
    }
    SECTION("nothing is stored for an absent UID") {
        inbox->cache(u2 + 100, "k", "v");
        CHECK_FALSE(inbox->cached(u2 + 100, "k"));
        // Not even for the UID the next message gets.
        auto st = inbox->status();
        REQUIRE(st);
        inbox->cache(st->uidnext, "k", "v");
        const auto u3 = append_message(*inbox, "three");
        CHECK(u3 == st->uidnext);
        CHECK_FALSE(inbox->cached(u3, "k"));
        CHECK_FALSE(inbox->cached(0, "k"));
    }
}
