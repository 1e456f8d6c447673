#pragma once
// The daemon's HTTP endpoints (design.md §7.3): /healthz, /readyz, /status, /metrics and the dashboard.
// Runs on the event loop, so answering /healthz at all proves the loop turns.

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
