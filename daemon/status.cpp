#include "daemon/status.hpp"

#include "core/iso8601.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace crmsync {

namespace json = boost::json;

namespace {

json::value iso_or_null(const std::optional<std::int64_t>& ms)
{
    return ms ? json::value(format_iso8601(*ms)) : json::value(nullptr);
}

json::object side_json(const engine& e, side s, std::int64_t now_ms)
{
    const auto& st = e.status(s);
    json::object o;
    o["role"] = st.source && st.target ? "source+target" : st.source ? "source" : st.target ? "target" : "idle";
    o["connector"] = std::string(e.side_connector(s).name());
    o["last_poll_ok"] = iso_or_null(st.last_poll_ok_ms);
    o["lag_s"] = st.last_poll_ok_ms ? json::value((now_ms - *st.last_poll_ok_ms) / 1000) : json::value(nullptr);
    o["cursor"] = st.cursor;
    o["initial_scan_complete"] = st.initial_scan_complete;
    o["last_error"] = st.last_error.empty() ? json::value(nullptr) : json::value(st.last_error);
    o["last_error_at"] = iso_or_null(st.last_error_ms);
    o["paused"] = st.paused_reason.empty() ? json::value(nullptr) : json::value(st.paused_reason);
    o["paused_until"] = st.paused_reason.empty() ? json::value(nullptr) : iso_or_null(st.paused_until_ms);
    std::string guard = st.sweep_guard;
    if (!st.push_guard.empty())
        guard += (guard.empty() ? "" : "; ") + st.push_guard;
    o["guard"] = guard.empty() ? json::value(nullptr) : json::value(guard);
    o["last_sweep_ok"] = iso_or_null(st.last_sweep_ok_ms);
    o["records_deleted"] = st.records_deleted;
    o["webhooks"] = json::object{{"accepted", st.webhooks_accepted},
                                 {"duplicates", st.webhooks_duplicate},
                                 {"rejected", st.webhooks_rejected},
                                 {"processed", st.webhooks_processed}};
    for (const auto& [k, v] : e.side_connector(s).status_notes())
        o[k == "webhooks" ? "webhooks_mode" : k] = v;
    std::uint64_t requests = 0, throttled = 0;
    json::object budgets;
    for (const auto* g : e.side_connector(s).gates()) {
        auto stats = g->stats();
        requests += stats.requests;
        throttled += stats.throttled;
        auto b = g->state();
        json::object bj{{"available", b.available}, {"capacity", b.capacity}};
        if (b.daily_remaining)
            bj["daily_remaining"] = *b.daily_remaining;
        budgets[g->name()] = std::move(bj);
    }
    o["requests"] = requests;
    o["throttled"] = throttled;
    o["budget"] = std::move(budgets);
    o["records_observed"] = st.records_observed;
    o["records_changed"] = st.records_changed;
    o["writes"] = json::object{{"ok", st.writes_ok},
                               {"retried", st.writes_retried},
                               {"dead_lettered", st.writes_failed},
                               {"deferred_stale", st.writes_skipped_stale}};
    return o;
}

} // namespace

json::object status_json(const daemon_facts& f, const clock& clk, bool details)
{
    json::object o;
    const auto now = to_unix_ms(clk.wall_now());
    o["state"] = f.eng ? std::string(to_string(f.eng->state())) : std::string("starting");
    o["version"] = CRMSYNC_VERSION;
    o["uptime_s"] = std::chrono::duration_cast<std::chrono::seconds>(clk.now() - f.started).count();
    o["ready"] = f.ready;
    o["initial_sync_complete"] = f.eng ? f.eng->initial_sync_complete() : false;
    if (!details)
        return o;
    if (!f.ready)
        o["not_ready_reason"] = f.not_ready_reason;
    o["dry_run"] = f.dry_run;
    if (f.store) {
        auto c = f.store->counts();
        o["links"] = c.links;
        o["pending"] = c.pending;
        o["dirty"] = c.dirty;
        o["conflicts"] = c.conflicts;
        o["conflicts_settled"] = c.conflicts_settled;
        o["dead_letters"] = c.dead_letters;
        o["quarantined"] = c.quarantined;
        o["ambiguous"] = c.ambiguous;
        o["tombstones"] = c.tombstones;
    }
    if (f.eng) {
        o["direction"] = std::string(to_string(f.eng->settings().sync.direction));
        o["shopify"] = side_json(*f.eng, side::shopify, now);
        o["crm"] = side_json(*f.eng, side::crm, now);
    }
    return o;
}

namespace {

class exposition {
public:
    void family(std::string_view name, std::string_view type, std::string_view help)
    {
        out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    }
    void sample(std::string_view name, std::string_view labels, double value)
    {
        out_ += labels.empty() ? fmt::format("{} {}\n", name, value) : fmt::format("{}{{{}}} {}\n", name, labels, value);
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

} // namespace

std::string metrics_text(const daemon_facts& f, const clock& clk)
{
    exposition m;
    m.family("crmsync_build_info", "gauge", "Build information.");
    m.sample("crmsync_build_info", fmt::format("version=\"{}\"", CRMSYNC_VERSION), 1);
    m.family("crmsync_process_start_time_seconds", "gauge", "Start time of the daemon since the Unix epoch.");
    m.sample("crmsync_process_start_time_seconds", "", static_cast<double>(f.started_unix_ms) / 1000.0);
    m.family("crmsync_ready", "gauge", "1 once config, state and credentials are good.");
    m.sample("crmsync_ready", "", f.ready ? 1 : 0);
    m.family("crmsync_config_last_reload_successful", "gauge", "Whether the last configuration (re)load succeeded.");
    m.sample("crmsync_config_last_reload_successful", "", f.config_reload_ok ? 1 : 0);
    m.family("crmsync_state", "gauge", "Current engine state (1 for the active one).");
    auto current = f.eng ? f.eng->state() : engine_state::starting;
    for (auto s : {engine_state::starting, engine_state::initial_sync, engine_state::running, engine_state::degraded,
                   engine_state::paused, engine_state::stopping})
        m.sample("crmsync_state", fmt::format("state=\"{}\"", to_string(s)), s == current ? 1 : 0);
    if (f.store) {
        auto c = f.store->counts();
        m.family("crmsync_links", "gauge", "Linked people in the state store.");
        m.sample("crmsync_links", "", static_cast<double>(c.links));
        m.family("crmsync_outbox_pending", "gauge", "Writes waiting in the outbox.");
        m.sample("crmsync_outbox_pending", "", static_cast<double>(c.pending));
        m.family("crmsync_links_dirty", "gauge", "Links waiting for the reconciler.");
        m.sample("crmsync_links_dirty", "", static_cast<double>(c.dirty));
        m.family("crmsync_conflicts_open", "gauge", "Conflicts waiting for an operator.");
        m.sample("crmsync_conflicts_open", "", static_cast<double>(c.conflicts));
        m.family("crmsync_dead_letters", "gauge", "Writes given up on, kept for an operator.");
        m.sample("crmsync_dead_letters", "", static_cast<double>(c.dead_letters));
        m.family("crmsync_conflicts_settled", "gauge", "Conflicts settled by policy and kept on record.");
        m.sample("crmsync_conflicts_settled", "", static_cast<double>(c.conflicts_settled));
        m.family("crmsync_links_quarantined", "gauge", "People left alone because their record kept flapping.");
        m.sample("crmsync_links_quarantined", "", static_cast<double>(c.quarantined));
        m.family("crmsync_links_ambiguous", "gauge", "Records sharing a match key with another on the same side.");
        m.sample("crmsync_links_ambiguous", "", static_cast<double>(c.ambiguous));
        m.family("crmsync_tombstones", "gauge", "Deleted records remembered so they are never re-created.");
        m.sample("crmsync_tombstones", "", static_cast<double>(c.tombstones));
    }
    if (!f.eng)
        return m.take();
    const auto& e = *f.eng;
    auto per_side = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
        m.family(name, type, help);
        for (side s : {side::shopify, side::crm})
            m.sample(name, fmt::format("side=\"{}\"", to_string(s)), static_cast<double>(value(e.status(s))));
    };
    per_side("crmsync_polls_total", "counter", "Completed polls.", [](const side_status& s) { return s.polls; });
    per_side("crmsync_records_observed_total", "counter", "Records read from each side.",
             [](const side_status& s) { return s.records_observed; });
    per_side("crmsync_records_changed_total", "counter", "Observed records whose content changed.",
             [](const side_status& s) { return s.records_changed; });
    per_side("crmsync_records_deleted_total", "counter", "Deletions observed (tombstoned).",
             [](const side_status& s) { return s.records_deleted; });
    per_side("crmsync_sweeps_total", "counter", "Completed id reconciliations.", [](const side_status& s) { return s.sweeps; });
    per_side("crmsync_writes_deferred_total", "counter",
             "Writes held back because verify-before-write found the target edited meanwhile.",
             [](const side_status& s) { return s.writes_skipped_stale; });
    m.family("crmsync_webhooks_total", "counter", "Webhook deliveries received, by outcome.");
    for (side s : {side::shopify, side::crm}) {
        const auto& st = e.status(s);
        for (auto [outcome, n] : {std::pair<const char*, std::uint64_t>{"accepted", st.webhooks_accepted},
                                  {"duplicate", st.webhooks_duplicate},
                                  {"rejected", st.webhooks_rejected}})
            m.sample("crmsync_webhooks_total", fmt::format("side=\"{}\",outcome=\"{}\"", to_string(s), outcome),
                     static_cast<double>(n));
    }
    per_side("crmsync_guard_holding", "gauge", "1 while the blast-radius guard holds changes for the side.",
             [](const side_status& s) { return !s.sweep_guard.empty() || !s.push_guard.empty() ? 1 : 0; });
    m.family("crmsync_writes_total", "counter", "Writes to each side by outcome.");
    for (side s : {side::shopify, side::crm}) {
        const auto& st = e.status(s);
        m.sample("crmsync_writes_total", fmt::format("side=\"{}\",outcome=\"ok\"", to_string(s)), static_cast<double>(st.writes_ok));
        m.sample("crmsync_writes_total", fmt::format("side=\"{}\",outcome=\"retried\"", to_string(s)),
                 static_cast<double>(st.writes_retried));
        m.sample("crmsync_writes_total", fmt::format("side=\"{}\",outcome=\"dead_letter\"", to_string(s)),
                 static_cast<double>(st.writes_failed));
    }
    m.family("crmsync_last_poll_success_timestamp_seconds", "gauge", "When each side was last polled successfully.");
    for (side s : {side::shopify, side::crm})
        if (auto t = e.status(s).last_poll_ok_ms)
            m.sample("crmsync_last_poll_success_timestamp_seconds", fmt::format("side=\"{}\"", to_string(s)),
                     static_cast<double>(*t) / 1000.0);
    m.family("crmsync_requests_total", "counter", "API requests sent, per rate budget.");
    std::vector<std::pair<std::string, const request_gate*>> gates;
    for (side s : {side::shopify, side::crm})
        for (const auto* g : e.side_connector(s).gates())
            gates.emplace_back(std::string(to_string(s)), g);
    for (const auto& [s, g] : gates)
        m.sample("crmsync_requests_total", fmt::format("side=\"{}\",budget=\"{}\"", s, g->name()),
                 static_cast<double>(g->stats().requests));
    m.family("crmsync_throttled_total", "counter", "Responses refused for rate reasons (429, THROTTLED).");
    for (const auto& [s, g] : gates)
        m.sample("crmsync_throttled_total", fmt::format("side=\"{}\",budget=\"{}\"", s, g->name()),
                 static_cast<double>(g->stats().throttled));
    m.family("crmsync_budget_available", "gauge", "What the daemon may still spend now, per rate budget.");
    for (const auto& [s, g] : gates)
        m.sample("crmsync_budget_available", fmt::format("side=\"{}\",budget=\"{}\"", s, g->name()), g->state().available);
    m.family("crmsync_budget_capacity", "gauge", "The daemon's share of each rate budget.");
    for (const auto& [s, g] : gates)
        m.sample("crmsync_budget_capacity", fmt::format("side=\"{}\",budget=\"{}\"", s, g->name()), g->state().capacity);
    (void)clk;
    return m.take();
}

} // namespace crmsync
