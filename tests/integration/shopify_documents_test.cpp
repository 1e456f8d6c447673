// Every GraphQL document the Shopify connector sends is valid against Shopify's Admin schema (2026-07), as
// judged by graphql-js, the reference implementation — not by our own emulator. The documents are
// captured from a real two-way run against the emulator that exercises every path: preparation (custom id
// definition, webhook subscriptions), the first sync through a bulk export, polling, the reconciliation,
// verify-before-write reads, creates (customerSet, address, consent), updates, deletes (and the tag for
// customers with orders), the look-ups of a retried create and of a taken e-mail, and the paged fallbacks.
#include "tests/fakes/engine_harness.hpp"
#include "tests/fakes/http_test_loop.hpp"
#include "tests/fakes/process.hpp"
#include "tests/fakes/temp_dir.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>
#include <set>

using namespace crmsync;
using namespace std::chrono_literals;
namespace json = boost::json;

TEST_CASE("every document the Shopify connector sends validates against the Admin schema (graphql-js)")
{
    test::harness_options o;
    o.sync_yaml = R"(  direction: two_way
  create_in_shopify: true
  deletes: propagate
  reconcile_interval: 1s
  fields:
    - {name: email, shopify: email, crm: email, direction: both, normalize: email}
    - {name: first_name, shopify: firstName, crm: firstname, direction: both}
    - {name: last_name, shopify: lastName, crm: lastname, direction: both}
    - {name: phone, shopify: phone, crm: phone, direction: both, normalize: phone}
    - {name: city, shopify: defaultAddress.city, crm: city, direction: both}
    - {name: tags, shopify: tags, crm: shopify_tags, direction: both, normalize: tags}
    - {name: email_marketing_state, shopify: emailMarketingState, crm: shopify_email_marketing_state, direction: both, normalize: exact}
)";
    o.shopify_yaml = "  webhooks:\n    public_url: http://127.0.0.1:9/webhooks/shopify";
    test::engine_harness h(o);
    std::set<std::string> documents;
    h.observe_shopify_documents([&](std::string_view d) { documents.emplace(d); });
    h.shopify().seed(30, 4);
    h.hubspot().seed(10, 4);
    h.start();
    // Settled after both sides were polled twice more (edits made before it are then seen and written).
    auto settle = [&] {
        const auto s0 = h.eng().status(side::shopify).polls, c0 = h.eng().status(side::crm).polls;
        return h.run_until(
            [&] {
                return h.settled() && h.eng().status(side::shopify).sweeps > 0 && h.eng().status(side::shopify).polls >= s0 + 2 &&
                       h.eng().status(side::crm).polls >= c0 + 2;
            },
            60s);
    };
    REQUIRE(settle());

    // Edits on both sides (address, consent, tags), then deletes on both sides.
    auto customers = h.shopify().list_customers();
    auto id_of = [](const json::value& c) { return std::stoull(std::string(c.as_object().at("legacyResourceId").as_string())); };
    REQUIRE(h.shopify().update_customer(id_of(customers[0]), json::object{{"firstName", "Edited"}}).has_value());
    auto contacts = h.hubspot().list_contacts();
    REQUIRE(h.hubspot()
                .edit_contact(contacts[0].id, {{"city", "Lyon"}, {"shopify_email_marketing_state", "SUBSCRIBED"},
                                               {"shopify_tags", "vip, b2b"}})
                .has_value());
    REQUIRE(settle());
    REQUIRE(h.hubspot().archive_contact(contacts[1].id).has_value());
    // A customer with orders cannot be deleted: the propagated delete tags it instead.
    int archived_with_orders = 0;
    for (const auto& c : customers) {
        if (c.as_object().at("numberOfOrders").as_string() == "0")
            continue;
        const std::string email(c.as_object().at("defaultEmailAddress").as_object().at("emailAddress").as_string());
        for (const auto& k : h.hubspot().list_contacts())
            if (k.properties.contains("email") && k.properties.at("email") == email) {
                REQUIRE(h.hubspot().archive_contact(k.id).has_value());
                ++archived_with_orders;
            }
        break;
    }
    REQUIRE(archived_with_orders == 1);
    h.shopify().delete_customer(id_of(customers[5]));
    REQUIRE(settle());
    // The reconciliation finds the archived contacts (search never returns them).
    const auto sweeps = h.eng().status(side::crm).sweeps;
    REQUIRE(h.run_until([&] { return h.eng().status(side::crm).sweeps > sweeps + 1; }, 30s));
    REQUIRE(settle());

    // Paths a quiet run does not take: a retried create, a create meeting a taken e-mail, the paged listings.
    auto& shop = h.shopify_connector();
    std::vector<write_op> ops(2);
    ops[0] = {.op_id = 1, .kind = write_kind::create, .fields = {{"email", "brand.new@example.com"}, {"firstName", "New"}},
              .peer_id = "crm-777", .retry = true};
    std::string taken(customers[3].as_object().at("defaultEmailAddress").as_object().at("emailAddress").as_string());
    ops[1] = {.op_id = 2, .kind = write_kind::create, .fields = {{"email", taken}}, .peer_id = "crm-778"};
    REQUIRE(test::run_task(h.io(), shop.apply(ops), 30s));
    REQUIRE(test::run_task(h.io(), shop.list_ids("page:"), 30s));
    change_query q;
    q.page = "page:";
    REQUIRE(test::run_task(h.io(), shop.fetch_changes(q), 30s));
    REQUIRE(test::run_task(h.io(), shop.check(), 30s)); // check-config --online: access, scopes, definition
    h.stop();

    REQUIRE(documents.size() >= 12);
    test::temp_dir dir;
    std::vector<std::string> argv{"/usr/bin/env", "node", std::string(CRMSYNC_SOURCE_DIR) + "/tests/graphql/validate.mjs",
                                  std::string(CRMSYNC_SOURCE_DIR) + "/tests/data/shopify/admin-schema-2026-07.graphql"};
    int n = 0;
    for (const auto& d : documents) {
        auto path = dir.file(fmt::format("doc{:03}.graphql", n++));
        std::ofstream(path) << d;
        argv.push_back(path);
    }
    auto r = test::run_command(argv, 120s);
    INFO(r.output);
    CHECK(r.status == 0);
    CHECK(r.output.find(fmt::format("{} documents, 0 errors", documents.size())) != std::string::npos);
    std::set<std::string> fields;
    for (const auto& d : documents)
        for (std::string_view root : {"customers(", "nodes(", "customerSet(", "customerUpdate(", "customerAddressUpdate(",
                                      "customerAddressCreate(", "customerEmailMarketingConsentUpdate(", "customerDelete(",
                                      "tagsAdd(", "customerByIdentifier(", "bulkOperationRunQuery(", "bulkOperation(",
                                      "metafieldDefinitions(", "metafieldDefinitionCreate(", "webhookSubscriptions(",
                                      "webhookSubscriptionCreate(", "currentAppInstallation {"})
            if (d.find(root) != std::string::npos)
                fields.emplace(root);
    MESSAGE(documents.size() << " distinct documents validated by graphql-js, using " << fields.size()
                             << " of the 17 root fields the connector knows: " << fmt::format("{}", fmt::join(fields, " ")));
    CHECK(fields.size() == 17);
}
