#pragma once
// Absolute URL handling for base URLs from the config and requests from the connectors.

#include "core/outcome.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace crmsync {

struct parsed_url {
    std::string scheme; // "http" or "https"
    std::string host;   // without brackets for IPv6
    std::uint16_t port = 0; // explicit or the scheme's default
    std::string target; // path + query, at least "/"
};

// Parses an absolute http(s) URL. The failure message is operator-facing ("missing host", ...).
outcome<parsed_url> parse_url(std::string_view url);

// True for "localhost", 127.0.0.0/8 and ::1. Plain http:// is only allowed to such hosts.
bool is_loopback_host(std::string_view host);

// Percent-encodes a path segment or query value (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view s);

} // namespace crmsync
