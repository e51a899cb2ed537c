#include <mailaccess/store/memory_store.hpp>

#include <mailaccess/store/event_hub.hpp>

#include "store/store_helpers.hpp"

using namespace mailaccess;
using namespace mailaccess::test;
using store::errc;

TEST_CASE("memory_store keeps keywords sorted and unique", "[store][memory]") {
    store::memory_store s;
    auto acct = s.open_account("alice");
    REQUIRE(acct);
    auto box = (*acct)->open_mailbox("INBOX", store::open_mode::read_write);
    REQUIRE(box);
    store::flag_set f;
    f.keywords = {"$Junk", "Work", "work"};
    const auto uid = append_message(**box, "x", f);
    auto list = (*box)->list();
    REQUIRE(list);
    CHECK((*list)[0].flags.keywords == std::vector<std::string>{"$Junk", "Work"});
    store::flag_set rm;
    rm.keywords = {"WORK"};
    const std::uint32_t set[] = {uid};
    auto changed = (*box)->store_flags(set, store::flag_mode::remove, rm);
    REQUIRE(changed);
    CHECK((*changed)[0].flags.keywords == std::vector<std::string>{"$Junk"});
}

TEST_CASE("memory_store limits message size and count", "[store][memory]") {
    store::memory_store_options o;
    o.max_message_size = 10;
    o.quota_messages = 1;
    o.create_special_use = false;
    store::memory_store s(o);
    auto acct = s.open_account("alice");
    REQUIRE(acct);
    auto boxes = (*acct)->list_mailboxes();
    REQUIRE(boxes);
    CHECK(boxes->size() == 1);
    auto box = (*acct)->open_mailbox("INBOX", store::open_mode::read_write);
    REQUIRE(box);
    auto sink = (*box)->append({}, 0);
    REQUIRE(sink);
    CHECK((*sink)->write(std::span<const char>("0123456789A", 11)) == errc::message_too_large);
    CHECK(s.deliver("alice", "INBOX", "small"));
    CHECK(s.deliver("alice", "INBOX", "again").error() == errc::over_quota);
    CHECK(s.deliver("", "INBOX", "x").error() == errc::no_such_user);
    CHECK(s.deliver("alice", "Nope", "x").error() == errc::no_such_mailbox);
}

TEST_CASE("event_hub stops calling a listener once unsubscribed", "[store][events]") {
    store::event_hub hub;
    int calls = 0;
    std::unique_ptr<store::subscription> self;
    self = hub.subscribe("u", [&](const store::change_event&) {
        ++calls;
        self.reset();  // a listener may drop its own subscription
    });
    CHECK(hub.listener_count("u") == 1);
    store::change_event ev;
    ev.user = "u";
    hub.publish(ev);
    hub.publish(ev);
    CHECK(calls == 1);
    CHECK(hub.listener_count("u") == 0);
    // Subscriptions may outlive the hub.
    auto hub2 = std::make_unique<store::event_hub>();
    auto sub = hub2->subscribe("u", [](const store::change_event&) {});
    hub2.reset();
    sub.reset();
}
