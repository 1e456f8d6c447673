// `crmsyncd check-config --online` (issue 5): with the sandbox, it reports access and the CRM properties
// the mapping needs, names a missing or read-only property and rejected credentials (exit 69), and
// changes nothing in either system.
#include "tests/fakes/daemon_fixture.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace crmsync;
using namespace std::chrono_literals;

namespace {

test::run_result check(const std::string& config)
{
    return test::run_command({test::binary_path("crmsyncd"), "check-config", "--config", config, "--online"}, 60s);
}

std::uint64_t writes(test::daemon_fixture& fx)
{
    return fx.sandbox().shopify().stats().writes + fx.sandbox().hubspot().stats().writes;
}

std::string replaced(const std::string& path, const std::string& from, const std::string& to)
{
    std::stringstream text;
    text << std::ifstream(path).rdbuf();
    auto s = text.str();
    REQUIRE(s.find(from) != std::string::npos);
    s.replace(s.find(from), from.size(), to);
    auto out = path + ".changed.yaml";
    std::ofstream(out) << s;
    return out;
}

} // namespace

TEST_CASE("check-config --online: access, properties to create, missing and read-only ones, bad token")
{
    test::daemon_fixture fx;
    const auto good = fx.write_config({.direction = "two_way", .extra_sync = "  create_in_shopify: true\n"});

    auto ok = check(good);
    CHECK_MESSAGE(ok.status == 0, ok.output);
    CHECK(ok.output.find("configuration is valid") != std::string::npos);
    CHECK(ok.output.find("Shopify: access works; scopes read_customers and write_customers granted") !=
          std::string::npos);
    CHECK(ok.output.find("HubSpot: access works") != std::string::npos);
    CHECK_MESSAGE(ok.output.find("Shopify: API version 2026-10 is served") != std::string::npos, ok.output);
    // A fresh portal lacks crmsync's own properties: reported as what the daemon will create.
    CHECK(ok.output.find("'shopify_customer_id' does not exist yet; crmsyncd creates it at start") != std::string::npos);
    CHECK(writes(fx) == 0);

    // A version Shopify no longer serves falls forward: said, with what to change.
    auto old = check(fx.write_config({.direction = "two_way", .extra_shopify = "  api_version: \"2024-01\"\n"}));
    CHECK_MESSAGE(old.output.find("API version 2024-01 is no longer served") != std::string::npos, old.output);

    // A mapped property the portal does not have, and one it has read-only.
    const auto fields = R"(  fields:
    - {name: email, shopify: email, crm: email, direction: both, normalize: email}
    - {name: color, shopify: note, crm: favorite_color, direction: both}
    - {name: activity, shopify: lastName, crm: notes_last_updated, direction: both}
)";
    const auto bad = fx.write_config({.direction = "two_way", .extra_sync = fields});
    auto missing = check(bad);
    CHECK(missing.status == 69);
    CHECK_MESSAGE(missing.output.find("do not exist: favorite_color") != std::string::npos, missing.output);
    CHECK_MESSAGE(missing.output.find("are read-only: notes_last_updated") != std::string::npos, missing.output);

    // Credentials HubSpot refuses.
    auto refused = check(replaced(good, "pat-na1-e2e", "pat-na1-wrong"));
    CHECK(refused.status == 69);
    CHECK_MESSAGE(refused.output.find("credentials rejected (HTTP 401)") != std::string::npos, refused.output);
    CHECK(writes(fx) == 0);
}

TEST_CASE("check-config --online: a Shopify app without write_customers is refused for a two-way sync")
{
    sandbox::sandbox_options o;
    o.shopify.scope = "read_customers,read_orders";
    test::daemon_fixture fx(o);
    auto two_way = check(fx.write_config({.direction = "two_way", .extra_sync = "  create_in_shopify: true\n"}));
    CHECK(two_way.status == 69);
    CHECK_MESSAGE(two_way.output.find("lacks the scope(s) write_customers (granted: read_customers, read_orders)") !=
                      std::string::npos,
                  two_way.output);
    // One way into the CRM only reads Shopify: enough.
    auto one_way = check(fx.write_config({.direction = "shopify_to_crm"}));
    CHECK_MESSAGE(one_way.status == 0, one_way.output);
    CHECK(one_way.output.find("scopes read_customers granted") != std::string::npos);
}
