// An IDLE session's periodic poll (imap_engine_options::idle_poll_max_staleness):
// it may answer from what the process last read of the folder, so the
// server's own changes reach the idler at once and an outside delivery
// waits for the next read of the disk; a command always reads the disk.

#include "imap_connection.hpp"

#include <mailaccess/auth/passwd_file.hpp>

#include <catch2/catch.hpp>
#include <maildir/scratch_store.hpp>
#include <support/contains.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

using namespace mailaccess;
namespace fs = std::filesystem;
using mailaccess::test::contains;

TEST_CASE(
    "an IDLE poll sees the server's own changes at once, an outside delivery only at a read of the disk",
    "[engine][imap_engine][idle]") {
    test::scratch_store scratch;
    auto users = auth::passwd_file::parse("alice:{PLAIN}secret\n");
    auto recent = std::make_shared<engine::recent_tracker>();
    // An hour: within this test every poll may answer from the last read.
    test::imap_connection idler(scratch.store, users, recent, 100, std::chrono::hours(1));
    idler.run();
    REQUIRE(contains(idler.exchange("l LOGIN alice secret"), "l OK"));
    REQUIRE(contains(idler.exchange("s SELECT INBOX"), "* 0 EXISTS"));
    REQUIRE(contains(idler.exchange("i IDLE"), "+ idling"));

    // Another session of the server appends: the poll reports it.
    test::imap_connection other(scratch.store, users, recent, 100);
    other.run();
    REQUIRE(contains(other.exchange("l LOGIN alice secret"), "l OK"));
    const std::string message = "Subject: ours\r\n\r\nhello\r\n";
    REQUIRE(contains(other.exchange("a APPEND INBOX {" + std::to_string(message.size()) + "+}\r\n" + message),
                     "a OK"));
    std::size_t before = idler.output.size();
    idler.session.notify();
    idler.run();
    CHECK(contains(idler.output.substr(before), "* 1 EXISTS"));

    // An MDA delivers into new/: the poll answers from the last read...
    const fs::path md = scratch.store.maildir_path("alice");
    std::ofstream(md / "tmp" / "1700000000.M1P1.mda", std::ios::binary) << "Subject: mda\r\n\r\nhi\r\n";
    fs::rename(md / "tmp" / "1700000000.M1P1.mda", md / "new" / "1700000000.M1P1.mda");
    before = idler.output.size();
    idler.session.notify();
    idler.run();
    CHECK_FALSE(contains(idler.output.substr(before), "EXISTS"));

    // ...and the next command reads the disk.
    REQUIRE(contains(idler.exchange("DONE"), "i OK"));
    CHECK(contains(idler.exchange("n NOOP"), "* 2 EXISTS"));
}
