#include "http_server.hpp"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cctype>
#include <cstring>
#include <exception>
#include <memory>

namespace webmail {

namespace {

// Per-request state between libmicrohttpd's calls of the access handler:
// the first call has only the headers, the next ones the body in pieces.
struct pending_request {
    std::string body;
    bool too_large = false;
};

std::string lowered(const char* s) {
    std::string out(s == nullptr ? "" : s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* key, const char* value) {
    auto& headers = *static_cast<std::map<std::string, std::string>*>(cls);
    headers[lowered(key)] = value == nullptr ? "" : value;
    return MHD_YES;
}

MHD_Result collect_argument(void* cls, MHD_ValueKind, const char* key, const char* value) {
    auto& query = *static_cast<std::map<std::string, std::string>*>(cls);
    if (key != nullptr) query.emplace(key, value == nullptr ? "" : value);
    return MHD_YES;
}

std::string client_address(MHD_Connection* connection) {
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == nullptr || info->client_addr == nullptr) return {};
    char text[INET6_ADDRSTRLEN] = {};
    const sockaddr* sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, text, sizeof text);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, text, sizeof text);
    return text;
}

MHD_Result send(MHD_Connection* connection, const http_response& r) {
    MHD_Response* response = MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()),
                                                             MHD_RESPMEM_MUST_COPY);
    if (response == nullptr) return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type.c_str());
    for (const auto& [name, value] : r.headers)
        MHD_add_response_header(response, name.c_str(), value.c_str());
    const MHD_Result ok = MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
    MHD_destroy_response(response);
    return ok;
}

MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url, const char* method, const char*,
                      const char* upload_data, size_t* upload_data_size, void** con_cls) {
    auto& server = *static_cast<const http_server*>(cls);
    if (*con_cls == nullptr) {
        *con_cls = new pending_request;
        return MHD_YES;
    }
    auto& pending = *static_cast<pending_request*>(*con_cls);
    if (*upload_data_size != 0) {
        if (pending.body.size() + *upload_data_size > server.options().max_body_size)
            pending.too_large = true;
        else
            pending.body.append(upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (pending.too_large) {
        http_response r;
        r.status = 413;
        r.body = R"({"error":"request body too large"})";
        return send(connection, r);
    }
    http_request request;
    request.method = method;
    request.path = url;
    request.body = std::move(pending.body);
    request.remote_address = client_address(connection);
    MHD_get_connection_values(connection, MHD_HEADER_KIND, collect_header, &request.headers);
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collect_argument, &request.query);
    return send(connection, server.handle(request));
}

void on_completed(void*, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
    delete static_cast<pending_request*>(*con_cls);
    *con_cls = nullptr;
}

}  // namespace

http_server::http_server(http_server_options options, http_handler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {}

http_server::~http_server() { stop(); }

http_response http_server::handle(const http_request& request) const {
    try {
        return handler_(request);
    } catch (const std::exception&) {
        http_response r;
        r.status = 500;
        r.body = R"({"error":"internal error"})";
        return r;
    }
}

std::error_code http_server::start() {
    sockaddr_storage addr{};
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (inet_pton(AF_INET, options_.address.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(options_.port);
    } else if (inet_pton(AF_INET6, options_.address.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(options_.port);
        flags |= MHD_USE_IPv6;
    } else {
        return std::make_error_code(std::errc::invalid_argument);
    }
    daemon_ = MHD_start_daemon(
        flags, options_.port, nullptr, nullptr, &on_request, this, MHD_OPTION_SOCK_ADDR,
        reinterpret_cast<sockaddr*>(&addr), MHD_OPTION_CONNECTION_LIMIT, options_.max_connections,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, options_.max_header_memory, MHD_OPTION_CONNECTION_TIMEOUT,
        options_.idle_timeout_seconds, MHD_OPTION_NOTIFY_COMPLETED, &on_completed, nullptr, MHD_OPTION_END);
    if (daemon_ == nullptr) return std::make_error_code(std::errc::address_in_use);
    return {};
}

void http_server::stop() {
    if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
    daemon_ = nullptr;
}

std::uint16_t http_server::port() const {
    if (daemon_ == nullptr) return 0;
    const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    return info == nullptr ? 0 : info->port;
}

}  // namespace webmail
