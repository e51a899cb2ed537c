#pragma once

// One IMAP connection for engine tests: imap::server_session + imap_engine
// driven the way net drives them, minus the sockets.

#include <mailaccess/auth/authenticator.hpp>
#include <mailaccess/engine/imap_engine.hpp>
#include <mailaccess/imap/server_session.hpp>
#include <mailaccess/store/store.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace mailaccess::test {

struct imap_connection {
    imap::server_session session;
    engine::imap_engine engine;
    std::string output;  // everything the server sent so far

    static imap::server_options session_options() {
        imap::server_options o;
        o.allow_plaintext_auth = true;
        o.failed_auth_delay = std::chrono::milliseconds(0);
        o.engine_capabilities = engine::imap_engine::capabilities();
        return o;
    }
    static engine::imap_engine_options engine_options(std::shared_ptr<engine::recent_tracker> recent,
                                                      std::size_t slice_messages,
                                                      std::chrono::milliseconds idle_poll_max_staleness) {
        engine::imap_engine_options o;
        o.recent = std::move(recent);
        o.slice_messages = slice_messages;
        o.idle_poll_max_staleness = idle_poll_max_staleness;
        return o;
    }
    imap_connection(store::store& store, auth::authenticator& users,
                    std::shared_ptr<engine::recent_tracker> recent, std::size_t slice_messages,
                    std::chrono::milliseconds idle_poll_max_staleness = std::chrono::milliseconds::zero())
        : session(session_options()),
          engine(store, users, engine_options(std::move(recent), slice_messages, idle_poll_max_staleness)) {}

    // Runs the session until it waits for input or closes.
    void run() {
        for (int guard = 0; guard < 1000000; ++guard) {
            auto act = session.next_action();
            if (std::holds_alternative<imap::need_input>(act) ||
                std::holds_alternative<imap::close_connection>(act))
                return;
            if (std::holds_alternative<imap::write_ready>(act)) {
                output += session.pending_output();
                session.consume_output(session.pending_output().size());
            } else if (auto* r = std::get_if<imap::engine_request>(&act)) {
                session.complete(r->id, engine.handle(std::move(*r)));
            } else if (std::holds_alternative<imap::delay>(act)) {
                session.resume();
            } else {
                session.tls_established();
            }
        }
        FAIL("session loops");
    }

    // Sends `line` CRLF and returns what the server answered to it.
    std::string exchange(std::string_view line) {
        const std::size_t before = output.size();
        session.feed(std::string(line) + "\r\n");
        run();
        return output.substr(before);
    }
};

}  // namespace mailaccess::test
