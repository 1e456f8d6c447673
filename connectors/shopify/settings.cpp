#include "connectors/shopify/settings.hpp"

#include <array>
#include <cctype>
#include <optional>
#include <string_view>

namespace crmsync::shopify {
namespace {

using namespace std::chrono_literals;

constexpr std::array<field_info, 25> fields{{
    {"id", false, "customer GID (gid://shopify/Customer/N)"},
    {"email", true, "default email address"},
    {"firstName", true, "first name"},
    {"lastName", true, "last name"},
    {"phone", true, "default phone number (E.164)"},
    {"note", true, "merchant's note about the customer"},
    {"tags", true, "tags, as a set"},
    {"locale", true, "customer's locale"},
    {"defaultAddress.company", true, "default address: company"},
    {"defaultAddress.address1", true, "default address: first street line"},
    {"defaultAddress.address2", true, "default address: second street line"},
    {"defaultAddress.city", true, "default address: city"},
    {"defaultAddress.province", true, "default address: province or state name"},
    {"defaultAddress.provinceCode", true, "default address: province or state code"},
    {"defaultAddress.zip", true, "default address: postal code"},
    {"defaultAddress.country", true, "default address: country name"},
    {"defaultAddress.countryCode", true, "default address: ISO 3166-1 alpha-2 country code"},
    {"defaultAddress.phone", true, "default address: phone"},
    {"numberOfOrders", false, "number of orders"},
    {"amountSpent", false, "total amount spent (decimal, shop currency)"},
    {"emailMarketingState", true, "email marketing consent state (SUBSCRIBED, UNSUBSCRIBED …)"},
    {"smsMarketingState", true, "SMS marketing consent state"},
    {"createdAt", false, "creation time"},
    {"updatedAt", false, "last update time"},
    {"state", false, "account state (DISABLED, INVITED, ENABLED, DECLINED)"},
}};

std::string lower(std::string s)
{
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// "acme.myshopify.com": one DNS label (letters, digits, '-', not at either end) before the suffix.
bool is_shop_domain(std::string_view s)
{
    constexpr std::string_view suffix = ".myshopify.com";
    if (s.size() <= suffix.size() || !s.ends_with(suffix))
        return false;
    const std::string_view label = s.substr(0, s.size() - suffix.size());
    if (label.size() > 63 || label.front() == '-' || label.back() == '-')
        return false;
    for (char c : label)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    return true;
}

std::string shop_hint(const std::string& value)
{
    if (value.starts_with("https://") || value.starts_with("http://"))
        return " (write the host name only, without the scheme; base_url overrides the endpoint)";
    if (is_shop_domain(lower(value) + ".myshopify.com"))
        return " (did you mean '" + value + ".myshopify.com'?)";
    return " (the store's permanent myshopify.com domain, not a custom domain)";
}

// "YYYY-MM" with a quarterly month (Shopify releases in January, April, July and October), or "unstable".
bool is_api_version(std::string_view v)
{
    if (v == "unstable")
        return true;
    if (v.size() != 7 || v[4] != '-')
        return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6})
        if (v[i] < '0' || v[i] > '9')
            return false;
    const std::string_view month = v.substr(5);
    return month == "01" || month == "04" || month == "07" || month == "10";
}

std::string without_trailing_slash(std::string url)
{
    while (url.size() > 1 && url.back() == '/')
        url.pop_back();
    return url;
}

void parse_webhooks(config_section& s, webhook_settings& out)
{
    if (auto path = s.get_string("path")) {
        if (path->empty() || path->front() != '/')
            s.error("path", "must start with '/', e.g. /webhooks/shopify");
        else if (path->find_first_of("?# \t") != std::string::npos)
            s.error("path", "must be a plain path without query, fragment or spaces");
        else
            out.path = std::move(*path);
    }
    if (auto url = s.get_url("public_url"))
        out.public_url = std::move(*url);
}

} // namespace

settings parse_settings(config_section& s)
{
    settings out;
    if (auto shop = s.get_string("shop")) {
        std::string host = lower(*shop);
        if (is_shop_domain(host))
            out.shop = std::move(host);
        else
            s.error("shop", "invalid shop '" + *shop + "': expected NAME.myshopify.com" + shop_hint(*shop));
    } else if (!s.has("shop")) {
        s.error("shop", "missing required key 'shop' (the store's domain, e.g. acme.myshopify.com)");
    }

    if (auto v = s.get_string("api_version")) {
        if (is_api_version(*v))
            out.api_version = std::move(*v);
        else
            s.error("api_version", "invalid API version '" + *v +
                                       "': expected \"YYYY-MM\" of a quarterly release (month 01, 04, 07 or 10, "
                                       "e.g. \"2026-10\") or \"unstable\"");
    }

    if (auto url = s.get_url("base_url"))
        out.base_url = without_trailing_slash(std::move(*url));
    else if (!out.shop.empty())
        out.base_url = "https://" + out.shop;

    if (auto token = s.get_secret("access_token"))
        out.access_token = std::move(*token);
    if (auto id = s.get_string("client_id")) {
        if (id->empty())
            s.error("client_id", "must not be empty");
        else
            out.client_id = std::move(*id);
    }
    if (auto secret = s.get_secret("client_secret"))
        out.client_secret = std::move(*secret);

    static constexpr std::string_view plans[] = {"standard", "advanced", "plus", "enterprise"};
    if (auto p = s.get_enum("plan", plans)) {
        for (std::size_t i = 0; i < std::size(plans); ++i)
            if (plans[i] == *p)
                out.plan_hint = static_cast<plan>(i);
    }
    if (auto d = s.get_duration("poll_interval", 1s, 24h))
        out.poll_interval = *d;
    if (auto d = s.get_duration("request_timeout", 1s, 10min))
        out.request_timeout = *d;

    if (auto w = s.get_section("webhooks"))
        parse_webhooks(*w, out.webhooks);

    // Presence, not validity, decides which credential form was meant: a key with a bad value has
    // already been reported and must not also count as missing.
    const bool has_token = s.has("access_token") || s.has("access_token_file");
    const bool has_id = s.has("client_id");
    const bool has_secret = s.has("client_secret") || s.has("client_secret_file");
    if (has_token && has_id)
        s.error("client_id", "set either access_token, or client_id with client_secret (client-credentials grant), "
                             "not both");
    else if (!has_token && !has_id)
        s.error("access_token", "missing credentials: set access_token (or access_token_file), or client_id and "
                                "client_secret for the client-credentials grant");
    const bool grant_without_secret = !has_token && has_id && !has_secret;
    if (grant_without_secret)
        s.error("client_secret", "missing required key 'client_secret': client_id needs it for the "
                                 "client-credentials grant");
    else if (!out.webhooks.public_url.empty() && !has_secret)
        s.error("client_secret", "missing required key 'client_secret': webhooks.public_url is set, and the "
                                 "client secret is the key that verifies webhook signatures (HMAC)");
    return out;
}

const field_catalog& catalog()
{
    static const field_catalog c{fields, false, nullptr};
    return c;
}

double restore_rate_for(plan p)
{
    switch (p) {
    case plan::standard: return 100;
    case plan::advanced: return 200;
    case plan::plus: return 1'000;
    case plan::enterprise: return 2'000;
    }
    return 100;
}

double bucket_size_for(plan p)
{
    // Standard is observed; the others assume the same 20 s of restore (api/shopify/notes.md §5.1).
    switch (p) {
    case plan::standard: return 2'000;
    case plan::advanced: return 4'000;
    case plan::plus: return 20'000;
    case plan::enterprise: return 40'000;
    }
    return 2'000;
}

} // namespace crmsync::shopify
