#pragma once
// The daemon's HTTP endpoints (design.md §7.3): /healthz, /readyz, /status, /metrics and the dashboard.
// Runs on the event loop, so answering /healthz at all proves the loop turns.
//
// Admin endpoints (what the CLI's operator commands call; they show personal data and change what is
// synced, so they need "Authorization: Bearer <http.token>" and answer 403 when no token is configured):
//   GET  /conflicts[?all=1]          open conflicts (all: settled ones too), newest first, with values
//   GET  /conflicts/ID
//   POST /conflicts/ID/resolve?take=shopify|crm
//   GET  /dead-letters               with fields and the API's message
//   POST /dead-letters/ID/retry
//   POST /resync[?side=shopify|crm][&full=1]
//   GET  /audit?link=ID|shopify=ID|crm=ID   a person's latest sync decisions, newest first

#include "core/http_server.hpp"
#include "daemon/status.hpp"

#include <functional>
#include <string>
#include <vector>

namespace crmsync {

// A POST endpoint for webhook deliveries (Shopify's at shopify.webhooks.path). The handler verifies and
// stores the delivery and answers; it runs on the event loop and must not wait on APIs.
struct webhook_route {
    std::string path;
    std::function<http_server_reply(http_server_request&)> handle;
};

struct http_api_options {
    std::string token; // http.token: when set, /status details need "Authorization: Bearer <token>"
    std::vector<webhook_route> webhooks;
};

// `facts` is read on every request (the daemon updates it as it starts up).
http_handler make_http_api(const daemon_facts& facts, const clock& clk, http_api_options opts);

// Constant-time comparison for secrets.
bool secure_equals(std::string_view a, std::string_view b);

} // namespace crmsync
