#pragma once
// What /status and /metrics report (design.md §7.3). Never personal data: counts, ids of internal rows,
// cursors (timestamps), redacted error texts.

#include "core/engine.hpp"
#include "core/state_store.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <string>

namespace crmsync {

struct daemon_facts {
    const engine* eng = nullptr;     // null until the engine exists
    state_store* store = nullptr;
    bool ready = false;
    std::string not_ready_reason;
    std::chrono::steady_clock::time_point started;
    std::int64_t started_unix_ms = 0;
    bool dry_run = false;
    bool config_reload_ok = true;
};

// The full status document; `details` = false gives the public subset (state, version, uptime).
boost::json::object status_json(const daemon_facts& f, const clock& clk, bool details);
// Prometheus text exposition format 0.0.4.
std::string metrics_text(const daemon_facts& f, const clock& clk);

} // namespace crmsync
