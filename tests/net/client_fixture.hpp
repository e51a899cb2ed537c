#pragma once

// What the async client tests (pop3_client_test.cpp, imap_client_test.cpp)
// share: our server in-process, where a scenario connects and what it
// expects there, the connect options for it, the environment the interop
// scripts set for the [.interop] cases, and a bounded coroutine runner.

#include "fixture.hpp"

#include <mailaccess/auth/passwd_file.hpp>
#include <mailaccess/net/server.hpp>
#include <mailaccess/store/memory_store.hpp>

#include <mailaccess/net/client.hpp>
#include <mailaccess/net/tls_context.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace test {

/// Our reference server in-process: net::server with `Engine` on a
/// memory_store where alice (password "secret") has three messages made by
/// `message(1..3)`; the protocol's upgrade (STLS, STARTTLS) on `plain_ep`,
/// implicit TLS on `tls_ep`. `make` builds each connection's session and
/// engine.
template <class Session, class Engine>
struct in_process_server {
    using parts_type = mailaccess::net::connection_parts<Session, Engine>;
    using make_parts = std::function<parts_type(in_process_server&, const mailaccess::net::connection_info&)>;

    tls_setup tls;
    mailaccess::store::memory_store store;
    mailaccess::auth::passwd_file users = mailaccess::auth::passwd_file::parse("alice:{PLAIN}secret\n");
    mailaccess::net::server server;
    asio::ip::tcp::endpoint plain_ep;
    asio::ip::tcp::endpoint tls_ep;
    std::vector<std::string> messages;

    in_process_server(const std::function<std::string(int)>& message, make_parts make)
        : make_(std::move(make)) {
        for (int n = 1; n <= 3; ++n) {
            messages.push_back(message(n));
            REQUIRE(store.deliver("alice", "INBOX", messages.back()));
        }
        for (bool implicit : {false, true}) {
            mailaccess::net::listener_options lo;
            lo.implicit_tls = implicit;
            lo.tls = tls.server;
            auto ep = server.add_listener(
                lo, [this](const mailaccess::net::connection_info& info) { return make_(*this, info); });
            REQUIRE(ep);
            (implicit ? tls_ep : plain_ep) = *ep;
        }
        REQUIRE_FALSE(server.start());
    }

private:
    make_parts make_;
};

/// Where a shared client scenario connects, and what it expects to find.
struct client_target {
    std::string host = "127.0.0.1";
    std::string port;
    bool implicit_tls = false;
    bool starttls = true;  ///< upgrade a plain connection (STLS / STARTTLS)
    bool allow_plaintext = false;
    std::string user;
    std::string password;
    std::shared_ptr<asio::ssl::context> tls;
    std::vector<std::string> expected;  ///< every message of the INBOX/maildrop, any order
};

inline mailaccess::net::connect_options connect_to(const client_target& t,
                                                   std::shared_ptr<asio::ssl::context> tls = nullptr) {
    mailaccess::net::connect_options c;
    c.host = t.host;
    c.port = t.port;
    c.timeout = std::chrono::seconds(5);
    if (t.implicit_tls) c.tls = std::move(tls);
    return c;
}

/// The target an interop script describes in `PREFIX_*` variables (PORT,
/// HOST, TLS=none|starttls|implicit, USER, PASSWORD, CA_FILE, EXPECT_DIR: a
/// directory with one file per expected message).
inline client_target external_target(const std::string& prefix, const std::string& script) {
    auto env = [&prefix](const char* name, const char* fallback = "") {
        const char* v = std::getenv((prefix + name).c_str());
        return std::string(v != nullptr ? v : fallback);
    };
    client_target t;
    t.port = env("PORT");
    if (t.port.empty()) FAIL(prefix + "PORT is not set (run " + script + ")");
    t.host = env("HOST", "127.0.0.1");
    t.implicit_tls = env("TLS") == "implicit";
    t.starttls = env("TLS") == "starttls";
    t.allow_plaintext = env("TLS") == "none";
    t.user = env("USER");
    t.password = env("PASSWORD");
    mailaccess::net::client_tls_options to;
    if (const auto ca = env("CA_FILE"); !ca.empty()) {
        to.ca_file = ca;
        to.use_system_ca = false;
    }
    auto ctx = mailaccess::net::make_client_tls_context(to);
    REQUIRE(ctx);
    t.tls = *ctx;
    const std::filesystem::path dir = env("EXPECT_DIR");
    REQUIRE(std::filesystem::is_directory(dir));
    for (const auto& f : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(f.path(), std::ios::binary);
        t.expected.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    REQUIRE_FALSE(t.expected.empty());
    return t;
}

/// Runs the coroutine `make(io)` returns to completion (bounded), rethrowing
/// what it threw.
template <class F>
void run_coroutine(F&& make) {
    asio::io_context io;
    std::exception_ptr failure;
    bool done = false;
    asio::co_spawn(io, make(io), [&](std::exception_ptr e) {
        failure = e;
        done = true;
    });
    io.run_for(std::chrono::seconds(60));
    REQUIRE(done);
    if (failure) std::rethrow_exception(failure);
}

}  // namespace test
