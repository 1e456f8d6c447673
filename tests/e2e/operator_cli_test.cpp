// The operator's path through a conflict (issue 6): a person edited on both sides under
// `conflict: manual` is parked; `crmsyncd conflicts list` shows it (only with the token), `conflicts
// resolve ID --take shopify` settles it and the value reaches HubSpot; `dead-letters list` reads the queue.
#include "tests/fakes/daemon_fixture.hpp"

#include "core/normalize.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <regex>
#include <thread>

using namespace crmsync;
using namespace std::chrono_literals;
namespace json = boost::json;

TEST_CASE("conflicts list, resolve --take shopify and dead-letters list through the CLI and the admin endpoints")
{
    test::daemon_fixture fx;
    fx.sandbox().seed_people(4, 4, 4, 21);
    const auto config = fx.write_config({.direction = "two_way",
                                         .extra_sync = "  conflict: manual\n",
                                         .http_token = "s3cret-admin-token",
                                         .log_level = "info"});
    fx.start(config);
    REQUIRE_MESSAGE(fx.wait_synced(4, 60s),
                    fx.log());

    // One person edited on both sides between polls.
    auto customer = fx.sandbox().shopify().list_customers().front().as_object();
    const auto email = normalize_email(std::string(customer.at("defaultEmailAddress").as_object().at("emailAddress").as_string()));
    std::string contact;
    for (const auto& c : fx.sandbox().hubspot().list_contacts())
        if (normalize_email(c.properties.at("email")) == email)
            contact = c.id;
    REQUIRE_FALSE(contact.empty());
    REQUIRE(fx.sandbox().shopify()
                .update_customer(std::stoull(std::string(customer.at("legacyResourceId").as_string())),
                                 json::object{{"firstName", "FromShop"}})
                .has_value());
    REQUIRE(fx.sandbox().hubspot().edit_contact(contact, {{"firstname", "FromCrm"}}).has_value());
    REQUIRE_MESSAGE(fx.wait_status([](const json::object& s) { return test::json_int(s, "conflicts") == 1; }, 30s),
                    fx.log());

    const std::string url = "http://127.0.0.1:" + std::to_string(fx.http_port());
    const std::string bin = test::binary_path("crmsyncd");
    const std::map<std::string, std::string> auth{{"CRMSYNC_HTTP_TOKEN", "s3cret-admin-token"}};

    // Without the token the values stay private.
    auto denied = test::run_command({bin, "conflicts", "list", "--url", url}, 30s);
    CHECK(denied.status == 69);
    CHECK_MESSAGE(denied.output.find("Bearer") != std::string::npos, denied.output);
    CHECK(denied.output.find("FromShop") == std::string::npos);

    auto list = test::run_command({bin, "conflicts", "list", "--url", url}, 30s, auth);
    REQUIRE_MESSAGE(list.status == 0, list.output);
    std::smatch m;
    REQUIRE_MESSAGE(std::regex_search(list.output, m,
                                      std::regex("conflict (\\d+) \\(link \\d+\\) first_name: shopify 'FromShop' / crm "
                                                 "'FromCrm' -> open")),
                    list.output);
    const std::string id = m[1];
    CHECK(list.output.find("1 open conflicts") != std::string::npos);

    auto show = test::run_command({bin, "conflicts", "show", id, "--url", url}, 30s, auth);
    CHECK(show.status == 0);
    CHECK(show.output.find("FromCrm") != std::string::npos);

    auto bad = test::run_command({bin, "conflicts", "resolve", id, "--url", url}, 30s, auth);
    CHECK(bad.status == 64); // --take is required

    auto resolve = test::run_command({bin, "conflicts", "resolve", id, "--take", "shopify", "--url", url}, 30s, auth);
    REQUIRE_MESSAGE(resolve.status == 0, resolve.output);
    CHECK(resolve.output.find("shopify wins") != std::string::npos);
    REQUIRE_MESSAGE(test::wait_until(
                        [&] {
                            auto c = fx.sandbox().hubspot().get_contact(contact);
                            return c && c->properties.at("firstname") == "FromShop";
                        },
                        30s),
                    fx.log());
    REQUIRE(fx.wait_status([](const json::object& s) { return test::json_int(s, "conflicts") == 0; }, 10s));

    auto again = test::run_command({bin, "conflicts", "resolve", id, "--take", "crm", "--url", url}, 30s, auth);
    CHECK(again.status == 1);
    CHECK(again.output.find("already settled") != std::string::npos);

    auto all = test::run_command({bin, "conflicts", "list", "--all", "--json", "--url", url}, 30s, auth);
    REQUIRE(all.status == 0);
    auto doc = json::parse(all.output.substr(all.output.find('{')));
    bool found = false;
    for (const auto& c : doc.at("conflicts").as_array())
        if (std::to_string(c.at("id").as_int64()) == id) {
            found = true;
            CHECK(c.at("winner").as_string() == "shopify");
        }
    CHECK(found);

    // The person's ledger tells the story without the values.
    auto audit = test::run_command({bin, "audit", "--crm", contact, "--url", url}, 30s, auth);
    REQUIRE_MESSAGE(audit.status == 0, audit.output);
    for (const char* line : {"conflict on first_name: parked for an operator (manual: parked for an operator)",
                             "operator resolved conflict", "first_name: shopify wins", "wrote update in crm: first_name"})
        CHECK_MESSAGE(audit.output.find(line) != std::string::npos, line << "\n" << audit.output);
    CHECK(audit.output.find("FromShop") == std::string::npos);
    CHECK(test::run_command({bin, "audit", "--crm", "nobody", "--url", url}, 30s, auth).status == 1);

    auto dead = test::run_command({bin, "dead-letters", "list", "--url", url}, 30s, auth);
    CHECK(dead.status == 0);
    CHECK(dead.output.find("0 dead letters") != std::string::npos);
    auto retry = test::run_command({bin, "dead-letters", "retry", "99", "--url", url}, 30s, auth);
    CHECK(retry.status == 1);
    CHECK(retry.output.find("dead letter 99 does not exist") != std::string::npos);
    CHECK(fx.stop() == 0);
}

TEST_CASE("resync: a deletion no feed reported and an edit are found now, not at the next hourly pass")
{
    test::daemon_fixture fx;
    fx.sandbox().shopify().seed(6, 4);
    // Polls and id reconciliation an hour apart, no webhooks: only a resync finds changes soon.
    const auto config = fx.write_config({.poll_interval = "1h", .extra_sync = "  reconcile_interval: 1h\n",
                                         .http_token = "resync-token", .log_level = "info"});
    const std::map<std::string, std::string> auth{{"CRMSYNC_HTTP_TOKEN", "resync-token"}};
    fx.start(config);
    REQUIRE_MESSAGE(fx.wait_synced(6, 60s),
                    fx.log());
    const auto customers = fx.sandbox().shopify().list_customers();
    const auto gone = std::stoull(std::string(customers[0].as_object().at("legacyResourceId").as_string()));
    const auto edited = std::stoull(std::string(customers[1].as_object().at("legacyResourceId").as_string()));
    REQUIRE(fx.sandbox().shopify().delete_customer(gone));
    REQUIRE(fx.sandbox().shopify().update_customer(edited, json::object{{"firstName", "Resynced"}}).has_value());
    std::this_thread::sleep_for(2s);
    CHECK(fx.status().has_value());
    CHECK(test::json_int(*fx.status(), "tombstones") == 0); // nothing noticed on its own

    const std::string url = "http://127.0.0.1:" + std::to_string(fx.http_port());
    auto bad = test::run_command({test::binary_path("crmsyncd"), "resync", "--side", "both", "--url", url}, 30s);
    CHECK(bad.status == 64);
    auto r = test::run_command({test::binary_path("crmsyncd"), "resync", "--side", "shopify", "--url", url}, 30s, auth);
    REQUIRE_MESSAGE(r.status == 0, r.output);
    REQUIRE_MESSAGE(fx.wait_status([](const json::object& s) { return test::json_int(s, "tombstones") == 1; }, 30s),
                    fx.log());
    REQUIRE_MESSAGE(test::wait_until(
                        [&] {
                            for (const auto& c : fx.sandbox().hubspot().list_contacts())
                                if (c.properties.contains("firstname") && c.properties.at("firstname") == "Resynced")
                                    return true;
                            return false;
                        },
                        30s),
                    fx.log());

    // --full reads every record again and writes nothing that is already the same.
    const auto observed = test::json_int(test::json_obj(*fx.status(), "shopify"), "records_observed");
    const auto writes = fx.sandbox().hubspot().stats().writes;
    auto full = test::run_command({test::binary_path("crmsyncd"), "resync", "--full", "--url", url}, 30s, auth);
    REQUIRE(full.status == 0);
    REQUIRE_MESSAGE(fx.wait_status(
                        [&](const json::object& s) {
                            return test::json_int(test::json_obj(s, "shopify"), "records_observed") >= observed + 5 &&
                                   test::json_int(s, "pending") == 0;
                        },
                        30s),
                    fx.log());
    CHECK(fx.sandbox().hubspot().stats().writes == writes);
    CHECK(fx.stop() == 0);
}
