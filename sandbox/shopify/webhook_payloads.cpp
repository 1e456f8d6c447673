#include "sandbox/shopify/webhook_payloads.hpp"

#include "sandbox/shopify/formats.hpp"

#include <boost/json/serialize.hpp>

#include <cctype>
#include <cstdio>
#include <ctime>

namespace crmsync::sandbox::shopify {
namespace json = boost::json;
namespace {

json::value opt(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }

json::object address_payload(const mailing_address& a, const customer& c)
{
    std::string name = a.first_name.value_or("");
    if (a.last_name)
        name += (name.empty() ? "" : " ") + *a.last_name;
    return json::object{{"id", a.id},
                        {"customer_id", c.id},
                        {"first_name", opt(a.first_name)},
                        {"last_name", opt(a.last_name)},
                        {"company", opt(a.company)},
                        {"address1", opt(a.address1)},
                        {"address2", opt(a.address2)},
                        {"city", opt(a.city)},
                        {"province", opt(a.province)},
                        {"country", opt(a.country)},
                        {"zip", opt(a.zip)},
                        {"phone", opt(a.phone)},
                        {"name", name},
                        {"province_code", opt(a.province_code)},
                        {"country_code", opt(a.country_code)},
                        {"country_name", opt(a.country)},
                        {"default", c.default_address_id && *c.default_address_id == a.id}};
}

std::vector<std::string> words(std::string_view s)
{
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    for (char ch : s) {
        if (ch == '"')
            quoted = !quoted;
        if (!quoted && (std::isspace(static_cast<unsigned char>(ch)) || ch == '(' || ch == ')')) {
            if (!cur.empty())
                out.push_back(std::move(cur));
            cur.clear();
            continue;
        }
        cur += ch;
    }
    if (!cur.empty())
        out.push_back(std::move(cur));
    return out;
}

bool connective(const std::string& w) { return w == "AND" || w == "OR" || w == "NOT"; }

std::string text_of(const json::value& v)
{
    if (v.is_string())
        return to_lower(v.as_string());
    if (v.is_null())
        return "";
    return to_lower(json::serialize(v));
}

bool term_matches(std::string term, const json::object& payload)
{
    auto colon = term.find(':');
    std::string field = term.substr(0, colon);
    std::string value = term.substr(colon + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
    if (field == "customer_id" && !payload.contains("customer_id"))
        field = "id";
    const json::value* v = payload.if_contains(field);
    if (!v)
        return false;
    if (value == "*")
        return !v->is_null();
    return text_of(*v) == to_lower(value);
}

} // namespace

std::string webhook_topic_string(std::string_view topic)
{
    if (topic == "CUSTOMER_TAGS_ADDED")
        return "customer.tags_added";
    if (topic == "CUSTOMER_TAGS_REMOVED")
        return "customer.tags_removed";
    if (topic == "CUSTOMERS_PURCHASING_SUMMARY")
        return "customers/purchasing_summary";
    std::string t = to_lower(topic);
    if (auto last = t.rfind('_'); last != std::string::npos)
        t[last] = '/';
    return t;
}

std::string format_local_time(wall_time t, int offset_minutes)
{
    std::time_t secs = std::chrono::system_clock::to_time_t(truncate_to_seconds(t)) + offset_minutes * 60;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
    return buf;
}

json::object customer_payload(const customer& c, int offset_minutes)
{
    json::array addresses;
    for (const auto& a : c.addresses)
        addresses.push_back(address_payload(a, c));
    const mailing_address* def = c.default_address();
    json::object o;
    o["id"] = c.id;
    o["created_at"] = format_local_time(c.created_at, offset_minutes);
    o["updated_at"] = format_local_time(c.updated_at, offset_minutes);
    o["first_name"] = opt(c.first_name);
    o["last_name"] = opt(c.last_name);
    o["state"] = to_lower(c.state);
    o["note"] = opt(c.note);
    o["verified_email"] = c.verified_email;
    o["multipass_identifier"] = opt(c.multipass_identifier);
    o["tax_exempt"] = c.tax_exempt;
    o["email"] = opt(c.email);
    o["phone"] = opt(c.phone);
    o["currency"] = "USD";
    o["addresses"] = std::move(addresses);
    o["tax_exemptions"] = json::array(c.tax_exemptions.begin(), c.tax_exemptions.end());
    o["admin_graphql_api_id"] = customer_gid(c.id);
    o["default_address"] = def ? json::value(address_payload(*def, c)) : json::value(nullptr);
    return o;
}

json::object customer_delete_payload(const customer& c)
{
    return json::object{{"id", c.id},
                        {"tax_exemptions", json::array(c.tax_exemptions.begin(), c.tax_exemptions.end())},
                        {"admin_graphql_api_id", customer_gid(c.id)}};
}

json::object include_fields(const json::object& payload, const std::vector<std::string>& fields)
{
    if (fields.empty())
        return payload;
    json::object out;
    for (const auto& f : fields)
        if (const json::value* v = payload.if_contains(f))
            out[f] = *v;
    return out;
}

bool webhook_filter_valid(std::string_view filter)
{
    for (std::string w : words(filter)) {
        if (connective(w))
            continue;
        if (w.starts_with('-'))
            w.erase(0, 1);
        auto colon = w.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == w.size())
            return false;
    }
    return true;
}

bool webhook_filter_matches(std::string_view filter, const json::object& payload)
{
    // OR of AND-groups; a group with no term passes.
    bool group_ok = true, negate = false;
    for (std::string w : words(filter)) {
        if (w == "AND")
            continue;
        if (w == "NOT") {
            negate = true;
            continue;
        }
        if (w == "OR") {
            if (group_ok)
                return true;
            group_ok = true;
            continue;
        }
        bool neg = negate || w.starts_with('-');
        negate = false;
        if (w.starts_with('-'))
            w.erase(0, 1);
        if (term_matches(w, payload) == neg)
            group_ok = false;
    }
    return group_ok;
}

} // namespace crmsync::sandbox::shopify
