// A host program using the installed (or embedded) library's public API.
#include <mailaccess/core/base64.hpp>
#include <mailaccess/pop3/server_session.hpp>

#include <cstdio>
#include <string_view>

int main() {
    auto decoded = mailaccess::base64_decode("aGVsbG8=");
    if (!decoded || *decoded != "hello") return 1;

    // A POP3 session greets before anything is read.
    mailaccess::pop3::server_session session{mailaccess::pop3::server_options{}};
    auto action = session.next_action();
    if (!std::holds_alternative<mailaccess::pop3::write_ready>(action)) return 2;
    if (session.pending_output().substr(0, 3) != "+OK") return 3;
    std::puts("consumer ok");
    return 0;
}
