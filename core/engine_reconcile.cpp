// The reconciler: level-triggered. It looks at the current state of each dirty link (base and both
// snapshots), plans what each side must receive and replaces the link's outbox rows with that plan, in
// one transaction per batch of links. Duplicate, late or reordered observations therefore change nothing
// or only re-plan the same writes.
#include "core/engine.hpp"
#include "core/planner.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace crmsync {

namespace asio = boost::asio;

void engine::reconcile_link(std::int64_t link_id, std::int64_t now)
{
    auto link = store_.link(link_id);
    if (!link)
        return;
    if (link->state == link_state::quarantined) {
        store_.set_dirty(link_id, false);
        return;
    }
    auto s = store_.snapshot(link_id, side::shopify);
    auto c = store_.snapshot(link_id, side::crm);
    auto plan = plan_link(plan_context{mapping_, settings_.sync}, *link, s ? &*s : nullptr, c ? &*c : nullptr);
    if (plan.new_base)
        store_.set_base(link_id, *plan.new_base);
    // Changes people make once the first scan is done go ahead of backfill in each budget.
    const auto prio = initial_sync_complete() ? priority::live : priority::backfill;
    for (side target : {side::shopify, side::crm}) {
        const auto& w = target == side::shopify ? plan.to_shopify : plan.to_crm;
        if (w)
            store_.enqueue(link_id, target, w->kind, w->fields, prio, now);
        else
            store_.cancel_outbox(link_id, target);
    }
    store_.set_dirty(link_id, false);
}

asio::awaitable<std::optional<failure>> engine::observe_and_plan()
{
    ++heartbeat_;
    for (side s : {side::shopify, side::crm}) {
        if (!status_[static_cast<std::size_t>(s)].source)
            continue;
        if (!co_await poll_once(s))
            co_return failure{failure_kind::permanent, status_[static_cast<std::size_t>(s)].last_error, {}, 0};
    }
    for (;;) {
        auto ids = store_.dirty_links(settings_.reconcile_batch);
        if (ids.empty())
            break;
        auto tx = store_.begin();
        for (auto id : ids)
            reconcile_link(id, now_ms());
        tx.commit();
    }
    co_return std::nullopt;
}

asio::awaitable<void> engine::reconciler()
{
    for (;;) {
        ++heartbeat_;
        co_await throw_if_cancelled();
        auto ids = store_.dirty_links(settings_.reconcile_batch);
        if (ids.empty()) {
            co_await reconcile_wakeup_->wait_for(std::chrono::minutes{1});
            continue;
        }
        const auto now = now_ms();
        {
            auto tx = store_.begin();
            for (auto id : ids)
                reconcile_link(id, now);
            tx.commit();
        }
        for (side target : {side::shopify, side::crm})
            if (flows(other(target), target))
                push_wakeup_[static_cast<std::size_t>(target)]->notify();
        // Let pollers and pushers run between batches of a large backlog.
        co_await asio::post(ex_, asio::use_awaitable);
    }
}

} // namespace crmsync
