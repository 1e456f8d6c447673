#pragma once
// What /status, /readyz and /metrics report (design.md §7.3). Never personal data: counts, ids of internal
// rows, record ids, field names, cursors (timestamps), redacted error texts.

#include "core/engine.hpp"
#include "core/metrics.hpp"
#include "core/state_store.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <string>

namespace crmsync {

struct daemon_facts {
    engine* eng = nullptr;           // null until the engine exists (admin actions act through it)
    state_store* store = nullptr;
    const metrics_registry* metrics = nullptr; // API request counts and durations; null in tests without one
    bool ready = false;
    std::string not_ready_reason;
    std::chrono::steady_clock::time_point started;
    std::int64_t started_unix_ms = 0;
    bool dry_run = false;
    bool config_reload_ok = true;
};

// The full status document; `details` = false gives the public subset (state, version, uptime, ready).
boost::json::object status_json(const daemon_facts& f, const clock& clk, bool details);

// /readyz: ready once config, state and credentials are good (both APIs accepted us at startup), and no
// longer while stopping or while an API refuses our credentials (a side paused on HTTP 401/403).
struct readiness {
    bool ready = false;
    std::string reason; // why not, for people
};
readiness check_readiness(const daemon_facts& f, const clock& clk);

// A poll cursor as Unix milliseconds (Shopify's are ISO-8601 times, HubSpot's milliseconds); nullopt when
// empty or not a time.
std::optional<std::int64_t> cursor_time_ms(std::string_view cursor);

// Prometheus text exposition format 0.0.4 (daemon/status_metrics.cpp).
std::string metrics_text(const daemon_facts& f, const clock& clk);

} // namespace crmsync
