#pragma once
// One web session's IMAP side: a logged-in `net::imap_client` used by that
// session's HTTP requests one at a time, kept between requests, idling
// (RFC 2177 IDLE) on the open folder in between so that changes made by
// other clients arrive as `on_update` events. Requests turn into IMAP
// commands here; the JSON shapes come from message_render.

#include <mailaccess/core/result.hpp>
#include <mailaccess/core/secret.hpp>
#include <mailaccess/net/imap_client.hpp>

#include <asio/any_io_executor.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace webmail {

/// Where and how to reach the IMAP server.
struct imap_endpoint {
    std::string host = "127.0.0.1";
    std::string port = "1993";
    /// CA certificate (PEM) to verify the server with; the reference
    /// server's self-signed certificate. Empty: the system store.
    std::string ca_file;
    /// Name the certificate must carry (the reference server's is for
    /// "localhost" and 127.0.0.1).
    std::string server_name;
    std::chrono::milliseconds timeout{std::chrono::seconds(20)};
    /// Largest message fetched for display (BODY[] is cut there).
    std::uint32_t max_message_size = 20 * 1024 * 1024;
};

/// Thread safety: safe to call concurrently; requests are serialised by an
/// internal mutex (one IMAP connection, one command sequence).
class web_session {
public:
    /// Connects, logs in as `user` and returns the session; on failure the
    /// error (`imap::errc::auth_failed` for a wrong password). Blocks up to
    /// the endpoint's timeout (twice: connect, login).
    static mailaccess::result<std::shared_ptr<web_session>> open(asio::any_io_executor executor,
                                                                 const imap_endpoint& endpoint,
                                                                 const std::string& user,
                                                                 mailaccess::secret<> password);
    ~web_session();

    /// Connects (implicit TLS, verified) and logs out at once: true when the
    /// server answers. Used to wait for a server that is starting.
    bool probe();

    /// Folders with message and unread counts (LIST-STATUS, RFC 5819):
    /// [{name, delimiter, special, messages, unseen}].
    mailaccess::result<nlohmann::json> folders();
    /// A page of the folder, newest first, from headers only; `query`
    /// (optional) is an IMAP TEXT search. {folder, version, total, page,
    /// page_size, messages: [...]}: `version` is the event count the page
    /// is current with (see `version()`), read before the search, so any
    /// later change moves `version()` past it.
    mailaccess::result<nlohmann::json> messages(const std::string& folder, std::size_t page,
                                                std::size_t page_size, const std::string& query);
    /// The raw message (up to `max_message_size`), marked \Seen. The last one
    /// is cached, so its HTML and attachments need no second FETCH.
    mailaccess::result<std::shared_ptr<const std::string>> message(const std::string& folder,
                                                                   std::uint32_t uid);
    /// Sets or clears `\Seen` or `\Flagged`.
    mailaccess::result<bool> set_flag(const std::string& folder, std::uint32_t uid, const std::string& flag,
                                      bool on);
    /// Moves a message (MOVE, RFC 6851).
    mailaccess::result<bool> move(const std::string& folder, std::uint32_t uid, const std::string& to);
    /// Moves a message to Trash (created if needed); in Trash itself,
    /// deletes it for good (\Deleted + UID EXPUNGE).
    mailaccess::result<bool> remove(const std::string& folder, std::uint32_t uid);
    /// Storage quota of INBOX's root: {usage_kib, limit_kib} or {} if none.
    mailaccess::result<nlohmann::json> quota();

    /// Counts mailbox events (EXISTS, EXPUNGE, flag changes) received on the
    /// open folder; the browser polls it and reloads when it changes.
    std::uint64_t version() const noexcept { return version_->load(); }
    /// The folder the connection has selected (empty: none).
    std::string open_folder() const;
    /// The last failure's server text (for the JSON error), if any.
    std::string last_error_text() const;

    /// LOGOUT (bounded by the timeout), then closes.
    void logout();

    /// A session that is not connected yet (`open` connects and logs in;
    /// `probe` only connects). The client runs on `executor`, which must be
    /// run by another thread than the callers of the blocking functions.
    web_session(asio::any_io_executor executor, const imap_endpoint& endpoint);

private:
    std::error_code connect_tls();
    mailaccess::result<bool> select(const std::string& folder);
    mailaccess::result<bool> command(mailaccess::imap::command::body_type body);
    std::string trash_folder();
    void idle();

    imap_endpoint endpoint_;
    std::shared_ptr<std::atomic<std::uint64_t>> version_;
    mailaccess::net::imap_client client_;
    mutable std::mutex mutex_;
    std::string selected_;
    std::string last_error_;
    bool last_trycreate_ = false;
    std::string cached_key_;
    std::shared_ptr<const std::string> cached_message_;
};

}  // namespace webmail
