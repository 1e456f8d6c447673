#pragma once
// Parsers for the scalar forms the configuration accepts. Pure functions; the failure text is the
// operator-facing part of a config_error message.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace crmsync::config_detail {

// A parsed value or the reason it was rejected.
template <class T> using parsed = std::variant<T, std::string>;

// "250ms", "30s", "5m", "1h": a non-negative integer immediately followed by its unit.
parsed<std::chrono::milliseconds> parse_duration(std::string_view text);
// The shortest exact spelling of a duration in the accepted form ("1500ms", "90s", "24h").
std::string format_duration(std::chrono::milliseconds d);

parsed<std::int64_t> parse_int(std::string_view text);
parsed<double> parse_double(std::string_view text);
// true/false in YAML 1.2 spellings (true, True, TRUE …); yes/no/on/off are rejected as ambiguous.
parsed<bool> parse_bool(std::string_view text);

// Host and port of "host:port": an IPv4 address, a bracketed IPv6 address or "localhost" (which is
// returned as 127.0.0.1, so the host is always an address literal); port 0..65535.
struct listen_address {
    std::string host;
    std::uint16_t port = 0;
};
parsed<listen_address> parse_listen(std::string_view text);

} // namespace crmsync::config_detail
