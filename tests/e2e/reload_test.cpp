// SIGHUP (issue 6): a broken file changes nothing and says why (metric 0); a good one applies its live keys
// at once (here conflict: manual, which then parks a both-sides edit) and names the sections whose changes
// need a restart (here http), which keep running as they were.
#include "tests/fakes/daemon_fixture.hpp"
#include "tests/fakes/http_fetch.hpp"

#include "core/normalize.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <sstream>

using namespace crmsync;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::string read(const std::string& path)
{
    std::stringstream s;
    s << std::ifstream(path).rdbuf();
    return s.str();
}

std::string replaced(std::string s, const std::string& from, const std::string& to)
{
    auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
}

} // namespace

TEST_CASE("SIGHUP: a bad file keeps the running configuration, a good one applies its live keys")
{
    test::daemon_fixture fx;
    fx.sandbox().seed_people(3, 3, 3, 8);
    const auto path = fx.write_config({.direction = "two_way", .log_level = "info"});
    const auto original = read(path);
    fx.start(path);
    REQUIRE_MESSAGE(fx.wait_synced(3, 60s),
                    fx.log());
    const auto metrics_url = "http://127.0.0.1:" + std::to_string(fx.http_port()) + "/metrics";

    // A typo: refused as a whole, with file, line and key; the daemon goes on.
    std::ofstream(path) << replaced(original, "  direction: two_way", "  direction: two_way\n  conflicts: manual");
    fx.process().signal(SIGHUP);
    REQUIRE_MESSAGE(test::wait_until([&] { return fx.log().find("the running configuration stays") != std::string::npos; },
                                     10s),
                    fx.log());
    CHECK(fx.log().find("sync.conflicts: unknown key 'conflicts'") != std::string::npos);
    REQUIRE(fx.wait_status([](const json::object& s) { return !s.at("config_last_reload_successful").as_bool(); }, 5s));
    http_request req;
    req.url = metrics_url;
    auto metrics = test::http_fetch(req);
    REQUIRE(metrics.has_value());
    CHECK(metrics->body.find("crmsync_config_last_reload_successful 0") != std::string::npos);
    CHECK(fx.process().running());

    // A good file: conflict: manual applies now; the new listen address waits for a restart.
    auto good = replaced(original, "  direction: two_way", "  direction: two_way\n  conflict: manual");
    good = replaced(good, "listen: 127.0.0.1:0", "listen: 127.0.0.1:1");
    std::ofstream(path) << good;
    fx.process().signal(SIGHUP);
    REQUIRE_MESSAGE(fx.wait_status([](const json::object& s) { return s.at("config_last_reload_successful").as_bool(); },
                                   10s),
                    fx.log());
    CHECK_MESSAGE(fx.log().find("changes to http need a restart") != std::string::npos, fx.log());

    // Both sides edit one person: now parked for an operator instead of settled by newest_wins.
    auto customer = fx.sandbox().shopify().list_customers().front().as_object();
    const auto email = normalize_email(std::string(customer.at("defaultEmailAddress").as_object().at("emailAddress").as_string()));
    std::string contact;
    for (const auto& c : fx.sandbox().hubspot().list_contacts())
        if (normalize_email(c.properties.at("email")) == email)
            contact = c.id;
    REQUIRE(fx.sandbox().shopify()
                .update_customer(std::stoull(std::string(customer.at("legacyResourceId").as_string())),
                                 json::object{{"lastName", "ShopSide"}})
                .has_value());
    REQUIRE(fx.sandbox().hubspot().edit_contact(contact, {{"lastname", "CrmSide"}}).has_value());
    REQUIRE_MESSAGE(fx.wait_status([](const json::object& s) { return test::json_int(s, "conflicts") == 1; }, 30s),
                    fx.log());
    CHECK(fx.stop() == 0);
}
