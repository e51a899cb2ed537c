#pragma once

#include <concepts>
#include <cstddef>
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

}  // namespace mailaccess::net
