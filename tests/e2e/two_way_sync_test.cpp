// End to end (issue 3): the real crmsyncd, two-way, against the sandbox. First sync pairs by e-mail and
// creates the rest on both sides; person edits on both sides converge as the policy says; restarts and a
// quiet period write nothing; `plan` reports the pairs and creates and writes nothing.
#include "tests/fakes/daemon_fixture.hpp"

#include "core/normalize.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <map>
#include <regex>

using namespace crmsync;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::string str(const json::value* v) { return v && v->is_string() ? std::string(v->as_string()) : std::string(); }

std::string customer_email(const json::object& c)
{
    auto e = c.if_contains("defaultEmailAddress");
    return e && e->is_object() ? str(e->as_object().if_contains("emailAddress")) : std::string();
}

struct world_view {
    std::map<std::string, json::object> customers_by_email;       // normalized e-mail -> customer
    std::map<std::string, sandbox::hubspot::contact_view> contacts_by_email;
    std::size_t customers = 0, contacts = 0;
};

world_view look(test::daemon_fixture& fx)
{
    world_view w;
    for (const auto& c : fx.sandbox().shopify().list_customers()) {
        ++w.customers;
        auto e = normalize_email(customer_email(c.as_object()));
        if (!e.empty())
            w.customers_by_email.emplace(e, c.as_object());
    }
    for (const auto& c : fx.sandbox().hubspot().list_contacts()) {
        ++w.contacts;
        if (auto it = c.properties.find("email"); it != c.properties.end())
            w.contacts_by_email.emplace(normalize_email(it->second), c);
    }
    return w;
}

std::uint64_t writes(test::daemon_fixture& fx)
{
    return fx.sandbox().shopify().stats().writes + fx.sandbox().hubspot().stats().writes;
}

bool settled(const json::object& s)
{
    return s.contains("links") && test::json_int(s, "pending") == 0 && test::json_int(s, "dirty") == 0 &&
           s.at("initial_sync_complete").as_bool();
}

} // namespace

TEST_CASE("two-way first sync of 300 customers and 250 contacts sharing 100 e-mails, then edits, restarts and quiet")
{
    const auto t0 = std::chrono::steady_clock::now();
    test::daemon_fixture fx;
    fx.sandbox().seed_people(300, 250, 100, 11);
    REQUIRE(fx.sandbox().shopify().customer_count() == 300);
    REQUIRE(fx.sandbox().hubspot().counts().live == 250);
    const std::string sync = "  create_in_shopify: true\n  conflict: newest_wins\n";
    auto config = fx.write_config({.direction = "two_way", .extra_sync = sync});

    // `plan` prints the pairing and every write, and writes nothing.
    auto before = writes(fx);
    auto plan = test::run_command({test::binary_path("crmsyncd"), "plan", "--config", config}, 120s);
    REQUIRE_MESSAGE(plan.status == 0, plan.output);
    CHECK(writes(fx) == before);
    std::smatch m;
    REQUIRE(std::regex_search(plan.output, m, std::regex("(\\d+) people known, (\\d+) pairs, (\\d+) ambiguous")));
    CHECK(m[2] == "100");
    CHECK(m[3] == "0");
    auto count_lines = [&](const std::string& prefix) {
        std::size_t n = 0;
        for (std::size_t pos = 0; (pos = plan.output.find("\n" + prefix, pos)) != std::string::npos; ++pos)
            ++n;
        return n;
    };
    CHECK(count_lines("pair ") == 100);
    CHECK(count_lines("create in crm") == 200);
    CHECK(count_lines("create in shopify") == 150);

    // The real first sync.
    fx.start(config);
    REQUIRE_MESSAGE(fx.wait_status([](const json::object& s) { return settled(s) && test::json_int(s, "links") == 450; },
                                   120s),
                    fx.log());
    const auto t_synced = std::chrono::steady_clock::now();
    auto w = look(fx);
    CHECK(w.customers == 450);
    CHECK(w.contacts == 450);
    // One-to-one by e-mail: every person is on both sides exactly once.
    CHECK(w.customers_by_email.size() == w.contacts_by_email.size());
    for (const auto& [email, c] : w.customers_by_email)
        CHECK_MESSAGE(w.contacts_by_email.contains(email), "no contact for a customer");

    // Person edits on both sides.
    auto pick = [&](std::size_t i) { return std::next(w.customers_by_email.begin(), static_cast<std::ptrdiff_t>(i)); };
    auto id_of = [](const json::object& c) { return std::stoull(str(c.if_contains("legacyResourceId"))); };
    auto& shop = fx.sandbox().shopify();
    auto& hs = fx.sandbox().hubspot();
    const auto a = pick(10), b = pick(20), c = pick(30), d = pick(40);
    REQUIRE(shop.update_customer(id_of(a->second), json::object{{"firstName", "Shopify-Edit"}}).has_value());
    REQUIRE(hs.edit_contact(w.contacts_by_email.at(b->first).id, {{"city", "Crm-City"}}).has_value());
    // The same field edited on both sides before the daemon sees either: the later edit (HubSpot) wins.
    REQUIRE(shop.update_customer(id_of(c->second), json::object{{"lastName", "From-Shopify"}}).has_value());
    REQUIRE(hs.edit_contact(w.contacts_by_email.at(c->first).id, {{"lastname", "From-Crm"}}).has_value());
    // An e-mail change in Shopify updates the same contact.
    const auto d_contact = w.contacts_by_email.at(d->first).id;
    REQUIRE(shop.update_customer(id_of(d->second), json::object{{"email", "changed.address@example.com"}}).has_value());

    auto converged = [&] {
        auto v = look(fx);
        auto ca = v.contacts_by_email.find(a->first);
        auto cb = v.customers_by_email.find(b->first);
        auto cc = v.customers_by_email.find(c->first);
        auto kc = v.contacts_by_email.find(c->first);
        auto kd = v.contacts_by_email.find("changed.address@example.com");
        return ca != v.contacts_by_email.end() && ca->second.properties.contains("firstname") &&
               ca->second.properties.at("firstname") == "Shopify-Edit" && cb != v.customers_by_email.end() &&
               cb->second.contains("defaultAddress") && cb->second.at("defaultAddress").is_object() &&
               str(cb->second.at("defaultAddress").as_object().if_contains("city")) == "Crm-City" &&
               cc != v.customers_by_email.end() && str(cc->second.if_contains("lastName")) == "From-Crm" &&
               kc != v.contacts_by_email.end() && kc->second.properties.contains("lastname") &&
               kc->second.properties.at("lastname") == "From-Crm" && kd != v.contacts_by_email.end() &&
               kd->second.id == d_contact;
    };
    const auto t_edits = std::chrono::steady_clock::now();
    REQUIRE_MESSAGE(test::wait_until(converged, 60s), fx.log());
    const auto t_converged = std::chrono::steady_clock::now();
    REQUIRE(fx.wait_status(settled, 30s));
    w = look(fx);
    CHECK(w.customers == 450);
    CHECK(w.contacts == 450);
    CHECK(fx.stop() == 0);

    // Two restarts and a quiet period: nothing is written.
    const auto quiet = writes(fx);
    for (int restart = 0; restart < 2; ++restart) {
        fx.start(config);
        std::int64_t seen = -1;
        REQUIRE(fx.wait_status(
            [&](const json::object& s) {
                if (!settled(s))
                    return false;
                auto polls = test::json_int(test::json_obj(s, "crm"), "records_observed");
                if (seen < 0)
                    seen = polls;
                return polls > seen + 3; // several more polls of both sides
            },
            60s));
        CHECK(fx.stop() == 0);
    }
    CHECK(writes(fx) == quiet);
    using ms = std::chrono::milliseconds;
    MESSAGE("first sync (300 + 250, 100 shared): " << std::chrono::duration_cast<ms>(t_synced - t0).count()
                                                    << " ms; edits converged in "
                                                    << std::chrono::duration_cast<ms>(t_converged - t_edits).count()
                                                    << " ms; whole test "
                                                    << std::chrono::duration_cast<ms>(std::chrono::steady_clock::now() - t0).count()
                                                    << " ms");
}
