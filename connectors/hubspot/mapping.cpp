#include "connectors/hubspot/mapping.hpp"

#include "core/iso8601.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <array>

namespace crmsync::hubspot {

namespace json = boost::json;

outcome<record> contact_from_json(const json::object& o)
{
    auto id = o.if_contains("id");
    if (!id || !id->is_string())
        return permanent(fmt::format("HubSpot contact without id: {}", json::serialize(o).substr(0, 200)));
    record r;
    r.id = std::string(id->as_string());
    if (auto props = o.if_contains("properties"); props && props->is_object()) {
        for (const auto& [k, v] : props->as_object()) {
            if (v.is_string() && !v.as_string().empty())
                r.fields.emplace(std::string(k), std::string(v.as_string()));
        }
    }
    std::string stamp;
    if (auto u = o.if_contains("updatedAt"); u && u->is_string())
        stamp = std::string(u->as_string());
    else if (auto it = r.fields.find("lastmodifieddate"); it != r.fields.end())
        stamp = it->second;
    auto ms = parse_iso8601_ms(stamp);
    if (!ms)
        return permanent(fmt::format("HubSpot contact {}: unparsable updatedAt '{}'", r.id, stamp));
    r.updated_at_ms = *ms;
    if (auto a = o.if_contains("archived"); a && a->is_bool())
        r.deleted = a->as_bool();
    if (auto m = r.fields.find("hs_merged_object_ids"); m != r.fields.end()) {
        std::string_view ids = m->second;
        while (!ids.empty()) {
            auto semi = ids.find(';');
            auto one = ids.substr(0, semi);
            if (!one.empty() && one != r.id)
                r.merged_ids.emplace_back(one);
            if (semi == std::string_view::npos)
                break;
            ids.remove_prefix(semi + 1);
        }
    }
    return r;
}

json::object properties_json(const field_map& fields)
{
    json::object props;
    for (const auto& [k, v] : fields)
        props[k] = v;
    return props;
}

std::span<const custom_property> shopify_custom_properties()
{
    static constexpr std::array<custom_property, 6> props{{
        {"shopify_customer_id", "Shopify customer ID", "string", "text", true},
        {"shopify_tags", "Shopify tags", "string", "textarea", false},
        {"shopify_orders_count", "Shopify orders count", "number", "number", false},
        {"shopify_total_spent", "Shopify total spent", "number", "number", false},
        {"shopify_email_marketing_state", "Shopify email marketing state", "string", "text", false},
        {"shopify_sms_marketing_state", "Shopify SMS marketing state", "string", "text", false},
    }};
    return props;
}

const custom_property* find_custom_property(std::string_view name)
{
    for (const auto& p : shopify_custom_properties())
        if (p.name == name)
            return &p;
    return nullptr;
}

json::object custom_property_json(const custom_property& p)
{
    json::object o;
    o["name"] = p.name;
    o["label"] = p.label;
    o["type"] = p.type;
    o["fieldType"] = p.field_type;
    o["groupName"] = "shopify";
    o["hasUniqueValue"] = p.unique;
    o["formField"] = false;
    o["description"] = "Maintained by crmsync from Shopify";
    return o;
}

} // namespace crmsync::hubspot
