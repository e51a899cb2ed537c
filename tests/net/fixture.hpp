#pragma once

// Shared test setup: a self-signed certificate for "localhost"/127.0.0.1,
// contexts that trust it, and a factory for toy sessions.

#include "toy_session.hpp"

#include <mailaccess/net/certificate.hpp>
#include <mailaccess/net/server.hpp>
#include <mailaccess/net/tls_context.hpp>

#include <catch2/catch.hpp>

namespace test {

struct tls_setup {
    tls_setup() {
        auto c = mailaccess::net::make_self_signed_certificate("localhost", {"localhost", "127.0.0.1"}, 1);
        REQUIRE(c);
        cert = std::move(*c);
        mailaccess::net::server_tls_options so;
        so.certificate_chain_pem = cert.certificate_pem;
        so.private_key_pem = cert.private_key_pem;
        auto s = mailaccess::net::make_server_tls_context(so);
        REQUIRE(s);
        server = *s;
        client = make_client();
    }
    std::shared_ptr<asio::ssl::context> make_client(
        mailaccess::net::tls_version max = mailaccess::net::tls_version::tls1_3) const {
        mailaccess::net::client_tls_options co;
        co.ca_pem = cert.certificate_pem;
        co.max_version = max;
        auto c = mailaccess::net::make_client_tls_context(co);
        REQUIRE(c);
        return *c;
    }
    mailaccess::net::self_signed_certificate cert;
    std::shared_ptr<asio::ssl::context> server;
    std::shared_ptr<asio::ssl::context> client;
};

inline auto toy_factory(std::chrono::milliseconds timeout = std::chrono::seconds(5),
                        asio::thread_pool* pool = nullptr, toy::board* board = nullptr) {
    return [timeout, pool, board](const mailaccess::net::connection_info& info) {
        return mailaccess::net::connection_parts<toy::session, toy::engine>{
            std::make_unique<toy::session>(timeout, info.implicit_tls),
            std::make_unique<toy::engine>(pool, board)};
    };
}

}  // namespace test
