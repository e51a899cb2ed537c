#pragma once

// What the async client tests (pop3_client_test.cpp, imap_client_test.cpp)
// share: where a scenario connects and what it expects there, the connect
// options for it, the environment the interop scripts set for the
// [.interop] cases, and a bounded coroutine runner.

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
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace test {

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
