#pragma once

// Template body of net::server::add_listener; included at the end of net/server.hpp.

#include <type_traits>
#include <utility>

namespace mailaccess::net {

template <class Factory>
result<asio::ip::tcp::endpoint> server::add_listener(listener_options options, Factory factory) {
    using parts = std::invoke_result_t<Factory&, const connection_info&>;
    using session_type = typename parts::session_type;
    using engine_type = typename parts::engine_type;
    // Type erasure point: the server below this line knows only connection_base.
    auto make = [factory = std::move(factory), store = store_executor()](
                    stream&& s, const connection_info& info,
                    const listener_options& opts) mutable -> std::shared_ptr<connection_base> {
        parts p = factory(info);
        return std::make_shared<connection<session_type, engine_type>>(std::move(s), std::move(p.session),
                                                                       std::move(p.engine), store, opts.tls,
                                                                       opts.implicit_tls, opts.connection);
    };
    return add_listener_erased(std::move(options), std::move(make));
}

}  // namespace mailaccess::net
