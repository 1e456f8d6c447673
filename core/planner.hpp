#pragma once
// The per-link decision (design.md §5): given the base (what both sides last agreed on) and each side's
// newest snapshot, which fields must each side receive? Pure: no I/O, no clock, so every rule is a
// unit test.
//
// Per field (three-way merge):
//  - changed on one side only (snapshot != base)       -> flows to the other side, if the field and the
//    sync direction allow it;
//  - changed on both sides to the same value           -> nothing to write; the base moves;
//  - changed on both sides to different values         -> a conflict, settled by the field's or the
//    sync's policy (newest_wins compares the records' updated_at, ties go to Shopify); `manual` parks it;
//  - an empty value never wipes a non-empty one unless the field says propagate_empty.
// A side without a snapshot has not been observed: its values count as unchanged.
// A link without an id on a side gets a create there, if create_in_<side> allows it and the person was not
// deleted there. A link whose base is empty (paired at first sync, never merged) settles conflicts with
// sync.initial_conflict instead of sync.conflict. A deleted record is reported in `gone`; with
// deletes: propagate the other side's record gets a remove.

#include "core/connector.hpp"
#include "core/mapping.hpp"
#include "core/state_store.hpp"
#include "core/sync_settings.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace crmsync {

struct planned_write {
    write_kind kind = write_kind::update;
    field_map fields; // canonical
};

struct settled_conflict {
    std::string field;
    std::string shopify_value;
    std::string crm_value;
    std::string winner; // "shopify", "crm", or "" when parked for an operator (manual)
    std::string reason; // e.g. "newest_wins: crm updated later"
};

struct link_plan {
    std::optional<planned_write> to_shopify;
    std::optional<planned_write> to_crm;
    // Sides whose record was deleted: the engine tombstones and unlinks them (and with deletes: propagate a
    // remove was planned for the other side).
    std::vector<side> gone;
    std::optional<field_map> new_base; // set when the base moves without a write (both sides agree)
    std::vector<settled_conflict> conflicts;
};

struct plan_context {
    const field_mapping& mapping;
    const sync_settings& sync;
    // An operator's decision on a conflict (field, shopify value, crm value) of this link, if any: it
    // settles that conflict ahead of every policy.
    std::function<std::optional<side>(const std::string&, const std::string&, const std::string&)> decision = {};
};

link_plan plan_link(const plan_context& ctx, const link_row& link, const snapshot_row* shopify,
                    const snapshot_row* crm);

// Whether the sync direction lets anything flow from `from` to `to`.
bool direction_allows(sync_direction d, side from, side to);

} // namespace crmsync
