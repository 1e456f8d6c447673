#pragma once
// Shopify's wire formats: GIDs, ISO-8601 UTC timestamps with second precision, base64 cursors,
// E.164 phone numbers.
// Pure functions; bad input is answered with std::nullopt.

#include "core/clock.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crmsync::sandbox::shopify {

std::string customer_gid(std::uint64_t id);
std::string address_gid(std::uint64_t id); // "gid://shopify/MailingAddress/N?model_name=CustomerAddress"
std::string metafield_gid(std::uint64_t id);
std::string metafield_definition_gid(std::uint64_t id);
// The numeric id of "gid://shopify/<type>/<n>" (a query suffix is allowed), if the type matches.
std::optional<std::uint64_t> parse_gid(std::string_view gid, std::string_view type);
// The resource type of any well-formed GID ("Customer", "Product", ...).
std::optional<std::string> gid_type(std::string_view gid);

wall_time truncate_to_seconds(wall_time t);
std::string format_time(wall_time t); // 2026-05-06T02:40:36Z

// A parsed search/input time. `date_only` is set for "2026-05-06" (and coarser) forms.
struct parsed_time {
    wall_time at;
    bool date_only = false;
};
// Accepts YYYY, YYYY-MM, YYYY-MM-DD, and date-times with Z, ±hh:mm offsets and fractions.
std::optional<parsed_time> parse_time(std::string_view text);

std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view data);

std::string to_lower(std::string_view s);

// E.164 after dropping formatting (spaces, dashes, dots, parentheses); 10-digit numbers are taken
// as North American. nullopt for anything else.
std::optional<std::string> normalise_phone(std::string_view raw);

} // namespace crmsync::sandbox::shopify
