#include <mailaccess/engine/mailbox_view.hpp>

#include <mailaccess/core/error.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/writer.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

// engine::mailbox_view against the examples of RFC 3501, RFC 7162 and
// RFC 9051. Responses are compared as wire text, as a client would see them.

using namespace mailaccess;
using engine::mailbox_view;
using engine::message_ref;
using engine::report_context;

namespace {

// "\\Seen $Forwarded" -> flag_set
store::flag_set flags(std::string_view text) {
    store::flag_set f;
    std::istringstream in{std::string(text)};
    std::string w;
    while (in >> w) {
        if (w == "\\Seen")
            f.set(store::system_flag::seen);
        else if (w == "\\Answered")
            f.set(store::system_flag::answered);
        else if (w == "\\Flagged")
            f.set(store::system_flag::flagged);
        else if (w == "\\Deleted")
            f.set(store::system_flag::deleted);
        else if (w == "\\Draft")
            f.set(store::system_flag::draft);
        else
            f.keywords.push_back(w);
    }
    return f;
}

store::message_info msg(std::uint32_t uid, std::string_view f = "", std::uint64_t modseq = 1) {
    store::message_info m;
    m.uid = uid;
    m.size = 100;
    m.flags = flags(f);
    m.modseq = modseq;
    return m;
}

// Messages with the given UIDs, no flags, modseq 1.
std::vector<store::message_info> msgs(std::initializer_list<std::uint32_t> uids) {
    std::vector<store::message_info> v;
    for (auto u : uids) v.push_back(msg(u, "\\Seen"));
    return v;
}
std::vector<store::message_info> range(std::uint32_t first, std::uint32_t last) {
    std::vector<store::message_info> v;
    for (std::uint32_t u = first; u <= last; ++u) v.push_back(msg(u, "\\Seen"));
    return v;
}

store::mailbox_status status(std::uint32_t uidnext, std::uint64_t highest = 1,
                             std::uint32_t uidvalidity = 3857529045u) {
    store::mailbox_status s;
    s.uidvalidity = uidvalidity;
    s.uidnext = uidnext;
    s.highest_modseq = highest;
    return s;
}

imap::sequence_set set(std::string_view text) {
    imap::parse_cursor in(text);
    auto s = imap::parse_sequence_set(in);
    REQUIRE(s);
    return *s;
}

std::string wire(const std::vector<imap::response>& rs) {
    imap::writer w;
    for (const auto& r : rs) imap::write(w, r);
    return std::string(w.buffer());
}
std::string wire_v(const std::vector<imap::vanished_data>& vs) {
    std::vector<imap::response> rs(vs.begin(), vs.end());
    return wire(rs);
}
std::string wire(const imap::fetch_data& f) { return wire(std::vector<imap::response>{f}); }

std::string lines(std::initializer_list<std::string_view> ls) {
    std::string s;
    for (auto l : ls) s.append(l).append("\r\n");
    return s;
}

// Flushes under `ctx` and returns the wire text.
std::string flush(mailbox_view& v, const report_context& ctx) {
    std::vector<imap::response> out;
    v.flush(ctx, out);
    return wire(out);
}

imap::enabled_extensions none() { return {}; }
imap::enabled_extensions condstore() {
    imap::enabled_extensions e;
    e.condstore = true;
    return e;
}
imap::enabled_extensions qresync() {
    imap::enabled_extensions e;
    e.condstore = true;
    e.qresync = true;
    return e;
}

imap::cmd::fetch fetch_cmd(bool uid) {
    imap::cmd::fetch f;
    f.uid = uid;
    return f;
}
imap::cmd::store store_cmd(bool uid) {
    imap::cmd::store s;
    s.uid = uid;
    return s;
}
imap::cmd::search search_cmd(bool uid, imap::search_key key) {
    imap::cmd::search s;
    s.uid = uid;
    s.keys.push_back(std::move(key));
    return s;
}

report_context ctx(const imap::command::body_type& c, const imap::enabled_extensions& e = {}) {
    return report_context::for_command(c, e);
}

std::vector<std::uint32_t> seqs(const std::vector<message_ref>& refs) {
    std::vector<std::uint32_t> v;
    for (const auto& r : refs) v.push_back(r.seq);
    return v;
}
std::vector<std::uint32_t> uids(const std::vector<message_ref>& refs) {
    std::vector<std::uint32_t> v;
    for (const auto& r : refs) v.push_back(r.uid);
    return v;
}

}  // namespace

TEST_CASE("report contexts follow RFC 3501 section 7.4.1", "[engine][mailbox_view]") {
    using k = imap::search_key::kind;
    struct row {
        const char* name;
        imap::command::body_type command;
        bool allow_expunge;
        bool uid_command;
    };
    const std::vector<row> table{
        {"FETCH", fetch_cmd(false), false, false},
        {"UID FETCH", fetch_cmd(true), true, true},
        {"STORE", store_cmd(false), false, false},
        {"UID STORE", store_cmd(true), true, true},
        {"SEARCH", search_cmd(false, imap::search_key::simple(k::all)), false, false},
        {"UID SEARCH UID 1:5", search_cmd(true, imap::search_key::with_set(k::uid, set("1:5"))), true, true},
        {"UID SEARCH 1:5", search_cmd(true, imap::search_key::with_set(k::sequence, set("1:5"))), false,
         true},
        {"UID SEARCH NOT 1:5",
         search_cmd(true,
                    [] {
                        auto n = imap::search_key::simple(k::not_);
                        n.children.push_back(imap::search_key::with_set(k::sequence, set("1:5")));
                        return n;
                    }()),
         false, true},
        {"COPY", imap::cmd::copy{false, set("1"), *imap::mailbox_name::make("x")}, true, false},
        {"UID COPY", imap::cmd::copy{true, set("1"), *imap::mailbox_name::make("x")}, true, true},
        {"UID MOVE", imap::cmd::move{true, set("1"), *imap::mailbox_name::make("x")}, true, true},
        {"EXPUNGE", imap::cmd::expunge{}, true, false},
        {"UID EXPUNGE", imap::cmd::uid_expunge{set("1")}, true, true},
        {"NOOP", imap::cmd::noop{}, true, false},
        {"CHECK", imap::cmd::check{}, true, false},
        {"IDLE", imap::cmd::idle{}, true, false},
    };
    for (const auto& r : table) {
        INFO(r.name);
        const auto c = ctx(r.command, none());
        CHECK(c.allow_expunge == r.allow_expunge);
        CHECK(c.uid_command == r.uid_command);
        CHECK_FALSE(c.condstore);
    }
    const auto q = ctx(imap::cmd::noop{}, qresync());
    CHECK(q.condstore);
    CHECK(q.qresync);
    imap::enabled_extensions only_qresync;
    only_qresync.qresync = true;
    CHECK(ctx(imap::cmd::noop{}, only_qresync).condstore);  // RFC 7162 section 3.2.3
}

TEST_CASE("SELECT untagged data", "[engine][mailbox_view]") {
    std::vector<store::message_info> listing{msg(4, "\\Seen $MDNSent", 5), msg(7, "\\Answered $Forwarded", 9),
                                             msg(9, "\\Seen", 3)};
    const std::vector<std::uint32_t> recent{9};

    SECTION("SELECT with CONDSTORE (RFC 3501 section 6.3.1, RFC 7162 section 3.1.2.1)") {
        mailbox_view v(listing, status(4392, 715194045007u), recent);
        std::vector<imap::response> out;
        v.select_responses(true, out);
        CHECK(
            wire(out) ==
            lines({"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDNSent)",
                   "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDNSent "
                   "\\*)] Flags permitted",
                   "* 3 EXISTS", "* 1 RECENT", "* OK [UNSEEN 2] First unseen",
                   "* OK [UIDVALIDITY 3857529045] UIDs valid", "* OK [UIDNEXT 4392] Predicted next UID",
                   "* OK [HIGHESTMODSEQ 715194045007] Highest"}));
        CHECK(v.exists() == 3);
        CHECK(v.recent_count() == 1);
    }
    SECTION("EXAMINE without CONDSTORE (RFC 3501 section 6.3.2)") {
        engine::view_options o;
        o.read_only = true;
        mailbox_view v(listing, status(4392), {}, o);
        std::vector<imap::response> out;
        v.select_responses(false, out);
        CHECK(wire(out) ==
              lines({"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDNSent)",
                     "* OK [PERMANENTFLAGS ()] No permanent flags permitted", "* 3 EXISTS", "* 0 RECENT",
                     "* OK [UNSEEN 2] First unseen", "* OK [UIDVALIDITY 3857529045] UIDs valid",
                     "* OK [UIDNEXT 4392] Predicted next UID"}));
    }
    SECTION("NOMODSEQ (RFC 7162 section 3.1.2.2)") {
        engine::view_options o;
        o.persistent_modseq = false;
        mailbox_view v(listing, status(4392), recent, o);
        CHECK(wire({v.modseq_status()}) == "* OK [NOMODSEQ] No permanent modsequences\r\n");
    }
    SECTION("empty mailbox: no UNSEEN") {
        mailbox_view v({}, status(1), {});
        std::vector<imap::response> out;
        v.select_responses(true, out);
        CHECK(wire(out) == lines({"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
                                  "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] "
                                  "Flags permitted",
                                  "* 0 EXISTS", "* 0 RECENT", "* OK [UIDVALIDITY 3857529045] UIDs valid",
                                  "* OK [UIDNEXT 1] Predicted next UID", "* OK [HIGHESTMODSEQ 1] Highest"}));
    }
}

TEST_CASE("sequence sets resolve per RFC 3501 section 6.4.8 and RFC 9051 section 9",
          "[engine][mailbox_view]") {
    mailbox_view v(msgs({10, 20, 30, 40, 50}), status(60), {});
    struct row {
        const char* set;
        bool uid;
        std::vector<std::uint32_t> seqs;  // expected; empty with `error`
        bool error;
    };
    const std::vector<row> table{
        {"1:*", false, {1, 2, 3, 4, 5}, false},
        {"*", false, {5}, false},
        {"4:2", false, {2, 3, 4}, false},  // ranges are unordered
        {"*:4", false, {4, 5}, false},
        {"5,1,3", false, {1, 3, 5}, false},
        {"1,1:2", false, {1, 2}, false},
        {"6", false, {}, true},  // above EXISTS: BAD (RFC 9051 seq-number)
        {"2,6", false, {}, true},
        {"3:6", false, {}, true},
        {"6:*", false, {}, true},
        {"35:*", true, {4, 5}, false},
        {"60:*", true, {5}, false},  // "559:*" always includes the highest UID
        {"*:60", true, {5}, false},
        {"*", true, {5}, false},
        {"1:15", true, {1}, false},
        {"50:10", true, {1, 2, 3, 4, 5}, false},
        {"25", true, {}, false},  // nonexistent UIDs are skipped
        {"100:200", true, {}, false},
        {"20,40,45", true, {2, 4}, false},
        {"1:15,41:*", true, {1, 5}, false},
        {"60:*,45", true, {5}, false},
    };
    for (const auto& r : table) {
        INFO((r.uid ? "UID " : "") << r.set);
        auto refs = v.resolve(set(r.set), r.uid);
        if (r.error) {
            REQUIRE_FALSE(refs);
            CHECK(refs.error() == mailaccess::errc::invalid_argument);
        } else {
            REQUIRE(refs);
            CHECK(seqs(*refs) == r.seqs);
            for (const auto& m : *refs) CHECK(m.uid == m.seq * 10);
        }
    }
    CHECK(v.find_uid(30) == message_ref{3, 30, false, false});
    CHECK_FALSE(v.find_uid(31));
    CHECK(v.at(5) == message_ref{5, 50, false, false});
    CHECK_FALSE(v.at(0));
    CHECK_FALSE(v.at(6));
}

TEST_CASE("sequence sets on an empty mailbox (RFC 9051 section 9)", "[engine][mailbox_view]") {
    mailbox_view v({}, status(42), {});
    // "*" is the message count of a non-empty mailbox; in an empty one,
    // every sequence number, "*" included, is out of range.
    for (const char* s : {"*", "1", "1:*"}) {
        INFO(s);
        auto r = v.resolve(set(s), false);
        REQUIRE_FALSE(r);
        CHECK(r.error() == mailaccess::errc::invalid_argument);
    }
    // For UIDs "*" is UIDNEXT, which names no message: an empty result.
    for (const char* s : {"*", "1:*", "42:*", "1:100"}) {
        INFO(s);
        auto r = v.resolve(set(s), true);
        REQUIRE(r);
        CHECK(r->empty());
    }
}

TEST_CASE("EXPUNGE numbering (RFC 3501 sections 6.4.3 and 7.4.1)", "[engine][mailbox_view]") {
    SECTION("messages 3, 4, 7 and 11 deleted: 3, 3, 5, 8") {
        mailbox_view v(range(1, 11), status(12), {});
        const std::vector<std::uint32_t> gone{11, 3, 7, 4};  // any order
        v.note_expunged(gone);
        CHECK(v.exists() == 11);  // the numbers hold until the responses go out
        CHECK(v.has_pending_expunges());
        CHECK(flush(v, ctx(imap::cmd::expunge{})) ==
              lines({"* 3 EXPUNGE", "* 3 EXPUNGE", "* 5 EXPUNGE", "* 8 EXPUNGE"}));
        CHECK(v.exists() == 7);
        CHECK(uids(*v.resolve(set("1:*"), false)) == std::vector<std::uint32_t>{1, 2, 5, 6, 8, 9, 10});
        CHECK(flush(v, ctx(imap::cmd::noop{})).empty());
    }
    SECTION("the last 5 of 9 messages: five times 5") {
        mailbox_view v(range(1, 9), status(10), {});
        REQUIRE(v.update(range(1, 4), status(10)));
        CHECK(flush(v, ctx(imap::cmd::noop{})) ==
              lines({"* 5 EXPUNGE", "* 5 EXPUNGE", "* 5 EXPUNGE", "* 5 EXPUNGE", "* 5 EXPUNGE"}));
        CHECK(v.exists() == 4);
    }
    SECTION("UID EXPUNGE 3000:3002 (RFC 9051 section 6.4.9)") {
        mailbox_view v(msgs({1000, 2000, 3000, 3001, 3002, 4000}), status(4001), {});
        auto refs = v.resolve(set("3000:3002"), true);
        REQUIRE(refs);
        std::vector<std::uint32_t> gone = uids(*refs);
        v.note_expunged(gone);
        CHECK(flush(v, ctx(imap::cmd::uid_expunge{set("3000:3002")})) ==
              lines({"* 3 EXPUNGE", "* 3 EXPUNGE", "* 3 EXPUNGE"}));
    }
}

TEST_CASE("VANISHED replaces EXPUNGE under QRESYNC (RFC 7162 section 3.2.10.2)", "[engine][mailbox_view]") {
    // Message numbers:   1    2    3    4    5  6   7  8  9 10  11
    // UIDs:              x  504  505  507  508  x 510  x  x  x 625
    mailbox_view v(msgs({500, 504, 505, 507, 508, 509, 510, 511, 512, 513, 625}), status(626, 100), {});
    const std::vector<std::uint32_t> first{505, 507, 510, 625};
    v.note_expunged(first);
    CHECK(flush(v, ctx(imap::cmd::expunge{}, qresync())) == "* VANISHED 505,507,510,625\r\n");
    CHECK(v.exists() == 7);
    const std::vector<std::uint32_t> second{504, 508};
    v.note_expunged(second);
    CHECK(flush(v, ctx(imap::cmd::expunge{}, qresync())) == "* VANISHED 504,508\r\n");
    CHECK(v.exists() == 5);

    SECTION("without QRESYNC the same removals are EXPUNGEs") {
        mailbox_view w(msgs({500, 504, 505, 507, 508, 509, 510, 511, 512, 513, 625}), status(626, 100), {});
        w.note_expunged(first);
        CHECK(flush(w, ctx(imap::cmd::expunge{}, condstore())) ==
              lines({"* 3 EXPUNGE", "* 3 EXPUNGE", "* 5 EXPUNGE", "* 8 EXPUNGE"}));
    }
    SECTION("a mailbox without mod-sequences keeps EXPUNGE (section 3.2.10)") {
        engine::view_options o;
        o.persistent_modseq = false;
        mailbox_view w(msgs({1, 2, 3}), status(4), {}, o);
        const std::vector<std::uint32_t> two{2};
        w.note_expunged(two);
        CHECK(flush(w, ctx(imap::cmd::noop{}, qresync())) == "* 2 EXPUNGE\r\n");
    }
    SECTION("adjacent UIDs form ranges") {
        mailbox_view w(range(1, 10), status(11), {});
        REQUIRE(w.update(msgs({1, 5, 9}), status(11)));
        CHECK(flush(w, ctx(imap::cmd::noop{}, qresync())) == "* VANISHED 2:4,6:8,10\r\n");
    }
}

TEST_CASE("external delivery and expunge during FETCH (RFC 3501 sections 5.2, 7.4.1)",
          "[engine][mailbox_view]") {
    mailbox_view v(range(1, 5), status(6), {});
    // Another session expunged UID 3; an MDA delivered UID 6 (recent here).
    auto now = msgs({1, 2, 4, 5, 6});
    const std::vector<std::uint32_t> recent{6};
    REQUIRE(v.update(now, status(7), recent));

    SECTION("FETCH: EXISTS may go out, the EXPUNGE waits") {
        auto c = ctx(fetch_cmd(false));
        CHECK(flush(v, c) == lines({"* 6 EXISTS", "* 1 RECENT"}));
        // The expunged message keeps number 3 and is marked for the engine.
        auto refs = v.resolve(set("2:4"), false);
        REQUIRE(refs);
        CHECK(*refs ==
              std::vector<message_ref>{{2, 2, false, false}, {3, 3, false, true}, {4, 4, false, false}});
        CHECK(v.resolve(set("6"), false));
        CHECK(v.find_uid(3)->expunged);
        CHECK(v.exists() == 6);
        // Still held under STORE and SEARCH; nothing else owed.
        CHECK(flush(v, ctx(store_cmd(false))).empty());
        CHECK(
            flush(v, ctx(search_cmd(false, imap::search_key::simple(imap::search_key::kind::all)))).empty());
        // NOOP may send it; new numbers follow.
        CHECK(flush(v, ctx(imap::cmd::noop{})) == "* 3 EXPUNGE\r\n");
        CHECK(v.exists() == 5);
        CHECK(v.at(5)->uid == 6);
        CHECK(v.at(5)->recent);
    }
    SECTION("UID FETCH: the EXPUNGE goes out before EXISTS") {
        CHECK(flush(v, ctx(fetch_cmd(true))) == lines({"* 3 EXPUNGE", "* 5 EXISTS", "* 1 RECENT"}));
    }
    SECTION("UID SEARCH with a sequence-number criterion holds it back (RFC 7162 section 3.2.10.2)") {
        auto key = imap::search_key::with_set(imap::search_key::kind::sequence, set("1:3"));
        CHECK(flush(v, ctx(search_cmd(true, key), qresync())) ==
              lines({"* 6 EXISTS", "* 1 RECENT", "* OK [HIGHESTMODSEQ 1] Expunges pending"}));
        CHECK(flush(v, ctx(search_cmd(true, imap::search_key::simple(imap::search_key::kind::all)),
                           qresync())) == "* VANISHED 3\r\n");
    }
}

TEST_CASE("EXISTS never decreases without EXPUNGE (RFC 3501 section 5.2)", "[engine][mailbox_view]") {
    mailbox_view v(range(1, 3), status(4), {});
    // 4 and 5 arrive; 5 and 2 vanish before the client hears of 5.
    REQUIRE(v.update(range(1, 5), status(6)));
    REQUIRE(v.update(msgs({1, 3, 4}), status(6)));
    CHECK(flush(v, ctx(fetch_cmd(false))) == lines({"* 4 EXISTS", "* 0 RECENT"}));
    CHECK(v.exists() == 4);                                                    // 1, 2 (expunged, held), 3, 4
    CHECK(flush(v, ctx(imap::cmd::noop{}, qresync())) == "* VANISHED 2\r\n");  // never 5
    CHECK(v.exists() == 3);
    // A delivery and an expunge while holding: count only grows until EXPUNGE.
    REQUIRE(v.update(msgs({3, 4, 6}), status(7)));
    CHECK(flush(v, ctx(store_cmd(false))) == lines({"* 4 EXISTS", "* 0 RECENT"}));
    CHECK(flush(v, ctx(imap::cmd::check{})) == "* 1 EXPUNGE\r\n");
    CHECK(uids(*v.resolve(set("1:*"), false)) == std::vector<std::uint32_t>{3, 4, 6});
}

TEST_CASE("flag changes by other sessions (RFC 3501 section 5.2, RFC 7162 example 14)",
          "[engine][mailbox_view]") {
    auto listing = range(1, 10);
    listing[6] = msg(7, "\\Answered", 12121230000u);
    mailbox_view v(listing, status(11, 12121230000u), {});
    listing[6] = msg(7, "\\Deleted \\Answered", 12121231000u);
    REQUIRE(v.update(listing, status(11, 12121231000u)));

    SECTION("CONDSTORE: UID and MODSEQ ride along (sections 3.1.4.2, 3.2.4)") {
        CHECK(flush(v, ctx(imap::cmd::noop{}, condstore())) ==
              "* 7 FETCH (UID 7 FLAGS (\\Answered \\Deleted) MODSEQ (12121231000))\r\n");
    }
    SECTION("plain: FLAGS only, also during FETCH") {
        CHECK(flush(v, ctx(fetch_cmd(false))) == "* 7 FETCH (FLAGS (\\Answered \\Deleted))\r\n");
        CHECK(flush(v, ctx(imap::cmd::noop{})).empty());  // reported once
    }
    SECTION("UID command: UID included (RFC 3501 section 6.4.8)") {
        CHECK(flush(v, ctx(store_cmd(true))) == "* 7 FETCH (UID 7 FLAGS (\\Answered \\Deleted))\r\n");
    }
    SECTION("a held expunge does not shift the FETCH's number") {
        listing.erase(listing.begin() + 1);  // UID 2 gone
        REQUIRE(v.update(listing, status(11, 12121231001u)));
        CHECK(flush(v, ctx(fetch_cmd(false))) == "* 7 FETCH (FLAGS (\\Answered \\Deleted))\r\n");
        CHECK(flush(v, ctx(imap::cmd::noop{})) == "* 2 EXPUNGE\r\n");
    }
    SECTION("after an allowed EXPUNGE the FETCH uses the new number") {
        listing.erase(listing.begin() + 1);
        REQUIRE(v.update(listing, status(11, 12121231001u)));
        CHECK(flush(v, ctx(imap::cmd::noop{})) ==
              lines({"* 2 EXPUNGE", "* 6 FETCH (FLAGS (\\Answered \\Deleted))"}));
    }
}

TEST_CASE("update_flags answers as update with the whole listing", "[engine][mailbox_view]") {
    // Random flag changes by "other sessions", a few at a time, some
    // expunges and arrivals in between (those go through update in both);
    // the two views must owe and send the same responses throughout.
    std::uint64_t state = 0x9e3779b97f4a7c15ull;
    auto next = [&](std::uint32_t n) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return static_cast<std::uint32_t>(state % n);
    };
    constexpr std::string_view flag_texts[] = {"",          "\\Seen",  "\\Seen \\Flagged",
                                               "\\Deleted", "$Label1", "\\Answered $Work"};
    auto listing = range(1, 60);
    std::uint32_t uidnext = 61;
    std::uint64_t modseq = 1;
    mailbox_view full(listing, status(uidnext, modseq), {}), quick(listing, status(uidnext, modseq), {});
    const report_context contexts[] = {ctx(imap::cmd::noop{}), ctx(imap::cmd::noop{}, condstore()),
                                       ctx(fetch_cmd(false)), ctx(store_cmd(true), condstore())};
    for (int round = 0; round < 2000; ++round) {
        const auto pick = next(10);
        if (pick == 0 && listing.size() > 10) {
            listing.erase(listing.begin() + next(static_cast<std::uint32_t>(listing.size())));
            REQUIRE(full.update(listing, status(uidnext, ++modseq)));
            REQUIRE(quick.update(listing, status(uidnext, modseq)));
        } else if (pick == 1) {
            listing.push_back(msg(uidnext++, "", ++modseq));
            REQUIRE(full.update(listing, status(uidnext, modseq)));
            REQUIRE(quick.update(listing, status(uidnext, modseq)));
        } else {
            std::vector<std::size_t> at;
            for (std::uint32_t k = next(4); k > 0; --k)
                at.push_back(next(static_cast<std::uint32_t>(listing.size())));
            std::sort(at.begin(), at.end());
            at.erase(std::unique(at.begin(), at.end()), at.end());
            std::vector<store::message_info> changed;
            for (const std::size_t i : at) {
                listing[i].flags = flags(flag_texts[next(std::size(flag_texts))]);
                listing[i].modseq = ++modseq;
                changed.push_back(listing[i]);
            }
            REQUIRE(full.update(listing, status(uidnext, modseq)));
            REQUIRE(quick.update_flags(changed, status(uidnext, modseq)));
        }
        if (next(3) == 0) {
            const report_context& c = contexts[next(std::size(contexts))];
            INFO("round " << round);
            REQUIRE(flush(full, c) == flush(quick, c));
        }
        CHECK(full.has_pending() == quick.has_pending());
        CHECK(full.highest_modseq() == quick.highest_modseq());
    }
    CHECK(flush(full, contexts[1]) == flush(quick, contexts[1]));
    CHECK_FALSE(quick.update_flags({}, status(uidnext, modseq, 1)));  // another UIDVALIDITY
}

TEST_CASE("a bare mod-sequence change matters only under CONDSTORE", "[engine][mailbox_view]") {
    auto listing = range(1, 3);
    mailbox_view v(listing, status(4, 10), {});
    listing[1].modseq = 11;
    SECTION("CONDSTORE") {
        REQUIRE(v.update(listing, status(4, 11)));
        CHECK(flush(v, ctx(imap::cmd::noop{}, condstore())) ==
              "* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (11))\r\n");
    }
    SECTION("plain") {
        REQUIRE(v.update(listing, status(4, 11)));
        CHECK(flush(v, ctx(imap::cmd::noop{})).empty());
        CHECK_FALSE(v.has_pending());
    }
}

TEST_CASE("own STORE and .SILENT (RFC 3501 section 6.4.6, RFC 7162 section 3.1.3)",
          "[engine][mailbox_view]") {
    auto listing = range(1, 8);
    mailbox_view v(listing, status(9, 2121230000u), {});
    const auto deleted = flags("\\Deleted");
    std::vector<store::message_info> result{msg(7, "\\Seen \\Deleted", 2121231000u)};
    std::vector<imap::response> out;

    SECTION("STORE 7 +FLAGS (\\Deleted)") {
        v.note_store(result, store::flag_mode::add, deleted, false, ctx(store_cmd(false)), out);
        CHECK(wire(out) == "* 7 FETCH (FLAGS (\\Seen \\Deleted))\r\n");
    }
    SECTION("STORE 7 +FLAGS.SILENT (\\Deleted): nothing") {
        v.note_store(result, store::flag_mode::add, deleted, true, ctx(store_cmd(false)), out);
        CHECK(out.empty());
    }
    SECTION("with CONDSTORE, .SILENT still gets FETCH with MODSEQ (example 14)") {
        v.note_store(result, store::flag_mode::add, deleted, true, ctx(store_cmd(false), condstore()), out);
        CHECK(wire(out) == "* 7 FETCH (UID 7 MODSEQ (2121231000))\r\n");
    }
    SECTION("UID STORE non-silent carries UID") {
        v.note_store(result, store::flag_mode::add, deleted, false, ctx(store_cmd(true)), out);
        CHECK(wire(out) == "* 7 FETCH (UID 7 FLAGS (\\Seen \\Deleted))\r\n");
    }
    SECTION(".SILENT, but another session changed the flags too (RFC 7162 example 10)") {
        // \Answered was added elsewhere and the view has not reported it.
        std::vector<store::message_info> mixed{msg(7, "\\Seen \\Answered \\Deleted", 2121231000u)};
        v.note_store(mixed, store::flag_mode::add, deleted, true, ctx(store_cmd(false), condstore()), out);
        CHECK(wire(out) == "* 7 FETCH (UID 7 FLAGS (\\Seen \\Answered \\Deleted) MODSEQ (2121231000))\r\n");
        // Repeating it changes nothing the client cannot compute.
        out.clear();
        v.note_store(mixed, store::flag_mode::add, deleted, true, ctx(store_cmd(false)), out);
        CHECK(out.empty());
    }
    SECTION(".SILENT after a refresh that saw the other change: FLAGS too") {
        listing[6] = msg(7, "\\Seen \\Answered", 2121230500u);
        REQUIRE(v.update(listing, status(9, 2121230500u)));
        std::vector<store::message_info> mixed{msg(7, "\\Seen \\Answered \\Deleted", 2121231000u)};
        v.note_store(mixed, store::flag_mode::add, deleted, true, ctx(store_cmd(false)), out);
        CHECK(wire(out) == "* 7 FETCH (FLAGS (\\Seen \\Answered \\Deleted))\r\n");
        CHECK(flush(v, ctx(imap::cmd::noop{})).empty());  // not owed twice
    }
    SECTION("own changes are not repeated by the next refresh") {
        v.note_store(result, store::flag_mode::add, deleted, true, ctx(store_cmd(false)), out);
        listing[6] = result[0];
        REQUIRE(v.update(listing, status(9, 2121231000u)));
        CHECK_FALSE(v.has_pending());
        CHECK(flush(v, ctx(imap::cmd::noop{}, condstore())).empty());
    }
    SECTION("-FLAGS.SILENT and FLAGS.SILENT with keywords") {
        std::vector<store::message_info> r1{msg(7, "", 2121231000u)};
        v.note_store(r1, store::flag_mode::remove, flags("\\Seen"), true, ctx(store_cmd(false)), out);
        CHECK(out.empty());
        std::vector<store::message_info> r2{msg(7, "\\Flagged $Label", 2121231001u)};
        v.note_store(r2, store::flag_mode::replace, flags("\\Flagged $label"), true, ctx(store_cmd(false)),
                     out);
        // $Label is new: FLAGS and PERMANENTFLAGS first; the FETCH is silent.
        CHECK(wire(out) ==
              lines({"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label)",
                     "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label \\*)] Flags "
                     "permitted"}));
    }
    SECTION("UID STORE 6,4,8 (UNCHANGEDSINCE ...) +FLAGS.SILENT (\\Deleted) (example 3)") {
        mailbox_view w(msgs({4, 6, 7, 8}), status(9, 12121230045u), {});
        std::vector<store::message_info> r{msg(4, "\\Seen \\Deleted", 12121231000u),
                                           msg(6, "\\Seen \\Deleted", 12121230852u),
                                           msg(8, "\\Seen \\Deleted", 12121230956u)};
        w.note_store(r, store::flag_mode::add, deleted, true, ctx(store_cmd(true), condstore()), out);
        CHECK(wire(out) ==
              lines({"* 1 FETCH (UID 4 MODSEQ (12121231000))", "* 2 FETCH (UID 6 MODSEQ (12121230852))",
                     "* 4 FETCH (UID 8 MODSEQ (12121230956))"}));
    }
}

TEST_CASE("\\Recent belongs to this session only (RFC 3501 sections 2.3.2, 7.3.2)",
          "[engine][mailbox_view]") {
    const std::vector<std::uint32_t> recent{2, 3};
    mailbox_view v(range(1, 3), status(4), recent);
    CHECK(v.recent_count() == 2);
    CHECK(wire(v.fetch_flags(*v.at(2), ctx(fetch_cmd(false)))) == "* 2 FETCH (FLAGS (\\Seen \\Recent))\r\n");
    CHECK(wire(v.fetch_flags(*v.at(1), ctx(fetch_cmd(false)))) == "* 1 FETCH (FLAGS (\\Seen))\r\n");

    // Two deliveries; another session got \Recent for 4, this one for 5.
    const std::vector<std::uint32_t> mine{5};
    REQUIRE(v.update(range(1, 5), status(6), mine));
    CHECK(flush(v, ctx(imap::cmd::noop{})) == lines({"* 5 EXISTS", "* 3 RECENT"}));
    // A delivery without \Recent here still reports RECENT with the new size.
    REQUIRE(v.update(range(1, 6), status(7)));
    CHECK(flush(v, ctx(imap::cmd::noop{})) == lines({"* 6 EXISTS", "* 3 RECENT"}));
    // Expunging a recent message lowers the count; flags keep \Recent.
    REQUIRE(v.update(msgs({1, 2, 4, 5, 6}), status(7)));
    CHECK(flush(v, ctx(imap::cmd::noop{})) == "* 3 EXPUNGE\r\n");
    CHECK(v.recent_count() == 2);
    auto c = ctx(imap::cmd::noop{}, condstore());
    CHECK(wire(v.fetch_flags(*v.find_uid(5), c)) ==
          "* 4 FETCH (UID 5 FLAGS (\\Seen \\Recent) MODSEQ (1))\r\n");
    CHECK_FALSE(v.find_uid(4)->recent);
}

TEST_CASE("new keywords announce FLAGS and PERMANENTFLAGS", "[engine][mailbox_view]") {
    auto listing = range(1, 2);
    mailbox_view v(listing, status(3), {});
    listing[0] = msg(1, "\\Seen $Junk", 2);
    REQUIRE(v.update(listing, status(3, 2)));
    CHECK(flush(v, ctx(imap::cmd::noop{})) ==
          lines({"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk)",
                 "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk \\*)] Flags "
                 "permitted",
                 "* 1 FETCH (FLAGS (\\Seen $Junk))"}));
    // Another case of the same keyword is the same keyword.
    listing[1] = msg(2, "$JUNK", 3);
    REQUIRE(v.update(listing, status(3, 3)));
    CHECK(flush(v, ctx(imap::cmd::noop{})) == "* 2 FETCH (FLAGS ($JUNK))\r\n");
}

TEST_CASE("engine's own FETCH FLAGS are not repeated", "[engine][mailbox_view]") {
    auto listing = range(1, 3);
    listing[0] = msg(1, "", 1);
    mailbox_view v(listing, status(4), {});
    listing[0] = msg(1, "\\Seen", 2);  // FETCH BODY[] set \Seen (RFC 3501 section 6.4.5)
    REQUIRE(v.update(listing, status(4, 2)));
    v.note_flags_sent(listing[0]);
    CHECK_FALSE(v.has_pending());
    CHECK(flush(v, ctx(fetch_cmd(false), condstore())).empty());
}

TEST_CASE("QRESYNC while expunges are held keeps HIGHESTMODSEQ low (RFC 7162 section 3.2)",
          "[engine][mailbox_view]") {
    auto listing = range(6, 8);
    mailbox_view v(listing, status(9, 99), {});
    // UID 8 expunged elsewhere (mod-sequence 100), then 6 and 7 changed.
    listing.pop_back();
    listing[0].modseq = 103;
    listing[1].modseq = 101;
    REQUIRE(v.update(listing, status(9, 103)));
    CHECK(v.reportable_modseq() == 99);
    CHECK(
        flush(v, ctx(store_cmd(false), qresync())) ==
        lines({"* 1 FETCH (UID 6 FLAGS (\\Seen) MODSEQ (103))",
               "* 2 FETCH (UID 7 FLAGS (\\Seen) MODSEQ (101))", "* OK [HIGHESTMODSEQ 99] Expunges pending"}));
    CHECK(flush(v, ctx(imap::cmd::noop{}, qresync())) == "* VANISHED 8\r\n");
    CHECK(v.reportable_modseq() == 103);
    CHECK(wire({v.modseq_status()}) == "* OK [HIGHESTMODSEQ 103] Highest\r\n");
}

TEST_CASE("SELECT (QRESYNC ...) (RFC 7162 section 3.2.5)", "[engine][mailbox_view]") {
    SECTION("known UIDs and changes since the client's mod-sequence") {
        // Present: 1:40, 42, 117, 119, 541, 550:599; UIDNEXT 600.
        std::vector<store::message_info> listing = range(1, 40);
        for (std::uint32_t u : {42u, 117u, 119u, 541u})
            listing.push_back(msg(u, "\\Seen", 90060115194045000u));
        for (std::uint32_t u = 550; u < 600; ++u) listing.push_back(msg(u, "\\Seen", 5));
        listing[41].modseq = 90060115194045001u;  // 117
        listing[41].flags = flags("\\Seen \\Answered");
        listing[42].modseq = 90060115194045308u;  // 119
        listing[42].flags = flags("\\Draft $MDNSent");
        listing[43].modseq = 90060115194045001u;  // 541
        listing[43].flags = flags("\\Seen $Forwarded");
        mailbox_view v(listing, status(600, 90060115205545359u, 67890007), {});
        imap::cmd::qresync_params p;
        p.uidvalidity = 67890007;
        p.modseq = 90060115194045000u;
        p.known_uids = set("41:211,214:541");
        auto r = v.qresync(p);
        CHECK(wire_v(r.vanished) == "* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n");
        REQUIRE(r.changed.size() == 3);
        std::vector<imap::response> out;
        for (const auto& m : r.changed) out.push_back(v.fetch_flags(m, ctx(imap::cmd::noop{}, qresync())));
        CHECK(wire(out) ==
              lines({"* 42 FETCH (UID 117 FLAGS (\\Seen \\Answered) MODSEQ (90060115194045001))",
                     "* 43 FETCH (UID 119 FLAGS (\\Draft $MDNSent) MODSEQ (90060115194045308))",
                     "* 44 FETCH (UID 541 FLAGS (\\Seen $Forwarded) MODSEQ (90060115194045001))"}));

        SECTION("UIDVALIDITY mismatch: nothing") {
            p.uidvalidity = 1;
            auto none = v.qresync(p);
            CHECK(none.vanished.empty());
            CHECK(none.changed.empty());
        }
        SECTION("no known UIDs: 1:UIDNEXT-1") {
            p.known_uids.reset();
            auto all = v.qresync(p);
            CHECK(wire_v(all.vanished) == "* VANISHED (EARLIER) 41,43:116,118,120:540,542:549\r\n");
            CHECK(all.changed.size() == 3);
        }
    }
    SECTION("message sequence match data (section 3.2.5.2)") {
        // Only UIDs divisible by three up to 29997, then 30000..30009.
        std::vector<store::message_info> listing;
        for (std::uint32_t u = 3; u <= 29997; u += 3) listing.push_back(msg(u, "\\Seen", 10));
        for (std::uint32_t u : {30000u, 30003u, 30006u, 30009u}) listing.push_back(msg(u, "\\Seen", 10));
        listing[0].modseq = 90060115194045001u;
        mailbox_view v(listing, status(30013, 90060115205545359u, 67890007), {});
        CHECK(v.exists() == 10003);
        imap::cmd::qresync_params p;
        p.uidvalidity = 67890007;
        p.modseq = 90060115194045000u;
        p.known_uids = set("1:29997");

        auto without = v.qresync(p);
        REQUIRE(without.vanished.size() ==
                (9999 + mailbox_view::max_vanished_ranges - 1) / mailbox_view::max_vanished_ranges);
        CHECK(wire_v({without.vanished.front()}).rfind("* VANISHED (EARLIER) 1:2,4:5,7:8,10:11,", 0) == 0);
        CHECK(wire_v({without.vanished.back()}).find(",29995:29996\r\n") != std::string::npos);
        CHECK(uids(without.changed) == std::vector<std::uint32_t>{3});

        p.seq_match.emplace(
            set("5000,7500,9000,9990:9999"),
            set("15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997"));
        auto with = v.qresync(p);
        CHECK(with.vanished.empty());
        CHECK(uids(with.changed) == std::vector<std::uint32_t>{3});
    }
    SECTION("the first pair that no longer matches bounds the VANISHED set") {
        // 4th message is UID 8 (matches), 12th is UID 25, not 24: lowest is 9.
        auto listing = msgs({1, 2, 3, 8, 10, 11, 12, 13, 14, 15, 16, 25, 26});
        mailbox_view v(listing, status(31, 50), {});
        imap::cmd::qresync_params p;
        p.uidvalidity = 3857529045u;
        p.modseq = 50;
        p.known_uids = set("1:30");
        p.seq_match.emplace(set("4,12"), set("8,24"));
        auto r = v.qresync(p);
        CHECK(wire_v(r.vanished) == "* VANISHED (EARLIER) 9,17:24,27:30\r\n");
        CHECK(r.changed.empty());
    }
    SECTION("a mailbox without mod-sequences ignores QRESYNC (section 3.2.5.1)") {
        engine::view_options o;
        o.persistent_modseq = false;
        mailbox_view v(msgs({5}), status(10), {}, o);
        imap::cmd::qresync_params p;
        p.uidvalidity = 3857529045u;
        auto r = v.qresync(p);
        CHECK(r.vanished.empty());
        CHECK(r.changed.empty());
    }
}

TEST_CASE("UID FETCH (CHANGEDSINCE m VANISHED) (RFC 7162 sections 3.1.4.1, 3.2.6)",
          "[engine][mailbox_view]") {
    std::vector<store::message_info> listing{
        msg(404, "\\Seen", 65402), msg(406, "\\Deleted", 75403),
        msg(407, "", 100),         msg(408, "$NoJunk $AutoJunk $MDNSent", 29738),
        msg(410, "", 12345),       msg(412, "", 12000)};
    mailbox_view v(listing, status(413, 75403), {});
    auto c = ctx(fetch_cmd(true), qresync());
    // No tombstones: every absent UID of 300:500 below UIDNEXT is reported.
    CHECK(wire_v(v.vanished_earlier(set("300:500"))) == "* VANISHED (EARLIER) 300:403,405,409,411\r\n");
    CHECK(wire_v(v.vanished_earlier(set("404:*"))) == "* VANISHED (EARLIER) 405,409,411\r\n");
    CHECK(v.vanished_earlier(set("404,406:408")).empty());
    auto refs = v.resolve(set("300:500"), true);
    REQUIRE(refs);
    v.keep_changed_since(*refs, 12345);
    std::vector<imap::response> out;
    for (const auto& r : *refs) out.push_back(v.fetch_flags(r, c));
    CHECK(wire(out) == lines({"* 1 FETCH (UID 404 FLAGS (\\Seen) MODSEQ (65402))",
                              "* 2 FETCH (UID 406 FLAGS (\\Deleted) MODSEQ (75403))",
                              "* 4 FETCH (UID 408 FLAGS ($NoJunk $AutoJunk $MDNSent) MODSEQ (29738))"}));

    SECTION("an expunged-pending message is neither changed nor VANISHED (EARLIER)") {
        listing.erase(listing.begin() + 1);  // 406
        REQUIRE(v.update(listing, status(413, 75404)));
        auto again = v.resolve(set("300:500"), true);
        REQUIRE(again);
        v.keep_changed_since(*again, 12345);
        CHECK(uids(*again) == std::vector<std::uint32_t>{404, 408});
        CHECK(wire_v(v.vanished_earlier(set("404:410"))) == "* VANISHED (EARLIER) 405,409\r\n");
        CHECK(flush(v, c) == "* VANISHED 406\r\n");
        CHECK(wire_v(v.vanished_earlier(set("404:410"))) == "* VANISHED (EARLIER) 405:406,409\r\n");
    }
}

TEST_CASE("update copes with UIDVALIDITY changes and unknown old UIDs", "[engine][mailbox_view]") {
    mailbox_view v(msgs({10, 20}), status(21), {});
    CHECK_FALSE(v.update(msgs({1}), status(2, 1, 7)));
    CHECK(v.exists() == 2);
    CHECK_FALSE(v.has_pending());
    // UID 15 cannot appear between known ones (RFC 3501 2.3.1.1): ignored.
    REQUIRE(v.update(msgs({10, 15, 20, 30}), status(31)));
    CHECK(flush(v, ctx(imap::cmd::noop{})) == lines({"* 3 EXISTS", "* 0 RECENT"}));
    CHECK(uids(*v.resolve(set("1:*"), false)) == std::vector<std::uint32_t>{10, 20, 30});
}

TEST_CASE("a million messages", "[engine][mailbox_view]") {
    constexpr std::uint32_t n = 1'000'000;
    std::vector<store::message_info> listing;
    listing.reserve(n);
    for (std::uint32_t u = 1; u <= n; ++u) {
        store::message_info m;
        m.uid = 2 * u;
        m.modseq = u;
        listing.push_back(std::move(m));
    }
    mailbox_view v(listing, status(2 * n + 1, n), {});
    // Every tenth message gone, one flag change, one delivery.
    std::vector<store::message_info> now;
    now.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i)
        if (i % 10 != 3) now.push_back(listing[i]);
    now[5].flags.set(store::system_flag::seen);
    now[5].modseq = n + 1;
    store::message_info fresh;
    fresh.uid = 2 * n + 2;
    fresh.modseq = n + 2;
    now.push_back(fresh);
    REQUIRE(v.update(now, status(2 * n + 3, n + 2)));
    auto held = v.resolve(set("*"), false);
    REQUIRE(held);
    CHECK(held->front().seq == n);
    std::vector<imap::response> out;
    v.flush(ctx(imap::cmd::noop{}, qresync()), out);
    // VANISHED in line-sized pieces, then EXISTS and RECENT, then the FETCH.
    REQUIRE(out.size() ==
            (n / 10 + mailbox_view::max_vanished_ranges - 1) / mailbox_view::max_vanished_ranges + 3);
    CHECK(wire({out[out.size() - 3], out[out.size() - 2], out.back()}) ==
          lines({"* 900001 EXISTS", "* 0 RECENT", "* 6 FETCH (UID 14 FLAGS (\\Seen) MODSEQ (1000001))"}));
    CHECK(v.exists() == n - n / 10 + 1);
    auto last = v.resolve(set("1999990:*"), true);
    REQUIRE(last);
    CHECK(uids(*last) ==
          std::vector<std::uint32_t>{1999990, 1999992, 1999994, 1999996, 1999998, 2000000, 2000002});
}
