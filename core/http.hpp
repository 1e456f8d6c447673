#pragma once
// Plain HTTP message types shared by the client, the server, the connectors and the sandbox.
// Deliberately free of Beast so that widely included headers stay cheap to compile.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crmsync {

// Ordered header list with case-insensitive lookup (HTTP/2 lower-cases names; HTTP/1.1 does not).
class http_headers {
public:
    void add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }
    // Replaces every header of that name with a single one.
    void set(std::string_view name, std::string value);
    // First value of that header, if any.
    std::optional<std::string_view> get(std::string_view name) const;
    bool contains(std::string_view name) const { return get(name).has_value(); }
    const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

private:
    std::vector<std::pair<std::string, std::string>> items_;
};

bool iequals(std::string_view a, std::string_view b);

struct http_request {
    std::string method = "GET";
    std::string url; // absolute: http(s)://host[:port]/path?query
    http_headers headers;
    std::string body;
    std::chrono::milliseconds timeout{30'000}; // whole exchange, connect included
};

struct http_response {
    int status = 0;
    http_headers headers;
    std::string body;
};

} // namespace crmsync
