#pragma once
// The HTTP request and response as the webmail's routes see them: plain
// values, so routes are tested without sockets and the server library
// stays behind http_server.

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace webmail {

struct http_request {
    std::string method;  ///< "GET", "POST", ...
    std::string path;    ///< without the query
    std::map<std::string, std::string> query;
    std::map<std::string, std::string> headers;  ///< names lower-cased
    std::string body;
    std::string remote_address;

    /// The header's value, or "" when absent.
    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string() : it->second;
    }
    /// The query parameter's value, or "" when absent.
    std::string param(const std::string& name) const {
        auto it = query.find(name);
        return it == query.end() ? std::string() : it->second;
    }
};

struct http_response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    void set_header(std::string name, std::string value) {
        for (auto& h : headers)
            if (h.first == name) {
                h.second = std::move(value);
                return;
            }
        headers.emplace_back(std::move(name), std::move(value));
    }
};

}  // namespace webmail
