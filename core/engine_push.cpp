// Pushers: apply the outbox to one target side in batches. Results are settled in one transaction:
// success moves the base to what was written; a create that hit an existing record links to it; transient
// failures back off; permanent ones become dead letters after retry_policy::max_attempts — and never
// block the other records.
#include "core/engine.hpp"

#include "core/redact.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <set>

namespace crmsync {

namespace asio = boost::asio;

asio::awaitable<void> engine::pusher(side target)
{
    const auto i = static_cast<std::size_t>(target);
    for (;;) {
        ++heartbeat_;
        co_await throw_if_cancelled();
        if (co_await push_once(target)) {
            co_await asio::post(ex_, asio::use_awaitable);
            continue;
        }
        std::chrono::milliseconds wait{60'000};
        if (auto next = store_.next_due_ms(target))
            wait = std::clamp(std::chrono::milliseconds{*next - now_ms()}, std::chrono::milliseconds{0}, wait);
        auto& st = status_[i];
        if (st.paused_until_ms)
            wait = std::max(wait, std::chrono::milliseconds{*st.paused_until_ms - now_ms()});
        if (settings_.dry_run)
            wait = std::chrono::milliseconds{60'000};
        co_await push_wakeup_[i]->wait_for(std::max(wait, std::chrono::milliseconds{1}));
    }
}

asio::awaitable<bool> engine::push_once(side target)
{
    auto& st = status_[static_cast<std::size_t>(target)];
    if (st.paused_until_ms && *st.paused_until_ms > now_ms())
        co_return false;
    auto& conn = side_connector(target);
    auto rows = store_.due(target, now_ms(), conn.max_batch());
    if (rows.empty())
        co_return false;

    std::vector<write_op> ops;
    std::map<std::int64_t, const outbox_row*> by_id;
    ops.reserve(rows.size());
    for (const auto& row : rows) {
        auto link = store_.link(row.link_id);
        if (!link) {
            store_.complete(row.id, row.version);
            continue;
        }
        write_op op;
        op.op_id = row.id;
        op.target_id = target == side::shopify ? link->shopify_id : link->crm_id;
        op.kind = op.target_id.empty() ? write_kind::create : row.kind;
        op.fields = mapping_.to_side(target, row.fields);
        op.prio = row.prio;
        by_id.emplace(row.id, &row);
        ops.push_back(std::move(op));
    }
    if (ops.empty())
        co_return true;
    if (settings_.dry_run) {
        for (const auto& op : ops) {
            const auto* row = by_id.at(op.op_id);
            std::vector<std::string> names;
            for (const auto& [k, v] : row->fields)
                names.push_back(k);
            log_->info("dry run: would {} {} record for link {} ({})",
                       op.kind == write_kind::create ? "create" : op.kind == write_kind::update ? "update" : "delete",
                       to_string(target), row->link_id, fmt::join(names, ", "));
        }
        co_return false;
    }

    auto results = co_await conn.apply(ops);
    ++heartbeat_;
    const auto now = now_ms();
    std::set<std::int64_t> settled;
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
    reconcile_wakeup_->notify();
    co_return true;
}

void engine::settle(const outbox_row& row, const write_result& r, side target, std::int64_t now)
{
    auto& st = status_[static_cast<std::size_t>(target)];
    auto link = store_.link(row.link_id);
    if (!link)
        return;
    const std::string& current_id = target == side::shopify ? link->shopify_id : link->crm_id;

    // Attaches the remote record to this link; if another link already holds it (the same person was
    // observed on both sides before they were paired), the two links are one.
    auto attach = [&](const std::string& remote_id) -> bool {
        if (remote_id.empty() || remote_id == current_id)
            return true;
        auto holder = store_.link_by_remote(target, remote_id);
        if (holder && holder->id != link->id) {
            const auto& holder_other = target == side::shopify ? holder->crm_id : holder->shopify_id;
            if (!holder_other.empty()) {
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
        const auto kind = current_id.empty() ? write_kind::create : row.kind;
        if (!attach(r.id))
            return;
        auto base = link->base;
        for (const auto& [k, v] : row.fields) {
            if (v.empty())
                base.erase(k);
            else
                base[k] = v;
        }
        store_.set_base(link->id, base);
        store_.complete(row.id, row.version);
        ++st.writes_ok;
        ++st.writes_by_kind[static_cast<std::size_t>(kind)];
        return;
    }
    if (!r.existing_id.empty() && current_id.empty()) {
        // The create found the record already there (lost response, or a person created it meanwhile):
        // link to it and let the reconciler plan an update against the base.
        if (attach(r.existing_id)) {
            store_.complete(row.id, row.version);
            store_.set_dirty(link->id, true);
        }
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
        ++st.writes_failed;
        log_->warn("dead letter for link {} after {} attempts: {}", row.link_id, attempts, redact(f.message));
        return;
    }
    ++st.writes_retried;
    auto delay = settings_.retry.backoff(attempts, f.retry_after, rng_);
    store_.reschedule(row.id, attempts, now + delay.count(), f.message);
}

} // namespace crmsync
