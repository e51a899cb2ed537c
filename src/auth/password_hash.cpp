#include <mailaccess/auth/password_hash.hpp>

#include "hex.hpp"

#include <mailaccess/core/base64.hpp>
#include <mailaccess/core/error.hpp>

#include <crypt.h>
#include <openssl/digest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <memory>
#include <optional>

namespace mailaccess::auth {
namespace {

constexpr std::uint32_t default_pbkdf2_sha1_rounds = 100'000;
constexpr std::uint32_t default_pbkdf2_sha512_rounds = 210'000;
constexpr std::size_t pbkdf2_sha1_key_size = 20;
constexpr std::size_t pbkdf2_sha512_key_size = 64;
constexpr std::size_t pbkdf2_sha512_salt_size = 16;
constexpr std::size_t pbkdf2_sha512_min_salt = 8;
constexpr std::size_t pbkdf2_sha512_max_salt = 64;
constexpr std::size_t dovecot_salt_length = 16;

// Dovecot's salt alphabet (password-scheme.c); 64 symbols, so `byte & 63` is uniform.
constexpr std::string_view salt_chars = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

struct stored_parts {
    password_scheme scheme;
    std::string_view data;
};

bool is_crypt_char(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == '/' || c == '$' || c == '=';
}

// Checks "$5$[rounds=N$]salt$hash" loosely: crypt_r does the real parsing,
// but we refuse absurd round counts and characters crypt would choke on.
std::error_code check_crypt_data(std::string_view data, std::string_view prefix) {
    if (data.substr(0, prefix.size()) != prefix) return errc::bad_user_database;
    if (data.size() >= CRYPT_OUTPUT_SIZE) return errc::bad_user_database;
    for (char c : data)
        if (!is_crypt_char(c)) return errc::bad_user_database;
    std::string_view rest = data.substr(prefix.size());
    constexpr std::string_view rounds_tag = "rounds=";
    if (rest.substr(0, rounds_tag.size()) == rounds_tag) {
        rest.remove_prefix(rounds_tag.size());
        const auto end = rest.find('$');
        if (end == std::string_view::npos) return errc::bad_user_database;
        if (!detail::parse_rounds(rest.substr(0, end), max_hash_rounds)) return errc::bad_user_database;
        rest.remove_prefix(end + 1);
    }
    // salt '$' hash, both non-empty
    const auto dollar = rest.find('$');
    if (dollar == 0 || dollar == std::string_view::npos || dollar + 1 == rest.size())
        return errc::bad_user_database;
    return {};
}

struct dovecot_pbkdf2 {
    std::string_view salt;
    std::uint32_t rounds;
    std::string key;
};

// "$1$<salt>$<rounds>$<hex>" (Dovecot password-scheme-pbkdf2.c).
std::optional<dovecot_pbkdf2> parse_dovecot_pbkdf2(std::string_view data) {
    if (data.substr(0, 3) != "$1$") return std::nullopt;
    data.remove_prefix(3);
    const auto d1 = data.find('$');
    if (d1 == std::string_view::npos) return std::nullopt;
    const auto d2 = data.find('$', d1 + 1);
    if (d2 == std::string_view::npos) return std::nullopt;
    if (data.find('$', d2 + 1) != std::string_view::npos) return std::nullopt;
    auto rounds = detail::parse_rounds(data.substr(d1 + 1, d2 - d1 - 1), max_hash_rounds);
    const auto hex = data.substr(d2 + 1);
    if (!rounds || hex.size() != pbkdf2_sha1_key_size * 2) return std::nullopt;
    auto key = detail::from_hex(hex);
    if (!key) return std::nullopt;
    return dovecot_pbkdf2{data.substr(0, d1), *rounds, std::move(*key)};
}

struct sha512_pbkdf2 {
    std::uint32_t rounds;
    std::string salt;
    std::string key;
};

// "$<rounds>$<base64 salt>$<base64 key>" (our scheme, see the header).
std::optional<sha512_pbkdf2> parse_sha512_pbkdf2(std::string_view data) {
    if (data.substr(0, 1) != "$") return std::nullopt;
    data.remove_prefix(1);
    const auto d1 = data.find('$');
    if (d1 == std::string_view::npos) return std::nullopt;
    const auto d2 = data.find('$', d1 + 1);
    if (d2 == std::string_view::npos) return std::nullopt;
    auto rounds = detail::parse_rounds(data.substr(0, d1), max_hash_rounds);
    auto salt = base64_decode(data.substr(d1 + 1, d2 - d1 - 1));
    auto key = base64_decode(data.substr(d2 + 1));
    if (!rounds || !salt || !key) return std::nullopt;
    if (salt->size() < pbkdf2_sha512_min_salt || salt->size() > pbkdf2_sha512_max_salt ||
        key->size() != pbkdf2_sha512_key_size)
        return std::nullopt;
    return sha512_pbkdf2{*rounds, std::move(*salt), std::move(*key)};
}

result<stored_parts> split_stored(std::string_view stored) {
    if (stored.substr(0, 1) != "{") {
        // Dovecot's passwd-file default scheme is CRYPT; accept the two
        // crypt flavours we implement and refuse to guess anything else.
        if (stored.substr(0, 3) == "$6$") return stored_parts{password_scheme::sha512_crypt, stored};
        if (stored.substr(0, 3) == "$5$") return stored_parts{password_scheme::sha256_crypt, stored};
        return unexpected(errc::unsupported_scheme);
    }
    const auto close = stored.find('}');
    if (close == std::string_view::npos) return unexpected(errc::bad_user_database);
    auto scheme = parse_password_scheme(stored.substr(1, close - 1));
    if (!scheme) return unexpected(scheme.error());
    return stored_parts{*scheme, stored.substr(close + 1)};
}

std::error_code check_data(const stored_parts& p) {
    switch (p.scheme) {
        case password_scheme::plain: return {};
        case password_scheme::sha256_crypt: return check_crypt_data(p.data, "$5$");
        case password_scheme::sha512_crypt: return check_crypt_data(p.data, "$6$");
        case password_scheme::pbkdf2_sha1:
            return parse_dovecot_pbkdf2(p.data) ? std::error_code{}
                                                : make_error_code(errc::bad_user_database);
        case password_scheme::pbkdf2_sha512:
            return parse_sha512_pbkdf2(p.data) ? std::error_code{} : make_error_code(errc::bad_user_database);
    }
    return errc::unsupported_scheme;
}

bool pbkdf2(std::string_view password, std::string_view salt, std::uint32_t rounds, const EVP_MD* md,
            std::uint8_t* out, std::size_t out_len) {
    return PKCS5_PBKDF2_HMAC(password.data(), password.size(),
                             reinterpret_cast<const std::uint8_t*>(salt.data()), salt.size(), rounds, md,
                             out_len, out) == 1;
}

// crypt_data is ~32 KiB; keep it off the stack and wipe it afterwards since
// it holds intermediate state derived from the password.
struct crypt_buffer {
    crypt_buffer() : data(std::make_unique<crypt_data>()) {}
    ~crypt_buffer() { secure_wipe(data.get(), sizeof(crypt_data)); }
    crypt_buffer(const crypt_buffer&) = delete;
    crypt_buffer& operator=(const crypt_buffer&) = delete;
    std::unique_ptr<crypt_data> data;
};

// Returns the crypt(3) output for `password` under `setting`, or nullopt on
// failure (libxcrypt returns NULL or a string starting with '*').
std::optional<std::string> run_crypt(const secret<>& password, const std::string& setting) {
    crypt_buffer buf;
    const std::string phrase(password.reveal());
    const char* out = crypt_r(phrase.c_str(), setting.c_str(), buf.data.get());
    std::optional<std::string> r;
    if (out != nullptr && out[0] != '*') r.emplace(out);
    secure_wipe(const_cast<char*>(phrase.data()), phrase.size());
    return r;
}

bool random_bytes(std::uint8_t* out, std::size_t n) { return RAND_bytes(out, n) == 1; }

bool has_nul(std::string_view s) noexcept { return s.find('\0') != std::string_view::npos; }

}  // namespace

result<password_scheme> parse_password_scheme(std::string_view name) {
    using detail::iequals;
    if (iequals(name, "PLAIN") || iequals(name, "CLEARTEXT")) return password_scheme::plain;
    if (iequals(name, "SHA256-CRYPT")) return password_scheme::sha256_crypt;
    if (iequals(name, "SHA512-CRYPT")) return password_scheme::sha512_crypt;
    if (iequals(name, "PBKDF2")) return password_scheme::pbkdf2_sha1;
    if (iequals(name, "PBKDF2-SHA512")) return password_scheme::pbkdf2_sha512;
    return unexpected(errc::unsupported_scheme);
}

std::string_view password_scheme_name(password_scheme s) noexcept {
    switch (s) {
        case password_scheme::plain: return "PLAIN";
        case password_scheme::sha256_crypt: return "SHA256-CRYPT";
        case password_scheme::sha512_crypt: return "SHA512-CRYPT";
        case password_scheme::pbkdf2_sha1: return "PBKDF2";
        case password_scheme::pbkdf2_sha512: return "PBKDF2-SHA512";
    }
    return "UNKNOWN";
}

result<std::string> hash_password(password_scheme scheme, const secret<>& password, hash_options options) {
    const std::string_view pw = password.reveal();
    if (pw.size() > max_password_length || has_nul(pw) || options.rounds > max_hash_rounds)
        return unexpected(mailaccess::errc::invalid_argument);
    std::string out = "{";
    out += password_scheme_name(scheme);
    out += '}';

    switch (scheme) {
        case password_scheme::plain:
            if (pw.find_first_of(":\r\n") != std::string_view::npos)
                return unexpected(mailaccess::errc::invalid_argument);
            out += pw;
            return out;
        case password_scheme::sha256_crypt:
        case password_scheme::sha512_crypt: {
            // crypt_gensalt_rn draws on the bytes we give it rather than its own
            // source, so every salt comes from BoringSSL's RAND_bytes.
            std::array<std::uint8_t, 16> rnd{};
            if (!random_bytes(rnd.data(), rnd.size())) return unexpected(errc::temporary_failure);
            std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
            const char* prefix = scheme == password_scheme::sha512_crypt ? "$6$" : "$5$";
            if (crypt_gensalt_rn(prefix, options.rounds, reinterpret_cast<const char*>(rnd.data()),
                                 static_cast<int>(rnd.size()), setting.data(),
                                 static_cast<int>(setting.size())) == nullptr)
                return unexpected(errc::temporary_failure);
            auto hashed = run_crypt(password, std::string(setting.data()));
            if (!hashed) return unexpected(errc::temporary_failure);
            out += *hashed;
            return out;
        }
        case password_scheme::pbkdf2_sha1: {
            const std::uint32_t rounds = options.rounds != 0 ? options.rounds : default_pbkdf2_sha1_rounds;
            std::array<std::uint8_t, dovecot_salt_length> rnd{};
            if (!random_bytes(rnd.data(), rnd.size())) return unexpected(errc::temporary_failure);
            std::string salt;
            for (auto b : rnd) salt.push_back(salt_chars[b & 63u]);
            std::array<std::uint8_t, pbkdf2_sha1_key_size> key{};
            if (!pbkdf2(pw, salt, rounds, EVP_sha1(), key.data(), key.size()))
                return unexpected(errc::temporary_failure);
            out += "$1$" + salt + "$" + std::to_string(rounds) + "$" + detail::to_hex(key.data(), key.size());
            return out;
        }
        case password_scheme::pbkdf2_sha512: {
            const std::uint32_t rounds = options.rounds != 0 ? options.rounds : default_pbkdf2_sha512_rounds;
            std::array<std::uint8_t, pbkdf2_sha512_salt_size> salt{};
            if (!random_bytes(salt.data(), salt.size())) return unexpected(errc::temporary_failure);
            const std::string_view salt_view(reinterpret_cast<const char*>(salt.data()), salt.size());
            std::array<std::uint8_t, pbkdf2_sha512_key_size> key{};
            if (!pbkdf2(pw, salt_view, rounds, EVP_sha512(), key.data(), key.size()))
                return unexpected(errc::temporary_failure);
            out += "$" + std::to_string(rounds) + "$" + base64_encode(salt_view) + "$" +
                   base64_encode({reinterpret_cast<const char*>(key.data()), key.size()});
            return out;
        }
    }
    return unexpected(errc::unsupported_scheme);
}

result<std::string> hash_password(std::string_view scheme_name, const secret<>& password,
                                  hash_options options) {
    auto scheme = parse_password_scheme(scheme_name);
    if (!scheme) return unexpected(scheme.error());
    return hash_password(*scheme, password, options);
}

result<password_scheme> stored_password_scheme(std::string_view stored) {
    auto parts = split_stored(stored);
    if (!parts) return unexpected(parts.error());
    if (auto ec = check_data(*parts)) return unexpected(ec);
    return parts->scheme;
}

std::error_code verify_password(std::string_view stored, const secret<>& password) {
    auto parts = split_stored(stored);
    if (!parts) return parts.error();
    if (auto ec = check_data(*parts)) return ec;
    const std::string_view pw = password.reveal();
    // Bounded before hashing so a client cannot make us hash megabytes; NUL
    // cannot be represented by crypt(3) or Dovecot, so it never matches.
    if (pw.size() > max_password_length || has_nul(pw)) return errc::invalid_credentials;

    bool match = false;
    switch (parts->scheme) {
        case password_scheme::plain: match = constant_time_equal(parts->data, pw); break;
        case password_scheme::sha256_crypt:
        case password_scheme::sha512_crypt: {
            auto hashed = run_crypt(password, std::string(parts->data));
            match = hashed && constant_time_equal(*hashed, parts->data);
            break;
        }
        case password_scheme::pbkdf2_sha1: {
            const auto p = parse_dovecot_pbkdf2(parts->data);
            std::array<std::uint8_t, pbkdf2_sha1_key_size> key{};
            if (!pbkdf2(pw, p->salt, p->rounds, EVP_sha1(), key.data(), key.size()))
                return errc::temporary_failure;
            match = constant_time_equal({reinterpret_cast<const char*>(key.data()), key.size()}, p->key);
            secure_wipe(key.data(), key.size());
            break;
        }
        case password_scheme::pbkdf2_sha512: {
            const auto p = parse_sha512_pbkdf2(parts->data);
            std::array<std::uint8_t, pbkdf2_sha512_key_size> key{};
            if (!pbkdf2(pw, p->salt, p->rounds, EVP_sha512(), key.data(), key.size()))
                return errc::temporary_failure;
            match = constant_time_equal({reinterpret_cast<const char*>(key.data()), key.size()}, p->key);
            secure_wipe(key.data(), key.size());
            break;
        }
    }
    return match ? std::error_code{} : make_error_code(errc::invalid_credentials);
}

}  // namespace mailaccess::auth
