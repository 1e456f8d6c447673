#pragma once
// The `crm:` section for `type: hubspot` as plain data.

#include "core/config_section.hpp"
#include "core/field_catalog.hpp"

#include <chrono>
#include <string>

namespace crmsync::hubspot {

enum class tier { free, starter, professional, enterprise };

struct settings {
    std::string base_url = "https://api.hubapi.com";
    std::string api_version = "2026-09"; // "YYYY-MM" date-based paths, or "v3"
    std::string access_token;
    tier tier_hint = tier::starter;      // initial pacing guess; X-HubSpot-RateLimit-* headers win
    std::chrono::milliseconds poll_interval{30'000};
    std::chrono::milliseconds request_timeout{30'000}; // one API exchange, connect included
};

// Reads and validates the section (every key but `type`); problems are recorded on `s`.
settings parse_settings(config_section& s);

// HubSpot contact properties: the known defaults plus the custom `shopify_*` ones; open to any
// syntactically valid property name (custom properties are checked online).
const field_catalog& catalog();

// Requests per 10-second window and per day that HubSpot documents for a tier (private apps).
int window_limit_for(tier t);
long daily_limit_for(tier t);

} // namespace crmsync::hubspot
