#pragma once
// API-created webhook subscriptions of the emulated shop (notes §8.2): webhookSubscriptionCreate,
// webhookSubscriptionUpdate, webhookSubscriptionDelete and the reads, with the userErrors texts of
// the recorded fixtures (tests/data/shopify/2026-04/webhook-subscription-*): address scheme,
// blank, size, Shopify/internal domains, Pub/Sub and EventBridge address rules, JSON-only formats,
// names (charset, length, case-insensitive uniqueness), one address per topic and format, and
// filters that must name the fields they filter on.
//
// The emulator delivers HTTP(S) subscriptions only; cloud (Pub/Sub, EventBridge) subscriptions are
// stored and listed but never delivered to. With `allow_http_loopback` (a sandbox knob, not a
// Shopify behaviour) http:// and https:// addresses on loopback hosts are accepted so the daemon
// under test can receive deliveries.
//
// Not thread-safe: the emulator serialises access under its mutex.

#include "core/clock.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace crmsync::sandbox::shopify {

struct webhook_subscription {
    std::uint64_t id = 0;
    std::string topic;  // WebhookSubscriptionTopic value, e.g. CUSTOMERS_UPDATE
    std::string uri;    // https://..., pubsub://project:topic or an EventBridge ARN
    std::string format = "JSON";
    std::vector<std::string> include_fields;
    std::vector<std::string> metafield_namespaces;
    std::vector<std::pair<std::string, std::string>> metafields; // (namespace, key)
    std::optional<std::string> filter;
    std::optional<std::string> name;
    wall_time created_at, updated_at;

    bool is_http() const { return uri.starts_with("http://") || uri.starts_with("https://"); }
};

struct webhook_rules {
    bool allow_http_loopback = true;
    std::string api_client_id = "1830279";   // the app's id, used by $app: namespaces and ARNs
    std::string api_version = "2026-10";     // the app's webhook API version (per app, not per subscription)
};

// What a webhook mutation resolved to; the executor projects it.
struct webhook_mutation_result {
    std::optional<boost::json::value> subscription; // full JSON (see to_json)
    std::optional<std::string> deleted_id;
    boost::json::array user_errors;                  // [{field, message}]
    bool changed = false;
};

class webhook_registry {
public:
    // `args` are the mutation's resolved arguments.
    webhook_mutation_result create(const boost::json::object& args, wall_time now, const webhook_rules& rules);
    webhook_mutation_result update(const boost::json::object& args, wall_time now, const webhook_rules& rules);
    webhook_mutation_result remove(const boost::json::object& args);

    const webhook_subscription* find(std::uint64_t id) const;
    // webhookSubscriptions / webhookSubscriptionsCount filters: topics, uri (callbackUrl), format and
    // the `query` search terms id, topic, created_at, updated_at. In id order.
    std::vector<const webhook_subscription*> matching(const boost::json::object& args) const;
    const std::map<std::uint64_t, webhook_subscription>& all() const { return subs_; }
    void clear() { subs_.clear(); }

    // Every field of the WebhookSubscription type (the executor projects the selection).
    static boost::json::value to_json(const webhook_subscription& s, const webhook_rules& rules);

private:
    // Validates `in` (a WebhookSubscriptionInput) applied over `base`; errors go to `errors`.
    void apply(const boost::json::object& in, const std::string& topic, webhook_subscription& base,
               const webhook_rules& rules, boost::json::array& errors, std::uint64_t self_id) const;

    std::map<std::uint64_t, webhook_subscription> subs_;
    std::uint64_t next_id_ = 1'929'000'000'001;
};

std::string webhook_subscription_gid(std::uint64_t id);

} // namespace crmsync::sandbox::shopify
