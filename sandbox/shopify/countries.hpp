#pragma once
// Countries and their zones (provinces, states) for address input: the names Shopify shows for
// countryCode/provinceCode, and which codes and names it refuses (fixtures
// tests/data/shopify/2025-01/customer-address-country-province-validation.json and
// customer-address-lifecycle.json). Pure functions over built-in tables.

#include <optional>
#include <string>
#include <string_view>

namespace crmsync::sandbox::shopify {

// The name shown for an ISO 3166-1 alpha-2 code; nullopt for a code that is not a country.
std::optional<std::string> country_name(std::string_view code);
// The code of a country given by name (shown, ISO or official name, any case).
std::optional<std::string> country_code_of(std::string_view name);

enum class zone_rule {
    checked,   // the zone list is complete here: an unknown code is refused (CA, US)
    none,      // the country has no zones: province input is dropped (captured for SG)
    unchecked, // zones exist or may, but are not modelled: province input is kept as given
};
zone_rule zones_of(std::string_view country_code);
// The zone's name, for a country whose zones are checked; nullopt when unknown there.
std::optional<std::string> zone_name(std::string_view country_code, std::string_view zone_code);
// The code of a zone given by code or name (any case), for a country whose zones are checked.
std::optional<std::string> zone_code_of(std::string_view country_code, std::string_view code_or_name);

} // namespace crmsync::sandbox::shopify
