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
                              const snapshot_row& c, std::string& reason)
{
    auto policy = f.conflict.value_or(ctx.sync.conflict);
    switch (policy) {
    case conflict_policy::shopify_wins: reason = "shopify_wins"; return side::shopify;
    case conflict_policy::crm_wins: reason = "crm_wins"; return side::crm;
    case conflict_policy::manual: reason = "manual: parked for an operator"; return std::nullopt;
    case conflict_policy::newest_wins:
        if (c.updated_at_ms > s.updated_at_ms) {
            reason = "newest_wins: crm updated later";
            return side::crm;
        }
        reason = c.updated_at_ms == s.updated_at_ms ? "newest_wins: same time, shopify wins ties"
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
    const bool shopify_live = shopify && !shopify->deleted;
    const bool crm_live = crm && !crm->deleted;

    // Creates: the person exists on one side only.
    if (has_shopify && !has_crm && shopify_live) {
        if (creates_allowed(ctx, side::crm) && direction_allows(ctx.sync.direction, side::shopify, side::crm))
            create_plan(ctx, *shopify, side::crm, plan.to_crm);
        return plan;
    }
    if (has_crm && !has_shopify && crm_live) {
        if (creates_allowed(ctx, side::shopify) && direction_allows(ctx.sync.direction, side::crm, side::shopify))
            create_plan(ctx, *crm, side::shopify, plan.to_shopify);
        return plan;
    }
    if (!has_shopify || !has_crm || (shopify && shopify->deleted) || (crm && crm->deleted))
        return plan;

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
        if (s_changed && !c_changed) {
            if (can_flow(ctx, f, side::shopify, side::crm))
                send(side::crm, s, c);
            continue;
        }
        if (c_changed && !s_changed) {
            if (can_flow(ctx, f, side::crm, side::shopify))
                send(side::shopify, c, s);
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
        std::optional<side> winner;
        if (s.empty() != c.empty() && !f.propagate_empty) {
            winner = s.empty() ? side::crm : side::shopify;
            conflict.reason = "a non-empty value wins over an empty one";
        } else {
            winner = winner_of(ctx, f, *shopify, *crm, conflict.reason);
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
