#pragma once

// A Maildir store in a fresh directory with an account "alice", without
// fsync (nothing here must survive a power cut, and fsync makes tests
// slow): for engine tests that want real files, e.g. ones an outside MDA
// delivered, next to what the store itself wrote.

#include <mailaccess/maildir/maildir_store.hpp>

#include <catch2/catch.hpp>
#include <maildir/temp_dir.hpp>

namespace mailaccess::test {

struct scratch_store {
    temp_dir dir;
    maildir::maildir_store store{options(dir)};

    scratch_store() { REQUIRE(store.open_account("alice")); }

    static maildir::maildir_store_options options(const temp_dir& d) {
        maildir::maildir_store_options o;
        o.root = d.path();
        o.fsync = false;
        return o;
    }
};

}  // namespace mailaccess::test
