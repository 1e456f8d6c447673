// End to end: the real crmsyncd against the sandbox, one-way Shopify -> HubSpot (issue 2).
#include "tests/fakes/daemon_fixture.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <map>

using namespace crmsync;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::string str(const json::object& o, std::string_view k)
{
    auto v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// HubSpot contacts by lower-cased e-mail.
std::map<std::string, sandbox::hubspot::contact_view> contacts_by_email(sandbox::hubspot::emulator& hs)
{
    std::map<std::string, sandbox::hubspot::contact_view> out;
    for (auto& c : hs.list_contacts())
        if (auto it = c.properties.find("email"); it != c.properties.end())
            out.emplace(it->second, c);
    return out;
}

} // namespace

TEST_CASE("500 Shopify customers reach HubSpot, an edit follows, and a restart writes nothing")
{
    auto t0 = std::chrono::steady_clock::now();
    test::daemon_fixture fx;
    fx.sandbox().seed_people(500, 0, 0, 7);
    const auto customers = fx.sandbox().shopify().list_customers();
    REQUIRE(customers.size() == 500);

    auto config = fx.write_config();
    fx.start(config);
    bool synced = fx.wait_status(
        [](const json::object& s) {
            return s.contains("links") && test::json_int(s, "links") == 500 && test::json_int(s, "pending") == 0 &&
                   test::json_int(s, "dirty") == 0 && s.at("initial_sync_complete").as_bool();
        },
        60s);
    REQUIRE_MESSAGE(synced, fx.log());
    auto t_synced = std::chrono::steady_clock::now();

    // Every customer is a contact, with the default mapping applied.
    auto& hs = fx.sandbox().hubspot();
    CHECK(hs.counts().live == 500);
    auto by_email = contacts_by_email(hs);
    std::size_t checked = 0, without_email = 0;
    for (const auto& cv : customers) {
        const auto& c = cv.as_object();
        auto id = str(c, "legacyResourceId");
        const auto* email_obj = c.if_contains("defaultEmailAddress");
        if (!email_obj || !email_obj->is_object()) {
            ++without_email;
            continue;
        }
        auto email = str(email_obj->as_object(), "emailAddress");
        auto it = by_email.find(email);
        REQUIRE_MESSAGE(it != by_email.end(), "customer " << id << " missing in HubSpot");
        const auto& p = it->second.properties;
        CHECK(p.at("shopify_customer_id") == id);
        CHECK(p.at("firstname") == str(c, "firstName"));
        CHECK(p.at("lastname") == str(c, "lastName"));
        if (auto addr = c.if_contains("defaultAddress"); addr && addr->is_object() && !str(addr->as_object(), "city").empty())
            CHECK(p.at("city") == str(addr->as_object(), "city"));
        ++checked;
    }
    CHECK(checked + without_email == 500);
    MESSAGE("customers without e-mail (matched on shopify_customer_id): " << without_email);

    // A person edits a customer in Shopify: the change arrives.
    const auto& first = customers.front().as_object();
    auto id = std::stoull(str(first, "legacyResourceId"));
    auto t_edit = std::chrono::steady_clock::now();
    REQUIRE(fx.sandbox().shopify().update_customer(id, json::object{{"firstName", "Edited-By-Person"}}));
    bool arrived = test::wait_until(
        [&] {
            for (const auto& c : hs.list_contacts())
                if (c.properties.contains("shopify_customer_id") && c.properties.at("shopify_customer_id") == std::to_string(id))
                    return c.properties.contains("firstname") && c.properties.at("firstname") == "Edited-By-Person";
            return false;
        },
        30s);
    CHECK_MESSAGE(arrived, fx.log());
    auto t_arrived = std::chrono::steady_clock::now();
    REQUIRE(fx.wait_status([](const json::object& s) { return test::json_int(s, "pending") == 0; }, 10s));
    CHECK(fx.stop() == 0);

    // Restart: nothing changed, so nothing is written, through several polls.
    const auto writes_before = hs.stats().writes;
    const auto shopify_writes_before = fx.sandbox().shopify().stats().writes;
    fx.start(config);
    bool polled = fx.wait_status(
        [](const json::object& s) {
            return s.at("ready").as_bool() && test::json_int(test::json_obj(s, "shopify"), "records_observed") > 0 &&
                   test::json_int(s, "pending") == 0 && test::json_int(s, "dirty") == 0;
        },
        30s);
    REQUIRE_MESSAGE(polled, fx.log());
    // Three more full polls (1 s interval) must not write anything either.
    auto polls_now = test::json_int(test::json_obj(*fx.status(), "shopify"), "records_observed");
    CHECK(fx.wait_status(
        [&](const json::object& s) { return test::json_int(test::json_obj(s, "shopify"), "records_observed") > polls_now + 2; },
        30s));
    auto s = *fx.status();
    CHECK(test::json_int(s, "pending") == 0);
    CHECK(test::json_int(s, "links") == 500);
    CHECK(hs.stats().writes == writes_before);
    CHECK(fx.sandbox().shopify().stats().writes == shopify_writes_before);
    CHECK(hs.counts().live == 500);
    CHECK(fx.stop() == 0);

    using ms = std::chrono::milliseconds;
    MESSAGE("first sync of 500: " << std::chrono::duration_cast<ms>(t_synced - t0).count() << " ms; edit to CRM: "
                                   << std::chrono::duration_cast<ms>(t_arrived - t_edit).count() << " ms; whole test: "
                                   << std::chrono::duration_cast<ms>(std::chrono::steady_clock::now() - t0).count()
                                   << " ms");
}
