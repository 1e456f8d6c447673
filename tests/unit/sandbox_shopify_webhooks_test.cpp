// Webhook subscriptions of the Shopify emulator through its HTTP handler (no sockets), replayed
// against the recorded fixtures (tests/data/shopify/2026-04/webhook-subscription-*): conformance
// (catalog, lifecycle, filter default and validation, update validation, unknown ids, GraphQL
// validation), scheme-allowlist, uri-validation (with our guesses for the internal and Shopify
// hosts the capture's document used), uri-whitespace, topic-format-name-validation,
// list-connection, filter-mixed-term, topic-enum-validation, api-version-projection (shape; the app
// version is today's), metafields-lifecycle, metafield-namespaces-resolution and
// cloud-uri-validation. address-byte-size and filter-byte-size are covered with generated inputs
// at the same 65535/65536-byte limits instead of their 500 KB captures.
// Not replayed: the deprecated dedicated roots pubSubWebhookSubscriptionCreate/Update and
// eventBridgeWebhookSubscriptionCreate/Update (webhook-subscription-dedicated-cloud-destinations,
// -pub-sub-required-fields, -pubsub-both-invalid, gcp-project-topic-char-rules' dedicated cases,
// eventbridge-cloud-format-json-only), the conformance schemaAndAccess probe
// (currentAppInstallation) and the catalog's actual cost (26 live, 29 here: Shopify's cost of an
// empty page with two item selections is not pinned down by one capture).

#include "tests/fakes/manual_clock.hpp"
#include "tests/unit/sandbox_shopify_replay.hpp"

using namespace shopify_replay;
using crmsync::sandbox::shopify::emulator_options;
using crmsync::test::manual_clock;

namespace {

// Shopify as captured: no http:// to loopback, the capture's app id.
emulator_options live_like()
{
    emulator_options o;
    o.webhooks.allow_http_loopback = false;
    o.webhooks.api_client_id = "347082227713";
    return o;
}

struct docs {
    std::string create = load_text("documents/webhook-subscription-create.graphql");
    std::string update = load_text("documents/webhook-subscription-update.graphql");
    std::string remove = load_text("documents/webhook-subscription-delete.graphql");
    std::string detail = load_text("documents/webhook-subscription-detail.graphql");
};

// Replays every recorded call under `node` whose documentPath names one of ours. Cleanup steps
// (recorded next to their setup) run last, as they did live.
void replay_all(emulator& em, const json::value& node, id_map& ids, const docs& d, std::vector<const json::value*>* deferred)
{
    if (node.is_array()) {
        for (const auto& x : node.as_array())
            replay_all(em, x, ids, d, deferred);
        return;
    }
    if (!node.is_object())
        return;
    const json::object& o = node.as_object();
    if (const json::value* path = o.if_contains("documentPath"); path && o.contains("response")) {
        std::string p(path->as_string());
        INFO(p << " " << json::serialize(o.at("variables")));
        if (p.ends_with("webhookSubscriptionCreate-parity.graphql"))
            replay(em, d.create, node, ids);
        else if (p.ends_with("webhookSubscriptionUpdate-parity.graphql"))
            replay(em, d.update, node, ids);
        else if (p.ends_with("webhookSubscriptionDelete-parity.graphql"))
            replay(em, d.remove, node, ids);
        else if (p.ends_with("webhook-subscription-detail-read.graphql"))
            replay(em, d.detail, node, ids);
        else if (p.ends_with("topic-format-name-create.graphql"))
            replay(em, load_text("documents/webhook-subscription-create-short.graphql"), node, ids);
        else if (p.ends_with("topic-format-name-update.graphql"))
            replay(em, load_text("documents/webhook-subscription-update-short.graphql"), node, ids);
        else if (p.ends_with("list-connection-read.graphql"))
            replay(em, load_text("documents/webhook-subscription-list.graphql"), node, ids);
        return;
    }
    for (const auto& kv : o) {
        if (deferred && kv.key().starts_with("cleanup"))
            deferred->push_back(&kv.value());
        else
            replay_all(em, kv.value(), ids, d, deferred);
    }
}

void replay_all(emulator& em, const json::value& node, id_map& ids, const docs& d)
{
    std::vector<const json::value*> deferred;
    replay_all(em, node, ids, d, &deferred);
    for (const json::value* v : deferred)
        replay_all(em, *v, ids, d, nullptr);
}

json::object create_sub(emulator& em, const std::string& topic, const json::object& input)
{
    static const docs d;
    return gql(em, d.create, json::object{{"topic", topic}, {"webhookSubscription", input}});
}

} // namespace

TEST_CASE("fixture replay: webhook subscription conformance lifecycle, filters and validation")
{
    manual_clock clock;
    emulator em(clock, live_like());
    docs d;
    id_map ids;
    json::value fx = load("2026-04/webhook-subscription-conformance.json");
    replay_options catalog_options;
    catalog_options.actual_cost = false;
    replay(em, load_text("documents/webhook-subscription-catalog.graphql"), fx.at("catalog"), ids, catalog_options);
    for (const char* part : {"lifecycle", "filterDefault", "filterValidation", "updateValidation"})
        for (const auto& kv : fx.at(part).as_object()) {
            if (kv.value().is_null())
                continue;
            std::string path(kv.value().at("documentPath").as_string());
            INFO(part << "." << kv.key());
            if (path.starts_with("inline:")) { // customer setup/cleanup: not about webhooks
                continue;
            }
            replay_all(em, kv.value(), ids, d);
        }
    replay(em, load_text("documents/webhook-subscription-validation-branches.graphql"), fx.at("validation"), ids);

    const std::string missing_topic = "mutation MissingCreateWebhookTopic {\n  webhookSubscriptionCreate(webhookSubscription: "
                                      "{uri: \"https://example.com/x\"}) {\n    userErrors { field message }\n  }\n}\n";
    replay(em, missing_topic, fx.at("graphqlValidation").at("missingCreateTopic"), ids);
    const std::string null_input = "mutation NullUpdateWebhookInput {\n  webhookSubscriptionUpdate(id: "
                                   "\"gid://shopify/WebhookSubscription/1\", webhookSubscription: null) {\n"
                                   "    userErrors { field message }\n  }\n}\n";
    replay(em, null_input, fx.at("graphqlValidation").at("nullUpdateInput"), ids);
}

TEST_CASE("fixture replay: webhook address rules (schemes, whitespace, internal hosts, cloud addresses)")
{
    manual_clock clock;
    emulator em(clock, live_like());
    docs d;
    for (const char* f : {"2026-04/webhook-subscription-scheme-allowlist.json", "2026-04/webhook-subscription-uri-whitespace.json",
                          "2026-04/webhook-subscription-cloud-uri-validation.json",
                          "2026-04/webhook-subscription-filter-mixed-term.json"}) {
        INFO(f);
        id_map ids;
        replay_all(em, load(f), ids, d);
    }
    id_map ids;
    json::value fx = load("2026-04/webhook-subscription-uri-validation.json");
    replay(em, load_text("documents/webhook-subscription-uri-validation.graphql"), fx.at("primary"), ids);
    replay(em, d.update, fx.at("updateHttp"), ids);
    replay(em, d.remove, fx.at("cleanup"), ids);
}

TEST_CASE("fixture replay: topic, format and name validation - enum coercion")
{
    manual_clock clock;
    emulator em(clock, live_like());
    docs d;
    id_map ids;
    replay_all(em, load("2026-04/webhook-subscription-topic-format-name-validation.json"), ids, d);

    json::value fx = load("2026-04/webhook-subscription-topic-enum-validation.json");
    const json::value& v = fx.at("validation");
    replay(em, "mutation WebhookSubscriptionBogusTopic {\n  webhookSubscriptionCreate(topic: NOT_A_REAL_TOPIC, webhookSubscription: "
               "{uri: \"https://example.com/x\"}) {\n    userErrors { field message }\n  }\n}\n",
           v.at("createBogusTopicRejected"), ids);
    replay(em, "mutation WebhookSubscriptionHiddenTopic {\n  webhookSubscriptionCreate(topic: CUSTOMER_INTERACTIONS, "
               "webhookSubscription: {uri: \"https://example.com/x\"}) {\n    userErrors { field message }\n  }\n}\n",
           v.at("createHiddenTopicRejected"), ids);
    replay(em, d.create, v.at("createBogusVariableTopicRejected"), ids);
    replay(em, d.create, v.at("createKnownTopicAccepted"), ids);
    replay(em, d.remove, v.at("cleanup"), ids);
}

TEST_CASE("fixture replay: webhookSubscriptions paging, sorting and filters")
{
    manual_clock clock;
    emulator em(clock, live_like());
    docs d;
    id_map ids;
    json::value fx = load("2026-04/webhook-subscription-list-connection.json");
    // Same-second creations sort by id, as in the capture.
    replay_all(em, fx.at("setup"), ids, d);
    replay_all(em, fx.at("reads"), ids, d);
    replay(em, "query InvalidWebhookSubscriptionSortKey {\n  webhookSubscriptions(first: 1, sortKey: TOPIC) { nodes { id } }\n}\n",
           fx.at("validation").at("invalidSortKey"), ids);
    replay_all(em, fx.at("cleanup"), ids, d);
    CHECK(em.webhook_subscriptions().empty());
}

TEST_CASE("fixture replay: apiVersion, metafields and $app namespaces")
{
    manual_clock clock;
    emulator em(clock, live_like());
    id_map ids;
    const std::string av = load_text("documents/webhook-subscription-api-version.graphql");
    json::value fx = load("2026-04/webhook-subscription-api-version-projection.json");
    const json::value& life = fx.at("lifecycle");
    // The capture's app was on 2026-07 (then a release candidate); the emulated app is on 2026-10.
    replay_options o;
    o.extra_volatile = {"handle", "displayName", "supported"};
    o.operation = "WebhookSubscriptionApiVersionCreate";
    json::object created = replay(em, av, life.at("create"), ids, o);
    CHECK(created.at("data").at("webhookSubscriptionCreate").at("webhookSubscription").at("apiVersion") ==
          json::parse(R"j({"handle":"2026-10","displayName":"2026-10 (Latest)","supported":true})j"));
    o.operation = "WebhookSubscriptionApiVersionDetail";
    replay(em, av, life.at("detailAfterCreate"), ids, o);
    o.operation = "WebhookSubscriptionApiVersionList";
    replay(em, av, life.at("listAfterCreate"), ids, o);
    o.operation = "WebhookSubscriptionApiVersionUpdate";
    replay(em, av, life.at("update"), ids, o);
    o.operation = "WebhookSubscriptionApiVersionList";
    replay(em, av, life.at("listAfterUpdate"), ids, o);
    replay(em, load_text("documents/webhook-subscription-delete.graphql"), life.at("delete"), ids);

    const std::string mf = load_text("documents/webhook-subscription-metafields.graphql");
    json::value fm = load("2026-04/webhook-subscription-metafields-lifecycle.json");
    const json::value& ml = fm.at("lifecycle");
    for (auto [step, op] : {std::pair{"create", "WebhookSubscriptionMetafieldsCreate"},
                            std::pair{"detailAfterCreate", "WebhookSubscriptionMetafieldsDetail"},
                            std::pair{"listAfterCreate", "WebhookSubscriptionMetafieldsList"},
                            std::pair{"update", "WebhookSubscriptionMetafieldsUpdate"},
                            std::pair{"detailAfterUpdate", "WebhookSubscriptionMetafieldsDetail"},
                            std::pair{"listAfterUpdate", "WebhookSubscriptionMetafieldsList"}}) {
        const char* const this_step = step; // INFO captures it: not a structured binding (clang 14)
        INFO(this_step);
        replay_options mo;
        mo.operation = op;
        replay(em, mf, ml.at(step), ids, mo);
    }

    json::value fn = load("2026-04/webhook-subscription-metafield-namespaces-resolution.json");
    const json::value& nl = fn.at("lifecycle");
    docs d;
    replay(em, d.create, nl.at("create"), ids);
    replay(em, d.detail, nl.at("detailAfterCreate"), ids);
    replay_options lo;
    lo.operation = "WebhookSubscriptionNamespacesList";
    lo.actual_cost = false;
    replay(em, mf, nl.at("listAfterCreate"), ids, lo);
    replay(em, d.update, nl.at("update"), ids);
    replay(em, mf, nl.at("listAfterUpdate"), ids, lo);
}

TEST_CASE("address and filter size limits at 64 KB")
{
    manual_clock clock;
    emulator em(clock, live_like());
    auto errors_of = [](const json::object& r, const char* root) {
        return r.at("data").at(root).at("userErrors").as_array();
    };
    std::string base = "https://example.com/";
    std::string at_limit = base + std::string(65535 - base.size(), 'a');
    CHECK(errors_of(create_sub(em, "SHOP_UPDATE", json::object{{"uri", at_limit}}), "webhookSubscriptionCreate").empty());
    auto too_big = errors_of(create_sub(em, "SHOP_UPDATE", json::object{{"uri", at_limit + "a"}}), "webhookSubscriptionCreate");
    REQUIRE(too_big.size() == 1);
    CHECK(too_big[0].at("message") == "Address is too big (maximum is 64 KB)");

    std::string filter;
    while (filter.size() + 5 <= 65535)
        filter += filter.empty() ? "id:1" : " id:1";
    filter += std::string(65535 - filter.size(), '1');
    CHECK(errors_of(create_sub(em, "ORDERS_CREATE", json::object{{"uri", "https://example.com/f1"}, {"filter", filter}}),
                    "webhookSubscriptionCreate")
              .empty());
    auto big_filter = errors_of(create_sub(em, "ORDERS_CREATE", json::object{{"uri", "https://example.com/f2"}, {"filter", filter + "1"}}),
                                "webhookSubscriptionCreate");
    REQUIRE(big_filter.size() == 1);
    CHECK(big_filter[0].at("message") == "The specified filter exceeds the maximum allowed size.");
    CHECK(big_filter[0].at("field") == json::array{"webhookSubscription"});
}

TEST_CASE("loopback http:// is a sandbox knob - off, it is refused like any http:// address")
{
    manual_clock clock;
    emulator sandbox(clock);
    auto ok = create_sub(sandbox, "CUSTOMERS_UPDATE", json::object{{"uri", "http://127.0.0.1:9/hooks"}});
    CHECK(ok.at("data").at("webhookSubscriptionCreate").at("userErrors").as_array().empty());
    CHECK(ok.at("data").at("webhookSubscriptionCreate").at("webhookSubscription").at("endpoint").at("callbackUrl") ==
          "http://127.0.0.1:9/hooks");
    auto remote = create_sub(sandbox, "CUSTOMERS_UPDATE", json::object{{"uri", "http://example.com/hooks"}});
    CHECK(remote.at("data").at("webhookSubscriptionCreate").at("userErrors").at(0).at("message") ==
          "Address protocol http:// is not supported");

    emulator live(clock, live_like());
    auto refused = create_sub(live, "CUSTOMERS_UPDATE", json::object{{"uri", "http://127.0.0.1:9/hooks"}});
    CHECK(refused.at("data").at("webhookSubscriptionCreate").at("userErrors").at(0).at("message") ==
          "Address protocol http:// is not supported");
    auto internal = create_sub(live, "CUSTOMERS_UPDATE", json::object{{"uri", "https://127.0.0.1:9/hooks"}});
    CHECK(internal.at("data").at("webhookSubscriptionCreate").at("userErrors").at(0).at("message") ==
          "Address cannot be a Shopify or an internal domain");
}

TEST_CASE("webhookSubscriptions filters by topics and uri - webhookSubscriptionsCount")
{
    manual_clock clock;
    emulator em(clock);
    create_sub(em, "CUSTOMERS_CREATE", json::object{{"uri", "https://example.com/a"}});
    clock.advance(std::chrono::seconds(1));
    create_sub(em, "CUSTOMERS_UPDATE", json::object{{"uri", "https://example.com/a"}});
    clock.advance(std::chrono::seconds(1));
    create_sub(em, "CUSTOMERS_DELETE", json::object{{"uri", "https://example.com/b"}, {"name", "deletes"}});
    const std::string q = R"(query($topics: [WebhookSubscriptionTopic!], $uri: String) {
      webhookSubscriptions(first: 10, topics: $topics, uri: $uri) { nodes { topic uri name } }
      webhookSubscriptionsCount { count precision } })";
    auto by_topic = gql(em, q, json::object{{"topics", json::array{"CUSTOMERS_UPDATE", "CUSTOMERS_DELETE"}}});
    auto nodes = by_topic.at("data").at("webhookSubscriptions").at("nodes").as_array();
    REQUIRE(nodes.size() == 2);
    CHECK(nodes[0].at("topic") == "CUSTOMERS_UPDATE");
    CHECK(nodes[1].at("name") == "deletes");
    auto by_uri = gql(em, q, json::object{{"uri", "https://example.com/a"}});
    CHECK(by_uri.at("data").at("webhookSubscriptions").at("nodes").as_array().size() == 2);
    CHECK(by_uri.at("data").at("webhookSubscriptionsCount").at("count") == 3);
    CHECK(by_uri.at("extensions").at("cost").at("requestedQueryCost") == 2 + 4 * 1 + 10);
}
