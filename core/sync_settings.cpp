#include "core/sync_settings.hpp"

namespace crmsync {

std::string_view to_string(sync_direction d)
{
    switch (d) {
    case sync_direction::two_way: return "two_way";
    case sync_direction::shopify_to_crm: return "shopify_to_crm";
    case sync_direction::crm_to_shopify: return "crm_to_shopify";
    }
    return "?";
}

std::string_view to_string(conflict_policy p)
{
    switch (p) {
    case conflict_policy::newest_wins: return "newest_wins";
    case conflict_policy::shopify_wins: return "shopify_wins";
    case conflict_policy::crm_wins: return "crm_wins";
    case conflict_policy::manual: return "manual";
    }
    return "?";
}

std::string_view to_string(field_direction d)
{
    switch (d) {
    case field_direction::both: return "both";
    case field_direction::to_crm: return "to_crm";
    case field_direction::to_shopify: return "to_shopify";
    }
    return "?";
}

std::string_view to_string(normalizer n)
{
    switch (n) {
    case normalizer::text: return "text";
    case normalizer::email: return "email";
    case normalizer::phone: return "phone";
    case normalizer::tags: return "tags";
    case normalizer::decimal: return "decimal";
    case normalizer::exact: return "exact";
    }
    return "?";
}

} // namespace crmsync
