// Webhook subscriptions (api/shopify/notes.md §8.2): with shopify.webhooks.public_url set, prepare() lists the
// app's subscriptions and creates or repairs one per topic the engine uses, pointing at that URL. Shopify
// deletes API-made subscriptions after repeated failed deliveries, so this runs at every start.
#include "connectors/shopify/connector.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

namespace crmsync::shopify {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 8> topics{
    "CUSTOMERS_CREATE",
    "CUSTOMERS_UPDATE",
    "CUSTOMERS_DELETE",
    "CUSTOMERS_MERGE",
    "CUSTOMER_TAGS_ADDED",
    "CUSTOMER_TAGS_REMOVED",
    "CUSTOMERS_EMAIL_MARKETING_CONSENT_UPDATE",
    "CUSTOMERS_MARKETING_CONSENT_UPDATE",
};

constexpr std::string_view list_query =
    "query crmsync_subscriptions($after: String) { webhookSubscriptions(first: 100, after: $after) { "
    "pageInfo { hasNextPage endCursor } nodes { id topic uri name } } }";

constexpr std::string_view create_mutation =
    "mutation crmsync_subscribe($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) { "
    "webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) { webhookSubscription { id } "
    "userErrors { field message } } }";

constexpr std::string_view update_mutation =
    "mutation crmsync_resubscribe($id: ID!, $sub: WebhookSubscriptionInput!) { "
    "webhookSubscriptionUpdate(id: $id, webhookSubscription: $sub) { webhookSubscription { id } "
    "userErrors { field message } } }";

std::string subscription_name(std::string_view topic)
{
    std::string n = "crmsync-" + std::string(topic);
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return c == '_' ? '-' : std::tolower(c); });
    return n;
}

struct existing {
    std::string id, topic, uri, name;
};

std::string text(const json::object& o, std::string_view k)
{
    auto v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string user_errors(const json::object& data, std::string_view field)
{
    auto p = data.if_contains(field);
    if (!p || !p->is_object())
        return "no answer";
    auto ue = p->as_object().if_contains("userErrors");
    if (!ue || !ue->is_array() || ue->as_array().empty())
        return {};
    std::string out;
    for (const auto& e : ue->as_array())
        if (e.is_object())
            out += (out.empty() ? "" : "; ") + text(e.as_object(), "message");
    return out;
}

} // namespace

boost::asio::awaitable<outcome<void>> shopify_connector::ensure_subscriptions()
{
    const auto& url = settings_.webhooks.public_url;
    std::vector<existing> current;
    std::string after;
    for (int page = 0;; ++page) {
        // A listing that does not move on (same or no cursor) or never ends is a broken answer, not a loop to follow.
        if (page == 1000)
            co_return permanent("Shopify webhook subscriptions: more than 1,000 pages; the listing does not end");
        json::object vars;
        vars["after"] = after.empty() ? json::value(nullptr) : json::value(after);
        auto r = co_await client_.execute(list_query, std::move(vars), 12, priority::live, "webhook subscriptions");
        if (!r)
            co_return r.error();
        auto conn = r->data.if_contains("webhookSubscriptions");
        if (!conn || !conn->is_object())
            co_return permanent("Shopify webhook subscriptions: no answer");
        if (auto nodes = conn->as_object().if_contains("nodes"); nodes && nodes->is_array())
            for (const auto& n : nodes->as_array())
                if (n.is_object())
                    current.push_back({text(n.as_object(), "id"), text(n.as_object(), "topic"), text(n.as_object(), "uri"),
                                       text(n.as_object(), "name")});
        auto info = conn->as_object().if_contains("pageInfo");
        auto more = info && info->is_object() ? info->as_object().if_contains("hasNextPage") : nullptr;
        if (!more || !more->is_bool() || !more->as_bool())
            break;
        auto next = text(info->as_object(), "endCursor");
        if (next.empty() || next == after)
            co_return permanent("Shopify webhook subscriptions: hasNextPage without a new endCursor");
        after = std::move(next);
    }
    int created = 0, repaired = 0;
    for (auto topic : topics) {
        auto ok = std::find_if(current.begin(), current.end(),
                               [&](const existing& e) { return e.topic == topic && e.uri == url; });
        if (ok != current.end())
            continue;
        json::object sub{{"uri", url}, {"format", "JSON"}};
        auto ours = std::find_if(current.begin(), current.end(), [&](const existing& e) {
            return e.topic == topic && e.name == subscription_name(topic);
        });
        json::object vars;
        vars["sub"] = sub;
        std::string_view doc = create_mutation, field = "webhookSubscriptionCreate";
        if (ours != current.end()) {
            vars["id"] = ours->id;
            doc = update_mutation;
            field = "webhookSubscriptionUpdate";
        } else {
            vars["topic"] = topic;
            vars["sub"].as_object()["name"] = subscription_name(topic);
        }
        const auto what = fmt::format("subscribe {}", topic);
        auto r = co_await client_.execute(doc, std::move(vars), 10, priority::live, what);
        if (!r)
            co_return r.error();
        if (auto errors = user_errors(r->data, field); !errors.empty())
            co_return permanent(fmt::format("Shopify {} to {}: {}", what, url, errors));
        ++(ours != current.end() ? repaired : created);
    }
    webhook_note_ = fmt::format("subscribed to {} topics at {} ({} created, {} repaired)", topics.size(), url, created,
                                repaired);
    log_->info("Shopify webhooks {}", webhook_note_);
    co_return outcome<void>{};
}

std::vector<std::pair<std::string, std::string>> shopify_connector::status_notes() const
{
    std::vector<std::pair<std::string, std::string>> out;
    out.emplace_back("webhooks", webhook_note_);
    out.emplace_back("api_version", settings_.api_version);
    if (!client_.served_version().empty())
        out.emplace_back("api_version_served", client_.served_version());
    if (!client_.deprecation().empty())
        out.emplace_back("api_deprecation", client_.deprecation());
    if (!version_warning_.empty())
        out.emplace_back("api_version_warning", version_warning_);
    return out;
}

} // namespace crmsync::shopify
