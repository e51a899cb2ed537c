// The maildir module's internal codecs: uidlist, modified UTF-7, file names.
#include "../../src/maildir/uidlist.hpp"

#include "../../src/maildir/filename.hpp"
#include "../../src/maildir/mutf7.hpp"

#include <catch2/catch.hpp>
#include <mailaccess/store/error.hpp>

using namespace mailaccess;
using namespace mailaccess::maildir::detail;

TEST_CASE("uidlist parses Dovecot's version 3 files", "[maildir][uidlist]") {
    auto list = parse_uidlist(
        "3 V1287490154 N12 G8f3fba2a0fd2bc4c0d1c0000ee1ab1e8\n"
        "5 :1287490155.M1P2.host,S=5\n"
        "9 W12 S10 :1287490156.M2P2.host,S=10:2,S\n");
    REQUIRE(list);
    CHECK(list->uidvalidity == 1287490154u);
    CHECK(list->next_uid == 12u);
    REQUIRE(list->entries.size() == 2);
    CHECK(list->entries[0] == uidlist_entry{5, 1, "1287490155.M1P2.host,S=5"});
    CHECK(list->entries[1].uid == 9u);
    CHECK(list->entries[1].basename == "1287490156.M2P2.host,S=10");
}

TEST_CASE("uidlist round-trips with modseqs", "[maildir][uidlist]") {
    uidlist l{42, 10, 17, {{1, 3, "a,S=1"}, {4, 17, "b c,S=2"}}};
    const std::string text = serialize_uidlist(l);
    CHECK(text == "3 V42 N10 M17\n1 M3 :a,S=1\n4 M17 :b c,S=2\n");
    auto back = parse_uidlist(text);
    REQUIRE(back);
    CHECK(*back == l);
}

TEST_CASE("uidlist accepts version 1 and repairs a lagging next UID", "[maildir][uidlist]") {
    auto list = parse_uidlist("1 77 3\n2 one\n8 two:2,S\n");
    REQUIRE(list);
    CHECK(list->uidvalidity == 77u);
    CHECK(list->next_uid == 9u);
    CHECK(list->entries[1].basename == "two");
}

TEST_CASE("uidlist rejects malformed input", "[maildir][uidlist]") {
    for (const char* bad :
         {"", "2 V1 N1\n", "3 N5\n", "3 V0 N1\n", "3 Vx N1\n", "3 V1 N1\n0 :a\n", "3 V1 N9\n5 :a\n5 :b\n",
          "3 V1 N9\n5 :a\n4 :b\n", "3 V1 N9\n5 a\n", "3 V1 N9\n5 :\n", "3 V1 N9\n5 :../x/y\n",
          "3 V1 N9\n4294967295 :a\n", "3 V99999999999 N1\n", "3 V1 N1\n1 Mx :a\n"}) {
        INFO(bad);
        CHECK(parse_uidlist(bad).error() == store::errc::corrupt);
    }
}

TEST_CASE("modified UTF-7 follows RFC 3501 5.1.3", "[maildir][mutf7]") {
    CHECK(*mutf7_encode("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e") ==
          "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    CHECK(*mutf7_decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-") ==
          "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
    CHECK(*mutf7_encode("Entw\xc3\xbcrfe & Ideen") == "Entw&APw-rfe &- Ideen");
    CHECK(*mutf7_decode("Entw&APw-rfe &- Ideen") == "Entw\xc3\xbcrfe & Ideen");
    // Outside the BMP: a surrogate pair.
    const std::string emoji = "\xf0\x9f\x93\xa7";
    auto enc = mutf7_encode(emoji);
    REQUIRE(enc);
    CHECK(*mutf7_decode(*enc) == emoji);
    for (const char* bad : {"\xc3", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80"})
        CHECK_FALSE(mutf7_encode(bad));
    for (const char* bad : {"&", "&U,BTFw", "&U,B-", "&2D0-", "a\x01", "&3AA-", "&A*-"}) {
        INFO(bad);
        CHECK(mutf7_decode(bad).error() == store::errc::invalid_mailbox_name);
    }
}

TEST_CASE("Maildir file names carry flags and sizes", "[maildir][filename]") {
    const std::string name = "1700000000.M5P9Q1.host,S=1234,W=1260:2,PSa";
    CHECK(basename_of(name) == "1700000000.M5P9Q1.host,S=1234,W=1260");
    CHECK(size_from_filename(name) == 1234u);
    CHECK_FALSE(size_from_filename("1.M1.host"));
    CHECK_FALSE(size_from_filename("1.M1.host,S=12x"));
    auto f = flags_from_filename(name);
    CHECK(f.has(store::system_flag::seen));
    CHECK_FALSE(f.has(store::system_flag::flagged));
    store::flag_set next;
    next.set(store::system_flag::deleted);
    next.set(store::system_flag::flagged);
    next.set(store::system_flag::answered);
    next.set(store::system_flag::draft);
    // P and the keyword letter survive; letters sorted ASCII.
    CHECK(filename_with_flags(name, next) == "1700000000.M5P9Q1.host,S=1234,W=1260:2,DFPRTa");
    CHECK(filename_with_flags("x", {}) == "x:2,");
    CHECK(flags_from_filename("x").system == 0);
}
