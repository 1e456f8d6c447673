// End to end (issue 5): the real crmsyncd against the sandbox, HubSpot as the source. People's edits in
// HubSpot reach Shopify within one poll interval; a merge in HubSpot moves the link and creates nobody;
// archived contacts follow the `deletes` policy (propagate: the customer is deleted; keep: it stays,
// unlinked, and nobody is re-created).
#include "tests/fakes/daemon_fixture.hpp"

#include "core/normalize.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <thread>

using namespace crmsync;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::string str(const json::value* v) { return v && v->is_string() ? std::string(v->as_string()) : std::string(); }

// Shopify customers by normalised e-mail.
std::map<std::string, json::object> customers(test::daemon_fixture& fx)
{
    std::map<std::string, json::object> out;
    for (const auto& c : fx.sandbox().shopify().list_customers()) {
        const auto& o = c.as_object();
        const auto* e = o.if_contains("defaultEmailAddress");
        out.emplace(normalize_email(e && e->is_object() ? str(e->as_object().if_contains("emailAddress")) : ""), o);
    }
    return out;
}

bool settled(const json::object& s, std::int64_t links)
{
    return test::json_int(s, "pending") == 0 && test::json_int(s, "dirty") == 0 &&
           s.at("initial_sync_complete").as_bool() && test::json_int(s, "links") == links;
}

struct world {
    test::daemon_fixture fx;
    std::vector<sandbox::hubspot::contact_view> contacts; // as seeded, in id order
    std::string config;

    explicit world(const std::string& deletes)
    {
        fx.sandbox().seed_people(0, 120, 0, 5);
        contacts = fx.sandbox().hubspot().list_contacts();
        config = fx.write_config({.direction = "two_way",
                                  .poll_interval = "2s",
                                  .extra_sync = "  create_in_shopify: true\n  deletes: " + deletes +
                                                "\n  reconcile_interval: 3s\n",
                                  .log_level = "info"});
        fx.start(config);
        REQUIRE_MESSAGE(fx.wait_status([](const json::object& s) { return settled(s, 120); }, 90s), fx.log());
        REQUIRE(customers(fx).size() == 120);
    }

    std::string email(std::size_t i) const { return normalize_email(contacts.at(i).properties.at("email")); }
};

} // namespace

TEST_CASE("HubSpot to Shopify: edits within one poll interval, a merge moves the link, archived contacts are deleted")
{
    world w("propagate");
    auto& hs = w.fx.sandbox().hubspot();
    const auto shop_writes = [&] { return w.fx.sandbox().shopify().stats().writes; };

    // Edits: each reaches Shopify within one poll interval (2 s) of being made.
    std::vector<std::chrono::milliseconds> latencies;
    for (std::size_t round = 0; round < 5; ++round) {
        const std::size_t i = 10 + round;
        const std::string name = "Edited" + std::to_string(round);
        const auto t0 = std::chrono::steady_clock::now();
        REQUIRE(hs.edit_contact(w.contacts[i].id, {{"firstname", name}}).has_value());
        REQUIRE_MESSAGE(test::wait_until(
                            [&] {
                                auto c = customers(w.fx);
                                auto it = c.find(w.email(i));
                                return it != c.end() && str(it->second.if_contains("firstName")) == name;
                            },
                            10s),
                        w.fx.log());
        latencies.push_back(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0));
        std::this_thread::sleep_for(std::chrono::milliseconds(300 * round)); // land at different points of the cycle
    }
    std::sort(latencies.begin(), latencies.end());
    MESSAGE("HubSpot edit -> Shopify: min " << latencies.front().count() << " ms, max " << latencies.back().count()
                                            << " ms (poll interval 2 s)");
    CHECK(latencies.back() <= 2s + 500ms); // the interval, plus one search and one write

    // A merge of two linked contacts: HubSpot mints a survivor that lists both ids. The link of the
    // primary follows it; the other person's link is recorded as a conflict; no customer is created or deleted.
    const auto a = w.contacts[20], b = w.contacts[21];
    auto survivor = hs.merge_contacts(a.id, b.id);
    REQUIRE(survivor.has_value());
    CHECK(survivor->id != a.id);
    REQUIRE(w.fx.wait_status([](const json::object& s) { return test::json_int(s, "conflicts") >= 1; }, 20s));
    REQUIRE(hs.edit_contact(survivor->id, {{"lastname", "AfterMerge"}}).has_value());
    REQUIRE_MESSAGE(test::wait_until(
                        [&] {
                            auto c = customers(w.fx);
                            auto it = c.find(normalize_email(survivor->properties.at("email")));
                            return it != c.end() && str(it->second.if_contains("lastName")) == "AfterMerge";
                        },
                        20s),
                    w.fx.log());
    CHECK(customers(w.fx).size() == 120);
    CHECK(hs.counts().live == 119); // the daemon created no contact for the merged-away person either

    // Archived in HubSpot: found by the reconciliation and, with deletes: propagate, deleted in Shopify.
    const auto d = w.contacts[30];
    REQUIRE(hs.archive_contact(d.id).has_value());
    REQUIRE_MESSAGE(test::wait_until([&] { return !customers(w.fx).contains(w.email(30)); }, 30s), w.fx.log());
    CHECK(customers(w.fx).size() == 119);

    // Quiet: nothing more is written, nobody comes back.
    const auto before = shop_writes();
    const auto hs_before = hs.stats().writes;
    std::this_thread::sleep_for(7s); // three polls and two reconciliations
    CHECK(shop_writes() == before);
    CHECK(hs.stats().writes == hs_before);
    CHECK(customers(w.fx).size() == 119);
    CHECK(w.fx.stop() == 0);
}

TEST_CASE("HubSpot to Shopify: with deletes: keep an archived contact's customer stays and nobody is re-created")
{
    world w("keep");
    auto& hs = w.fx.sandbox().hubspot();
    const auto d = w.contacts[40];
    REQUIRE(hs.archive_contact(d.id).has_value());
    // The reconciliation finds it and tombstones the contact; the link keeps only the Shopify side.
    REQUIRE_MESSAGE(
        w.fx.wait_status([](const json::object& s) { return test::json_int(s, "tombstones") == 1 && settled(s, 120); },
                         30s),
        w.fx.log());
    const auto shop_writes = w.fx.sandbox().shopify().stats().writes;
    const auto hs_writes = hs.stats().writes;
    std::this_thread::sleep_for(7s);
    CHECK(customers(w.fx).contains(w.email(40))); // kept in Shopify
    CHECK(hs.counts().live == 119);               // and not re-created in HubSpot from it
    CHECK(w.fx.sandbox().shopify().stats().writes == shop_writes);
    CHECK(hs.stats().writes == hs_writes);
    CHECK(w.fx.stop() == 0);
}
