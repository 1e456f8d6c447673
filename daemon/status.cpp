#include "daemon/status.hpp"

#include "core/iso8601.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <charconv>

namespace crmsync {

namespace json = boost::json;

namespace {

constexpr std::size_t recent_rows = 10; // conflicts and dead letters listed on /status

json::value iso_or_null(const std::optional<std::int64_t>& ms)
{
    return ms ? json::value(format_iso8601(*ms)) : json::value(nullptr);
}

template <class T> json::value or_null(const std::optional<T>& v)
{
    return v ? json::value(*v) : json::value(nullptr);
}


// Progress of one side's initial scan in this run.
struct scan_progress {
    bool complete = false;
    std::uint64_t scanned = 0;
    std::optional<std::uint64_t> total;
    std::optional<double> percent;
    std::optional<std::int64_t> eta_s;
};

scan_progress progress_of(const side_status& st, std::int64_t now_ms)
{
    scan_progress p;
    p.complete = st.initial_scan_complete;
    p.scanned = st.initial_scanned;
    p.total = st.initial_total;
    if (p.complete) {
        p.percent = 100.0;
        p.eta_s = 0;
        return p;
    }
    if (!p.total || *p.total == 0)
        return p;
    p.percent = std::min(100.0, 100.0 * static_cast<double>(p.scanned) / static_cast<double>(*p.total));
    // The rate so far predicts the rest: pages cost the same from start to end on both APIs.
    if (p.scanned > 0 && st.initial_scan_started_ms && now_ms > *st.initial_scan_started_ms) {
        const double rate_per_ms = static_cast<double>(p.scanned) / static_cast<double>(now_ms - *st.initial_scan_started_ms);
        const auto left = static_cast<double>(*p.total > p.scanned ? *p.total - p.scanned : 0);
        p.eta_s = static_cast<std::int64_t>(left / rate_per_ms / 1000.0 + 0.5);
    }
    return p;
}

json::object progress_json(const scan_progress& p)
{
    json::object o{{"complete", p.complete}, {"scanned", p.scanned}};
    o["total"] = or_null(p.total);
    o["percent"] = p.percent ? json::value(std::round(*p.percent * 10) / 10) : json::value(nullptr);
    o["eta_s"] = or_null(p.eta_s);
    return o;
}

} // namespace

std::optional<std::int64_t> cursor_time_ms(std::string_view cursor)
{
    // Shopify's cursor is an ISO-8601 time, HubSpot's a Unix time in milliseconds.
    if (auto iso = parse_iso8601_ms(cursor))
        return iso;
    std::int64_t ms = 0;
    auto [p, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), ms);
    if (ec != std::errc{} || p != cursor.data() + cursor.size() || cursor.empty())
        return std::nullopt;
    return ms;
}

namespace {

json::object side_json(const daemon_facts& f, side s, std::int64_t now_ms)
{
    const auto& e = *f.eng;
    const auto& st = e.status(s);
    json::object o;
    o["role"] = st.source && st.target ? "source+target" : st.source ? "source" : st.target ? "target" : "idle";
    o["connector"] = std::string(e.side_connector(s).name());
    o["last_poll_ok"] = iso_or_null(st.last_poll_ok_ms);
    o["lag_s"] = st.last_poll_ok_ms ? json::value((now_ms - *st.last_poll_ok_ms) / 1000) : json::value(nullptr);
    o["cursor"] = st.cursor;
    auto cursor_ms = cursor_time_ms(st.cursor);
    o["cursor_lag_s"] = cursor_ms ? json::value(std::max<std::int64_t>(0, (now_ms - *cursor_ms) / 1000)) : json::value(nullptr);
    o["initial_scan_complete"] = st.initial_scan_complete;
    if (st.source)
        o["initial_scan"] = progress_json(progress_of(st, now_ms));
    o["last_error"] = st.last_error.empty() ? json::value(nullptr) : json::value(st.last_error);
    o["last_error_at"] = iso_or_null(st.last_error_ms);
    json::array recent;
    for (auto it = st.recent_errors.rbegin(); it != st.recent_errors.rend(); ++it)
        recent.push_back(json::object{{"at", format_iso8601(it->first)}, {"message", it->second}});
    o["recent_errors"] = std::move(recent);
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
    if (f.metrics) {
        json::object by_outcome;
        for (auto oc : {request_outcome::ok, request_outcome::throttled, request_outcome::client_error,
                        request_outcome::server_error, request_outcome::network})
            by_outcome[to_string(oc)] = static_cast<std::uint64_t>(f.metrics->sum(
                "crmsync_api_requests_total", {{"side", to_string(s)}, {"outcome", to_string(oc)}}));
        o["api_requests"] = std::move(by_outcome);
    }
    o["budget"] = std::move(budgets);
    o["records_observed"] = st.records_observed;
    o["records_changed"] = st.records_changed;
    o["writes"] = json::object{{"ok", st.writes_ok},
                               {"retried", st.writes_retried},
                               {"dead_lettered", st.writes_failed},
                               {"deferred_stale", st.writes_skipped_stale}};
    return o;
}

// Why nothing (or less) is happening: sides paused by their API, blast-radius guards holding changes.
json::array paused_reasons(const engine& e, std::int64_t now_ms)
{
    json::array out;
    for (side s : {side::shopify, side::crm}) {
        const auto& st = e.status(s);
        if (!st.paused_reason.empty() && st.paused_until_ms && *st.paused_until_ms > now_ms)
            out.push_back(json::object{{"side", to_string(s)},
                                       {"kind", "api"},
                                       {"reason", st.paused_reason},
                                       {"until", format_iso8601(*st.paused_until_ms)}});
        for (const auto* g : {&st.sweep_guard, &st.push_guard})
            if (!g->empty())
                out.push_back(json::object{{"side", to_string(s)}, {"kind", "guard"}, {"reason", *g}, {"until", nullptr}});
    }
    return out;
}

json::object initial_sync_json(const engine& e, std::int64_t now_ms)
{
    // Both sides scan at once: the sync is as far as the sum of what they read (in this run of the
    // daemon), and done when the slower one is.
    scan_progress all;
    all.complete = e.initial_sync_complete();
    std::optional<std::uint64_t> total = 0;
    std::optional<std::int64_t> eta = 0;
    for (side s : {side::shopify, side::crm}) {
        const auto& st = e.status(s);
        if (!st.source)
            continue;
        auto p = progress_of(st, now_ms);
        all.scanned += p.scanned;
        auto side_total = p.complete ? std::optional<std::uint64_t>(p.total.value_or(p.scanned)) : p.total;
        total = total && side_total ? std::optional<std::uint64_t>(*total + *side_total) : std::nullopt;
        eta = eta && p.eta_s ? std::optional<std::int64_t>(std::max(*eta, *p.eta_s)) : std::nullopt;
    }
    all.total = total;
    all.eta_s = all.complete ? std::optional<std::int64_t>(0) : eta;
    if (all.complete)
        all.percent = 100.0;
    else if (total && *total > 0)
        all.percent = std::min(100.0, 100.0 * static_cast<double>(all.scanned) / static_cast<double>(*total));
    return progress_json(all);
}

json::object queues_json(state_store& store, const store_counts& c)
{
    json::object outbox;
    for (side s : {side::shopify, side::crm}) {
        json::object by_kind;
        for (auto k : {write_kind::create, write_kind::update, write_kind::remove})
            by_kind[to_string(k)] = store.pending_count(s, k);
        outbox[to_string(s)] = std::move(by_kind);
    }
    return json::object{{"outbox", std::move(outbox)}, {"dirty", c.dirty}};
}

// Ids, field names and times only: the values and the reasons may quote personal data.
json::array recent_conflicts_json(state_store& store)
{
    json::array out;
    for (const auto& c : store.conflicts(false, recent_rows))
        out.push_back(json::object{{"id", c.id},
                                   {"link", c.link_id},
                                   {"field", c.field},
                                   {"winner", c.winner.empty() ? json::value(nullptr) : json::value(c.winner)},
                                   {"open", !c.resolved_at_ms.has_value()},
                                   {"at", format_iso8601(c.created_at_ms)}});
    return out;
}

json::array recent_dead_letters_json(state_store& store)
{
    json::array out;
    for (const auto& d : store.dead_letters(recent_rows))
        out.push_back(json::object{{"id", d.id},
                                   {"link", d.link_id},
                                   {"target", to_string(d.target)},
                                   {"kind", to_string(d.kind)},
                                   {"attempts", d.attempts},
                                   {"at", format_iso8601(d.created_at_ms)}});
    return out;
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
    o["config_last_reload_successful"] = f.config_reload_ok;
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
        o["queues"] = queues_json(*f.store, c);
        o["recent_conflicts"] = recent_conflicts_json(*f.store);
        o["recent_dead_letters"] = recent_dead_letters_json(*f.store);
    }
    if (f.eng) {
        o["direction"] = std::string(to_string(f.eng->settings().sync.direction));
        o["initial_sync"] = initial_sync_json(*f.eng, now);
        o["paused_reasons"] = paused_reasons(*f.eng, now);
        o["shopify"] = side_json(f, side::shopify, now);
        o["crm"] = side_json(f, side::crm, now);
    }
    return o;
}

readiness check_readiness(const daemon_facts& f, const clock& clk)
{
    if (!f.ready)
        return {false, f.not_ready_reason.empty() ? std::string("starting") : f.not_ready_reason};
    if (!f.eng)
        return {true, {}};
    if (f.eng->state() == engine_state::stopping)
        return {false, "stopping"};
    const auto now = to_unix_ms(clk.wall_now());
    for (side s : {side::shopify, side::crm}) {
        const auto& st = f.eng->status(s);
        const bool paused = !st.paused_reason.empty() && st.paused_until_ms && *st.paused_until_ms > now;
        if (paused && (st.paused_http_status == 401 || st.paused_http_status == 403))
            return {false, fmt::format("{} refuses our credentials (HTTP {}); see /status", to_string(s),
                                          st.paused_http_status)};
    }
    return {true, {}};
}

} // namespace crmsync
