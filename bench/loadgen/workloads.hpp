#pragma once

// The workloads of mailaccess-loadgen (issue [6/7]), each a coroutine that
// drives one server through the library's own async clients and returns
// what it measured. The same code runs against our server and Dovecot.

#include "stats.hpp"

#include <mailaccess/net/imap_client.hpp>
#include <mailaccess/net/pop3_client.hpp>

#include <asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace loadgen {

/// Where and as whom to connect.
struct target {
    std::string host = "127.0.0.1";
    std::string port;
    std::string tls = "none";  ///< none, starttls or implicit
    std::string ca_file;
    bool insecure = false;
    std::string user;  ///< "%d" in it: numbered users 1..users
    unsigned users = 1;
    std::string password;
    std::string mailbox = "INBOX";

    /// The user name of client `index` (0-based).
    std::string user_for(std::size_t index) const;
};

/// How much work to do.
struct load {
    unsigned clients = 1;
    std::chrono::milliseconds duration{std::chrono::seconds(5)};
    unsigned iterations = 1;
    bool pipelined = false;
    std::size_t message_size = 10 * 1024;
    /// idle: the server's processes; their memory and their descendants'
    /// (proportional set size) is the server's.
    std::vector<int> server_pids;
    std::uint64_t seed = 1;
};

/// What the idle-capacity workload measured besides the usual figures.
struct idle_result {
    stats connect;                  ///< one op per connection made idle
    std::uint64_t connections = 0;  ///< connections idling at once
    double rss_before_kib = 0;      ///< server resident memory before and with them
    double rss_idle_kib = 0;
    double rss_half_kib = 0;           ///< ... and with the first half of them
    std::size_t connections_half = 0;  ///< how many idled at that point
    double fanout_ms = 0;              ///< APPEND to the last EXISTS seen by all
    std::uint64_t notified = 0;        ///< connections that saw the EXISTS
};

/// connect + LOGIN + LOGOUT cycles by `clients` concurrent clients for
/// `duration`; one op per cycle.
asio::awaitable<stats> login_storm(const target& t, const load& l);

/// One client: EXAMINE then `UID FETCH 1:* (UID FLAGS INTERNALDATE
/// RFC822.SIZE ENVELOPE)`, or with `header_fields` the HEADER.FIELDS form,
/// `iterations` times; one op per FETCH (its latency is the sync time).
asio::awaitable<stats> header_sync(const target& t, const load& l, bool header_fields);

/// One client: `UID FETCH 1:* BODY.PEEK[]`, `iterations` times.
asio::awaitable<stats> body_download(const target& t, const load& l);

/// POP3: RETR of every message, all queued at once (`pipelined`) or one
/// after the other; one op per RETR.
asio::awaitable<stats> pop3_retr(const target& t, const load& l);

/// `clients` concurrent connections APPEND `iterations` messages of
/// `message_size` octets each; one op per APPEND.
asio::awaitable<stats> append(const target& t, const load& l);

/// `clients` sessions kept open, each running a random mix of NOOP, UID
/// FETCH (flags, headers), UID STORE, UID SEARCH and STATUS on --mailbox for
/// `duration`; one op per command.
asio::awaitable<stats> mixed(const target& t, const load& l);

/// `clients` connections log in, SELECT and IDLE; the server's memory is
/// read before and after (`server_pids`), then one APPEND from another
/// connection and the time until every idler has seen its EXISTS.
asio::awaitable<idle_result> idle_capacity(const target& t, const load& l);

}  // namespace loadgen
