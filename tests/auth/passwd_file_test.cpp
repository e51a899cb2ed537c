#include <mailaccess/auth/passwd_file.hpp>

#include <mailaccess/auth/password_hash.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace mailaccess;
namespace fs = std::filesystem;

namespace {

secret<> pw(std::string s) { return secret<>(std::move(s)); }

// A unique scratch file, removed at scope exit.
struct temp_file {
    fs::path path;
    explicit temp_file(const std::string& contents) {
        static int counter = 0;
        path = fs::temp_directory_path() /
               ("mailaccess-auth-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        write(contents);
    }
    ~temp_file() {
        std::error_code ec;
        fs::remove(path, ec);
    }
    void write(const std::string& contents) const {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
    }
    // Replaces the file by rename, as careful admin tools do, so readers
    // never see a half-written file.
    void replace(const std::string& contents) const {
        const fs::path tmp = path.string() + ".tmp";
        std::ofstream(tmp, std::ios::binary | std::ios::trunc) << contents;
        fs::rename(tmp, path);
    }
    // Push the mtime forward so the change is visible even on filesystems
    // with coarse timestamps.
    void touch_forward(int seconds) const {
        fs::last_write_time(path, fs::last_write_time(path) + std::chrono::seconds(seconds));
    }
};

constexpr const char* sha512_password =
    "{SHA512-CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/"
    "jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/";  // "password"

}  // namespace

TEST_CASE("passwd-file parses users, comments and short lines", "[auth][passwd_file]") {
    const std::string text = std::string("# users\n") +
                             "\n"
                             "alice:{PLAIN}wonderland:1000:1000::/home/alice::\n"
                             "   \t\n"
                             "bob:" +
                             sha512_password +
                             "\r\n"
                             "carol:{PBKDF2}$1$salt$2$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957:::\n"
                             "dave:{PLAIN}pass::::::userdb_quota_rule=*:storage=1G";  // no final LF
    auto db = auth::passwd_file::parse(text);
    CHECK(db.size() == 4);
    CHECK(db.problems().empty());
    CHECK(*db.verify("alice", pw("wonderland")) == "alice");
    CHECK(*db.verify("bob", pw("password")) == "bob");
    CHECK(*db.verify("carol", pw("password")) == "carol");
    CHECK(*db.verify("dave", pw("pass")) == "dave");
    CHECK(db.verify("alice", pw("Wonderland")).error() == auth::errc::invalid_credentials);
    CHECK(db.verify("bob", pw("wonderland")).error() == auth::errc::invalid_credentials);
}

TEST_CASE("passwd-file user names are exact and case-sensitive", "[auth][passwd_file]") {
    auto db = auth::passwd_file::parse("Alice:{PLAIN}x\n");
    CHECK(db.verify("alice", pw("x")).error() == auth::errc::invalid_credentials);
    CHECK(db.verify("Alice ", pw("x")).error() == auth::errc::invalid_credentials);
    CHECK(db.verify("Alic", pw("x")).error() == auth::errc::invalid_credentials);
    CHECK(*db.verify("Alice", pw("x")) == "Alice");
    CHECK(db.verify("", pw("x")).error() == auth::errc::invalid_credentials);
    CHECK(db.verify("nobody", pw("x")).error() == auth::errc::invalid_credentials);
}

TEST_CASE("passwd-file malformed lines are reported and skipped", "[auth][passwd_file]") {
    const std::string long_user(256, 'u');
    const std::string text =
        "good1:{PLAIN}a\n"             // 1
        "nocolon\n"                    // 2
        ":{PLAIN}x\n"                  // 3
        "emptypw:\n"                   // 4
        "weird:{SSHA}abcdef\n"         // 5
        "broken:{SHA512-CRYPT}$6$x\n"  // 6
        "good1:{PLAIN}second\n"        // 7 duplicate
        + long_user +
        ":{PLAIN}x\n"        // 8
        "noscheme:secret\n"  // 9
        "good2:{PLAIN}b\n";  // 10
    auto db = auth::passwd_file::parse(text);
    CHECK(db.size() == 2);
    const auto problems = db.problems();
    std::vector<std::size_t> lines;
    for (const auto& p : problems) lines.push_back(p.line);
    CHECK(lines == std::vector<std::size_t>{2, 3, 4, 5, 6, 7, 8, 9});
    REQUIRE(problems.size() == 8);
    CHECK(problems[0].error == auth::errc::bad_user_database);
    CHECK(problems[3].error == auth::errc::unsupported_scheme);
    CHECK(problems[4].error == auth::errc::bad_user_database);
    CHECK(problems[5].reason == "duplicate user");
    for (const auto& p : problems) CHECK(p.reason.find("second") == std::string::npos);
    // The first of a duplicated name wins; the rest still load.
    CHECK(*db.verify("good1", pw("a")) == "good1");
    CHECK(db.verify("good1", pw("second")).error() == auth::errc::invalid_credentials);
    CHECK(*db.verify("good2", pw("b")) == "good2");
    CHECK(db.verify("weird", pw("abcdef")).error() == auth::errc::invalid_credentials);
}

TEST_CASE("passwd-file refuses over-long names and passwords", "[auth][passwd_file]") {
    const std::string name255(255, 'n');
    const std::string pw1024(1024, 'p');
    auto db = auth::passwd_file::parse(name255 + ":{PLAIN}" + pw1024 + "\n");
    REQUIRE(db.size() == 1);
    CHECK(*db.verify(name255, pw(pw1024)) == name255);
    CHECK(db.verify(name255 + "n", pw(pw1024)).error() == auth::errc::invalid_credentials);
    CHECK(db.verify(name255, pw(pw1024 + "p")).error() == auth::errc::invalid_credentials);
}

TEST_CASE("APOP digest of RFC 1939 section 7", "[auth][passwd_file][apop]") {
    auto db =
        auth::passwd_file::parse(std::string("mrose:{PLAIN}tanstaaf\nhashed:") + sha512_password + "\n");
    const std::string ts = "<1896.697170952@dbc.mtview.ca.us>";
    CHECK(*db.verify_apop("mrose", ts, "c4c9334bac560ecc979e58001b3e22fb") == "mrose");
    CHECK(*db.verify_apop("mrose", ts, "C4C9334BAC560ECC979E58001B3E22FB") == "mrose");
    CHECK(db.verify_apop("mrose", ts, "c4c9334bac560ecc979e58001b3e22fc").error() ==
          auth::errc::invalid_credentials);
    CHECK(db.verify_apop("mrose", "<other@host>", "c4c9334bac560ecc979e58001b3e22fb").error() ==
          auth::errc::invalid_credentials);
    CHECK(db.verify_apop("mrose", ts, "c4c9334bac560ecc979e58001b3e22f").error() ==
          auth::errc::invalid_credentials);
    CHECK(db.verify_apop("nobody", ts, "c4c9334bac560ecc979e58001b3e22fb").error() ==
          auth::errc::invalid_credentials);
    // Hashed users cannot use APOP, whatever the digest.
    CHECK(db.verify_apop("hashed", ts, "c4c9334bac560ecc979e58001b3e22fb").error() ==
          auth::errc::invalid_credentials);
}

TEST_CASE("passwd-file loads from disk and reloads on change", "[auth][passwd_file]") {
    temp_file file("alice:{PLAIN}one\n");
    auto loaded = auth::passwd_file::load(file.path);
    REQUIRE(loaded);
    auto& db = *loaded;
    CHECK(*db.verify("alice", pw("one")) == "alice");
    CHECK(db.verify("bob", pw("two")).error() == auth::errc::invalid_credentials);

    file.write("alice:{PLAIN}one\nbob:{PLAIN}two\n");
    file.touch_forward(2);
    CHECK(*db.verify("bob", pw("two")) == "bob");
    CHECK(db.size() == 2);

    // Same size, only the mtime moves: still noticed.
    file.write("alice:{PLAIN}uno\nbob:{PLAIN}two\n");
    file.touch_forward(4);
    CHECK(*db.verify("alice", pw("uno")) == "alice");
    CHECK(db.verify("alice", pw("one")).error() == auth::errc::invalid_credentials);

    // A vanished file keeps the last good contents.
    fs::remove(file.path);
    CHECK(*db.verify("bob", pw("two")) == "bob");
    CHECK(db.reload() == auth::errc::temporary_failure);
    CHECK(*db.verify("bob", pw("two")) == "bob");

    // Comes back with a malformed line: the good users load, problems list it.
    file.write("bob:{PLAIN}three\ncarol\n");
    CHECK_FALSE(db.reload());
    CHECK(*db.verify("bob", pw("three")) == "bob");
    REQUIRE(db.problems().size() == 1);
    CHECK(db.problems()[0].line == 2);
}

TEST_CASE("passwd-file load reports unreadable files", "[auth][passwd_file]") {
    auto missing = auth::passwd_file::load("/nonexistent/mailaccess/passwd");
    CHECK(missing.error() == auth::errc::temporary_failure);
}

TEST_CASE("passwd-file is safe to use from several threads", "[auth][passwd_file]") {
    temp_file file("alice:{PLAIN}one\n");
    auto loaded = auth::passwd_file::load(file.path);
    REQUIRE(loaded);
    auto& db = *loaded;
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i)
                if (db.verify("alice", pw("one"))) ++ok;
        });
    for (int i = 0; i < 20; ++i) {
        file.replace("alice:{PLAIN}one\nu" + std::to_string(i) + ":{PLAIN}x\n");
        std::this_thread::yield();
    }
    for (auto& th : threads) th.join();
    CHECK(ok == 800);
    CHECK(*db.verify("u19", pw("x")) == "u19");
    CHECK(db.verify("u18", pw("x")).error() == auth::errc::invalid_credentials);
}

TEST_CASE("passwd-file objects move", "[auth][passwd_file]") {
    auto a = auth::passwd_file::parse("x:{PLAIN}y\n");
    auto b = std::move(a);
    CHECK(*b.verify("x", pw("y")) == "x");
    auth::authenticator& base = b;
    CHECK(base.verify("x", pw("z")).error() == auth::errc::invalid_credentials);
}
