#pragma once
// The record model shared by connectors and the engine.
//
// A connector reports records in its own vocabulary (Shopify: "firstName", "defaultAddress.city";
// HubSpot: property names). core/mapping.hpp turns them into canonical, normalized fields. Both use the
// same types: a missing key means "no value"; values are strings (numbers and timestamps as text).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace crmsync {

enum class side : std::uint8_t { shopify = 0, crm = 1 };

constexpr side other(side s) { return s == side::shopify ? side::crm : side::shopify; }
constexpr std::string_view to_string(side s) { return s == side::shopify ? "shopify" : "crm"; }

using field_map = std::map<std::string, std::string, std::less<>>;

struct record {
    std::string id;               // the side's own id (Shopify: numeric legacy id; HubSpot: record id)
    std::int64_t updated_at_ms = 0; // the side's own last-modified time, ms since the Unix epoch
    field_map fields;
    bool deleted = false;
    // Ids of records the API merged into this one (HubSpot hs_merged_object_ids): links to them move here.
    std::vector<std::string> merged_ids;
};

} // namespace crmsync
