#pragma once
// The sync engine: owns the loop (design.md §2). Pollers observe each source side into the state
// store, the reconciler turns dirty links into outbox rows, pushers apply the outbox to each target
// side with retries, backoff and dead letters. Connectors only talk to their APIs.
//
// Everything runs as coroutines on one executor; run() returns when cancelled (shutdown) and throws
// when the state store fails (the daemon then stops; systemd restarts it).

#include "core/clock.hpp"
#include "core/connector.hpp"
#include "core/mapping.hpp"
#include "core/retry_policy.hpp"
#include "core/state_store.hpp"
#include "core/sync_settings.hpp"
#include "core/wakeup.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <array>
#include <map>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>

namespace spdlog {
class logger;
}

namespace crmsync {

struct engine_settings {
    sync_settings sync;
    std::chrono::milliseconds shopify_poll_interval{30'000};
    std::chrono::milliseconds crm_poll_interval{30'000};
    // Re-read this far behind each cursor: both APIs' search indexes lag behind writes.
    std::chrono::milliseconds shopify_overlap{60'000};
    std::chrono::milliseconds crm_overlap{120'000};
    retry_policy retry;
    bool dry_run = false; // observe and plan, log the writes, send none
    std::size_t reconcile_batch = 500;
    // Re-read the targets of updates in one batch call before writing, so that an edit made since the
    // last poll is merged rather than overwritten.
    bool verify_before_write = true;
    // A link written more than flap_limit times within flap_window keeps bouncing: it is quarantined.
    int flap_limit = 20;
    std::chrono::milliseconds flap_window{600'000};
    // How often every source side's ids are listed to find deletions no feed reports.
    std::chrono::milliseconds sweep_interval{3'600'000};
    std::uint64_t seed = std::random_device{}();
};

enum class engine_state { starting, initial_sync, running, degraded, paused, stopping };
std::string_view to_string(engine_state s);

struct side_status {
    bool source = false;  // polled
    bool target = false;  // written
    std::optional<std::int64_t> last_poll_ok_ms;
    std::optional<std::int64_t> last_poll_started_ms;
    std::string cursor;
    std::string last_error; // redacted: no personal data
    std::optional<std::int64_t> last_error_ms;
    std::string paused_reason;
    std::optional<std::int64_t> paused_until_ms;
    int paused_http_status = 0; // what the API answered when it paused the side (401: credentials), 0 if unknown
    bool initial_scan_complete = false;
    bool first_sync_settled = false; // the first sync's creates toward this side are all written
    std::uint64_t polls = 0;
    std::uint64_t records_observed = 0;
    std::uint64_t records_changed = 0;
    std::uint64_t writes_ok = 0;
    std::uint64_t writes_retried = 0;
    std::uint64_t writes_failed = 0; // dead-lettered
    std::uint64_t writes_skipped_stale = 0; // verify-before-write found the target edited meanwhile
    std::uint64_t records_deleted = 0;       // deletions observed (tombstoned)
    std::uint64_t webhooks_accepted = 0;
    std::uint64_t webhooks_duplicate = 0;
    std::uint64_t webhooks_rejected = 0;     // counted by the HTTP endpoint (bad signature, malformed)
    std::uint64_t webhooks_processed = 0;
    std::uint64_t sweeps = 0;
    std::optional<std::int64_t> last_sweep_ok_ms;
    // Blast-radius guards (empty when not holding anything): deletions found by id reconciliation of this
    // side held, and creates/deletes waiting to be written to this side held.
    std::string sweep_guard;
    std::string push_guard;
    std::array<std::uint64_t, 3> writes_by_kind{}; // indexed by write_kind
    // First-sync progress of this side in this run: records read by the initial scan, how many the API
    // said it would return (when it said), and when the scan started.
    std::uint64_t initial_scanned = 0;
    std::optional<std::uint64_t> initial_total;
    std::optional<std::int64_t> initial_scan_started_ms;
    // The latest errors (time, redacted message), oldest first, at most recent_errors_kept.
    static constexpr std::size_t recent_errors_kept = 5;
    std::vector<std::pair<std::int64_t, std::string>> recent_errors;
};

class engine {
public:
    engine(boost::asio::any_io_executor ex, state_store& store, connector& shopify, connector& crm,
           const field_mapping& mapping, engine_settings settings, const clock& clk,
           std::shared_ptr<spdlog::logger> log);
    ~engine();

    // Prepares both connectors (credentials, remote prerequisites such as HubSpot properties),
    // retrying transient failures with backoff; returns the first permanent or pausing failure.
    boost::asio::awaitable<outcome<void>> prepare();
    // Runs pollers, reconciler and pushers until cancelled. Throws when something breaks (state store).
    boost::asio::awaitable<void> run();

    engine_state state() const;
    bool initial_sync_complete() const;
    const side_status& status(side s) const { return status_[static_cast<std::size_t>(s)]; }
    side_status& mutable_status(side s) { return status_[static_cast<std::size_t>(s)]; }
    connector& side_connector(side s) { return s == side::shopify ? shopify_ : crm_; }
    const connector& side_connector(side s) const { return s == side::shopify ? shopify_ : crm_; }
    const engine_settings& settings() const { return settings_; }
    // Monotonic count of loop iterations, for the watchdog: it moves while the engine makes progress.
    std::uint64_t heartbeat() const { return heartbeat_; }

    // Ask a poller to poll now (webhook hint, operator action).
    void poll_now(side s);

    // One observation pass over every source side, then reconcile until nothing is dirty; no writes are
    // sent (the outbox then holds the plan). For `crmsyncd plan` on a scratch copy of the state.
    // Returns the first failure, if any poll failed.
    boost::asio::awaitable<std::optional<failure>> observe_and_plan();

    // Single steps, for `plan` and for tests that drive the engine deterministically:
    // one full poll of a side (false when it failed), reconcile until nothing is dirty (returns the
    // links looked at), one batch of due writes to a side (false when nothing was due).
    boost::asio::awaitable<bool> poll_once(side s);
    std::size_t reconcile_pass();
    boost::asio::awaitable<bool> push_once(side target);
    // One id reconciliation of a source side: records linked but no longer listed are re-read and, if
    // gone, observed as deleted. Held (false, with a guard on the status) when the side suddenly lists
    // nothing or more than max_changes_per_cycle records are missing.
    boost::asio::awaitable<bool> sweep_once(side s);

    std::uint64_t pairs_made() const { return pairs_; }
    // Stores an authenticated webhook delivery in the inbox (false: a duplicate already stored) and wakes
    // the processor. The HTTP endpoint calls this before answering 200.
    bool accept_webhook(side s, const inbound_webhook& w);

    // Operator actions (CLI and authenticated HTTP). Resolving an open field conflict takes one side's value:
    // the link is planned again and the value written to the other side. Retrying a dead letter drops it and
    // plans its link again, so that what is still different is written (with today's values).
    outcome<void> resolve_conflict(std::int64_t conflict_id, side take);
    outcome<void> retry_dead_letter(std::int64_t dead_letter_id);

    // A configuration reload: takes the policies, limits and intervals of `s` (config::live_reload_keys);
    // the mapping, direction, matching and budget shares stay as they were started.
    void apply_live_settings(const engine_settings& s);
    // Operator's resync of the source sides (or one): poll and run the id reconciliation now; `full` also
    // forgets the poll cursor, so that the next poll reads every record again (observations are idempotent:
    // only real differences are written).
    void resync(std::optional<side> only, bool full);
    // Processes up to one batch of stored deliveries; returns how many.
    boost::asio::awaitable<std::size_t> process_inbox_once();

    // True while a poll, push or sweep is in progress (an API call may be in flight): tests that wait for
    // quiescence need the engine idle as well as the store settled.
    bool busy() const { return busy_ > 0; }
    // In a dry run (plan), the links paired so far, for the pairing report.
    const std::vector<std::int64_t>& planned_pairs() const { return planned_pairs_; }
    std::uint64_t conflicts_seen() const { return conflicts_seen_; }

private:
    boost::asio::awaitable<void> poller(side s);
    boost::asio::awaitable<void> reconciler();
    void reconcile_link(std::int64_t link_id, std::int64_t now_ms);
    bool pairing_enabled() const;
    std::optional<link_row> pair(const link_row& link, std::int64_t now);
    void unlink_gone(const link_row& link, side gone, std::int64_t now);
    void drop_outbox(std::int64_t link_id, side target);
    // Stores an observation (vocabulary record) of side `s`, following merges it reports first.
    state_store::observed observe(side s, const record& rec, std::int64_t now);
    void absorb_merge(side s, const std::string& survivor, const std::string& absorbed, std::int64_t now);
    boost::asio::awaitable<void> pusher(side target);
    // The states of the target connector's budgets; after a push that was not a full batch, how long to
    // gather changes before the next one, so that the budget left lasts until it has refilled.
    std::vector<budget_state> budgets_of(side target) const;
    std::chrono::milliseconds push_pace(side target, const std::vector<budget_state>& before) const;
    boost::asio::awaitable<void> sweeper(side s);
    boost::asio::awaitable<void> inbox_processor();
    void erase_personal_data(side s, const std::string& id, std::int64_t now);
    // One entry of the audit ledger about a write: kind, target and the field names (never values).
    static std::string describe_write(write_kind k, side target, const field_map& fields);
    static constexpr std::int64_t audit_retention_ms = 90LL * 86'400'000; // the ledger keeps 90 days
    boost::asio::awaitable<std::vector<outbox_row>> verify_targets(side target, std::vector<outbox_row> rows);
    // The write an outbox row asks for, or nullopt (the row is completed) when nothing is left to do.
    std::optional<write_op> make_op(side target, const outbox_row& row);
    void settle(const outbox_row& row, const write_result& result, side target, std::int64_t now_ms);
    void record_error(side s, const failure& f);
    bool flows(side from, side to) const;
    std::int64_t now_ms() const { return to_unix_ms(clock_.wall_now()); }

    boost::asio::any_io_executor ex_;
    state_store& store_;
    connector& shopify_;
    connector& crm_;
    const field_mapping& mapping_;
    engine_settings settings_;
    const clock& clock_;
    std::shared_ptr<spdlog::logger> log_;
    std::array<side_status, 2> status_;
    std::array<std::unique_ptr<wakeup>, 2> poll_wakeup_;
    std::array<std::unique_ptr<wakeup>, 2> push_wakeup_;
    std::array<std::size_t, 2> last_push_ops_{}; // writes in each side's latest push
    // The retry delay drawn in the current push, by (attempts, Retry-After ms).
    std::map<std::pair<int, std::int64_t>, std::chrono::milliseconds> retry_delays_;
    std::array<std::unique_ptr<wakeup>, 2> sweep_wakeup_;
    std::unique_ptr<wakeup> reconcile_wakeup_;
    std::unique_ptr<wakeup> inbox_wakeup_;
    std::mt19937_64 rng_;
    bool stopping_ = false;
    std::uint64_t heartbeat_ = 0;
    std::uint64_t pairs_ = 0;
    std::uint64_t conflicts_seen_ = 0;
    std::vector<std::pair<side, std::string>> to_read_; // records linked by a create that found them
    std::vector<std::int64_t> planned_pairs_;
    int busy_ = 0;
    struct busy_guard {
        engine& e;
        explicit busy_guard(engine& en) : e(en) { ++e.busy_; }
        ~busy_guard() { --e.busy_; }
    };
};

} // namespace crmsync
