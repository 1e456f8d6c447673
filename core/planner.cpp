#include "core/planner.hpp"

#include <fmt/format.h>

namespace crmsync {

bool direction_allows(sync_direction d, side from, side to)
{
    if (from == to)
        return false;
    switch (d) {
    case sync_direction::two_way: return true;
    case sync_direction::shopify_to_crm: return from == side::shopify;
    case sync_direction::crm_to_shopify: return from == side::crm;
    }
    return false;
}

namespace {

std::string value_of(const field_map& m, const std::string& k)
{
    auto it = m.find(k);
    return it == m.end() ? std::string() : it->second;
}

bool can_flow(const plan_context& ctx, const field_spec& f, side from, side to)
{
    return direction_allows(ctx.sync.direction, from, to) && field_mapping::flows_to(f, to);
}

bool creates_allowed(const plan_context& ctx, side to)
{
    return to == side::crm ? ctx.sync.create_in_crm : ctx.sync.create_in_shopify;
}

// The side whose value wins a conflict on `f`, or nullopt when it is parked for an operator.
std::optional<side> winner_of(const plan_context& ctx, const field_spec& f, const snapshot_row& s,
                              const snapshot_row& c, bool initial, std::string& reason)
{
    auto policy = initial ? ctx.sync.initial_conflict : f.conflict.value_or(ctx.sync.conflict);
    if (initial)
        reason = "first sync, ";
    switch (policy) {
    case conflict_policy::shopify_wins: reason += "shopify_wins"; return side::shopify;
    case conflict_policy::crm_wins: reason += "crm_wins"; return side::crm;
    case conflict_policy::manual: reason += "manual: parked for an operator"; return std::nullopt;
    case conflict_policy::newest_wins:
        if (c.updated_at_ms > s.updated_at_ms) {
            reason += "newest_wins: crm updated later";
            return side::crm;
        }
        reason += c.updated_at_ms == s.updated_at_ms ? "newest_wins: same time, shopify wins ties"
                                                      : "newest_wins: shopify updated later";
        return side::shopify;
    }
    return side::shopify;
}

void create_plan(const plan_context& ctx, const snapshot_row& from, side to, std::optional<planned_write>& out)
{
    planned_write w{write_kind::create, {}};
    for (const auto& f : ctx.mapping.specs())
        if (can_flow(ctx, f, from.from, to))
            if (auto v = value_of(from.fields, f.name); !v.empty())
                w.fields.emplace(f.name, std::move(v));
    if (!w.fields.empty())
        out = std::move(w);
}

} // namespace

link_plan plan_link(const plan_context& ctx, const link_row& link, const snapshot_row* shopify, const snapshot_row* crm)
{
    link_plan plan;
    const bool has_shopify = !link.shopify_id.empty();
    const bool has_crm = !link.crm_id.empty();

    // Deletes: the person is gone from a side; with deletes: propagate, they go from the other side too
    // (in the direction the sync allows).
    for (side gone : {side::shopify, side::crm}) {
        const auto* snap = gone == side::shopify ? shopify : crm;
        if (!snap || !snap->deleted || link.id_on(gone).empty())
            continue;
        plan.gone.push_back(gone);
        const side survivor = other(gone);
        const auto* other_snap = survivor == side::shopify ? shopify : crm;
        if (ctx.sync.deletes == delete_policy::propagate && !link.id_on(survivor).empty() &&
            !(other_snap && other_snap->deleted) && direction_allows(ctx.sync.direction, gone, survivor))
            (survivor == side::crm ? plan.to_crm : plan.to_shopify) = planned_write{write_kind::remove, {}};
    }
    if (!plan.gone.empty())
        return plan;
    // A side already unlinked because its record was deleted: with propagate, the other side's record
    // goes too (planned until the remove has succeeded; re-planning keeps asking for it).
    for (side gone : {side::shopify, side::crm}) {
        const side survivor = other(gone);
        if ((link.flags & link_flag::deleted_on(gone)) == 0 || !link.id_on(gone).empty() || link.id_on(survivor).empty())
            continue;
        // An erasure asked of Shopify reaches the CRM when the operator opted in, whatever the direction.
        const bool erase = (link.flags & link_flag::redacted_on(gone)) != 0 && gone == side::shopify &&
                           ctx.sync.gdpr_delete_in_crm;
        if (erase ||
            (ctx.sync.deletes == delete_policy::propagate && direction_allows(ctx.sync.direction, gone, survivor)))
            (survivor == side::crm ? plan.to_crm : plan.to_shopify) = planned_write{write_kind::remove, {}};
        return plan;
    }

    // Creates: the person exists on one side only, and was never deleted on the other.
    for (side from : {side::shopify, side::crm}) {
        const side to = other(from);
        const auto* snap = from == side::shopify ? shopify : crm;
        if (link.id_on(from).empty() || !link.id_on(to).empty() || !snap)
            continue;
        if ((link.flags & (link_flag::deleted_on(to) | link_flag::merged_on(to))) == 0 && creates_allowed(ctx, to) &&
            direction_allows(ctx.sync.direction, from, to))
            create_plan(ctx, *snap, to, to == side::crm ? plan.to_crm : plan.to_shopify);
        return plan;
    }
    if (!has_shopify || !has_crm)
        return plan;
    // A record linked by a create that found it already there has not been read yet: nothing is planned
    // against it until it has (its fields are unknown, not unchanged). Only when both sides are read.
    if (direction_allows(ctx.sync.direction, side::crm, side::shopify) &&
        direction_allows(ctx.sync.direction, side::shopify, side::crm) && (!shopify || !crm))
        return plan;
    const bool initial = link.base.empty() && shopify && crm;

    field_map to_shopify, to_crm, base = link.base;
    bool base_moved = false;
    for (const auto& f : ctx.mapping.specs()) {
        const auto b = value_of(link.base, f.name);
        const auto s = shopify ? value_of(shopify->fields, f.name) : b;
        const auto c = crm ? value_of(crm->fields, f.name) : b;
        const bool s_changed = s != b;
        const bool c_changed = c != b;
        if (!s_changed && !c_changed)
            continue;
        auto send = [&](side to, const std::string& v, const std::string& other) {
            if (v.empty() && !other.empty() && !f.propagate_empty)
                return; // never wipe a value with an empty one unless configured
            if (v == other)
                return;
            (to == side::crm ? to_crm : to_shopify)[f.name] = v;
        };
        if (s_changed != c_changed) {
            const side from = s_changed ? side::shopify : side::crm;
            const side to = other(from);
            const auto& v = s_changed ? s : c;
            const auto& kept = s_changed ? c : s;
            if (!can_flow(ctx, f, from, to))
                continue;
            if (v.empty() && !kept.empty() && !f.propagate_empty) {
                // Emptied on one side: an empty value never wipes the other side's. Fill it back instead, so
                // that both sides agree again, and say so.
                if (can_flow(ctx, f, to, from))
                    send(from, kept, v);
                plan.conflicts.push_back({f.name, s, c, std::string(to_string(to)),
                                          "an emptied value does not wipe the other side's value"});
                continue;
            }
            send(to, v, kept);
            continue;
        }
        if (s == c) {
            base[f.name] = s;
            if (s.empty())
                base.erase(f.name);
            base_moved = true;
            continue;
        }
        // Both changed, differently.
        settled_conflict conflict{f.name, s, c, {}, {}};
        std::optional<side> winner = ctx.decision ? ctx.decision(f.name, s, c) : std::nullopt;
        if (winner) {
            conflict.reason = fmt::format("operator: took {}", to_string(*winner));
        } else if (s.empty() != c.empty() && !f.propagate_empty) {
            winner = s.empty() ? side::crm : side::shopify;
            conflict.reason = "a non-empty value wins over an empty one";
        } else {
            winner = winner_of(ctx, f, *shopify, *crm, initial, conflict.reason);
        }
        if (winner) {
            conflict.winner = std::string(to_string(*winner));
            side loser = other(*winner);
            if (can_flow(ctx, f, *winner, loser))
                send(loser, *winner == side::shopify ? s : c, *winner == side::shopify ? c : s);
        }
        plan.conflicts.push_back(std::move(conflict));
    }
    if (!to_crm.empty())
        plan.to_crm = planned_write{write_kind::update, std::move(to_crm)};
    if (!to_shopify.empty())
        plan.to_shopify = planned_write{write_kind::update, std::move(to_shopify)};
    if (base_moved)
        plan.new_base = std::move(base);
    return plan;
}

} // namespace crmsync
