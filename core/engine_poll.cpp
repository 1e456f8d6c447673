// Pollers: observe a source side into the state store, one page per transaction, the cursor stored
// with the records it covers (design.md §4.2).
#include "core/engine.hpp"

#include "core/redact.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace crmsync {

namespace asio = boost::asio;

state_store::observed engine::observe(side s, const record& rec, std::int64_t now)
{
    for (const auto& absorbed : rec.merged_ids)
        absorb_merge(s, rec.id, absorbed, now);
    auto o = store_.observe(s, mapping_.to_canonical(s, rec), now);
    if (o.changed && log_->should_log(spdlog::level::debug))
        log_->debug("link {}: {} record {} changed (updated_at {}{})", o.link_id, to_string(s), rec.id, rec.updated_at_ms,
                    rec.deleted ? ", deleted" : "");
    return o;
}

void engine::absorb_merge(side s, const std::string& survivor, const std::string& absorbed, std::int64_t now)
{
    auto moved = store_.link_by_remote(s, absorbed);
    if (!moved)
        return;
    auto holder = store_.link_by_remote(s, survivor);
    if (!holder) {
        // The person's record now lives under another id: the link follows it, nobody is created.
        store_.set_remote_id(moved->id, s, survivor);
        store_.set_dirty(moved->id, true);
        store_.audit(moved->id, fmt::format("{} merged record {} into {}: the link follows it", to_string(s), absorbed,
                                            survivor),
                     now);
        log_->info("link {}: {} record {} was merged into {}; the link follows it", moved->id, to_string(s), absorbed,
                   survivor);
        return;
    }
    if (holder->id == moved->id)
        return;
    // The side merged two people we had linked separately: the survivor keeps its link; the other person
    // loses their record on that side and is left for an operator (not re-created there).
    store_.add_tombstone(s, absorbed, "merged", now);
    store_.remove_snapshot(moved->id, s);
    store_.set_remote_id(moved->id, s, "");
    store_.set_flags(moved->id, moved->flags | link_flag::merged_on(s));
    store_.record_conflict(moved->id, "_merged", "", "", "",
                           fmt::format("{} merged record {} into {}, which is linked to another person (link {})",
                                       to_string(s), absorbed, survivor, holder->id),
                           now);
    store_.set_dirty(moved->id, true);
    store_.audit(moved->id, fmt::format("{} merged record {} into {}, linked to link {}: conflict for an operator",
                                        to_string(s), absorbed, survivor, holder->id),
                 now);
    log_->warn("link {}: {} merged its record {} into {}, linked to link {}; recorded as a conflict", moved->id,
               to_string(s), absorbed, survivor, holder->id);
}

asio::awaitable<void> engine::poller(side s)
{
    const auto i = static_cast<std::size_t>(s);
    const auto interval = s == side::shopify ? settings_.shopify_poll_interval : settings_.crm_poll_interval;
    for (;;) {
        ++heartbeat_;
        co_await throw_if_cancelled();
        co_await poll_once(s);
        // +-10% jitter so that several daemons (or both pollers) do not line up.
        std::uniform_real_distribution<double> jitter(0.9, 1.1);
        auto wait = std::chrono::milliseconds{static_cast<std::int64_t>(static_cast<double>(interval.count()) * jitter(rng_))};
        auto& st = status_[i];
        if (!st.paused_reason.empty() && st.paused_until_ms)
            wait = std::max(wait, std::chrono::milliseconds{*st.paused_until_ms - now_ms()});
        co_await poll_wakeup_[i]->wait_for(wait);
    }
}

asio::awaitable<bool> engine::poll_once(side s)
{
    busy_guard busy(*this);
    const auto i = static_cast<std::size_t>(s);
    auto& st = status_[i];
    auto& conn = side_connector(s);
    st.last_poll_started_ms = now_ms();
    change_query q;
    q.cursor = store_.cursor(s, "poll").value_or("");
    q.overlap = s == side::shopify ? settings_.shopify_overlap : settings_.crm_overlap;
    q.prio = st.initial_scan_complete ? priority::live : priority::backfill;
    int attempt = 0;
    for (;;) {
        co_await throw_if_cancelled();
        auto page = co_await conn.fetch_changes(q);
        ++heartbeat_;
        if (!page) {
            record_error(s, page.error());
            if (page.error().kind != failure_kind::retry || ++attempt > 8)
                co_return false;
            auto d = settings_.retry.backoff(attempt, page.error().retry_after, rng_);
            co_await poll_wakeup_[i]->wait_for(d);
            continue;
        }
        attempt = 0;
        std::size_t changed = 0;
        const auto now = now_ms();
        {
            auto tx = store_.begin();
            for (const auto& rec : page->records)
                if (observe(s, rec, now).changed)
                    ++changed;
            store_.set_cursor(s, "poll", page->cursor, now);
            if (page->next_page.empty() && !st.initial_scan_complete)
                store_.set_cursor(s, "initial_scan", "done", now);
            tx.commit();
        }
        st.cursor = page->cursor;
        st.records_observed += page->records.size();
        if (!st.initial_scan_complete) {
            if (!st.initial_scan_started_ms)
                st.initial_scan_started_ms = st.last_poll_started_ms;
            st.initial_scanned += page->records.size();
            if (page->total)
                st.initial_total = std::max<std::uint64_t>(*page->total, st.initial_scanned);
        }
        st.records_changed += changed;
        if (changed > 0)
            reconcile_wakeup_->notify();
        if (page->next_page.empty())
            break;
        q.page = page->next_page;
        if (page->not_before.count() > 0)
            co_await poll_wakeup_[i]->wait_for(page->not_before);
    }
    if (!st.initial_scan_complete) {
        st.initial_scan_complete = true;
        log_->info("{}: initial scan complete", to_string(s));
        if (initial_sync_complete() && pairing_enabled()) {
            // Everything is known on both sides now: pair and create.
            auto tx = store_.begin();
            store_.mark_unpaired_dirty();
            tx.commit();
            reconcile_wakeup_->notify();
        }
    }
    ++st.polls;
    st.last_poll_ok_ms = now_ms();
    st.paused_reason.clear();
    st.paused_until_ms.reset();
    co_return true;
}

} // namespace crmsync
