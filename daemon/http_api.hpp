#pragma once
// The daemon's HTTP endpoints (design.md §7.3): /healthz, /readyz, /status, /metrics and the dashboard.
// Runs on the event loop, so answering /healthz at all proves the loop turns.

#include "core/http_server.hpp"
#include "daemon/status.hpp"

#include <functional>
#include <string>

namespace crmsync {

struct http_api_options {
    std::string token; // http.token: when set, /status details need "Authorization: Bearer <token>"
};

// `facts` is read on every request (the daemon updates it as it starts up).
http_handler make_http_api(const daemon_facts& facts, const clock& clk, http_api_options opts);

// Constant-time comparison for secrets.
bool secure_equals(std::string_view a, std::string_view b);

} // namespace crmsync
