#pragma once
// The `shopify:` section as plain data. Parsed from the config through config_section; the client and
// the engine only ever see this struct.

#include "core/config_section.hpp"
#include "core/field_catalog.hpp"

#include <chrono>
#include <string>

namespace crmsync::shopify {

enum class plan { standard, advanced, plus, enterprise };

struct webhook_settings {
    std::string path = "/webhooks/shopify"; // where the daemon's HTTP server receives deliveries
    std::string public_url;                 // when set, the daemon creates/repairs its subscriptions
};

struct settings {
    std::string shop;                 // "acme.myshopify.com"
    std::string api_version = "2026-10";
    std::string base_url;             // defaults to https://{shop}; http:// only for loopback
    std::string access_token;         // static token, or
    std::string client_id;            // client-credentials grant with client_secret
    std::string client_secret;        // also the webhook HMAC key
    plan plan_hint = plan::standard;  // initial pacing guess; throttleStatus wins
    std::chrono::milliseconds poll_interval{30'000};
    std::chrono::milliseconds request_timeout{30'000}; // one API exchange, connect included
    webhook_settings webhooks;
};

// Reads and validates the section; problems are recorded on `s`, defaults kept.
settings parse_settings(config_section& s);

// The Shopify field vocabulary (see connectors/shopify/mapping.hpp).
const field_catalog& catalog();

// Restore rate (points/s) and bucket size Shopify documents for a plan.
double restore_rate_for(plan p);
double bucket_size_for(plan p);

} // namespace crmsync::shopify
