// /metrics: the Prometheus text exposition (design.md §7.3). Counters end in _total, times are in seconds,
// labels carry sides, kinds, budgets and outcomes only. Families are listed even before they have samples.
#include "daemon/status.hpp"

#include <fmt/format.h>

#include <array>

namespace crmsync {

namespace {

constexpr std::array sides{side::shopify, side::crm};


void store_metrics(exposition& m, state_store& store)
{
    auto c = store.counts();
    auto gauge = [&](std::string_view name, std::string_view help, std::int64_t v) {
        m.family(name, "gauge", help);
        m.sample(name, {}, static_cast<double>(v));
    };
    gauge("crmsync_links", "Linked people in the state store.", c.links);
    m.family("crmsync_outbox_pending", "gauge", "Writes waiting in the outbox, by target side and kind.");
    for (side s : sides)
        for (auto k : {write_kind::create, write_kind::update, write_kind::remove})
            m.sample("crmsync_outbox_pending", {{"side", to_string(s)}, {"kind", to_string(k)}},
                     static_cast<double>(store.pending_count(s, k)));
    gauge("crmsync_links_dirty", "Links waiting for the reconciler.", c.dirty);
    gauge("crmsync_conflicts_open", "Conflicts waiting for an operator.", c.conflicts);
    gauge("crmsync_conflicts_settled", "Conflicts settled by policy and kept on record.", c.conflicts_settled);
    gauge("crmsync_dead_letters", "Writes given up on, kept for an operator.", c.dead_letters);
    gauge("crmsync_links_quarantined", "People left alone because their record kept flapping.", c.quarantined);
    gauge("crmsync_links_ambiguous", "Records sharing a match key with another on the same side.", c.ambiguous);
    gauge("crmsync_tombstones", "Deleted records remembered so they are never re-created.", c.tombstones);
}

void engine_metrics(exposition& m, const engine& e, std::int64_t now_ms)
{
    auto per_side = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
        m.family(name, type, help);
        for (side s : sides)
            m.sample(name, {{"side", to_string(s)}}, static_cast<double>(value(e.status(s))));
    };
    per_side("crmsync_polls_total", "counter", "Completed polls.", [](const side_status& s) { return s.polls; });
    per_side("crmsync_records_observed_total", "counter", "Records read from each side by its poller.",
             [](const side_status& s) { return s.records_observed; });
    per_side("crmsync_records_changed_total", "counter", "Observed records whose content changed.",
             [](const side_status& s) { return s.records_changed; });
    per_side("crmsync_records_deleted_total", "counter", "Deletions observed (tombstoned).",
             [](const side_status& s) { return s.records_deleted; });
    m.family("crmsync_records_written_total", "counter", "Records written to each side, by kind.");
    for (side s : sides)
        for (auto k : {write_kind::create, write_kind::update, write_kind::remove})
            m.sample("crmsync_records_written_total", {{"side", to_string(s)}, {"kind", to_string(k)}},
                     static_cast<double>(e.status(s).writes_by_kind[static_cast<std::size_t>(k)]));
    m.family("crmsync_writes_total", "counter", "Write attempts to each side by outcome.");
    for (side s : sides) {
        const auto& st = e.status(s);
        for (auto [outcome, n] : {std::pair<std::string_view, std::uint64_t>{"ok", st.writes_ok},
                                  {"retried", st.writes_retried},
                                  {"dead_letter", st.writes_failed}})
            m.sample("crmsync_writes_total", {{"side", to_string(s)}, {"outcome", outcome}}, static_cast<double>(n));
    }
    per_side("crmsync_writes_deferred_total", "counter",
             "Writes held back because verify-before-write found the target edited meanwhile.",
             [](const side_status& s) { return s.writes_skipped_stale; });
    m.family("crmsync_conflicts_recorded_total", "counter", "Conflicts recorded since the daemon started.");
    m.sample("crmsync_conflicts_recorded_total", {}, static_cast<double>(e.conflicts_seen()));
    per_side("crmsync_sweeps_total", "counter", "Completed id reconciliations.", [](const side_status& s) { return s.sweeps; });

    m.family("crmsync_webhooks_total", "counter", "Webhook deliveries received, by outcome.");
    for (side s : sides) {
        const auto& st = e.status(s);
        for (auto [outcome, n] : {std::pair<std::string_view, std::uint64_t>{"accepted", st.webhooks_accepted},
                                  {"duplicate", st.webhooks_duplicate},
                                  {"rejected", st.webhooks_rejected}})
            m.sample("crmsync_webhooks_total", {{"side", to_string(s)}, {"outcome", outcome}}, static_cast<double>(n));
    }
    per_side("crmsync_webhooks_processed_total", "counter", "Stored webhook deliveries processed.",
             [](const side_status& s) { return s.webhooks_processed; });

    per_side("crmsync_guard_holding", "gauge", "1 while the blast-radius guard holds changes for the side.",
             [](const side_status& s) { return !s.sweep_guard.empty() || !s.push_guard.empty() ? 1 : 0; });
    per_side("crmsync_paused", "gauge", "1 while the side's API has paused it (credentials, frozen shop, daily limit).",
             [now_ms](const side_status& s) {
                 return !s.paused_reason.empty() && s.paused_until_ms && *s.paused_until_ms > now_ms ? 1 : 0;
             });
    per_side("crmsync_initial_scan_complete", "gauge", "1 once the side's first full scan is complete.",
             [](const side_status& s) { return s.initial_scan_complete ? 1 : 0; });
    per_side("crmsync_initial_scan_records", "gauge", "Records read by the side's first scan in this run.",
             [](const side_status& s) { return s.initial_scanned; });
    m.family("crmsync_initial_scan_records_expected", "gauge",
             "Records the side's first scan will read, when its API says (absent otherwise).");
    for (side s : sides)
        if (auto t = e.status(s).initial_total)
            m.sample("crmsync_initial_scan_records_expected", {{"side", to_string(s)}}, static_cast<double>(*t));

    m.family("crmsync_last_poll_success_timestamp_seconds", "gauge", "When each side was last polled successfully.");
    for (side s : sides)
        if (auto t = e.status(s).last_poll_ok_ms)
            m.sample("crmsync_last_poll_success_timestamp_seconds", {{"side", to_string(s)}}, static_cast<double>(*t) / 1000.0);
    m.family("crmsync_cursor_lag_seconds", "gauge",
             "Age of the newest change each side's poll cursor covers (grows while nothing changes; "
             "crmsync_last_poll_success_timestamp_seconds tells whether polls still succeed).");
    for (side s : sides)
        if (auto t = cursor_time_ms(e.status(s).cursor))
            m.sample("crmsync_cursor_lag_seconds", {{"side", to_string(s)}},
                     static_cast<double>(std::max<std::int64_t>(0, now_ms - *t)) / 1000.0);

    struct gate_ref {
        std::string_view side;
        const request_gate* gate;
    };
    std::vector<gate_ref> gates;
    for (side s : sides)
        for (const auto* g : e.side_connector(s).gates())
            gates.push_back({to_string(s), g});
    auto per_gate = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
        m.family(name, type, help);
        for (const auto& [s, g] : gates)
            if (auto v = value(*g))
                m.sample(name, {{"side", s}, {"budget", g->name()}}, *v);
    };
    per_gate("crmsync_budget_requests_total", "counter", "Requests granted by each rate budget.",
             [](const request_gate& g) { return std::optional<double>(static_cast<double>(g.stats().requests)); });
    per_gate("crmsync_throttled_total", "counter", "Responses refused for rate reasons (429, THROTTLED), per rate budget.",
             [](const request_gate& g) { return std::optional<double>(static_cast<double>(g.stats().throttled)); });
    per_gate("crmsync_budget_wait_seconds_total", "counter", "Time requests waited for each rate budget.",
             [](const request_gate& g) {
                 return std::optional<double>(static_cast<double>(g.stats().waited.count()) / 1000.0);
             });
    per_gate("crmsync_budget_available", "gauge", "What the daemon may still spend now, per rate budget.",
             [](const request_gate& g) { return std::optional<double>(g.state().available); });
    per_gate("crmsync_budget_capacity", "gauge", "The daemon's share of each rate budget.",
             [](const request_gate& g) { return std::optional<double>(g.state().capacity); });
    per_gate("crmsync_budget_daily_remaining", "gauge", "Requests left today, for budgets with a daily cap.",
             [](const request_gate& g) {
                 auto d = g.state().daily_remaining;
                 return d ? std::optional<double>(*d) : std::nullopt;
             });
}

} // namespace

std::string metrics_text(const daemon_facts& f, const clock& clk)
{
    exposition m;
    m.family("crmsync_build_info", "gauge", "Build information.");
    m.sample("crmsync_build_info", {{"version", CRMSYNC_VERSION}}, 1);
    m.family("crmsync_process_start_time_seconds", "gauge", "Start time of the daemon since the Unix epoch.");
    m.sample("crmsync_process_start_time_seconds", {}, static_cast<double>(f.started_unix_ms) / 1000.0);
    m.family("crmsync_ready", "gauge", "1 once config, state and credentials are good (see /readyz).");
    m.sample("crmsync_ready", {}, check_readiness(f, clk).ready ? 1 : 0);
    m.family("crmsync_config_last_reload_successful", "gauge", "Whether the last configuration (re)load succeeded.");
    m.sample("crmsync_config_last_reload_successful", {}, f.config_reload_ok ? 1 : 0);
    m.family("crmsync_state", "gauge", "Current engine state (1 for the active one).");
    auto current = f.eng ? f.eng->state() : engine_state::starting;
    for (auto s : {engine_state::starting, engine_state::initial_sync, engine_state::running, engine_state::degraded,
                   engine_state::paused, engine_state::stopping})
        m.sample("crmsync_state", {{"state", to_string(s)}}, s == current ? 1 : 0);
    if (f.store)
        store_metrics(m, *f.store);
    if (f.eng)
        engine_metrics(m, *f.eng, to_unix_ms(clk.wall_now()));
    if (f.metrics)
        f.metrics->render(m);
    return m.take();
}

} // namespace crmsync
