#include "../../src/maildir/message_cache.hpp"

#include <mailaccess/maildir/maildir_store.hpp>

#include "maildir/temp_dir.hpp"
#include "store/store_helpers.hpp"

#include <chrono>
#include <ctime>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace store = mailaccess::store;
namespace maildir = mailaccess::maildir;
namespace detail = mailaccess::maildir::detail;
using namespace mailaccess::test;
namespace fs = std::filesystem;

namespace {

maildir::maildir_store_options options_for(const temp_dir& dir) {
    REQUIRE_FALSE(dir.path().empty());
    maildir::maildir_store_options o;
    o.root = dir.path();
    o.fsync = false;
    return o;
}

std::unique_ptr<store::mailbox> open_box(store::store& s, std::string_view name,
                                         store::open_mode mode = store::open_mode::read_write) {
    auto acct = s.open_account("alice");
    REQUIRE(acct);
    auto box = (*acct)->open_mailbox(name, mode);
    REQUIRE(box);
    return std::move(*box);
}

fs::path maildir_of(const temp_dir& dir) { return dir.path() / "alice" / "Maildir"; }

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Changes bytes in place (same inode, as a damaged disk would).
void patch(const fs::path& p, std::size_t offset, std::string_view bytes) {
    std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
    REQUIRE(f.good());
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(f.good());
}

// Makes the file look untouched for a minute (a writer that died long ago).
void age(const fs::path& p) {
    const struct timespec times[2] = {{std::time(nullptr) - 60, 0}, {std::time(nullptr) - 60, 0}};
    REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
}

std::uint64_t inode_of(const fs::path& p) {
    struct stat sb {};
    REQUIRE(::stat(p.c_str(), &sb) == 0);
    return static_cast<std::uint64_t>(sb.st_ino);
}

// Every record in the file verifies, up to its very end.
void check_clean(const fs::path& p) {
    const std::string bytes = slurp(p);
    REQUIRE(bytes.size() >= detail::cache_header_size);
    CHECK(detail::parse_cache_header(bytes));
    const auto r = detail::scan_cache_records(std::string_view(bytes).substr(detail::cache_header_size),
                                              [](const detail::cache_record&) {});
    CHECK(r.stop == detail::cache_scan_stop::end);
    CHECK(r.consumed == bytes.size() - detail::cache_header_size);
}

std::string value_for(std::uint32_t uid, std::size_t size = 600) {
    std::string v = "structure of " + std::to_string(uid) + ":";
    while (v.size() < size) v += static_cast<char>('a' + (v.size() + uid) % 26);
    return v;
}

std::vector<std::uint32_t> fill(store::mailbox& box, int n) {
    std::vector<std::uint32_t> uids;
    for (int i = 0; i < n; ++i)
        uids.push_back(append_message(box, "Subject: " + std::to_string(i) + "\r\n\r\nbody\r\n"));
    return uids;
}

}  // namespace

TEST_CASE("cache file codec", "[maildir][cache]") {
    // CRC-32C's check value (RFC 3720 appendix B.4 gives its definition).
    CHECK(detail::cache_crc32(0, "123456789") == 0xE3069283u);
    CHECK(detail::cache_crc32(detail::cache_crc32(0, "1234"), "56789") == 0xE3069283u);
    const std::string zeros(32, '\0');
    CHECK(detail::cache_crc32(0, zeros) == 0x8A9136AAu);  // RFC 3720 B.4: 32 bytes of zeros
    // The eight-bytes-a-step loop against the definition, bit by bit, for
    // every length around the step and every way of splitting the input.
    const auto bitwise = [](std::string_view bytes) {
        std::uint32_t crc = 0xFFFFFFFFu;
        for (const char ch : bytes) {
            crc ^= static_cast<unsigned char>(ch);
            for (int k = 0; k < 8; ++k) crc = (crc & 1) != 0 ? 0x82F63B78u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    };
    std::string text;
    for (int i = 0; i < 70; ++i) text += static_cast<char>((i * 149 + 17) & 0xFF);
    for (std::size_t len = 0; len <= text.size(); ++len) {
        const std::string_view t = std::string_view(text).substr(0, len);
        for (std::size_t cut = 0; cut <= len; ++cut) {
            INFO(len << " " << cut);
            CHECK(detail::cache_crc32(detail::cache_crc32(0, t.substr(0, cut)), t.substr(cut)) == bitwise(t));
            CHECK(detail::cache_crc32_portable(detail::cache_crc32_portable(0, t.substr(0, cut)),
                                               t.substr(cut)) == bitwise(t));
        }
    }

    const std::string header = detail::serialize_cache_header(1234567);
    CHECK(header.size() == detail::cache_header_size);
    CHECK(header.substr(0, 8) == std::string("MACACHE\x02", 8));
    CHECK(detail::parse_cache_header(header) == std::optional<std::uint32_t>(1234567));
    CHECK_FALSE(detail::parse_cache_header(header.substr(0, 15)));
    CHECK_FALSE(detail::parse_cache_header(detail::serialize_cache_header(0)));
    for (const char version : {'\x01', '\x03'}) {
        std::string other = header;
        other[7] = version;  // an earlier (CRC-32) or later format is not ours to read
        CHECK_FALSE(detail::parse_cache_header(other));
    }

    const std::string a = detail::serialize_cache_record(7, "k", "value");
    const std::string b = detail::serialize_cache_record(8, "", std::string("\0x", 2));
    CHECK(a.size() == detail::cache_record_header_size + 1 + 5);
    const std::string both = a + b;
    std::vector<detail::cache_record> seen;
    auto r = detail::scan_cache_records(both, [&](const detail::cache_record& rec) { seen.push_back(rec); });
    CHECK(r.stop == detail::cache_scan_stop::end);
    CHECK(r.consumed == both.size());
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].uid == 7);
    CHECK(seen[0].key == "k");
    CHECK(seen[0].value == "value");
    CHECK(seen[1].uid == 8);
    CHECK(seen[1].offset == a.size());
    CHECK(seen[1].value == std::string_view("\0x", 2));

    // Every cut inside the second record is partial, never corrupt.
    for (std::size_t cut = a.size() + 1; cut < both.size(); ++cut) {
        r = detail::scan_cache_records(std::string_view(both).substr(0, cut), [](const auto&) {});
        CHECK(r.stop == detail::cache_scan_stop::partial);
        CHECK(r.consumed == a.size());
    }
    // Every flipped bit is caught.
    for (std::size_t i = 0; i < a.size(); ++i) {
        std::string bad = a;
        bad[i] = static_cast<char>(bad[i] ^ 0x10);
        r = detail::scan_cache_records(bad, [](const auto&) {});
        CHECK(r.stop != detail::cache_scan_stop::end);
        CHECK(r.consumed == 0);
    }
}

TEST_CASE("cache entries survive a restart", "[maildir][cache]") {
    temp_dir dir;
    std::vector<std::uint32_t> uids;
    {
        maildir::maildir_store s(options_for(dir));
        auto box = open_box(s, "INBOX");
        uids = fill(*box, 5);
        for (auto u : uids) box->cache(u, "mime.structure.1", value_for(u));
        box->cache(uids[0], "mime.structure.1", "replaced");
    }
    const fs::path file = maildir_of(dir) / "mailaccess-cache";
    REQUIRE(fs::is_regular_file(file));
    struct stat sb {};
    REQUIRE(::stat(file.c_str(), &sb) == 0);
    CHECK((sb.st_mode & 0777) == 0600);
    check_clean(file);

    maildir::maildir_store s(options_for(dir));
    auto box = open_box(s, "INBOX", store::open_mode::read_only);
    CHECK(box->cached(uids[0], "mime.structure.1") == std::optional<std::string>("replaced"));
    for (std::size_t i = 1; i < uids.size(); ++i)
        CHECK(box->cached(uids[i], "mime.structure.1") == std::optional<std::string>(value_for(uids[i])));
    CHECK_FALSE(box->cached(uids[1], "other"));
}

TEST_CASE("cache appends from two stores at once are all kept", "[maildir][cache]") {
    temp_dir dir;
    maildir::maildir_store s1(options_for(dir));
    maildir::maildir_store s2(options_for(dir));
    auto b1 = open_box(s1, "INBOX");
    auto b2 = open_box(s2, "INBOX");
    const auto uids = fill(*b1, 40);
    REQUIRE(b2->list());
    auto writer = [&](store::mailbox& box, const std::string& key) {
        for (int round = 0; round < 3; ++round)
            for (auto u : uids)
                box.cache(u, key, key + value_for(u, 300 + 1000 * static_cast<std::size_t>(round)));
    };
    std::thread t1(writer, std::ref(*b1), "one");
    std::thread t2(writer, std::ref(*b2), "two");
    t1.join();
    t2.join();
    for (auto* box : {b1.get(), b2.get()}) {
        for (auto u : uids) {
            CHECK(box->cached(u, "one") == std::optional<std::string>("one" + value_for(u, 2300)));
            CHECK(box->cached(u, "two") == std::optional<std::string>("two" + value_for(u, 2300)));
        }
    }
    check_clean(maildir_of(dir) / "mailaccess-cache");
    maildir::maildir_store s3(options_for(dir));
    auto b3 = open_box(s3, "INBOX");
    for (auto u : uids) CHECK(b3->cached(u, "two") == std::optional<std::string>("two" + value_for(u, 2300)));
}

TEST_CASE("a cache file cut inside its last record", "[maildir][cache]") {
    temp_dir dir;
    std::vector<std::uint32_t> uids;
    {
        maildir::maildir_store s(options_for(dir));
        auto box = open_box(s, "INBOX");
        uids = fill(*box, 3);
        for (auto u : uids) box->cache(u, "k", value_for(u));
    }
    const fs::path file = maildir_of(dir) / "mailaccess-cache";
    fs::resize_file(file, fs::file_size(file) - 100);
    const bool old = GENERATE(true, false);  // a writer that died long ago, or just now
    if (old) age(file);

    maildir::maildir_store s(options_for(dir));
    auto box = open_box(s, "INBOX");
    CHECK(box->cached(uids[0], "k") == std::optional<std::string>(value_for(uids[0])));
    CHECK(box->cached(uids[1], "k") == std::optional<std::string>(value_for(uids[1])));
    CHECK_FALSE(box->cached(uids[2], "k"));
    box->cache(uids[2], "k", "new");
    CHECK(box->cached(uids[2], "k") == std::optional<std::string>("new"));
    box->cache(uids[0], "k2", "more");
    CHECK(box->cached(uids[0], "k2") == std::optional<std::string>("more"));
    check_clean(file);

    maildir::maildir_store s2(options_for(dir));
    auto box2 = open_box(s2, "INBOX");
    CHECK(box2->cached(uids[0], "k") == std::optional<std::string>(value_for(uids[0])));
    CHECK(box2->cached(uids[1], "k") == std::optional<std::string>(value_for(uids[1])));
    CHECK(box2->cached(uids[2], "k") == std::optional<std::string>("new"));
}

TEST_CASE("a flipped byte in a cached value is never returned", "[maildir][cache]") {
    temp_dir dir;
    maildir::maildir_store s(options_for(dir));
    auto box = open_box(s, "INBOX");
    const auto uids = fill(*box, 2);
    box->cache(uids[0], "k", value_for(uids[0]));
    box->cache(uids[1], "k", value_for(uids[1]));
    REQUIRE(box->cached(uids[1], "k"));
    const fs::path file = maildir_of(dir) / "mailaccess-cache";
    const std::string bytes = slurp(file);
    const std::size_t at = bytes.rfind(value_for(uids[1])) + 10;  // inside the last value
    patch(file, at, std::string(1, static_cast<char>(bytes[at] ^ 0x01)));

    SECTION("by the process that had indexed it") {
        CHECK(box->cached(uids[0], "k") == std::optional<std::string>(value_for(uids[0])));
        CHECK_FALSE(box->cached(uids[1], "k"));
    }
    SECTION("by a process that scans it afresh") {
        maildir::maildir_store s2(options_for(dir));
        auto box2 = open_box(s2, "INBOX");
        CHECK(box2->cached(uids[0], "k") == std::optional<std::string>(value_for(uids[0])));
        CHECK_FALSE(box2->cached(uids[1], "k"));
        // The next write repairs the file.
        box2->cache(uids[1], "k", "fresh");
        CHECK(box2->cached(uids[1], "k") == std::optional<std::string>("fresh"));
        check_clean(file);
    }
}

TEST_CASE("a new UIDVALIDITY drops every cache entry", "[maildir][cache]") {
    temp_dir dir;
    SECTION("a header from another UIDVALIDITY") {
        std::vector<std::uint32_t> uids;
        {
            maildir::maildir_store s(options_for(dir));
            auto box = open_box(s, "INBOX");
            uids = fill(*box, 3);
            for (auto u : uids) box->cache(u, "k", value_for(u));
        }
        const fs::path file = maildir_of(dir) / "mailaccess-cache";
        const std::string bytes = slurp(file);
        const auto v = detail::parse_cache_header(bytes);
        REQUIRE(v);
        patch(file, 0, detail::serialize_cache_header(*v - 1));
        maildir::maildir_store s(options_for(dir));
        auto box = open_box(s, "INBOX");
        for (auto u : uids) CHECK_FALSE(box->cached(u, "k"));
        box->cache(uids[0], "k", "new");
        CHECK(box->cached(uids[0], "k") == std::optional<std::string>("new"));
        CHECK_FALSE(box->cached(uids[1], "k"));
        CHECK(detail::parse_cache_header(slurp(file)) == v);
        CHECK(fs::file_size(file) < bytes.size());
    }
    SECTION("a folder deleted and created again") {
        maildir::maildir_store s(options_for(dir));
        auto acct = s.open_account("alice");
        REQUIRE(acct);
        REQUIRE_FALSE((*acct)->create_mailbox("Work", store::special_use::none));
        auto old_box = open_box(s, "Work");
        const auto old_uids = fill(*old_box, 2);
        for (auto u : old_uids) old_box->cache(u, "k", value_for(u));
        REQUIRE(old_box->cached(old_uids[0], "k"));
        const auto old_status = old_box->status();
        REQUIRE(old_status);
        REQUIRE_FALSE((*acct)->delete_mailbox("Work"));
        REQUIRE_FALSE((*acct)->create_mailbox("Work", store::special_use::none));
        auto box = open_box(s, "Work");
        const auto uids = fill(*box, 2);
        const auto status = box->status();
        REQUIRE(status);
        CHECK(status->uidvalidity != old_status->uidvalidity);
        REQUIRE(uids == old_uids);  // the same numbers, other messages
        for (auto u : uids) CHECK_FALSE(box->cached(u, "k"));
        box->cache(uids[0], "k", "new");
        CHECK(box->cached(uids[0], "k") == std::optional<std::string>("new"));
        CHECK_FALSE(box->cached(uids[1], "k"));
    }
}

TEST_CASE("expunging most messages compacts the cache file", "[maildir][cache]") {
    temp_dir dir;
    maildir::maildir_store s(options_for(dir));
    maildir::maildir_store other(options_for(dir));  // another process, holding the old file
    auto box = open_box(s, "INBOX");
    const auto uids = fill(*box, 20);
    for (auto u : uids) box->cache(u, "k", value_for(u, 100 * 1024));
    const fs::path file = maildir_of(dir) / "mailaccess-cache";
    const auto before = fs::file_size(file);
    REQUIRE(before > detail::cache_compact_threshold);
    const auto before_ino = inode_of(file);

    auto obox = open_box(other, "INBOX", store::open_mode::read_only);
    for (auto u : uids) REQUIRE(obox->cached(u, "k") == std::optional<std::string>(value_for(u, 100 * 1024)));

    std::vector<std::uint32_t> gone(uids.begin(), uids.begin() + 15);
    REQUIRE(box->expunge(gone));
    const auto after = fs::file_size(file);
    CHECK(after < before / 3);
    CHECK(inode_of(file) != before_ino);
    check_clean(file);
    for (std::size_t i = 0; i < uids.size(); ++i) {
        const auto v = box->cached(uids[i], "k");
        if (i < 15)
            CHECK_FALSE(v);
        else
            CHECK(v == std::optional<std::string>(value_for(uids[i], 100 * 1024)));
    }

    // The other store still reads its old file: right data or nothing.
    for (auto u : uids) {
        const auto v = obox->cached(u, "k");
        if (v) CHECK(*v == value_for(u, 100 * 1024));
    }
    // What is written to the new file reaches it at its next miss.
    box->cache(uids[19], "k2", "after compaction");
    CHECK(obox->cached(uids[19], "k2") == std::optional<std::string>("after compaction"));
    CHECK(obox->cached(uids[18], "k") == std::optional<std::string>(value_for(uids[18], 100 * 1024)));
    // Once it has synced, the expunged UIDs are gone for it too.
    REQUIRE(obox->list());
    for (std::size_t i = 0; i < 15; ++i) CHECK_FALSE(obox->cached(uids[i], "k"));

    // And a writer holding the old file ends up in the new one.
    maildir::maildir_store third(options_for(dir));
    auto tbox = open_box(third, "INBOX");
    REQUIRE(tbox->cached(uids[15], "k"));
    std::vector<std::uint32_t> more(uids.begin() + 15, uids.begin() + 18);
    for (auto u : more) box->cache(u, "big", value_for(u, 200 * 1024));
    const auto ino2 = inode_of(file);
    REQUIRE(box->expunge(std::vector<std::uint32_t>{uids[15], uids[16], uids[17]}));
    CHECK(inode_of(file) != ino2);  // compacted again, under the third store's feet
    tbox->cache(uids[19], "k4", "from the third");
    CHECK(box->cached(uids[19], "k4") == std::optional<std::string>("from the third"));
    check_clean(file);
}

TEST_CASE("the cache file is no message, counts for no quota, and moves with its folder",
          "[maildir][cache]") {
    temp_dir dir;
    maildir::maildir_store s(options_for(dir));
    auto acct = s.open_account("alice");
    REQUIRE(acct);
    auto inbox = open_box(s, "INBOX");
    const auto iu = fill(*inbox, 2);
    inbox->cache(iu[0], "k", std::string(100000, 'x'));
    REQUIRE(fs::exists(maildir_of(dir) / "mailaccess-cache"));
    REQUIRE_FALSE((*acct)->create_mailbox("Work", store::special_use::none));
    auto work = open_box(s, "Work");
    const auto wu = fill(*work, 3);
    work->cache(wu[1], "k", "work data");
    const fs::path wfile = maildir_of(dir) / ".Work" / "mailaccess-cache";
    REQUIRE(fs::exists(wfile));

    auto list = inbox->list();
    REQUIRE(list);
    CHECK(list->size() == 2);
    auto st = work->status();
    REQUIRE(st);
    CHECK(st->messages == 3);
    auto q = (*acct)->quota();
    REQUIRE(q);
    CHECK(q->messages_used == 5);
    CHECK(q->bytes_used < 1000);
    auto boxes = (*acct)->list_mailboxes();
    REQUIRE(boxes);
    for (const auto& b : *boxes) CHECK(b.name.find("cache") == std::string::npos);

    REQUIRE_FALSE((*acct)->rename_mailbox("Work", "Play"));
    CHECK_FALSE(fs::exists(wfile));
    CHECK(fs::exists(maildir_of(dir) / ".Play" / "mailaccess-cache"));
    auto play = open_box(s, "Play");
    CHECK(play->cached(wu[1], "k") == std::optional<std::string>("work data"));

    REQUIRE_FALSE((*acct)->delete_mailbox("Play"));
    CHECK_FALSE(fs::exists(maildir_of(dir) / ".Play"));
}

TEST_CASE("the cache file is never followed through a symlink", "[maildir][cache]") {
    temp_dir dir;
    maildir::maildir_store s(options_for(dir));
    auto box = open_box(s, "INBOX");
    const auto uids = fill(*box, 1);
    const fs::path target = dir.path() / "elsewhere";
    {
        std::ofstream out(target, std::ios::binary);
        out << detail::serialize_cache_header(1) << "precious";
    }
    const std::string target_bytes = slurp(target);
    const fs::path file = maildir_of(dir) / "mailaccess-cache";
    fs::create_symlink(target, file);
    CHECK_FALSE(box->cached(uids[0], "k"));
    box->cache(uids[0], "k", "v");
    CHECK(slurp(target) == target_bytes);
    CHECK(box->cached(uids[0], "k") == std::optional<std::string>("v"));
    CHECK_FALSE(fs::is_symlink(file));
}
