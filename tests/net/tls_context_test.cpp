#include <mailaccess/net/tls_context.hpp>

#include "fixture.hpp"
#include "test_client.hpp"

#include <mailaccess/core/error.hpp>
#include <mailaccess/net/certificate.hpp>
#include <mailaccess/net/error.hpp>

#include <openssl/ssl.h>

#include <catch2/catch.hpp>

namespace net = mailaccess::net;
using namespace std::chrono_literals;

TEST_CASE("self-signed certificate is PEM and loads into server and client contexts", "[net][tls]") {
    auto cert = net::make_self_signed_certificate("mail.example", {"localhost", "127.0.0.1", "::1"}, 30);
    REQUIRE(cert);
    CHECK(cert->certificate_pem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
    CHECK(cert->private_key_pem.reveal().find("PRIVATE KEY-----") != std::string_view::npos);

    net::server_tls_options so;
    so.certificate_chain_pem = cert->certificate_pem;
    so.private_key_pem = cert->private_key_pem;
    auto server = net::make_server_tls_context(so);
    REQUIRE(server);
    CHECK(*server != nullptr);

    net::client_tls_options co;
    co.ca_pem = cert->certificate_pem;
    CHECK(net::make_client_tls_context(co));

    CHECK(net::make_client_tls_context(net::client_tls_options{}));  // system bundle
    CHECK_FALSE(net::tls_library_name().empty());
}

TEST_CASE("TLS context construction rejects bad input", "[net][tls]") {
    CHECK(net::make_self_signed_certificate("", {}, 1).error() == mailaccess::errc::invalid_argument);
    CHECK(net::make_self_signed_certificate("x", {}, 0).error() == mailaccess::errc::invalid_argument);
    CHECK(net::make_self_signed_certificate("x", {""}, 1).error() == mailaccess::errc::invalid_argument);

    auto a = net::make_self_signed_certificate("a", {"a"}, 1);
    auto b = net::make_self_signed_certificate("b", {"b"}, 1);
    REQUIRE(a);
    REQUIRE(b);

    net::server_tls_options none;
    CHECK(net::make_server_tls_context(none).error() == net::errc::tls_setup_failed);

    net::server_tls_options mismatched;  // a's certificate with b's key
    mismatched.certificate_chain_pem = a->certificate_pem;
    mismatched.private_key_pem = b->private_key_pem;
    CHECK_FALSE(net::make_server_tls_context(mismatched));

    net::server_tls_options garbage;
    garbage.certificate_chain_pem = "not a certificate";
    garbage.private_key_pem = a->private_key_pem;
    CHECK_FALSE(net::make_server_tls_context(garbage));

    net::server_tls_options missing_file;
    missing_file.certificate_chain_file = "/nonexistent/cert.pem";
    missing_file.private_key_file = "/nonexistent/key.pem";
    CHECK_FALSE(net::make_server_tls_context(missing_file));

    net::client_tls_options inverted;
    inverted.min_version = net::tls_version::tls1_3;
    inverted.max_version = net::tls_version::tls1_2;
    CHECK(net::make_client_tls_context(inverted).error() == net::errc::tls_setup_failed);

    net::client_tls_options no_anchor;
    no_anchor.use_system_ca = false;
    CHECK(net::make_client_tls_context(no_anchor).error() == net::errc::tls_setup_failed);
}

namespace {

struct tls_server {
    explicit tls_server(const test::tls_setup& tls) {
        net::listener_options lo;
        lo.implicit_tls = true;
        lo.tls = tls.server;
        auto ep = srv.add_listener(lo, test::toy_factory());
        REQUIRE(ep);
        endpoint = *ep;
        REQUIRE_FALSE(srv.start());
    }
    net::server srv{net::server_options{}};
    asio::ip::tcp::endpoint endpoint;
};

}  // namespace

TEST_CASE("TLS 1.2 and TLS 1.3 handshakes over loopback", "[net][tls]") {
    test::tls_setup tls;
    tls_server s(tls);

    SECTION("TLS 1.3") {
        test::client c;
        REQUIRE_FALSE(c.connect(s.endpoint, tls.make_client(net::tls_version::tls1_3), "localhost"));
        CHECK(SSL_version(c.stream().native_tls_handle()) == TLS1_3_VERSION);
        CHECK(net::negotiated_tls_version(c.stream().native_tls_handle()).value() ==
              net::tls_version::tls1_3);
        CHECK(c.read_line() == "+OK toy ready");
        CHECK(c.write("TLS?\r\n"));
        CHECK(c.read_line() == "+OK tls yes");
    }
    SECTION("TLS 1.2") {
        test::client c;
        REQUIRE_FALSE(c.connect(s.endpoint, tls.make_client(net::tls_version::tls1_2), "localhost"));
        CHECK(SSL_version(c.stream().native_tls_handle()) == TLS1_2_VERSION);
        CHECK(c.read_line() == "+OK toy ready");
        CHECK(c.write("ECHO over 1.2\r\n"));
        CHECK(c.read_line() == "over 1.2");
    }
}

TEST_CASE("client verifies the server certificate and host name", "[net][tls]") {
    test::tls_setup tls;
    tls_server s(tls);

    SECTION("matching DNS name passes") {
        test::client c;
        CHECK_FALSE(c.connect(s.endpoint, tls.client, "localhost"));
    }
    SECTION("matching IP address passes") {
        test::client c;
        CHECK_FALSE(c.connect(s.endpoint, tls.client, "127.0.0.1"));
    }
    SECTION("wrong name fails") {
        test::client c;
        auto ec = c.connect(s.endpoint, tls.client, "wrong.example");
        CHECK(ec);
        CHECK(ec.category() == asio::error::get_ssl_category());
    }
    SECTION("untrusted certificate fails") {
        auto other = net::make_self_signed_certificate("localhost", {"localhost"}, 1);
        REQUIRE(other);
        net::client_tls_options co;
        co.ca_pem = other->certificate_pem;
        auto ctx = net::make_client_tls_context(co);
        REQUIRE(ctx);
        test::client c;
        CHECK(c.connect(s.endpoint, *ctx, "localhost"));
    }
    SECTION("insecure_skip_verify accepts anything") {
        net::client_tls_options co;
        co.insecure_skip_verify = true;
        auto ctx = net::make_client_tls_context(co);
        REQUIRE(ctx);
        test::client c;
        CHECK_FALSE(c.connect(s.endpoint, *ctx, "wrong.example"));
    }
}
