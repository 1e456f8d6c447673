// The reconciler: level-triggered. It looks at the current state of each dirty link (base and both
// snapshots), pairs unpaired records by their match keys, plans what each side must receive and replaces
// the link's outbox rows with that plan, in one transaction per batch of links. Duplicate, late or
// reordered observations therefore change nothing or only re-plan the same writes.
#include "core/engine.hpp"
#include "core/planner.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace crmsync {

namespace asio = boost::asio;

bool engine::pairing_enabled() const
{
    // With both sides observed the engine pairs records itself; in one-way sync the target is not read and
    // the connector's create is an upsert on the match key (HubSpot: e-mail), which pairs on the API's side.
    return status_[0].source && status_[1].source;
}

std::optional<link_row> engine::pair(const link_row& link, std::int64_t now)
{
    const side has = link.shopify_id.empty() ? side::crm : side::shopify;
    const side missing = other(has);
    auto snap = store_.snapshot(link.id, has);
    if (!snap || snap->deleted)
        return link;
    for (const auto& key : settings_.sync.match_on) {
        auto it = snap->fields.find(key);
        if (it == snap->fields.end() || it->second.empty())
            continue;
        auto candidates = store_.unpaired_by_key(key, it->second, missing, link.id);
        if (candidates.empty()) {
            // The same person's record there was deleted before the first sync could pair them: they are
            // not created there again (and with deletes: propagate, they go here too).
            auto ghosts = store_.ghosts_by_key(key, it->second, link_flag::deleted_on(missing));
            log_->debug("link {}: no {} record to pair on {}; {} tombstoned", link.id, to_string(missing), key,
                        ghosts.size());
            if (ghosts.empty())
                continue;
            for (const auto& g : ghosts)
                store_.delete_link(g.id);
            store_.set_flags(link.id, link.flags | link_flag::deleted_on(missing));
            log_->info("link {}: the {} record with the same {} was deleted before it was paired; not re-created",
                       link.id, to_string(missing), key);
            return store_.link(link.id);
        }
        auto same_side = store_.unpaired_by_key(key, it->second, has, link.id);
        if (candidates.size() == 1 && same_side.empty()) {
            store_.merge_links(link.id, candidates.front().id, missing);
            // A fresh pair starts from an empty base: the first merge settles differences with
            // sync.initial_conflict, and a past deletion flag for that side no longer applies.
            store_.set_base(link.id, {});
            store_.set_flags(link.id, link.flags & ~link_flag::deleted_on(missing));
            store_.set_state(link.id, link_state::active);
            ++pairs_;
            if (settings_.dry_run)
                planned_pairs_.push_back(link.id);
            log_->debug("link {}: paired with link {} on {}", link.id, candidates.front().id, key);
            return store_.link(link.id);
        }
        // Several records share the key on one side: report it, never guess.
        const auto reason = fmt::format("ambiguous match on {}: {} {} and {} {} records share it", key,
                                        1 + same_side.size(), to_string(has), candidates.size(), to_string(missing));
        for (const auto* group : {&candidates, &same_side})
            for (const auto& l : *group)
                store_.set_state(l.id, link_state::ambiguous);
        store_.set_state(link.id, link_state::ambiguous);
        if (store_.record_conflict(link.id, "_match_" + key, has == side::shopify ? it->second : "",
                                   has == side::crm ? it->second : "", "", reason, now))
            log_->warn("link {}: {}; left unpaired until resolved", link.id, reason);
        return std::nullopt;
    }
    if (link.state == link_state::ambiguous)
        store_.set_state(link.id, link_state::active);
    return link;
}

void engine::unlink_gone(const link_row& link, side gone, std::int64_t now)
{
    const auto id = link.id_on(gone);
    store_.add_tombstone(gone, id, "deleted", now);
    store_.remove_snapshot(link.id, gone);
    store_.set_remote_id(link.id, gone, "");
    store_.cancel_outbox(link.id, gone);
    store_.set_flags(link.id, link.flags | link_flag::deleted_on(gone));
    ++status_[static_cast<std::size_t>(gone)].records_deleted;
    log_->info("link {}: {} record {} was deleted; tombstoned{}", link.id, to_string(gone), id,
               settings_.sync.deletes == delete_policy::propagate ? ", removing it on the other side" : "");
    store_.audit(link.id,
                 fmt::format("{} record {} deleted: tombstoned (deletes: {})", to_string(gone), id,
                             settings_.sync.deletes == delete_policy::propagate ? "propagate" : "keep"),
                 now);
    // The link stays (without ids it is a tombstone of the person): a create to the other side that was
    // already sent may still report its record, which then belongs here and not to a new person.
}

void engine::drop_outbox(std::int64_t link_id, side target)
{
    // A create that has been sent may have been applied with its response lost. Forgetting it would leave
    // a record on the target that nobody knows, later seen as a new person: keep it until it settles
    // (it is an upsert, so sending it again finds that record).
    auto row = store_.outbox_for(link_id, target);
    if (row && row->kind == write_kind::create && row->attempts > 0)
        return;
    store_.cancel_outbox(link_id, target);
}

void engine::reconcile_link(std::int64_t link_id, std::int64_t now)
{
    auto link = store_.link(link_id);
    if (!link)
        return;
    if (link->state == link_state::quarantined) {
        store_.set_dirty(link_id, false);
        return;
    }
    if (link->shopify_id.empty() != link->crm_id.empty() && pairing_enabled()) {
        if (!initial_sync_complete()) {
            // Both sides are scanned completely before anything is paired or created, so that matching
            // sees everything; unpaired links are marked dirty again when the scans complete.
            store_.set_dirty(link_id, false);
            return;
        }
        auto paired = pair(*link, now);
        if (!paired) {
            store_.set_dirty(link_id, false);
            return;
        }
        link = std::move(paired);
    }
    auto s = store_.snapshot(link_id, side::shopify);
    auto c = store_.snapshot(link_id, side::crm);
    plan_context ctx{mapping_, settings_.sync};
    ctx.decision = [&](const std::string& field, const std::string& sv, const std::string& cv) {
        return store_.operator_decision(link_id, field, sv, cv);
    };
    auto plan = plan_link(ctx, *link, s ? &*s : nullptr, c ? &*c : nullptr);
    for (const auto& conflict : plan.conflicts) {
        if (!store_.record_conflict(link_id, conflict.field, conflict.shopify_value, conflict.crm_value, conflict.winner,
                                    conflict.reason, now))
            continue;
        ++conflicts_seen_;
        log_->info("link {}: conflict on {} {}: {}", link_id, conflict.field,
                   conflict.winner.empty() ? "parked" : "settled for " + conflict.winner, conflict.reason);
        store_.audit(link_id,
                     fmt::format("conflict on {}: {} ({})", conflict.field,
                                 conflict.winner.empty() ? "parked for an operator" : conflict.winner + " wins",
                                 conflict.reason),
                     now);
    }
    if (plan.new_base)
        store_.set_base(link_id, *plan.new_base);
    // Changes people make once the first scan is done go ahead of backfill in each budget.
    const auto prio = initial_sync_complete() ? priority::live : priority::backfill;
    for (side target : {side::shopify, side::crm}) {
        const auto& w = target == side::shopify ? plan.to_shopify : plan.to_crm;
        if (w)
            store_.enqueue(link_id, target, w->kind, w->fields, prio, now);
        else
            drop_outbox(link_id, target);
    }
    store_.set_dirty(link_id, false);
    for (side gone : plan.gone) {
        unlink_gone(*link, gone, now);
        link = store_.link(link_id);
        if (!link)
            break;
    }
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
    reconcile_pass();
    co_return std::nullopt;
}

std::size_t engine::reconcile_pass()
{
    std::size_t total = 0;
    for (;;) {
        auto ids = store_.dirty_links(settings_.reconcile_batch);
        if (ids.empty())
            return total;
        auto tx = store_.begin();
        for (auto id : ids)
            reconcile_link(id, now_ms());
        tx.commit();
        total += ids.size();
    }
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

outcome<void> engine::resolve_conflict(std::int64_t conflict_id, side take)
{
    auto c = store_.conflict(conflict_id);
    if (!c)
        return permanent(fmt::format("conflict {} does not exist", conflict_id));
    if (c->resolved_at_ms)
        return permanent(fmt::format("conflict {} is already settled ({})", conflict_id,
                                     c->winner.empty() ? c->reason : c->winner + " won: " + c->reason));
    if (c->field.starts_with("_"))
        return permanent(fmt::format("conflict {} is not about a field value ({}): {}; act in Shopify or the CRM, "
                                     "then the daemon pairs what it sees",
                                     conflict_id, c->field, c->reason));
    auto tx = store_.begin();
    store_.resolve_conflict(conflict_id, to_string(take), fmt::format("operator: took {}", to_string(take)), now_ms());
    store_.audit(c->link_id, fmt::format("operator resolved conflict {} on {}: {} wins", conflict_id, c->field,
                                         to_string(take)),
                 now_ms());
    store_.set_dirty(c->link_id, true);
    tx.commit();
    log_->info("link {}: conflict {} on {} resolved by an operator: {} wins", c->link_id, conflict_id, c->field,
               to_string(take));
    reconcile_wakeup_->notify();
    return {};
}

outcome<void> engine::retry_dead_letter(std::int64_t dead_letter_id)
{
    auto d = store_.dead_letter(dead_letter_id);
    if (!d)
        return permanent(fmt::format("dead letter {} does not exist", dead_letter_id));
    auto tx = store_.begin();
    store_.remove_dead_letter(dead_letter_id);
    if (store_.link(d->link_id)) {
        store_.set_dirty(d->link_id, true);
        store_.audit(d->link_id, fmt::format("operator retried dead letter {}", dead_letter_id), now_ms());
    }
    tx.commit();
    log_->info("link {}: dead letter {} ({} to {}) retried by an operator", d->link_id, dead_letter_id,
               to_string(d->kind),
               to_string(d->target));
    reconcile_wakeup_->notify();
    return {};
}

void engine::resync(std::optional<side> only, bool full)
{
    for (side s : {side::shopify, side::crm}) {
        if ((only && *only != s) || !status(s).source)
            continue;
        if (full)
            store_.set_cursor(s, "poll", "", now_ms());
        log_->info("{}: resync asked by an operator{}", to_string(s), full ? " (full: every record is read again)" : "");
        sweep_wakeup_[static_cast<std::size_t>(s)]->notify();
        poll_now(s);
    }
}

void engine::apply_live_settings(const engine_settings& s)
{
    auto& mine = settings_.sync;
    mine.conflict = s.sync.conflict;
    mine.initial_conflict = s.sync.initial_conflict;
    mine.deletes = s.sync.deletes;
    mine.gdpr_delete_in_crm = s.sync.gdpr_delete_in_crm;
    mine.create_in_crm = s.sync.create_in_crm;
    mine.create_in_shopify = s.sync.create_in_shopify;
    mine.max_changes_per_cycle = s.sync.max_changes_per_cycle;
    mine.reconcile_interval = s.sync.reconcile_interval;
    settings_.sweep_interval = s.sweep_interval;
    settings_.shopify_poll_interval = s.shopify_poll_interval;
    settings_.crm_poll_interval = s.crm_poll_interval;
    reconcile_wakeup_->notify();
}

std::string engine::describe_write(write_kind k, side target, const field_map& fields)
{
    std::vector<std::string_view> names;
    for (const auto& [name, value] : fields)
        names.push_back(name);
    return names.empty() ? fmt::format("{} in {}", to_string(k), to_string(target))
                         : fmt::format("{} in {}: {}", to_string(k), to_string(target), fmt::join(names, ", "));
}

} // namespace crmsync
