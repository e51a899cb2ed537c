#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <type_traits>
#include <utility>
#include <variant>

namespace mailaccess::net {

/// How the connection driver recognises the actions of a sans-I/O session
/// (STYLE.md section 3). Every session family (`pop3::server_session`,
/// later `imap::server_session`) returns from `next_action()` a
/// `std::variant` with the same six alternatives, each in its own namespace,
/// in this order:
///
///     0 need_input        read into prepare(n), then commit(n)
///     1 write_ready       write pending_output(), then consume_output(n)
///     2 engine_request    has `.id`; run engine.handle(std::move(req)),
///                         then complete(id, std::move(reply))
///     3 start_tls         handshake as TLS server, then tls_established()
///     4 close_connection  shut down and close
///     5 delay             has `.duration`; wait, then resume()
///
/// The primary template reads that order off the variant and checks the
/// shapes it can (empty tags, `.id`, `.duration`). A session with another
/// layout specialises `session_traits` with the same member names.
template <class Session>
struct session_traits {
    using action = decltype(std::declval<Session&>().next_action());
    static_assert(std::variant_size_v<action> == 6,
                  "next_action() must return variant<need_input, write_ready, engine_request, "
                  "start_tls, close_connection, delay>; otherwise specialise net::session_traits");

    using need_input = std::variant_alternative_t<0, action>;
    using write_ready = std::variant_alternative_t<1, action>;
    using engine_request = std::variant_alternative_t<2, action>;
    using start_tls = std::variant_alternative_t<3, action>;
    using close_connection = std::variant_alternative_t<4, action>;
    using delay = std::variant_alternative_t<5, action>;

    static_assert(std::is_empty_v<need_input> && std::is_empty_v<write_ready> && std::is_empty_v<start_tls> &&
                      std::is_empty_v<close_connection>,
                  "need_input, write_ready, start_tls and close_connection are expected to be empty tags");
    static_assert(
        requires(engine_request & r) { r.id; }, "engine_request needs an `id` member");
    static_assert(
        requires(delay & d) { d.duration; }, "delay needs a `duration` member");
};

/// What the driver calls on a session: the member functions listed in
/// `session_traits`, plus `read_timeout()` returning a std::chrono duration.
template <class Session>
concept driven_session = requires(Session& s, const Session& cs, std::size_t n) {
    s.next_action();
    {s.prepare(n)};
    s.commit(n);
    {cs.pending_output()};
    s.consume_output(n);
    s.resume();
    s.tls_established();
    {cs.read_timeout()};
};

/// Optional: change notification while idling (IMAP IDLE, RFC 2177).
///
/// Some sessions wait for input and must at the same time react to changes
/// made elsewhere: another session's APPEND or EXPUNGE, a POP3 deletion,
/// mail an outside process delivered into the store. Such a session models
/// `notifiable_session`:
///
///     bool is_idling() const  true while the session waits for input but
///                             wants to hear about changes
///     void notify()           something may have changed: queue whatever
///                             that calls for (typically an engine request)
///                             for the next `next_action()`; a no-op when
///                             there is nothing to do
///
/// Its engine may model `change_source`:
///
///     Handle subscribe_changes(std::function<void()> notifier)
///
/// `Handle` is any movable RAII type (e.g. `std::unique_ptr<store::
/// subscription>`; a null one means "nothing to watch"). Until the handle is
/// destroyed, the engine calls `notifier` after each change relevant to the
/// session, from whatever thread made the change; `notifier` is thread-safe,
/// cheap, and only posts. `subscribe_changes` is called like `handle`: never
/// concurrently with another call on the same engine, so it may read the
/// engine's state (which mailbox is selected) without locks. The listener
/// must not touch that state later; it runs on other threads.
///
/// What `net::connection` does with them:
///   - After every `next_action()` it reads `is_idling()`. When it becomes
///     true the driver calls `subscribe_changes` (if the engine offers it)
///     and starts a poll timer (`connection_options::idle_poll_interval`);
///     when it becomes false it destroys the handle and stops the timer. The
///     poll catches changes no notifier reports, such as a file an outside
///     MDA moved into a Maildir's new/.
///   - A notifier call or a poll tick reaches the session as `notify()` on
///     the connection's strand. If the driver is only waiting for input, it
///     then runs the session loop again (engine request, writes) while that
///     read stays pending; otherwise it keeps the notification and calls
///     `notify()` when the loop next asks for input. So `notify()` is never
///     called while an engine request is outstanding, and notifications
///     that arrive after `is_idling()` turned false are dropped.
///   - Because the loop may run while a read is pending, a read started
///     while the session idles goes into a buffer of the driver's, not into
///     `prepare()`'s span (which `next_action()` may invalidate); its bytes
///     are passed through `prepare`/`commit` when the loop next needs input.
///     A session therefore sees the usual order of calls: `commit` is never
///     called while an engine request is outstanding.
template <class Session>
concept notifiable_session = requires(Session& s, const Session& cs) {
    s.notify();
    { cs.is_idling() } -> std::convertible_to<bool>;
};

/// See `notifiable_session`: an engine that reports changes relevant to its
/// session through `subscribe_changes(std::function<void()>)`.
template <class Engine>
concept change_source = requires(Engine& e, std::function<void()> notifier) {
    e.subscribe_changes(std::move(notifier));
};

/// Optional: engine requests that overlap output.
///
///     bool engine_request::overlaps_output
///
/// Normally the driver performs one action at a time: while the engine works
/// on a request, nothing is written. A request with `overlaps_output` set
/// lets the store thread work while the I/O thread writes what the session
/// queued before it, so a long answer produced in slices (a FETCH of a whole
/// mailbox: the engine opens the next slice's messages while the session
/// sends the last) takes the larger of the two times, not their sum. For
/// such a request the driver posts `handle` to the store executor and goes
/// on asking `next_action()`:
///   - `write_ready` is performed as usual;
///   - any other action waits until the engine is done, and is then asked
///     for again (the session returns `need_input` as a placeholder when it
///     has nothing to write and only waits for its reply);
///   - `complete(id, reply)` is called on the strand when no write is in
///     flight (a reply that comes during a write waits for its end), so the
///     session may append output in `complete` as it always does.
/// The session must not return another engine request before `complete`
/// (one engine call at a time, as always), and must not share state with
/// the running engine call (the byte sources it streams are its own).
template <class Request>
concept overlapping_request = requires(const Request& r) {
    { r.overlaps_output } -> std::convertible_to<bool>;
};

/// Optional: requests an engine answers on the connection's own thread.
///
///     bool runs_inline(const engine_request&) const
///
/// The driver normally runs `handle` on the store executor and comes back to
/// the strand for `complete`: two thread hand-offs, which cost more than the
/// work for a short request of the same kind as the I/O a session already
/// does on the strand (opening a message whose octets the session then reads
/// there, one pipelined RETR after another). For a request where
/// `runs_inline` returns true the driver calls `handle` and `complete` right
/// away, on the strand. Keep it to requests that never wait long: everything
/// else on that I/O thread waits with them.
template <class Engine, class Request>
concept inline_engine = requires(const Engine& e, const Request& r) {
    { e.runs_inline(r) } -> std::convertible_to<bool>;
};

}  // namespace mailaccess::net
