// HubSpot's search stops at 10,000 results and sorts on one property: the connector windows its polls
// (design in connectors/hubspot/search.cpp). Here 15,000 contacts share one lastmodifieddate and 30,000
// changes land while the first poll runs, through the real engine, connector and emulator: every change
// reaches Shopify, the poll ends, and re-reading the overlap afterwards writes nothing.
#include "tests/fakes/engine_harness.hpp"
#include "tests/fakes/manual_clock.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <map>

using namespace crmsync;
using namespace std::chrono_literals;
namespace json = boost::json;

TEST_CASE("15,000 contacts at one lastmodifieddate, 30,000 changes during the poll: all observed, no echo writes")
{
    // The emulator's stamps sit ten minutes behind the daemon's clock, inside every poll's upper bound.
    test::manual_clock hs_clock(system_clock().wall_now() - 10min);
    test::harness_options o;
    o.sync_yaml = R"(  direction: crm_to_shopify
  create_in_shopify: true
  fields:
    - {name: email, shopify: email, crm: email, direction: both, normalize: email}
    - {name: first_name, shopify: firstName, crm: firstname, direction: both}
)";
    o.hubspot_clock = &hs_clock;
    o.poll_interval = 100ms;
    test::engine_harness h(o);
    h.hubspot().set_rate_limits({.enabled = false});
    h.shopify().set_limits({.enabled = false});

    auto ids = h.hubspot().seed(15'000, 7);
    for (const auto& id : ids) // one write each, all within the same millisecond
        REQUIRE(h.hubspot().edit_contact(id, {{"firstname", "Tie"}}).has_value());
    std::map<std::string, std::string> expected; // contact id -> last first name
    for (const auto& id : ids)
        expected[id] = "Tie";

    // While the first poll pages through the search, 1,000 changes after each search request: edits of
    // existing contacts (some twice) and new contacts, 100 per emulated millisecond.
    std::size_t changes = 0, searches_seen = 0, next_new = 0;
    auto change_some = [&] {
        for (int i = 0; i < 1'000 && changes < 30'000; ++i, ++changes) {
            if (changes % 100 == 0)
                hs_clock.advance(1ms);
            if (changes % 6 == 5) {
                auto c = h.hubspot().create_contact({{"email", "new" + std::to_string(next_new) + "@example.com"},
                                                     {"firstname", "New" + std::to_string(next_new)}});
                REQUIRE(c.has_value());
                ++next_new;
                expected[c->id] = c->properties.at("firstname");
            } else {
                const auto& id = ids[(changes * 7) % ids.size()];
                const std::string name = "Edit" + std::to_string(changes);
                REQUIRE(h.hubspot().edit_contact(id, {{"firstname", name}}).has_value());
                expected[id] = name;
            }
        }
    };
    h.start();
    std::uint64_t scan_searches = 0;
    REQUIRE(h.run_until(
        [&] {
            const auto searches = h.hubspot().stats().searches;
            if (searches > searches_seen && changes < 30'000) {
                searches_seen = searches;
                change_some();
            }
            if (h.eng().status(side::crm).initial_scan_complete && scan_searches == 0)
                scan_searches = searches;
            return changes == 30'000 && h.settled() && h.eng().status(side::crm).polls >= 2;
        },
        240s));
    MESSAGE("the first poll took " << scan_searches << " search requests; " << h.hubspot().stats().searches
                                   << " in all until settled");
    // It ended: every request reads up to 200 contacts, and the poll read each at most a few times.
    CHECK(scan_searches > 0);
    CHECK(scan_searches <= 3 * (15'000 + 30'000) / 200);

    // Settled means every poll since the changes stopped found nothing new; now Shopify holds every last edit.
    auto customers = h.shopify().list_customers();
    std::map<std::string, std::string> by_email;
    for (const auto& c : customers) {
        const auto& co = c.as_object();
        const auto* de = co.if_contains("defaultEmailAddress");
        REQUIRE((de && de->is_object()));
        by_email[std::string(de->as_object().at("emailAddress").as_string())] = std::string(co.at("firstName").as_string());
    }
    CHECK(customers.size() == expected.size()); // no duplicates, nobody missing
    std::size_t wrong = 0;
    for (const auto& [id, name] : expected) {
        auto c = h.hubspot().get_contact(id);
        REQUIRE(c.has_value());
        auto it = by_email.find(c->properties.at("email"));
        if (it == by_email.end() || it->second != name)
            ++wrong;
    }
    CHECK(wrong == 0);

    // A further poll re-reads the overlap (everything here changed within it): no write follows.
    const auto writes = h.shopify().stats().writes;
    const auto polls = h.eng().status(side::crm).polls;
    REQUIRE(h.run_until([&] { return h.eng().status(side::crm).polls >= polls + 1 && h.settled(); }, 120s));
    CHECK(h.shopify().stats().writes == writes);
    h.stop();
}
