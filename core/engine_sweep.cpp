// Id reconciliation: list every live id of a source side, compare with the links, re-read what is
// missing and observe what is really gone as deleted. It is how deletions are found that no change feed
// reports (Shopify has none for customers; HubSpot's search never returns archived contacts), and it is
// guarded: a side that suddenly lists nothing, or a sweep that would delete more than
// sync.max_changes_per_cycle people, holds the deletions and says so on /status.
#include "core/engine.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace crmsync {

namespace asio = boost::asio;

asio::awaitable<bool> engine::sweep_once(side s)
{
    busy_guard busy(*this);
    auto& st = status_[static_cast<std::size_t>(s)];
    auto& conn = side_connector(s);
    {
        auto tx = store_.begin();
        store_.sweep_begin(s);
        tx.commit();
    }
    std::string page;
    int attempt = 0;
    for (;;) {
        co_await throw_if_cancelled();
        auto ids = co_await conn.list_ids(page);
        ++heartbeat_;
        if (!ids) {
            record_error(s, ids.error());
            if (ids.error().kind != failure_kind::retry || ++attempt > 8)
                co_return false;
            co_await poll_wakeup_[static_cast<std::size_t>(s)]->wait_for(
                settings_.retry.backoff(attempt, ids.error().retry_after, rng_));
            continue;
        }
        attempt = 0;
        {
            // Whole records (where the connector reads them) are observations too: a missed update is caught.
            auto tx = store_.begin();
            store_.sweep_saw(s, ids->ids);
            const auto now = now_ms();
            for (const auto& rec : ids->records)
                observe(s, rec, now);
            tx.commit();
        }
        if (!ids->records.empty())
            reconcile_wakeup_->notify();
        if (ids->next_page.empty())
            break;
        page = ids->next_page;
        if (ids->not_before.count() > 0)
            co_await sweep_wakeup_[static_cast<std::size_t>(s)]->wait_for(ids->not_before);
    }
    const auto linked = store_.linked_count(s);
    const auto seen = store_.sweep_seen_count(s);
    const auto limit = static_cast<std::size_t>(std::max<std::int64_t>(1, settings_.sync.max_changes_per_cycle));
    auto missing = store_.sweep_missing(s, limit + 1);
    if (seen == 0 && linked > 0) {
        st.sweep_guard = fmt::format("{} listed no records while {} are linked; deletions held until it lists them again",
                               to_string(s), linked);
    } else if (missing.size() > limit) {
        st.sweep_guard = fmt::format("{} records of {} are no longer listed, more than sync.max_changes_per_cycle ({}); "
                               "deletions held — raise the limit if this is intended",
                               missing.size() >= limit + 1 ? fmt::format("over {}", limit) : std::to_string(missing.size()),
                               to_string(s), limit);
    } else {
        st.sweep_guard.clear();
    }
    if (!st.sweep_guard.empty()) {
        log_->error("{}", st.sweep_guard);
        co_return false;
    }
    // Listings can lag behind creates: re-read what is missing before believing it is gone.
    std::vector<std::string> ids;
    for (const auto& [link, id] : missing)
        ids.push_back(id);
    std::size_t gone = 0, changed = 0;
    for (std::size_t at = 0; at < ids.size(); at += conn.max_batch()) {
        std::span<const std::string> chunk(ids.data() + at, std::min(conn.max_batch(), ids.size() - at));
        auto fresh = co_await conn.fetch_by_ids(chunk, priority::backfill);
        if (!fresh) {
            record_error(s, fresh.error());
            co_return false;
        }
        auto tx = store_.begin();
        const auto now = now_ms();
        for (const auto& rec : *fresh)
            if (observe(s, rec, now).changed) {
                ++changed;
                gone += rec.deleted;
            }
        tx.commit();
    }
    if (gone > 0)
        log_->info("{}: id reconciliation found {} deleted record{}", to_string(s), gone, gone == 1 ? "" : "s");
    // Not only deletions: a record the listing missed (created after it started) may have changed since it
    // was last written, and its link is dirty now; without a wake-up it would wait for the next pass.
    if (changed > 0)
        reconcile_wakeup_->notify();
    ++st.sweeps;
    st.last_sweep_ok_ms = now_ms();
    co_return true;
}

asio::awaitable<void> engine::sweeper(side s)
{
    const auto i = static_cast<std::size_t>(s);
    auto& st = status_[i];
    for (;;) {
        co_await throw_if_cancelled();
        if (st.initial_scan_complete && st.paused_reason.empty())
            co_await sweep_once(s);
        auto wait = st.initial_scan_complete ? settings_.sweep_interval : std::chrono::milliseconds{30'000};
        co_await sweep_wakeup_[i]->wait_for(wait);
    }
}

} // namespace crmsync
