#pragma once
// The Admin API versions the emulated shop serves today (2026-11-26, notes §1.3): stable 2026-01,
// 2026-04, 2026-07 and 2026-10 (latest), release candidate 2027-01, and `unstable`. Older
// well-formed versions fall forward to the oldest supported one.
// Pure functions.

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace crmsync::sandbox::shopify {

inline constexpr std::string_view latest_stable_version = "2026-10";
inline constexpr std::string_view release_candidate_version = "2027-01";

// The version that serves a request, or nullopt (404) for an unknown format or a future version.
std::optional<std::string> serving_version(std::string_view requested);

// ApiVersion {handle, displayName, supported} as the schema shows it: "2026-10 (Latest)",
// "2027-01 (Release candidate)"; unsupported for anything but a stable version.
boost::json::object api_version_json(std::string_view handle);

} // namespace crmsync::sandbox::shopify
