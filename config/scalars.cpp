#include "config/scalars.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <limits>

namespace crmsync::config_detail {
namespace {

constexpr std::string_view duration_forms = "an integer followed by ms, s, m or h, e.g. 250ms, 30s, 5m, 1h";

bool all_digits(std::string_view s)
{
    if (s.empty())
        return false;
    for (char c : s)
        if (c < '0' || c > '9')
            return false;
    return true;
}

} // namespace

parsed<std::chrono::milliseconds> parse_duration(std::string_view text)
{
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
        ++digits;
    const std::string_view number = text.substr(0, digits);
    const std::string_view unit = text.substr(digits);
    const std::string quoted = "'" + std::string(text) + "'";
    if (number.empty())
        return "invalid duration " + quoted + ": expected " + std::string(duration_forms);
    if (unit.empty())
        return "invalid duration " + quoted + ": a unit is required (ms, s, m or h), e.g. " + std::string(number) + "s";
    std::int64_t per_unit = 0;
    if (unit == "ms")
        per_unit = 1;
    else if (unit == "s")
        per_unit = 1'000;
    else if (unit == "m")
        per_unit = 60'000;
    else if (unit == "h")
        per_unit = 3'600'000;
    else
        return "invalid duration " + quoted + ": unknown unit '" + std::string(unit) + "'; expected " +
               std::string(duration_forms);
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
    if (ec != std::errc{} || end != number.data() + number.size() ||
        n > std::numeric_limits<std::int64_t>::max() / per_unit)
        return "invalid duration " + quoted + ": too large";
    return std::chrono::milliseconds(n * per_unit);
}

std::string format_duration(std::chrono::milliseconds d)
{
    const auto ms = d.count();
    if (ms != 0 && ms % 3'600'000 == 0)
        return std::to_string(ms / 3'600'000) + "h";
    if (ms != 0 && ms % 60'000 == 0)
        return std::to_string(ms / 60'000) + "m";
    if (ms % 1'000 == 0)
        return std::to_string(ms / 1'000) + "s";
    return std::to_string(ms) + "ms";
}

parsed<std::int64_t> parse_int(std::string_view text)
{
    std::int64_t n = 0;
    const char* first = text.data();
    if (text.size() > 1 && text[0] == '+' && text[1] != '-')
        ++first;
    auto [end, ec] = std::from_chars(first, text.data() + text.size(), n);
    if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size())
        return "expected an integer, found '" + std::string(text) + "'";
    if (ec == std::errc::result_out_of_range)
        return "integer '" + std::string(text) + "' is out of range";
    return n;
}

parsed<double> parse_double(std::string_view text)
{
    double d = 0;
    const char* first = text.data();
    if (text.size() > 1 && text[0] == '+' && text[1] != '-')
        ++first;
    auto [end, ec] = std::from_chars(first, text.data() + text.size(), d, std::chars_format::general);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(d))
        return "expected a number, found '" + std::string(text) + "'";
    return d;
}

parsed<bool> parse_bool(std::string_view text)
{
    if (text == "true" || text == "True" || text == "TRUE")
        return true;
    if (text == "false" || text == "False" || text == "FALSE")
        return false;
    return "expected true or false, found '" + std::string(text) + "'";
}

parsed<listen_address> parse_listen(std::string_view text)
{
    const std::string forms = "expected HOST:PORT with an IPv4 address, a [bracketed] IPv6 address or localhost "
                              "as HOST and a port 0..65535, e.g. 127.0.0.1:8787";
    const std::string bad = "invalid listen address '" + std::string(text) + "': ";
    std::string host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return bad + forms;
        host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
        in6_addr a6{};
        if (inet_pton(AF_INET6, host.c_str(), &a6) != 1)
            return bad + "'" + host + "' is not an IPv6 address";
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos)
            return bad + "the port is missing; " + forms;
        host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
        in_addr a4{};
        if (host == "localhost")
            host = "127.0.0.1";
        else if (host.find(':') != std::string::npos)
            return bad + "an IPv6 address must be in brackets, e.g. [::1]:8787";
        else if (inet_pton(AF_INET, host.c_str(), &a4) != 1)
            return bad + "'" + host + "' is not an IPv4 address or localhost (host names are not resolved)";
    }
    if (!all_digits(port) || port.size() > 5)
        return bad + "'" + std::string(port) + "' is not a port number (0..65535)";
    unsigned value = 0;
    std::from_chars(port.data(), port.data() + port.size(), value);
    if (value > 65535)
        return bad + "port " + std::string(port) + " is out of range (0..65535)";
    return listen_address{std::move(host), static_cast<std::uint16_t>(value)};
}

} // namespace crmsync::config_detail
