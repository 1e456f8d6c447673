#pragma once
// The `sync:` section: what flows where and how conflicts are settled. Filled by config/, consumed by
// the engine; plain data so tests build it with designated initializers.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crmsync {

enum class sync_direction { two_way, shopify_to_crm, crm_to_shopify };
enum class conflict_policy { newest_wins, shopify_wins, crm_wins, manual };
enum class delete_policy { keep, propagate };
enum class field_direction { both, to_crm, to_shopify };
// How a canonical field is normalized before comparing and writing (core/normalize.hpp).
enum class normalizer { text, email, phone, tags, decimal, exact };

struct field_spec {
    std::string name;    // canonical name, e.g. "first_name"
    std::string shopify; // Shopify connector vocabulary, e.g. "firstName", "defaultAddress.city"
    std::string crm;     // CRM vocabulary (HubSpot property name)
    field_direction direction = field_direction::both;
    normalizer normalize = normalizer::text;
    std::optional<conflict_policy> conflict; // per-field override of sync.conflict
    bool propagate_empty = false;            // may an emptied value wipe the other side's value?
};

struct sync_settings {
    sync_direction direction = sync_direction::two_way;
    bool create_in_crm = true;
    bool create_in_shopify = false;
    std::vector<std::string> match_on{"email"}; // "email", "phone"
    conflict_policy conflict = conflict_policy::newest_wins;
    conflict_policy initial_conflict = conflict_policy::newest_wins;
    delete_policy deletes = delete_policy::keep;
    // Shopify's customers/redact (a privacy erasure) also erases the linked CRM record (HubSpot: GDPR delete).
    bool gdpr_delete_in_crm = false;
    std::int64_t max_changes_per_cycle = 10'000;
    // How often every source side is read in full (id reconciliation: deletions no feed reports, changes a
    // lost webhook did not announce).
    std::chrono::milliseconds reconcile_interval{3'600'000};
    double max_share = 0.8;
    std::vector<field_spec> fields; // the default mapping unless the config lists its own
};

std::string_view to_string(sync_direction d);
std::string_view to_string(conflict_policy p);
std::string_view to_string(field_direction d);
std::string_view to_string(normalizer n);
inline std::string_view to_string(delete_policy p) { return p == delete_policy::keep ? "keep" : "propagate"; }

} // namespace crmsync
