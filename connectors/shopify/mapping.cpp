#include "connectors/shopify/mapping.hpp"

#include "core/iso8601.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>


namespace crmsync::shopify {

namespace json = boost::json;

const std::string_view customer_selection = R"gql(id legacyResourceId firstName lastName note tags locale state
createdAt updatedAt numberOfOrders
amountSpent { amount currencyCode }
defaultEmailAddress { emailAddress marketingState }
defaultPhoneNumber { phoneNumber }
smsMarketingConsent { marketingState }
defaultAddress { company address1 address2 city province provinceCode zip country countryCodeV2 phone })gql";

std::string legacy_id(std::string_view gid)
{
    auto slash = gid.rfind('/');
    if (!gid.starts_with("gid://") || slash == std::string_view::npos)
        return std::string(gid);
    auto tail = gid.substr(slash + 1);
    return std::string(tail.substr(0, tail.find('?')));
}

std::string customer_gid(std::string_view id)
{
    return id.starts_with("gid://") ? std::string(id) : "gid://shopify/Customer/" + std::string(id);
}

namespace {

void put(field_map& out, std::string_view key, const json::value* v)
{
    if (!v || v->is_null())
        return;
    if (v->is_string())
        out.emplace(std::string(key), std::string(v->as_string()));
    else if (v->is_int64())
        out.emplace(std::string(key), std::to_string(v->as_int64()));
    else if (v->is_uint64())
        out.emplace(std::string(key), std::to_string(v->as_uint64()));
    else if (v->is_bool())
        out.emplace(std::string(key), v->as_bool() ? "true" : "false");
}

const json::object* object_at(const json::object& o, std::string_view key)
{
    auto v = o.if_contains(key);
    return v && v->is_object() ? &v->as_object() : nullptr;
}

} // namespace

outcome<record> customer_from_json(const json::object& node)
{
    auto id = node.if_contains("id");
    auto updated = node.if_contains("updatedAt");
    if (!id || !id->is_string() || !updated || !updated->is_string())
        return permanent(fmt::format("Shopify customer without id or updatedAt: {}", json::serialize(node).substr(0, 200)));
    auto ms = parse_iso8601_ms(updated->as_string());
    if (!ms)
        return permanent(fmt::format("Shopify customer {}: unparsable updatedAt '{}'", std::string(id->as_string()),
                                     std::string(updated->as_string())));
    record r;
    r.id = legacy_id(id->as_string());
    r.updated_at_ms = *ms;
    auto& f = r.fields;
    f.emplace("id", r.id);
    for (std::string_view k : {"firstName", "lastName", "note", "locale", "state", "createdAt", "updatedAt", "numberOfOrders"})
        put(f, k, node.if_contains(k));
    if (auto tags = node.if_contains("tags"); tags && tags->is_array()) {
        std::string joined;
        for (const auto& t : tags->as_array())
            if (t.is_string()) {
                if (!joined.empty())
                    joined += ", ";
                joined += t.as_string();
            }
        if (!joined.empty())
            f.emplace("tags", joined);
    }
    if (auto money = object_at(node, "amountSpent"))
        put(f, "amountSpent", money->if_contains("amount"));
    if (auto email = object_at(node, "defaultEmailAddress")) {
        put(f, "email", email->if_contains("emailAddress"));
        put(f, "emailMarketingState", email->if_contains("marketingState"));
    }
    if (auto phone = object_at(node, "defaultPhoneNumber"))
        put(f, "phone", phone->if_contains("phoneNumber"));
    if (auto sms = object_at(node, "smsMarketingConsent"))
        put(f, "smsMarketingState", sms->if_contains("marketingState"));
    if (auto addr = object_at(node, "defaultAddress")) {
        for (std::string_view k : {"company", "address1", "address2", "city", "province", "provinceCode", "zip", "country",
                                   "phone"})
            put(f, fmt::format("defaultAddress.{}", k), addr->if_contains(k));
        put(f, "defaultAddress.countryCode", addr->if_contains("countryCodeV2"));
    }
    return r;
}

} // namespace crmsync::shopify
