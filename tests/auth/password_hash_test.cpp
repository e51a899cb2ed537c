#include <mailaccess/auth/password_hash.hpp>

#include <mailaccess/core/error.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace mailaccess;
using auth::password_scheme;

namespace {
secret<> pw(std::string s) { return secret<>(std::move(s)); }
}  // namespace

TEST_CASE("scheme names parse case-insensitively", "[auth][password_hash]") {
    CHECK(*auth::parse_password_scheme("plain") == password_scheme::plain);
    CHECK(*auth::parse_password_scheme("CLEARTEXT") == password_scheme::plain);
    CHECK(*auth::parse_password_scheme("sha512-crypt") == password_scheme::sha512_crypt);
    CHECK(*auth::parse_password_scheme("SHA256-CRYPT") == password_scheme::sha256_crypt);
    CHECK(*auth::parse_password_scheme("PBKDF2") == password_scheme::pbkdf2_sha1);
    CHECK(*auth::parse_password_scheme("Pbkdf2-Sha512") == password_scheme::pbkdf2_sha512);
    CHECK(auth::parse_password_scheme("SSHA").error() == auth::errc::unsupported_scheme);
    CHECK(auth::parse_password_scheme("PLAIN.b64").error() == auth::errc::unsupported_scheme);
    CHECK(auth::parse_password_scheme("").error() == auth::errc::unsupported_scheme);
    CHECK(auth::password_scheme_name(password_scheme::pbkdf2_sha512) == "PBKDF2-SHA512");
    CHECK(auth::default_password_scheme == password_scheme::pbkdf2_sha512);
}

// Vectors from Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512"
// specification, and two produced at authoring time with Python's crypt
// module (glibc/libxcrypt) for the default-rounds form.
TEST_CASE("SHA-crypt known vectors verify", "[auth][password_hash]") {
    CHECK_FALSE(auth::verify_password(
        "{SHA512-CRYPT}$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/"
        "UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.",
        pw("Hello world!")));
    CHECK_FALSE(auth::verify_password(
        "{SHA256-CRYPT}$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA",
        pw("Hello world!")));
    const std::string sha512 =
        "{SHA512-CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/"
        "jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/";
    CHECK_FALSE(auth::verify_password(sha512, pw("password")));
    CHECK(auth::verify_password(sha512, pw("Password")) == auth::errc::invalid_credentials);
    CHECK(auth::verify_password(sha512, pw("")) == auth::errc::invalid_credentials);
    const std::string sha256 = "{SHA256-CRYPT}$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.";
    CHECK_FALSE(auth::verify_password(sha256, pw("password")));
    CHECK(auth::verify_password(sha256, pw("passwore")) == auth::errc::invalid_credentials);
    // Dovecot's passwd-file default scheme is CRYPT: a bare $6$ value works.
    CHECK_FALSE(auth::verify_password(sha512.substr(14), pw("password")));
    // A tampered hash does not verify.
    std::string tampered = sha256;
    tampered.back() = '/';
    CHECK(auth::verify_password(tampered, pw("password")) == auth::errc::invalid_credentials);
}

// RFC 6070 PBKDF2-HMAC-SHA1 vectors, written in Dovecot's {PBKDF2} layout
// ($1$salt$rounds$hex; Dovecot uses a 20-byte key and the salt as text).
TEST_CASE("PBKDF2-HMAC-SHA1 matches RFC 6070", "[auth][password_hash]") {
    CHECK_FALSE(
        auth::verify_password("{PBKDF2}$1$salt$1$0c60c80f961f0e71f3a9b524af6012062fe037a6", pw("password")));
    CHECK_FALSE(
        auth::verify_password("{PBKDF2}$1$salt$2$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957", pw("password")));
    CHECK_FALSE(auth::verify_password("{PBKDF2}$1$salt$4096$4b007901b765489abead49d926f721d065a429c1",
                                      pw("password")));
    // Upper-case hex is accepted, as Dovecot's hex_to_binary does.
    CHECK_FALSE(auth::verify_password("{PBKDF2}$1$salt$4096$4B007901B765489ABEAD49D926F721D065A429C1",
                                      pw("password")));
    CHECK(auth::verify_password("{PBKDF2}$1$salt$4096$4b007901b765489abead49d926f721d065a429c1",
                                pw("passwore")) == auth::errc::invalid_credentials);
    // A Dovecot-style 16-character salt (vector from Python's hashlib).
    CHECK_FALSE(auth::verify_password(
        "{PBKDF2}$1$WbYqgY1P6CWzJbp4$5000$140013008fb8dc072de166b333f499daf14df1e6", pw("secret")));
}

TEST_CASE("PBKDF2-SHA512 known vector", "[auth][password_hash]") {
    // Salt bytes 00..0f, 1000 rounds; key from Python's hashlib.pbkdf2_hmac.
    const std::string stored =
        "{PBKDF2-SHA512}$1000$AAECAwQFBgcICQoLDA0ODw==$8ltlLe5cI6KNrWOmMFkTi2iE7fEXJKJJR9lhjd/"
        "xSn68+xOqzv2h20C4IDv/enqlx8f6AaRHE+6XnvHKXKhAjA==";
    CHECK_FALSE(auth::verify_password(stored, pw("secret")));
    CHECK(auth::verify_password(stored, pw("Secret")) == auth::errc::invalid_credentials);
    CHECK(*auth::stored_password_scheme(stored) == password_scheme::pbkdf2_sha512);
}

TEST_CASE("PLAIN compares exactly", "[auth][password_hash]") {
    CHECK_FALSE(auth::verify_password("{PLAIN}tanstaaf", pw("tanstaaf")));
    CHECK_FALSE(auth::verify_password("{cleartext}tanstaaf", pw("tanstaaf")));
    CHECK(auth::verify_password("{PLAIN}tanstaaf", pw("tanstaa")) == auth::errc::invalid_credentials);
    CHECK(auth::verify_password("{PLAIN}tanstaaf", pw("tanstaaff")) == auth::errc::invalid_credentials);
    CHECK(auth::verify_password("{PLAIN}tanstaaf", pw("TANSTAAF")) == auth::errc::invalid_credentials);
}

TEST_CASE("hash_password round-trips for every scheme", "[auth][password_hash]") {
    const auto scheme =
        GENERATE(password_scheme::plain, password_scheme::sha256_crypt, password_scheme::sha512_crypt,
                 password_scheme::pbkdf2_sha1, password_scheme::pbkdf2_sha512);
    const auth::hash_options fast{1000};
    auto stored = auth::hash_password(scheme, pw("correct horse"), fast);
    REQUIRE(stored);
    INFO(*stored);
    const std::string prefix = "{" + std::string(auth::password_scheme_name(scheme)) + "}";
    CHECK(stored->rfind(prefix, 0) == 0);
    CHECK(*auth::stored_password_scheme(*stored) == scheme);
    CHECK_FALSE(auth::verify_password(*stored, pw("correct horse")));
    CHECK(auth::verify_password(*stored, pw("correct horse ")) == auth::errc::invalid_credentials);
    CHECK(auth::verify_password(*stored, pw("")) == auth::errc::invalid_credentials);
    if (scheme != password_scheme::plain) {
        // Fresh salt each time.
        auto again = auth::hash_password(scheme, pw("correct horse"), fast);
        REQUIRE(again);
        CHECK(*again != *stored);
        CHECK(stored->find("correct") == std::string::npos);
    }
}

TEST_CASE("hash_password formats and defaults", "[auth][password_hash]") {
    auto s = auth::hash_password("sha512-crypt", pw("x"));
    REQUIRE(s);
    CHECK(s->rfind("{SHA512-CRYPT}$6$", 0) == 0);
    auto r = auth::hash_password(password_scheme::sha256_crypt, pw("x"), {6000});
    REQUIRE(r);
    CHECK(r->rfind("{SHA256-CRYPT}$5$rounds=6000$", 0) == 0);
    CHECK_FALSE(auth::verify_password(*r, pw("x")));
    auto p = auth::hash_password(password_scheme::pbkdf2_sha1, pw("x"), {1234});
    REQUIRE(p);
    // $1$ + 16 salt chars + $1234$ + 40 hex
    CHECK(p->rfind("{PBKDF2}$1$", 0) == 0);
    CHECK(p->find("$1234$") == 27);
    CHECK(p->size() == 8 + 3 + 16 + 6 + 40);
    auto d = auth::hash_password(auth::default_password_scheme, pw("x"));
    REQUIRE(d);
    CHECK(d->rfind("{PBKDF2-SHA512}$210000$", 0) == 0);
    CHECK_FALSE(auth::verify_password(*d, pw("x")));
}

TEST_CASE("hash_password rejects what cannot be stored", "[auth][password_hash]") {
    CHECK(auth::hash_password("ARGON2ID", pw("x")).error() == auth::errc::unsupported_scheme);
    CHECK(auth::hash_password(password_scheme::plain, pw("a:b")).error() ==
          mailaccess::errc::invalid_argument);
    CHECK(auth::hash_password(password_scheme::plain, pw("a\nb")).error() ==
          mailaccess::errc::invalid_argument);
    CHECK(auth::hash_password(password_scheme::sha512_crypt, pw(std::string("a\0b", 3))).error() ==
          mailaccess::errc::invalid_argument);
    CHECK(auth::hash_password(password_scheme::plain, pw(std::string(1025, 'a'))).error() ==
          mailaccess::errc::invalid_argument);
    CHECK(auth::hash_password(password_scheme::pbkdf2_sha512, pw("x"), {auth::max_hash_rounds + 1}).error() ==
          mailaccess::errc::invalid_argument);
}

TEST_CASE("verify_password bounds and rejects bad input", "[auth][password_hash]") {
    // Over-long passwords are rejected, even when they would match.
    const std::string long_pw(1025, 'a');
    CHECK(auth::verify_password("{PLAIN}" + long_pw, pw(long_pw)) == auth::errc::invalid_credentials);
    const std::string max_pw(1024, 'a');
    CHECK_FALSE(auth::verify_password("{PLAIN}" + max_pw, pw(max_pw)));
    // NUL never matches (crypt would truncate at it).
    CHECK(auth::verify_password("{PLAIN}a", pw(std::string("a\0", 2))) == auth::errc::invalid_credentials);
    CHECK(auth::verify_password("{SHA512-CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/"
                                "jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
                                pw(std::string("password\0x", 10))) == auth::errc::invalid_credentials);
}

TEST_CASE("stored passwords are validated", "[auth][password_hash]") {
    using auth::errc;
    CHECK(auth::stored_password_scheme("{SSHA}abc").error() == errc::unsupported_scheme);
    CHECK(auth::stored_password_scheme("plaintext").error() == errc::unsupported_scheme);
    CHECK(auth::stored_password_scheme("{PLAIN").error() == errc::bad_user_database);
    CHECK(auth::stored_password_scheme("{SHA512-CRYPT}$5$salt$hash").error() == errc::bad_user_database);
    CHECK(auth::stored_password_scheme("{SHA512-CRYPT}$6$salt").error() == errc::bad_user_database);
    CHECK(auth::stored_password_scheme("{SHA512-CRYPT}$6$salt$").error() == errc::bad_user_database);
    CHECK(auth::stored_password_scheme("{SHA512-CRYPT}$6$rounds=99999999$s$h").error() ==
          errc::bad_user_database);
    CHECK(auth::stored_password_scheme("{SHA512-CRYPT}$6$s a$h").error() == errc::bad_user_database);
    CHECK(
        auth::stored_password_scheme("{PBKDF2}$2$salt$1$0c60c80f961f0e71f3a9b524af6012062fe037a6").error() ==
        errc::bad_user_database);
    CHECK(
        auth::stored_password_scheme("{PBKDF2}$1$salt$0$0c60c80f961f0e71f3a9b524af6012062fe037a6").error() ==
        errc::bad_user_database);
    CHECK(auth::stored_password_scheme("{PBKDF2}$1$salt$1$0c60c80f961f0e71f3a9b524af6012062fe037").error() ==
          errc::bad_user_database);
    CHECK(
        auth::stored_password_scheme("{PBKDF2}$1$salt$1$zc60c80f961f0e71f3a9b524af6012062fe037a6").error() ==
        errc::bad_user_database);
    CHECK(auth::stored_password_scheme("{PBKDF2}$1$salt$99999999999$0c60c80f961f0e71f3a9b524af6012062fe037a6")
              .error() == errc::bad_user_database);
    CHECK(auth::stored_password_scheme("{PBKDF2-SHA512}$1000$AAEC$AAAA").error() == errc::bad_user_database);
    CHECK(*auth::stored_password_scheme("{PLAIN}") == password_scheme::plain);
    // verify_password reports the same errors.
    CHECK(auth::verify_password("{MD5-CRYPT}$1$x$y", pw("x")) == errc::unsupported_scheme);
    CHECK(auth::verify_password("{PBKDF2}garbage", pw("x")) == errc::bad_user_database);
}
