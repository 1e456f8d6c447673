// Integration: the engine with the real connectors and HTTP client against both emulators, under the
// failures the APIs really produce (THROTTLED, 429, 5xx, lost responses, 207 partial batches, 409).
#include "tests/fakes/engine_harness.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <map>
#include <set>

using namespace crmsync;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// Shopify customers that must exist in HubSpot exactly once each, keyed by shopify_customer_id.
void check_one_contact_per_customer(test::engine_harness& h)
{
    std::map<std::string, int> seen;
    for (const auto& c : h.hubspot().list_contacts())
        if (auto it = c.properties.find("shopify_customer_id"); it != c.properties.end())
            ++seen[it->second];
    auto customers = h.shopify().list_customers();
    CHECK(seen.size() == customers.size());
    for (const auto& cv : customers) {
        std::string id(cv.as_object().at("legacyResourceId").as_string());
        CHECK_MESSAGE(seen[id] == 1, "customer " << id << " has " << seen[id] << " contacts");
    }
}

bool polled_twice_and_settled(test::engine_harness& h, std::uint64_t& base)
{
    if (base == 0)
        base = h.eng().status(side::shopify).polls + 1;
    return h.eng().status(side::shopify).polls >= base + 2 && h.settled();
}

} // namespace

TEST_CASE("first sync converges through THROTTLED, 429, 5xx, resets and lost responses without duplicates")
{
    test::engine_harness h;
    h.shopify().seed(200, 3);
    // Shopify: throttling (HTTP 200 THROTTLED and 429) and gateway errors on a third of the queries.
    h.shopify().faults().add({.kind = sandbox::fault_kind::throttled, .probability = 0.15});
    h.shopify().faults().add({.kind = sandbox::fault_kind::http_429, .probability = 0.1, .retry_after = 100ms});
    h.shopify().faults().add({.kind = sandbox::fault_kind::http_502, .probability = 0.1});
    // HubSpot: every kind of write failure, including "applied, then the response was lost".
    h.hubspot().faults().add({.kind = sandbox::fault_kind::apply_then_fail, .probability = 0.2, .writes_only = true});
    h.hubspot().faults().add({.kind = sandbox::fault_kind::http_429, .probability = 0.1, .retry_after = 100ms});
    h.hubspot().faults().add({.kind = sandbox::fault_kind::http_503, .probability = 0.1});
    h.hubspot().faults().add({.kind = sandbox::fault_kind::reset, .probability = 0.05});
    h.start();
    std::uint64_t base = 0;
    REQUIRE(h.run_until([&] { return polled_twice_and_settled(h, base); }, 60s));
    check_one_contact_per_customer(h);
    CHECK(h.hubspot().counts().live == 200);
    CHECK(h.store().counts().dead_letters == 0);
    // The faults really happened, and were answered by pacing and retries.
    const auto& shop_gate = *h.eng().side_connector(side::shopify).gates().front();
    CHECK(shop_gate.stats().throttled > 0);
    CHECK(h.eng().status(side::crm).writes_retried > 0);
    CHECK(h.hubspot().stats().faults_injected > 0);

    // Quiet afterwards: no writes while nothing changes.
    h.shopify().faults().clear();
    h.hubspot().faults().clear();
    auto writes = h.hubspot().stats().writes;
    base = 0;
    REQUIRE(h.run_until([&] { return polled_twice_and_settled(h, base); }, 30s));
    CHECK(h.hubspot().stats().writes == writes);
}

TEST_CASE("a partial batch failure (207) dead-letters only the bad record, with HubSpot's message")
{
    // `note` is mapped onto a number property: one customer's note is not a number.
    test::harness_options o;
    o.sync_yaml = R"(  direction: shopify_to_crm
  fields:
    - {name: email, shopify: email, crm: email, direction: both, normalize: email}
    - {name: first_name, shopify: firstName, crm: firstname, direction: both}
    - {name: shopify_customer_id, shopify: id, crm: shopify_customer_id, direction: to_crm, normalize: exact}
    - {name: orders, shopify: note, crm: shopify_orders_count, direction: to_crm, normalize: exact}
)";
    test::engine_harness h(o);
    for (int i = 0; i < 30; ++i)
        REQUIRE(h.shopify()
                    .create_customer(json::object{{"email", "p" + std::to_string(i) + "@example.com"},
                                                  {"firstName", "P" + std::to_string(i)},
                                                  {"note", i == 17 ? "lots" : std::to_string(i)}})
                    .has_value());
    h.start();
    std::uint64_t base = 0;
    REQUIRE(h.run_until([&] { return polled_twice_and_settled(h, base) && h.store().counts().dead_letters == 1; }, 30s));
    CHECK(h.hubspot().counts().live == 29);
    auto dl = h.store().dead_letters(10);
    REQUIRE(dl.size() == 1);
    CHECK(dl[0].fields.at("orders") == "lots");
    CHECK_MESSAGE(dl[0].error.find("shopify_orders_count") != std::string::npos, dl[0].error);
    CHECK(dl[0].attempts == 3);
    CHECK(h.eng().status(side::crm).writes_failed == 1);
}

TEST_CASE("an e-mail change onto another contact's address becomes a visible conflict, not a retry loop")
{
    test::engine_harness h;
    auto a = h.shopify().create_customer(json::object{{"email", "ann@example.com"}, {"firstName", "Ann"}});
    REQUIRE(a.has_value());
    // Someone else in HubSpot already uses the address Ann will move to.
    REQUIRE(h.hubspot().create_contact({{"email", "bob@example.com"}, {"firstname", "Bob"}}).has_value());
    h.start();
    std::uint64_t base = 0;
    REQUIRE(h.run_until([&] { return polled_twice_and_settled(h, base); }, 30s));
    auto ann_id = std::stoull(std::string(a->as_object().at("legacyResourceId").as_string()));
    REQUIRE(h.shopify().update_customer(ann_id, json::object{{"email", "bob@example.com"}, {"firstName", "Annie"}}).has_value());
    REQUIRE(h.run_until([&] { return h.store().counts().conflicts == 1 && h.store().counts().pending == 0; }, 30s));
    auto open = h.store().conflicts(true, 10);
    REQUIRE(open.size() == 1);
    CHECK(open[0].field == "_taken");
    CHECK_MESSAGE(open[0].reason.find("Contact already exists") != std::string::npos, open[0].reason);
    CHECK(h.store().counts().dead_letters == 0);
    // Nothing was merged or duplicated; Bob's contact is untouched.
    CHECK(h.hubspot().counts().live == 2);
    for (const auto& c : h.hubspot().list_contacts())
        if (c.properties.at("email") == "bob@example.com")
            CHECK(c.properties.at("firstname") == "Bob");
}

TEST_CASE("restarting over the same state file resumes without re-writing anything")
{
    test::engine_harness h;
    h.shopify().seed(120, 5);
    h.start();
    std::uint64_t base = 0;
    REQUIRE(h.run_until([&] { return polled_twice_and_settled(h, base); }, 30s));
    auto writes = h.hubspot().stats().writes;
    auto links = h.store().counts().links;
    h.restart();
    base = 0;
    REQUIRE(h.run_until([&] { return polled_twice_and_settled(h, base); }, 30s));
    CHECK(h.hubspot().stats().writes == writes);
    CHECK(h.store().counts().links == links);
    // An edit made while the daemon was down arrives after the next restart.
    h.stop();
    auto first = h.shopify().list_customers().front().as_object();
    auto id = std::stoull(std::string(first.at("legacyResourceId").as_string()));
    REQUIRE(h.shopify().update_customer(id, json::object{{"lastName", "Changed-While-Down"}}).has_value());
    h.restart();
    REQUIRE(h.run_until(
        [&] {
            for (const auto& c : h.hubspot().list_contacts())
                if (c.properties.contains("shopify_customer_id") && c.properties.at("shopify_customer_id") == std::to_string(id))
                    return c.properties.contains("lastname") && c.properties.at("lastname") == "Changed-While-Down";
            return false;
        },
        30s));
    CHECK(h.hubspot().stats().writes == writes + 1);
}
