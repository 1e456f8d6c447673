#include "connectors/hubspot/settings.hpp"

#include <array>
#include <optional>
#include <string_view>

namespace crmsync::hubspot {
namespace {

using namespace std::chrono_literals;

// Default contact properties (api/hubspot/notes.md §5.1) and the custom shopify_* properties the
// daemon creates in its "shopify" property group. Read-only: set by HubSpot itself.
constexpr std::array<field_info, 36> properties{{
    {"email", true, "primary email (unique)"},
    {"firstname", true, "first name"},
    {"lastname", true, "last name"},
    {"phone", true, "phone number"},
    {"mobilephone", true, "mobile phone number"},
    {"fax", true, "fax number"},
    {"company", true, "company name (text, not the association)"},
    {"jobtitle", true, "job title"},
    {"website", true, "website URL"},
    {"address", true, "street address"},
    {"city", true, "city"},
    {"state", true, "state or region"},
    {"zip", true, "postal code"},
    {"country", true, "country"},
    {"lifecyclestage", true, "lifecycle stage (forward-only)"},
    {"hubspot_owner_id", true, "contact owner"},
    {"hs_timezone", true, "time zone"},
    {"hs_object_id", false, "record id"},
    {"createdate", false, "creation time"},
    {"lastmodifieddate", false, "last modification time"},
    {"hs_createdate", false, "creation time (hs_ variant)"},
    {"hs_lastmodifieddate", false, "last modification time (hs_ variant)"},
    {"hs_additional_emails", false, "additional emails, ';'-separated"},
    {"hs_merged_object_ids", false, "ids absorbed by merges, ';'-separated"},
    {"hs_calculated_merged_vids", false, "legacy merged vids"},
    {"hs_object_source", false, "creation source"},
    {"hs_object_source_id", false, "creation source id"},
    {"hs_object_source_label", false, "creation source label"},
    {"hs_marketable_status", false, "marketing contact status (billing)"},
    {"hs_email_optout", false, "unsubscribed from all email (Communication Preferences API)"},
    {"shopify_customer_id", true, "custom: Shopify customer id (unique)"},
    {"shopify_tags", true, "custom: Shopify tags"},
    {"shopify_orders_count", true, "custom: Shopify number of orders"},
    {"shopify_total_spent", true, "custom: Shopify amount spent"},
    {"shopify_email_marketing_state", true, "custom: Shopify email marketing consent state"},
    {"shopify_sms_marketing_state", true, "custom: Shopify SMS marketing consent state"},
}};

// Custom property internal names: lower-case snake_case; "hs_" is HubSpot's own namespace.
bool is_custom_property_name(std::string_view name)
{
    if (name.empty() || name.size() > 100 || name[0] < 'a' || name[0] > 'z' || name.starts_with("hs_"))
        return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    return true;
}

// "v3" (fixed paths) or a date-based release "YYYY-MM".
bool is_api_version(std::string_view v)
{
    if (v == "v3")
        return true;
    if (v.size() != 7 || v[4] != '-')
        return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6})
        if (v[i] < '0' || v[i] > '9')
            return false;
    const int month = (v[5] - '0') * 10 + (v[6] - '0');
    return month >= 1 && month <= 12;
}

} // namespace

settings parse_settings(config_section& s)
{
    settings out;
    if (auto url = s.get_url("base_url")) {
        while (url->size() > 1 && url->back() == '/')
            url->pop_back();
        out.base_url = std::move(*url);
    }
    if (auto v = s.get_string("api_version")) {
        if (is_api_version(*v))
            out.api_version = std::move(*v);
        else
            s.error("api_version",
                    "invalid API version '" + *v + "': expected \"v3\" or a date version \"YYYY-MM\", e.g. \"2026-09\"");
    }
    if (auto token = s.get_secret("access_token"))
        out.access_token = std::move(*token);
    else if (!s.has("access_token") && !s.has("access_token_file"))
        s.error("access_token", "missing required key 'access_token' (a private app or service key token; "
                                "or access_token_file)");
    static constexpr std::string_view tiers[] = {"free", "starter", "professional", "enterprise"};
    if (auto t = s.get_enum("tier", tiers)) {
        for (std::size_t i = 0; i < std::size(tiers); ++i)
            if (tiers[i] == *t)
                out.tier_hint = static_cast<tier>(i);
    }
    if (auto d = s.get_duration("poll_interval", 1s, 24h))
        out.poll_interval = *d;
    if (auto d = s.get_duration("request_timeout", 1s, 10min))
        out.request_timeout = *d;
    return out;
}

const field_catalog& catalog()
{
    static const field_catalog c{properties, true, &is_custom_property_name};
    return c;
}

int window_limit_for(tier t)
{
    switch (t) {
    case tier::free:
    case tier::starter: return 100;
    case tier::professional:
    case tier::enterprise: return 190;
    }
    return 100;
}

long daily_limit_for(tier t)
{
    switch (t) {
    case tier::free:
    case tier::starter: return 250'000;
    case tier::professional: return 625'000;
    case tier::enterprise: return 1'000'000;
    }
    return 250'000;
}

} // namespace crmsync::hubspot
