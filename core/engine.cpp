#include "core/engine.hpp"

#include "core/planner.hpp"
#include "core/redact.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/multiple_exceptions.hpp>
#include <boost/asio/this_coro.hpp>
#include <spdlog/spdlog.h>

namespace crmsync {

namespace asio = boost::asio;

std::string_view to_string(engine_state s)
{
    switch (s) {
    case engine_state::starting: return "starting";
    case engine_state::initial_sync: return "initial_sync";
    case engine_state::running: return "running";
    case engine_state::degraded: return "degraded";
    case engine_state::paused: return "paused";
    case engine_state::stopping: return "stopping";
    }
    return "?";
}

engine::engine(asio::any_io_executor ex, state_store& store, connector& shopify, connector& crm,
               const field_mapping& mapping, engine_settings settings, const clock& clk,
               std::shared_ptr<spdlog::logger> log)
    : ex_(ex), store_(store), shopify_(shopify), crm_(crm), mapping_(mapping), settings_(std::move(settings)),
      clock_(clk), log_(std::move(log)), reconcile_wakeup_(std::make_unique<wakeup>(ex)),
      inbox_wakeup_(std::make_unique<wakeup>(ex)), rng_(settings_.seed)
{
    for (side s : {side::shopify, side::crm}) {
        auto i = static_cast<std::size_t>(s);
        poll_wakeup_[i] = std::make_unique<wakeup>(ex);
        push_wakeup_[i] = std::make_unique<wakeup>(ex);
        sweep_wakeup_[i] = std::make_unique<wakeup>(ex);
        status_[i].source = direction_allows(settings_.sync.direction, s, other(s));
        status_[i].target = direction_allows(settings_.sync.direction, other(s), s);
        status_[i].cursor = store_.cursor(s, "poll").value_or("");
        status_[i].initial_scan_complete = store_.cursor(s, "initial_scan").value_or("") == "done";
        status_[i].first_sync_settled = store_.cursor(s, "first_sync_settled").value_or("") == "done";
    }
}

engine::~engine() = default;

bool engine::flows(side from, side to) const { return direction_allows(settings_.sync.direction, from, to); }

void engine::poll_now(side s) { poll_wakeup_[static_cast<std::size_t>(s)]->notify(); }

bool engine::initial_sync_complete() const
{
    for (const auto& st : status_)
        if (st.source && !st.initial_scan_complete)
            return false;
    return true;
}

engine_state engine::state() const
{
    if (stopping_)
        return engine_state::stopping;
    if (heartbeat_ == 0)
        return engine_state::starting;
    const auto now = to_unix_ms(clock_.wall_now());
    for (const auto& st : status_)
        if ((!st.paused_reason.empty() && st.paused_until_ms && *st.paused_until_ms > now) || !st.sweep_guard.empty() ||
            !st.push_guard.empty())
            return engine_state::paused;
    if (!initial_sync_complete())
        return engine_state::initial_sync;
    for (const auto& st : status_) {
        // A side whose last error is more recent than its last successful poll is not healthy.
        if (st.last_error_ms && *st.last_error_ms > now - 300'000 &&
            (!st.last_poll_ok_ms || *st.last_error_ms > *st.last_poll_ok_ms || !st.source))
            return engine_state::degraded;
    }
    return engine_state::running;
}

void engine::record_error(side s, const failure& f)
{
    auto& st = status_[static_cast<std::size_t>(s)];
    st.last_error = redact(f.message);
    st.last_error_ms = to_unix_ms(clock_.wall_now());
    if (st.recent_errors.size() >= side_status::recent_errors_kept)
        st.recent_errors.erase(st.recent_errors.begin());
    st.recent_errors.emplace_back(*st.last_error_ms, st.last_error);
    if (f.kind == failure_kind::paused) {
        if (st.paused_reason != st.last_error)
            log_->error("{} side paused: {}", to_string(s), st.last_error);
        st.paused_reason = st.last_error;
        st.paused_http_status = f.http_status;
        st.paused_until_ms = *st.last_error_ms + std::max<std::int64_t>(f.retry_after.count(), 60'000);
    } else {
        log_->warn("{}", st.last_error);
    }
}

asio::awaitable<outcome<void>> engine::prepare()
{
    for (side s : {side::shopify, side::crm}) {
        for (int attempt = 1;; ++attempt) {
            ++heartbeat_;
            auto r = co_await side_connector(s).prepare();
            if (r)
                break;
            record_error(s, r.error());
            if (r.error().kind != failure_kind::retry)
                co_return r.error();
            co_await poll_wakeup_[static_cast<std::size_t>(s)]->wait_for(
                settings_.retry.backoff(attempt, r.error().retry_after, rng_));
        }
        auto& st = status_[static_cast<std::size_t>(s)];
        st.last_error.clear();
        st.last_error_ms.reset();
        st.paused_reason.clear();
        st.paused_until_ms.reset();
    }
    co_return outcome<void>{};
}

asio::awaitable<void> engine::run()
{
    using namespace asio::experimental::awaitable_operators;
    struct stop_flag {
        bool& f;
        ~stop_flag() { f = true; }
    } flag{stopping_};
    ++heartbeat_;
    if (pairing_enabled() && initial_sync_complete()) {
        // Unpaired links of a finished first scan may not have been looked at since (a crash between the
        // last page and the pairing pass): look again.
        auto tx = store_.begin();
        store_.mark_unpaired_dirty();
        tx.commit();
    }
    log_->info("sync engine starting: direction {}, {} mapped fields{}", to_string(settings_.sync.direction),
               mapping_.specs().size(), settings_.dry_run ? ", dry run (no writes)" : "");
    std::exception_ptr first;
    try {
        switch (settings_.sync.direction) {
        case sync_direction::shopify_to_crm:
            co_await (poller(side::shopify) && sweeper(side::shopify) && inbox_processor() && reconciler() &&
                      pusher(side::crm));
            break;
        case sync_direction::crm_to_shopify:
            co_await (poller(side::crm) && sweeper(side::crm) && inbox_processor() && reconciler() &&
                      pusher(side::shopify));
            break;
        case sync_direction::two_way:
            co_await (poller(side::shopify) && poller(side::crm) && sweeper(side::shopify) && sweeper(side::crm) &&
                      inbox_processor() && reconciler() && pusher(side::crm) && pusher(side::shopify));
            break;
        }
    } catch (const asio::multiple_exceptions& e) {
        first = e.first_exception();
    }
    if (!first)
        co_return;
    // Several loops ended at once: on shutdown they were all cancelled; otherwise the first one to fail
    // (e.g. the state store) is the cause worth reporting.
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none)
        throw boost::system::system_error(asio::error::operation_aborted);
    std::rethrow_exception(first);
}

} // namespace crmsync
