#pragma once
// What counts as personal data in the sandbox's people (e-mail addresses, phone numbers, street addresses,
// full names), for tests that make sure none of it leaks into logs, /status, /metrics or the dashboard.

#include "sandbox/sandbox.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crmsync::test {

// Every such value both emulators hold now, lower-cased and trimmed, without duplicates.
std::vector<std::string> personal_data(sandbox::sandbox_server& sb);

// The first of `needles` (lower case) that occurs in `haystack`, compared case-insensitively.
std::optional<std::string> find_any(std::string_view haystack, const std::vector<std::string>& needles);

} // namespace crmsync::test
