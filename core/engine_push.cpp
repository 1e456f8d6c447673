// Pushers: apply the outbox to one target side in batches. Before updates, the targets are re-read in one
// batch call (verify-before-write) so that an edit made since the last poll is merged, not overwritten.
// Results are settled in one transaction: success moves the base to what was written; a create that met
// an existing record links to it; transient failures back off; permanent ones become dead letters after
// retry_policy::max_attempts — and never block the other records. A link written too often in a short
// time is quarantined instead of looping.
#include "core/engine.hpp"

#include "core/redact.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <set>

namespace crmsync {

namespace asio = boost::asio;

namespace {


} // namespace

asio::awaitable<void> engine::pusher(side target)
{
    const auto i = static_cast<std::size_t>(target);
    for (;;) {
        ++heartbeat_;
        co_await throw_if_cancelled();
        const auto before = budgets_of(target);
        if (co_await push_once(target)) {
            if (auto pace = push_pace(target, before); pace.count() > 0) {
                // Changes trickling in (a batch that was not full): wait a little before the next push, so
                // that what arrives meanwhile goes out together. Sending each change alone as it comes
                // would spend a rolling window in a burst, then stall everyone until it rolls over (seconds
                // of latency at 10 changes/s); paced, the budget lasts and batches grow instead.
                asio::steady_timer gather(ex_, pace);
                co_await gather.async_wait(asio::use_awaitable);
            } else {
                co_await asio::post(ex_, asio::use_awaitable);
            }
            continue;
        }
        std::chrono::milliseconds wait{60'000};
        if (auto next = store_.next_due_ms(target))
            wait = std::clamp(std::chrono::milliseconds{*next - now_ms()}, std::chrono::milliseconds{0}, wait);
        auto& st = status_[i];
        if (st.paused_until_ms)
            wait = std::max(wait, std::chrono::milliseconds{*st.paused_until_ms - now_ms()});
        if (settings_.dry_run || !st.push_guard.empty())
            wait = std::chrono::milliseconds{60'000};
        co_await push_wakeup_[i]->wait_for(std::max(wait, std::chrono::milliseconds{1}));
    }
}

std::vector<budget_state> engine::budgets_of(side target) const
{
    std::vector<budget_state> out;
    for (const auto* gate : side_connector(target).gates())
        out.push_back(gate->state());
    return out;
}

std::chrono::milliseconds engine::push_pace(side target, const std::vector<budget_state>& before) const
{
    // A full batch gains nothing by waiting (a backlog, the first sync): the gates pace it.
    if (last_push_ops_[static_cast<std::size_t>(target)] >= side_connector(target).max_batch())
        return {};
    // Spend what is left at the pace that makes it last until the budget has refilled completely: the push
    // just made may come again after spent × (refill time / available).
    const auto after = budgets_of(target);
    double wait_s = 0;
    for (std::size_t i = 0; i < std::min(before.size(), after.size()); ++i) {
        const auto& a = after[i];
        const double spent = before[i].available - a.available;
        if (a.capacity <= 0 || a.per_second <= 0 || spent <= 0)
            continue;
        const double refill_s = a.capacity / a.per_second;
        wait_s = std::max(wait_s, spent * refill_s / std::max(a.available, spent));
    }
    return std::chrono::milliseconds{static_cast<std::int64_t>(std::min(wait_s, 2.0) * 1000)};
}

asio::awaitable<std::vector<outbox_row>> engine::verify_targets(side target, std::vector<outbox_row> rows)
{
    std::vector<std::string> ids;
    for (const auto& row : rows) {
        if (row.kind != write_kind::update)
            continue;
        auto link = store_.link(row.link_id);
        if (link && !link->id_on(target).empty())
            ids.push_back(link->id_on(target));
    }
    if (ids.empty())
        co_return rows;
    auto fresh = co_await side_connector(target).fetch_by_ids(ids, rows.front().prio);
    if (!fresh) {
        // Cannot verify now: send nothing that overwrites; the rows stay due and are tried again.
        record_error(target, fresh.error());
        std::erase_if(rows, [](const outbox_row& r) { return r.kind == write_kind::update; });
        co_return rows;
    }
    std::size_t changed = 0;
    {
        const auto now = now_ms();
        auto tx = store_.begin();
        for (const auto& rec : *fresh)
            if (observe(target, rec, now).changed)
                ++changed;
        tx.commit();
    }
    if (changed > 0) {
        // Edited since it was last read: those links are dirty again, and drop out of this batch in
        // push_once; the re-plan merges the edit instead of overwriting it.
        status_[static_cast<std::size_t>(target)].writes_skipped_stale += changed;
        reconcile_wakeup_->notify();
    }
    co_return rows;
}

std::optional<write_op> engine::make_op(side target, const outbox_row& row)
{
    auto link = store_.link(row.link_id);
    if (!link) {
        store_.complete(row.id, row.version);
        return std::nullopt;
    }
    write_op op;
    op.op_id = row.id;
    op.target_id = link->id_on(target);
    op.peer_id = link->id_on(other(target));
    // Not row.kind: a create queued while the record did not exist becomes an update once it does (the
    // create went out and a newer version of the row was queued meanwhile, e.g. an edit seen during the
    // first sync). Sent as a create again it would be refused as a duplicate, again and again.
    op.kind = row.kind == write_kind::remove ? write_kind::remove
              : op.target_id.empty()        ? write_kind::create
                                            : write_kind::update;
    if (op.kind == write_kind::remove && op.target_id.empty()) {
        store_.complete(row.id, row.version); // nothing left to remove
        return std::nullopt;
    }
    op.erase = op.kind == write_kind::remove && (link->flags & link_flag::redacted_on(other(target))) != 0;
    op.fields = mapping_.to_side(target, row.fields);
    op.prio = row.prio;
    // A create sent before (a failure, or a crash with the request in flight) may have been applied: the
    // connector then looks for it instead of creating or upserting over edits made to it since.
    op.retry = op.kind == write_kind::create && (row.attempts > 0 || row.sent);
    return op;
}

asio::awaitable<bool> engine::push_once(side target)
{
    busy_guard busy(*this);
    auto& st = status_[static_cast<std::size_t>(target)];
    if (st.paused_until_ms && *st.paused_until_ms > now_ms())
        co_return false;
    auto& conn = side_connector(target);
    // Blast-radius guard: more deletions (or, once the first sync is done, more creates) waiting for a side
    // than sync.max_changes_per_cycle looks like a mistake upstream (a wiped list, a wrong mapping): hold
    // those kinds and say so; updates go on.
    const auto limit = settings_.sync.max_changes_per_cycle;
    std::string guard;
    unsigned held = 0;
    for (auto kind : {write_kind::remove, write_kind::create}) {
        auto n = store_.pending_count(target, kind);
        if (kind == write_kind::create && !st.first_sync_settled) {
            // The first sync's creates are the point of the first sync; the guard starts once they are done.
            if (n == 0 && initial_sync_complete()) {
                auto tx = store_.begin();
                store_.set_cursor(target, "first_sync_settled", "done", now_ms());
                tx.commit();
                st.first_sync_settled = true;
            }
            continue;
        }
        if (n > limit) {
            guard = fmt::format("{} {}s pending for {}, more than sync.max_changes_per_cycle ({}); held until an "
                                "operator raises the limit or the cause is fixed",
                                n, to_string(kind), to_string(target), limit);
            held |= 1u << static_cast<unsigned>(kind);
        }
    }
    if (guard != st.push_guard) {
        if (!guard.empty())
            log_->error("{}", guard);
        st.push_guard = guard;
    }
    // One batch group per push, chosen among the due rows of the most urgent priority: the one with the most
    // rows up to a full batch, ties to the oldest row's. A few batches' worth of rows is read so that
    // requests are full rather than cut short by rows that travel in other requests anyway; rows of a
    // smaller group stay at the head of the queue and go as soon as their group is as large.
    auto rows = store_.due(target, now_ms(), conn.max_batch() * 4, held);
    if (rows.empty())
        co_return false;
    std::vector<std::optional<write_op>> candidates;
    std::vector<std::string> groups;
    std::map<std::string, std::size_t> group_size;
    for (const auto& row : rows) {
        candidates.push_back(make_op(target, row));
        groups.push_back(candidates.back() ? conn.batch_group(*candidates.back()) : std::string());
        if (candidates.back() && row.prio == rows.front().prio)
            ++group_size[groups.back()];
    }
    std::optional<std::string> group;
    std::size_t best = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (!candidates[i] || rows[i].prio != rows.front().prio)
            continue;
        const auto n = std::min(group_size[groups[i]], conn.max_batch());
        if (n > best) {
            best = n;
            group = groups[i];
        }
    }
    if (!group)
        co_return true; // every row read was settled by make_op
    std::vector<write_op> ops;
    std::vector<outbox_row> chosen;
    for (std::size_t i = 0; i < rows.size() && ops.size() < conn.max_batch(); ++i)
        if (candidates[i] && groups[i] == *group && rows[i].prio == rows.front().prio) {
            ops.push_back(std::move(*candidates[i]));
            chosen.push_back(std::move(rows[i]));
        }
    rows = std::move(chosen);
    if (settings_.verify_before_write && !settings_.dry_run)
        rows = co_await verify_targets(target, std::move(rows));
    // While the verification was awaited the reconciler may have re-planned or cancelled rows, and a dirty
    // link has been observed to change since its writes were planned: such rows wait for the current plan
    // rather than write stale values.
    std::erase_if(rows, [&](const outbox_row& r) {
        auto current = store_.outbox_entry(r.id);
        auto link = store_.link(r.link_id);
        return !current || current->version != r.version || (link && link->dirty);
    });
    std::map<std::int64_t, const outbox_row*> by_id;
    for (const auto& row : rows)
        by_id.emplace(row.id, &row);
    std::erase_if(ops, [&](const write_op& op) { return !by_id.contains(op.op_id); });
    if (ops.empty()) {
        reconcile_wakeup_->notify();
        co_return false;
    }
    const bool dry = settings_.dry_run;
    if (dry || log_->should_log(spdlog::level::debug))
        for (const auto& op : ops) {
            const auto* row = by_id.at(op.op_id);
            std::vector<std::string> names;
            for (const auto& [k, v] : row->fields)
                names.push_back(k);
            if (dry)
                log_->info("dry run: would {} {} record for link {} ({})", to_string(op.kind), to_string(target),
                           row->link_id, fmt::join(names, ", "));
            else
                log_->debug("link {}: {} {} record {} for {} (attempt {}): {}", row->link_id, to_string(op.kind),
                            to_string(target), op.target_id, op.peer_id, row->attempts + 1, fmt::join(names, ","));
        }
    if (dry)
        co_return false;

    // Durable before the request leaves: if the daemon dies with it in flight, the create is known as sent.
    if (std::any_of(ops.begin(), ops.end(), [](const write_op& op) { return op.kind == write_kind::create && !op.retry; })) {
        auto tx = store_.begin();
        for (const auto& op : ops)
            if (op.kind == write_kind::create && !op.retry)
                store_.mark_sent(op.op_id);
        tx.commit();
    }
    last_push_ops_[static_cast<std::size_t>(target)] = ops.size();
    auto results = co_await conn.apply(ops);
    ++heartbeat_;
    const auto now = now_ms();
    std::set<std::int64_t> settled;
    retry_delays_.clear();
    {
        auto tx = store_.begin();
        for (const auto& r : results) {
            auto it = by_id.find(r.op_id);
            if (it == by_id.end() || !settled.insert(r.op_id).second)
                continue;
            settle(*it->second, r, target, now);
        }
        // A connector that forgot an op: try it again later rather than lose it.
        for (const auto& [id, row] : by_id)
            if (!settled.contains(id))
                settle(*row, write_result{id, retryable("no result from the connector"), {}, {}}, target, now);
        tx.commit();
    }
    if (!to_read_.empty()) {
        std::vector<std::string> ids;
        for (const auto& [s, id] : std::exchange(to_read_, {}))
            if (s == target)
                ids.push_back(id);
        auto fresh = co_await conn.fetch_by_ids(ids, priority::live);
        if (fresh) {
            auto tx = store_.begin();
            for (const auto& rec : *fresh)
                observe(target, rec, now_ms());
            tx.commit();
        } else {
            // Read later with the next poll or verification; the planner waits for the snapshot meanwhile.
            record_error(target, fresh.error());
        }
    }
    reconcile_wakeup_->notify();
    co_return true;
}

void engine::settle(const outbox_row& row, const write_result& r, side target, std::int64_t now)
{
    auto& st = status_[static_cast<std::size_t>(target)];
    auto link = store_.link(row.link_id);
    if (!link)
        return;
    const std::string current_id = link->id_on(target);

    // Attaches the remote record to this link; if another link already holds it (the same person was
    // observed on both sides before they were paired), the two links are one.
    auto attach = [&](const std::string& remote_id) -> bool {
        if (remote_id.empty() || remote_id == current_id)
            return true;
        auto holder = store_.link_by_remote(target, remote_id);
        if (holder && holder->id != link->id) {
            if (!holder->id_on(other(target)).empty()) {
                auto msg = fmt::format("{} record {} is already linked to another person (link {}); link {} left "
                                       "unpaired",
                                       to_string(target), remote_id, holder->id, link->id);
                store_.to_dead_letter(row, msg, now);
                ++st.writes_failed;
                log_->warn("{}", msg);
                return false;
            }
            store_.merge_links(link->id, holder->id, target);
        }
        store_.set_remote_id(link->id, target, remote_id);
        return true;
    };

    if (!r.error) {
        const auto kind = row.kind == write_kind::remove ? write_kind::remove
                          : current_id.empty()          ? write_kind::create
                                                        : write_kind::update;
        ++st.writes_ok;
        ++st.writes_by_kind[static_cast<std::size_t>(kind)];
        if (kind == write_kind::remove) {
            // Deleted (or archived) on the target as the other side's deletion asked: tombstone it too.
            store_.complete(row.id, row.version);
            store_.audit(link->id, "wrote " + describe_write(kind, target, {}), now);
            unlink_gone(*link, target, now);
            return;
        }
        if (!attach(r.id))
            return;
        auto written = row.fields;
        for (const auto& skipped : r.skipped_fields)
            for (const auto& f : mapping_.specs())
                if (field_mapping::name_on(f, target) == skipped && written.erase(f.name) > 0)
                    store_.record_conflict(link->id, f.name, target == side::shopify ? "" : row.fields.at(f.name),
                                           target == side::crm ? "" : row.fields.at(f.name), "",
                                           fmt::format("{} refused the value (already used by another record); "
                                                       "written without it",
                                                       to_string(target)),
                                           now);
        auto base = link->base;
        for (const auto& [k, v] : written) {
            if (v.empty())
                base.erase(k);
            else
                base[k] = v;
        }
        store_.set_base(link->id, base);
        // The target now holds what was written: without this its older snapshot would look like an edit
        // made there, and flow back.
        store_.apply_written(link->id, target, written, r.updated_at_ms);
        store_.complete(row.id, row.version);
        store_.audit(link->id, "wrote " + describe_write(kind, target, written), now);
        if (store_.note_write(link->id, now, settings_.flap_window.count()) > settings_.flap_limit) {
            store_.set_state(link->id, link_state::quarantined);
            log_->warn("link {} was written more than {} times in {} s and keeps changing; quarantined until an "
                       "operator looks at it",
                       link->id, settings_.flap_limit, settings_.flap_window.count() / 1000);
        }
        return;
    }
    if (!r.existing_id.empty() && current_id.empty()) {
        // The create found the record already there (lost response, or a person created it meanwhile):
        // link to it; it is read before anything is planned against it (the planner waits for its
        // snapshot), so that edits made to it since are merged rather than overwritten.
        if (attach(r.existing_id)) {
            store_.complete(row.id, row.version);
            store_.set_dirty(link->id, true);
            to_read_.emplace_back(target, r.existing_id);
        }
        return;
    }
    if (!r.existing_id.empty() && !current_id.empty() && r.existing_id != current_id) {
        // The other side refuses a value because another record already holds it (an e-mail taken by
        // someone else there): an identity question for an operator, not something retrying can fix.
        store_.record_conflict(link->id, "_taken", "", "", "", fmt::format("{} (held by {} record {})", r.error->message,
                                                                         to_string(target), r.existing_id),
                               now);
        store_.complete(row.id, row.version);
        ++conflicts_seen_;
        log_->warn("link {}: {} refused a value held by its record {}; recorded as a conflict", link->id,
                   to_string(target), r.existing_id);
        return;
    }
    const failure& f = *r.error;
    record_error(target, f);
    if (f.kind == failure_kind::paused) {
        store_.reschedule(row.id, row.attempts, now + std::max<std::int64_t>(f.retry_after.count(), 60'000), f.message);
        return;
    }
    const int attempts = row.attempts + 1;
    if (f.kind == failure_kind::permanent && attempts >= settings_.retry.max_attempts) {
        auto last = row;
        last.attempts = attempts;
        store_.to_dead_letter(last, f.message, now);
        store_.audit(row.link_id,
                     fmt::format("dead letter after {} attempts: {}", attempts,
                                 describe_write(row.kind, target, row.fields)),
                     now);
        ++st.writes_failed;
        log_->warn("dead letter for link {} after {} attempts: {}", row.link_id, attempts, redact(f.message));
        return;
    }
    ++st.writes_retried;
    // One jittered delay per push for the rows that failed alike (a batch refused whole by a 503), so that
    // they come due together and go out as one batch again rather than one request each.
    auto [it, fresh] = retry_delays_.try_emplace({attempts, f.retry_after.count()});
    if (fresh)
        it->second = settings_.retry.backoff(attempts, f.retry_after, rng_);
    const auto delay = it->second;
    store_.reschedule(row.id, attempts, now + delay.count(), f.message);
}

} // namespace crmsync
