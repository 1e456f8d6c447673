#include "connectors/shopify/mapping.hpp"

#include "core/iso8601.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

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

json::array split_tags(std::string_view list)
{
    json::array out;
    while (!list.empty()) {
        auto comma = list.find(',');
        std::string_view tag = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        auto b = tag.find_first_not_of(" \t");
        if (b == std::string_view::npos)
            continue;
        out.emplace_back(tag.substr(b, tag.find_last_not_of(" \t") - b + 1));
    }
    return out;
}

namespace {

constexpr std::string_view profile_fields[] = {"email", "phone", "firstName", "lastName", "note"};
constexpr std::string_view address_fields[] = {"company", "address1", "address2", "city", "zip", "phone"};
constexpr std::string_view read_only_fields[] = {"id", "state", "createdAt", "updatedAt", "numberOfOrders", "amountSpent"};

template <class Range> bool contains(const Range& r, std::string_view v)
{
    return std::find(std::begin(r), std::end(r), v) != std::end(r);
}

std::string upper(std::string_view v)
{
    std::string out(v);
    for (auto& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

const std::string* find(const field_map& f, std::string_view key)
{
    auto it = f.find(key);
    return it == f.end() ? nullptr : &it->second;
}

// The code wins over the (deprecated) name input; both empty clears the pair on an update.
void put_coded(json::object& address, const field_map& f, std::string_view code_key, std::string_view name_key,
               std::string_view code_input, std::string_view name_input, bool create)
{
    const std::string* code = find(f, code_key);
    const std::string* name = find(f, name_key);
    if (code && !code->empty())
        address[code_input] = code_input == "countryCode" ? upper(*code) : *code;
    else if (name && !name->empty())
        address[name_input] = *name;
    else if ((code || name) && !create)
        address[code_input] = nullptr;
}

outcome<std::optional<std::string>> consent_state(const field_map& f, std::string_view key)
{
    const std::string* v = find(f, key);
    if (!v)
        return std::optional<std::string>{};
    std::string state = upper(*v);
    if (state != "SUBSCRIBED" && state != "UNSUBSCRIBED" && state != "PENDING")
        return permanent(fmt::format("Shopify accepts only SUBSCRIBED, UNSUBSCRIBED or PENDING as {} input, not '{}'",
                                     key, state));
    return std::optional<std::string>(std::move(state));
}

} // namespace

outcome<write_input> build_write_input(const field_map& fields, bool create)
{
    write_input in;
    for (const auto& [key, value] : fields) {
        const bool address = key.starts_with("defaultAddress.");
        const std::string_view sub = address ? std::string_view(key).substr(15) : std::string_view{};
        if (contains(read_only_fields, key))
            return permanent(fmt::format("Shopify field '{}' is read-only", key));
        if (address && !contains(address_fields, sub) && sub != "country" && sub != "countryCode" && sub != "province" &&
            sub != "provinceCode")
            return permanent(fmt::format("unknown Shopify field '{}'", key));
        if (!address && !contains(profile_fields, key) && key != "tags" && key != "locale" &&
            key != "emailMarketingState" && key != "smsMarketingState")
            return permanent(fmt::format("unknown Shopify field '{}'", key));
        if (address && contains(address_fields, sub)) {
            if (!value.empty())
                in.address[sub] = value;
            else if (!create)
                in.address[sub] = nullptr;
        } else if (contains(profile_fields, key)) {
            if (!value.empty())
                in.profile[key] = value;
            else if (!create)
                in.profile[key] = nullptr;
        } else if (key == "tags" && (!value.empty() || !create)) {
            in.profile["tags"] = split_tags(value);
        } else if (key == "locale" && !value.empty()) {
            // Customer.locale is non-null (Shopify defaults it): an empty value leaves it as is.
            in.profile["locale"] = value;
        }
    }
    if (const std::string* code = find(fields, "defaultAddress.countryCode");
        code && !code->empty() &&
        (code->size() != 2 || !std::isalpha(static_cast<unsigned char>((*code)[0])) ||
         !std::isalpha(static_cast<unsigned char>((*code)[1]))))
        return permanent("Shopify field 'defaultAddress.countryCode' must be an ISO 3166-1 alpha-2 code");
    put_coded(in.address, fields, "defaultAddress.countryCode", "defaultAddress.country", "countryCode", "country", create);
    put_coded(in.address, fields, "defaultAddress.provinceCode", "defaultAddress.province", "provinceCode", "province",
              create);
    auto email = consent_state(fields, "emailMarketingState");
    if (!email)
        return email.error();
    auto sms = consent_state(fields, "smsMarketingState");
    if (!sms)
        return sms.error();
    in.email_state = std::move(*email);
    in.sms_state = std::move(*sms);
    return in;
}

json::value set_identifier(std::string_view crm_id, const json::object& profile)
{
    if (!crm_id.empty()) {
        json::object custom;
        custom["namespace"] = custom_id_namespace;
        custom["key"] = custom_id_key;
        custom["value"] = crm_id;
        json::object ident;
        ident["customId"] = std::move(custom);
        return ident;
    }
    if (auto email = profile.if_contains("email"); email && email->is_string()) {
        json::object ident;
        ident["email"] = *email;
        return ident;
    }
    return nullptr;
}

json::object consent_update_input(std::string_view gid, std::string_view state, bool sms)
{
    json::object consent;
    consent["marketingState"] = state;
    if (state == "PENDING")
        consent["marketingOptInLevel"] = "CONFIRMED_OPT_IN";
    else if (state == "SUBSCRIBED")
        consent["marketingOptInLevel"] = "SINGLE_OPT_IN";
    json::object in;
    in["customerId"] = gid;
    in[sms ? "smsMarketingConsent" : "emailMarketingConsent"] = std::move(consent);
    return in;
}

} // namespace crmsync::shopify
