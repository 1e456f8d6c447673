// Webhooks: accepted deliveries are stored in the inbox first (so the endpoint answers within Shopify's
// budget and nothing is lost if the daemon stops), then processed here: the connector turns each into
// hints, changed records are re-read in one batch with live priority (payloads are hints, not state),
// deletions and merges are observed, privacy requests erase what the cache holds.
#include "core/engine.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <set>

namespace crmsync {

namespace asio = boost::asio;

bool engine::accept_webhook(side s, const inbound_webhook& w)
{
    bool fresh = false;
    {
        auto tx = store_.begin();
        fresh = store_.inbox_add(to_string(s), w.topic, w.dedup_key, w.body, now_ms());
        tx.commit();
    }
    auto& st = status_[static_cast<std::size_t>(s)];
    ++(fresh ? st.webhooks_accepted : st.webhooks_duplicate);
    if (fresh)
        inbox_wakeup_->notify();
    return fresh;
}

void engine::erase_personal_data(side s, const std::string& id, std::int64_t now)
{
    // The person's fields go from the cache; a tombstone keeps them from being observed (or created on that
    // side) again. The other side's record is left as it is.
    auto link = store_.link_by_remote(s, id);
    store_.add_tombstone(s, id, "redacted", now);
    if (!link)
        return;
    store_.remove_snapshot(link->id, s);
    store_.set_base(link->id, {});
    store_.set_remote_id(link->id, s, "");
    store_.cancel_outbox(link->id, s);
    store_.set_flags(link->id, link->flags | link_flag::deleted_on(s) | link_flag::redacted_on(s));
    log_->info("link {}: {} record {} redacted: its data was erased from the state cache", link->id, to_string(s), id);
    store_.audit(link->id,
                 fmt::format("{} record {} redacted (privacy request){}", to_string(s), id,
                             settings_.sync.gdpr_delete_in_crm && s == side::shopify ? ": erasing the CRM record" : ""),
                 now);
    if (settings_.sync.gdpr_delete_in_crm && s == side::shopify && !link->crm_id.empty())
        store_.set_dirty(link->id, true); // the planner asks for the CRM record's erasure
}

asio::awaitable<std::size_t> engine::process_inbox_once()
{
    busy_guard busy(*this);
    auto rows = store_.inbox_pending(50);
    if (rows.empty())
        co_return 0;
    std::map<side, std::vector<std::pair<inbox_row, webhook_hint>>> by_side;
    for (auto& row : rows) {
        side s = row.source == to_string(side::crm) ? side::crm : side::shopify;
        inbound_webhook w{row.topic, {}, row.body};
        auto hint = side_connector(s).interpret_webhook(w);
        if (!hint) {
            log_->warn("webhook {} (inbox {}): {}", row.topic, row.id, hint.error().message);
            by_side[s].emplace_back(std::move(row), webhook_hint{});
            continue;
        }
        if (!hint->note.empty())
            log_->info("webhook {}: {}", row.topic, hint->note);
        by_side[s].emplace_back(std::move(row), std::move(*hint));
    }
    for (auto& [s, items] : by_side) {
        std::set<std::string> wanted;
        for (const auto& [row, hint] : items)
            wanted.insert(hint.changed.begin(), hint.changed.end());
        std::vector<std::string> ids(wanted.begin(), wanted.end());
        std::vector<record> fresh;
        if (!ids.empty()) {
            auto r = co_await side_connector(s).fetch_by_ids(ids, priority::live);
            if (!r) {
                // Keep the deliveries; they are processed again after a pause.
                record_error(s, r.error());
                co_return 0;
            }
            fresh = std::move(*r);
        }
        const auto now = now_ms();
        auto tx = store_.begin();
        for (const auto& [row, hint] : items) {
            for (const auto& [kept, gone] : hint.merged)
                absorb_merge(s, kept, gone, now);
            for (const auto& id : hint.deleted)
                observe(s, record{id, 0, {}, true}, now);
            for (const auto& id : hint.redact)
                erase_personal_data(s, id, now);
            store_.inbox_done(row.id, now);
        }
        for (const auto& rec : fresh)
            observe(s, rec, now);
        tx.commit();
        status_[static_cast<std::size_t>(s)].webhooks_processed += items.size();
    }
    reconcile_wakeup_->notify();
    co_return rows.size();
}

asio::awaitable<void> engine::inbox_processor()
{
    auto last_prune = now_ms();
    for (;;) {
        ++heartbeat_;
        co_await throw_if_cancelled();
        if (co_await process_inbox_once() > 0)
            continue;
        if (now_ms() - last_prune > 3'600'000) {
            // De-duplication keys are kept two days (Shopify retries for 4 h; a delivery can come a day late).
            auto tx = store_.begin();
            store_.prune_inbox(now_ms() - 2 * 86'400'000);
            store_.prune_audit(now_ms() - audit_retention_ms);
            tx.commit();
            last_prune = now_ms();
        }
        co_await inbox_wakeup_->wait_for(std::chrono::minutes{1});
    }
}

} // namespace crmsync
