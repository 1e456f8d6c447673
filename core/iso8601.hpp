#pragma once
// ISO-8601 timestamps as the APIs write them ("2026-05-06T02:40:36Z", "2024-09-11T13:27:39.356Z",
// "2021-12-31T19:00:00-05:00") <-> Unix milliseconds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crmsync {

std::optional<std::int64_t> parse_iso8601_ms(std::string_view s);
std::string format_iso8601(std::int64_t unix_ms);    // second precision (truncated), UTC, "Z"
std::string format_iso8601_ms(std::int64_t unix_ms); // millisecond precision, UTC, "Z"

} // namespace crmsync
