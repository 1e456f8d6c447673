// Operator actions through the real engine, connectors and emulators: a conflict parked by
// `conflict: manual` is resolved by taking one side (its value reaches the other side, nothing flows back,
// the conflict is settled); a dead letter retried is planned and sent again.
#include "tests/fakes/engine_harness.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace crmsync;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

bool polled_since(test::engine_harness& h, std::uint64_t shop, std::uint64_t crm, std::uint64_t n)
{
    return h.eng().status(side::shopify).polls >= shop + n && h.eng().status(side::crm).polls >= crm + n && h.settled();
}

} // namespace

TEST_CASE("a parked conflict resolved by taking the CRM's value: written to Shopify, settled, no echo")
{
    test::harness_options o;
    o.sync_yaml = "  direction: two_way\n  conflict: manual\n";
    test::engine_harness h(o);
    auto c = h.shopify().create_customer(json::object{{"email", "kim@example.com"}, {"firstName", "Kim"}});
    REQUIRE(c.has_value());
    const auto customer = std::stoull(std::string(c->as_object().at("legacyResourceId").as_string()));
    h.start();
    REQUIRE(h.run_until([&] { return h.settled() && h.hubspot().counts().live == 1; }, 30s));
    const auto contact = h.hubspot().list_contacts().front().id;

    // Both sides edit the first name before the daemon sees either: parked.
    REQUIRE(h.shopify().update_customer(customer, json::object{{"firstName", "Kimberly"}}).has_value());
    REQUIRE(h.hubspot().edit_contact(contact, {{"firstname", "Kim-Crm"}}).has_value());
    REQUIRE(h.run_until([&] { return h.store().counts().conflicts == 1 && h.settled(); }, 30s));
    auto open = h.store().conflicts(true, 10);
    REQUIRE(open.size() == 1);
    CHECK(open[0].field == "first_name");
    CHECK(open[0].winner.empty());

    // Wrong requests are refused with a reason.
    CHECK_FALSE(h.eng().resolve_conflict(open[0].id + 100, side::crm).has_value());

    REQUIRE(h.eng().resolve_conflict(open[0].id, side::crm).has_value());
    REQUIRE(h.run_until(
        [&] {
            auto s = h.shopify().list_customers();
            return h.settled() && s.size() == 1 &&
                   s.front().as_object().at("firstName").as_string() == "Kim-Crm";
        },
        30s));
    CHECK(h.store().counts().conflicts == 0);
    auto settled = h.store().conflict(open[0].id);
    REQUIRE(settled.has_value());
    CHECK(settled->winner == "crm");
    CHECK(settled->reason.starts_with("operator:"));
    CHECK_FALSE(h.eng().resolve_conflict(open[0].id, side::shopify).has_value()); // already settled

    // Nothing flows back, nothing more is written.
    const auto writes = h.shopify().stats().writes + h.hubspot().stats().writes;
    const auto sp = h.eng().status(side::shopify).polls, cp = h.eng().status(side::crm).polls;
    REQUIRE(h.run_until([&] { return polled_since(h, sp, cp, 3); }, 30s));
    CHECK(h.shopify().stats().writes + h.hubspot().stats().writes == writes);
    CHECK(h.hubspot().get_contact(contact)->properties.at("firstname") == "Kim-Crm");
    h.stop();
}

TEST_CASE("a dead letter retried by an operator is planned and sent again")
{
    // `note` is mapped onto a number property and one customer's note is not a number.
    test::harness_options o;
    o.sync_yaml = R"(  direction: shopify_to_crm
  fields:
    - {name: email, shopify: email, crm: email, direction: both, normalize: email}
    - {name: orders, shopify: note, crm: shopify_orders_count, direction: to_crm, normalize: exact}
)";
    test::engine_harness h(o);
    REQUIRE(h.shopify().create_customer(json::object{{"email", "lee@example.com"}, {"note", "lots"}}).has_value());
    h.start();
    REQUIRE(h.run_until([&] { return h.settled() && h.store().counts().dead_letters == 1; }, 30s));
    const auto first = h.store().dead_letters(1).front();
    const auto failed = h.eng().status(side::crm).writes_failed;

    REQUIRE(h.eng().retry_dead_letter(first.id).has_value());
    CHECK(h.store().counts().dead_letters == 0);
    // HubSpot still refuses the value: after its attempts the write is a dead letter again.
    REQUIRE(h.run_until(
        [&] { return h.settled() && h.eng().status(side::crm).writes_failed == failed + 1; }, 30s));
    auto again = h.store().dead_letters(1);
    REQUIRE(again.size() == 1);
    CHECK(again[0].attempts == first.attempts);
    CHECK(again[0].fields.at("orders") == "lots");
    CHECK_FALSE(h.eng().retry_dead_letter(again[0].id + 100).has_value()); // no such dead letter
    h.stop();
}
