#pragma once
// HubSpot JSON <-> the connector's field vocabulary (contact property names). Pure: no I/O.

#include "core/outcome.hpp"
#include "core/record.hpp"

#include <boost/json/object.hpp>

#include <span>
#include <string>
#include <string_view>

namespace crmsync::hubspot {

// A SimplePublicObject {id, properties, updatedAt, archived} -> record. Null properties are "no value".
outcome<record> contact_from_json(const boost::json::object& o);

// {"properties": {...}} body fragment for a write; an empty value is sent as "" (HubSpot clears it).
boost::json::object properties_json(const field_map& fields);

// One custom property the daemon creates in the "shopify" group (design.md §7.2).
struct custom_property {
    std::string_view name;
    std::string_view label;
    std::string_view type;       // string | number
    std::string_view field_type; // text | textarea | number
    bool unique = false;
};
std::span<const custom_property> shopify_custom_properties();
const custom_property* find_custom_property(std::string_view name);
boost::json::object custom_property_json(const custom_property& p);

} // namespace crmsync::hubspot
