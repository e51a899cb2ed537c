// The maildir module's internal codecs: uidlist, modified UTF-7, file names.
#include "../../src/maildir/uidlist.hpp"

#include "../../src/maildir/filename.hpp"
#include "../../src/maildir/keywords.hpp"

#include <catch2/catch.hpp>
#include <mailaccess/core/error.hpp>
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
    uidlist l{42, 10, 17, {{1, 3, "a,S=1"}, {4, 17, "b c,S=2"}}, {}};
    const std::string text = serialize_uidlist(l);
    CHECK(text == "3 V42 N10 M17\n1 M3 :a,S=1\n4 M17 :b c,S=2\n");
    auto back = parse_uidlist(text);
    REQUIRE(back);
    CHECK(*back == l);
}

TEST_CASE("uidlist folds appended modseq lines into their entries", "[maildir][uidlist]") {
    // Flag changes append "<uid> M<modseq>"; the header's M lags behind them.
    auto list =
        parse_uidlist("3 V42 N10 M17\n1 M3 :a,S=1\n4 M17 :b,S=2\n1 M18\n4 M19\n1 M20\n6 M21 :c,S=3\n");
    REQUIRE(list);
    REQUIRE(list->entries.size() == 3);
    CHECK(list->entries[0] == uidlist_entry{1, 20, "a,S=1"});
    CHECK(list->entries[1] == uidlist_entry{4, 19, "b,S=2"});
    CHECK(list->entries[2] == uidlist_entry{6, 21, "c,S=3"});
    CHECK(list->highest_modseq == 21u);
    CHECK(list->updates.empty());
    // A modseq never goes back, whatever the line order.
    auto older = parse_uidlist("3 V42 N10 M17\n1 M9 :a\n1 M5\n");
    REQUIRE(older);
    CHECK(older->entries[0].modseq == 9u);
    // Lines for UIDs not listed (a tail read on its own, a removed message)
    // are handed back in file order.
    auto tail = parse_uidlist("3 V42 N1\n7 M30\n3 M31\n");
    REQUIRE(tail);
    CHECK(tail->entries.empty());
    CHECK(tail->updates == std::vector<modseq_update>{{7, 30}, {3, 31}});
    CHECK(tail->highest_modseq == 31u);
    CHECK(serialize_modseq_update({7, 30}) == "7 M30\n");
    for (const char* bad : {"3 V1 N9\n5 M0\n", "3 V1 N9\n5 Mx\n", "3 V1 N9\n0 M3\n", "3 V1 N9\n5\n"}) {
        INFO(bad);
        CHECK(parse_uidlist(bad).error() == store::errc::corrupt);
    }
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
    // P survives; system and keyword letters are replaced; letters sorted ASCII.
    CHECK(keyword_letters(name) == "a");
    CHECK(filename_with_flags(name, next.system, "a") == "1700000000.M5P9Q1.host,S=1234,W=1260:2,DFPRTa");
    CHECK(filename_with_flags(name, next.system, "zc") == "1700000000.M5P9Q1.host,S=1234,W=1260:2,DFPRTcz");
    CHECK(filename_with_flags(name, 0, "") == "1700000000.M5P9Q1.host,S=1234,W=1260:2,P");
    CHECK(filename_with_flags("x", 0, {}) == "x:2,");
    CHECK(flags_from_filename("x").system == 0);
}

TEST_CASE("dovecot-keywords parses like Dovecot", "[maildir][keywords]") {
    // As Dovecot's maildir-keywords.c: "<index> <name>", bad lines skipped.
    const auto t =
        parse_keywords("0 $Forwarded\n1 Work\n3 $Junk\r\nno-space\n26 TooFar\nx Bad\n5 \n2 Later\n");
    CHECK(t.names[0] == "$Forwarded");
    CHECK(t.names[1] == "Work");
    CHECK(t.names[2] == "Later");
    CHECK(t.names[3] == "$Junk");
    CHECK(t.names[4].empty());
    CHECK(t.names[5].empty());
    CHECK(t.letter_of("work") == 'b');
    CHECK_FALSE(t.letter_of("Home"));
    CHECK(t.names_of("dbaz") == std::vector<std::string>{"$Forwarded", "$Junk", "Work"});
    CHECK(t.unnamed_letters("abez") == "ez");
    CHECK(serialize_keywords(t) == "0 $Forwarded\n1 Work\n2 Later\n3 $Junk\n");
    CHECK(parse_keywords(serialize_keywords(t)) == t);
}

TEST_CASE("keyword letters are given out and bounded at 26", "[maildir][keywords]") {
    keyword_table t;
    t.names[0] = "Old";
    bool changed = false;
    // 'b' is carried by a file although unnamed: it is not handed out.
    auto l = t.letters_for({"Old", "New"}, "ab", changed);
    REQUIRE(l);
    CHECK(*l == "ac");
    CHECK(changed);
    CHECK(t.names[2] == "New");

    changed = false;
    CHECK(*t.letters_for({"new", "OLD"}, "", changed) == "ac");
    CHECK_FALSE(changed);
    CHECK(t.letters_for({"has space"}, "", changed).error() == mailaccess::errc::invalid_argument);
    CHECK(t.letters_for({""}, "", changed).error() == mailaccess::errc::invalid_argument);

    // Fill every letter; with all of them on files, the 27th keyword fails
    // and leaves the table as it was.
    std::vector<std::string> many;
    for (int i = 0; i < 24; ++i) many.push_back("k" + std::to_string(i));
    std::string all;
    for (char c = 'a'; c <= 'z'; ++c) all += c;
    REQUIRE(t.letters_for(many, "", changed));
    const keyword_table full = t;
    for (const auto& n : full.names) CHECK_FALSE(n.empty());
    CHECK(t.letters_for({"Extra"}, all, changed).error() == mailaccess::errc::limit_exceeded);
    CHECK(t == full);
    // Once no file carries "Old" ('a'), its letter is reused.
    auto reused = t.letters_for({"Extra"}, all.substr(1), changed);
    REQUIRE(reused);
    CHECK(*reused == "a");
    CHECK(t.names[0] == "Extra");
    CHECK_FALSE(t.letter_of("Old"));
}
