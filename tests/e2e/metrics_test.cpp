// End to end (issue 6): /metrics and /readyz of the real daemon. A two-way first sync against the sandbox
// with a few throttles, server errors and a dropped connection on both sides; then the scrape is read by the
// strict exposition reader (tests/fakes/prometheus_text.hpp) and its numbers are held against what happened.
#include "tests/fakes/daemon_fixture.hpp"
#include "tests/fakes/http_fetch.hpp"
#include "tests/fakes/personal_data.hpp"
#include "tests/fakes/prometheus_text.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace crmsync;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

using labels = std::map<std::string, std::string>;

std::optional<http_response> get(std::uint16_t port, const std::string& path)
{
    return test::http_fetch({.url = fmt::format("http://127.0.0.1:{}{}", port, path), .timeout = 10s});
}

bool settled_and_running(const json::object& s)
{
    return s.contains("links") && test::json_int(s, "pending") == 0 && test::json_int(s, "dirty") == 0 &&
           s.at("initial_sync_complete").as_bool() && s.at("state") == "running";
}

} // namespace

TEST_CASE("metrics: a scrape after a first sync with faults is strictly valid and counts what happened")
{
    test::daemon_fixture fx;
    fx.sandbox().seed_people(300, 200, 80, 5);
    // Until the daemon is ready, /readyz says why not: HubSpot takes its time over the property checks.
    fx.sandbox().hubspot().faults().add(
        {.kind = sandbox::fault_kind::stall, .remaining = 1, .path_prefix = "/crm/properties/", .delay = 3s});
    auto& hs_faults = fx.sandbox().hubspot().faults();
    hs_faults.add({.kind = sandbox::fault_kind::http_429, .remaining = 2, .path_prefix = "/crm/objects/",
                   .retry_after = 200ms});
    hs_faults.add({.kind = sandbox::fault_kind::http_503, .remaining = 1, .path_prefix = "/crm/objects/"});
    auto& shop_faults = fx.sandbox().shopify().faults();
    shop_faults.add({.kind = sandbox::fault_kind::throttled, .remaining = 2, .path_prefix = "/admin/api/"});
    shop_faults.add({.kind = sandbox::fault_kind::reset, .remaining = 1, .path_prefix = "/admin/api/"});

    auto config = fx.write_config({.direction = "two_way", .extra_sync = "  create_in_shopify: true\n"});
    fx.start(config);
    auto early = get(fx.http_port(), "/readyz");
    REQUIRE(early.has_value());
    CHECK(early->status == 503);
    CHECK_MESSAGE(early->body.find("not ready: ") == 0, early->body);

    REQUIRE_MESSAGE(fx.wait_status(settled_and_running, 180s), fx.log());
    auto ready = get(fx.http_port(), "/readyz");
    REQUIRE(ready.has_value());
    CHECK(ready->status == 200);

    auto scrape = get(fx.http_port(), "/metrics");
    auto status = fx.status();
    REQUIRE(scrape.has_value());
    REQUIRE(status.has_value());
    REQUIRE(scrape->status == 200);
    CHECK(scrape->headers.get("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
    const auto& text = scrape->body;
    INFO(text);
    auto m = test::parse_prometheus_text(text, "crmsync_");
    std::string errors;
    for (const auto& e : m.errors)
        errors += e + "\n";
    REQUIRE_MESSAGE(m.errors.empty(), errors);

    // Every family the issue asks for is there, with the right type.
    const std::map<std::string, std::string> families{
        {"crmsync_build_info", "gauge"},
        {"crmsync_config_last_reload_successful", "gauge"},
        {"crmsync_records_observed_total", "counter"},
        {"crmsync_records_written_total", "counter"},
        {"crmsync_conflicts_open", "gauge"},
        {"crmsync_conflicts_recorded_total", "counter"},
        {"crmsync_dead_letters", "gauge"},
        {"crmsync_outbox_pending", "gauge"},
        {"crmsync_links_dirty", "gauge"},
        {"crmsync_api_requests_total", "counter"},
        {"crmsync_api_request_duration_seconds", "histogram"},
        {"crmsync_throttled_total", "counter"},
        {"crmsync_budget_available", "gauge"},
        {"crmsync_budget_capacity", "gauge"},
        {"crmsync_cursor_lag_seconds", "gauge"},
        {"crmsync_webhooks_total", "counter"},
    };
    for (const auto& family : families) {
        const auto& name = family.first; // captured: not a structured binding (clang 14)
        const auto& type = family.second;
        CAPTURE(name);
        REQUIRE(m.families.contains(name));
        CHECK(m.families.at(name).type == type);
    }
    CHECK(m.value("crmsync_build_info", {{"version", CRMSYNC_VERSION}}) == 1);
    CHECK(m.value("crmsync_config_last_reload_successful") == 1);
    CHECK(m.value("crmsync_ready") == 1);
    CHECK(m.value("crmsync_state", {{"state", "running"}}) == 1);
    CHECK(m.sum("crmsync_state") == 1);

    // Requests by side, endpoint class and outcome, the injected faults included (the emulators' own limits
    // may add throttles of their own).
    auto requests = [&](std::string side, std::string endpoint, std::string outcome) {
        return m.value("crmsync_api_requests_total", {{"side", side}, {"endpoint", endpoint}, {"outcome", outcome}})
            .value_or(0);
    };
    CHECK(requests("shopify", "graphql_query", "ok") > 0);
    CHECK(requests("shopify", "graphql_mutation", "ok") > 0); // the bulk export start and customerSet
    CHECK(requests("shopify", "bulk_download", "ok") >= 1);
    CHECK(m.sum("crmsync_api_requests_total", {{"side", "shopify"}, {"outcome", "throttled"}}) >= 2);
    CHECK(m.sum("crmsync_api_requests_total", {{"side", "shopify"}, {"outcome", "network"}}) >= 1);
    CHECK(requests("crm", "search", "ok") > 0);
    CHECK(requests("crm", "batch_write", "ok") > 0);
    CHECK(requests("crm", "properties", "ok") > 0);
    CHECK(m.sum("crmsync_api_requests_total", {{"side", "crm"}, {"outcome", "throttled"}}) >= 2);
    CHECK(m.sum("crmsync_api_requests_total", {{"side", "crm"}, {"outcome", "server_error"}}) >= 1);
    CHECK(m.sum("crmsync_throttled_total", {{"side", "crm"}}) >= 2);
    CHECK(m.sum("crmsync_throttled_total", {{"side", "shopify"}}) >= 2);
    // Every HubSpot request passes one rate budget: the two counts agree but for requests in flight.
    const auto crm_api = m.sum("crmsync_api_requests_total", {{"side", "crm"}});
    const auto crm_granted = m.sum("crmsync_budget_requests_total", {{"side", "crm"}});
    CHECK(crm_api <= crm_granted);
    CHECK(crm_granted - crm_api <= 2);
    // The duration histogram saw each request once.
    for (const auto& s : m.families.at("crmsync_api_requests_total").samples) {
        CAPTURE(s.labels);
        CHECK(m.value("crmsync_api_request_duration_seconds_count", s.labels) == s.value);
    }

    // Records: 300 customers and 200 contacts, 80 people on both: 220 created in HubSpot, 120 in Shopify.
    CHECK(m.value("crmsync_records_written_total", {{"side", "crm"}, {"kind", "create"}}) == 220);
    CHECK(fx.sandbox().shopify().customer_count() == 420);
    CHECK(fx.sandbox().hubspot().counts().live == 420);
    // The engine counts a Shopify create whose record a poll saw first as an update: only bounds hold.
    const auto shopify_written = m.sum("crmsync_records_written_total", {{"side", "shopify"}});
    CHECK(m.value("crmsync_records_written_total", {{"side", "shopify"}, {"kind", "create"}}) > 0);
    CHECK(shopify_written > 0);
    CHECK(m.value("crmsync_records_written_total", {{"side", "crm"}, {"kind", "delete"}}) == 0);
    CHECK(m.sum("crmsync_records_observed_total", {{"side", "shopify"}}) >= 300);
    CHECK(m.sum("crmsync_records_observed_total", {{"side", "crm"}}) >= 200);
    CHECK(m.value("crmsync_links") == test::json_int(*status, "links"));
    CHECK(m.sum("crmsync_outbox_pending") == 0);
    CHECK(m.value("crmsync_webhooks_total", {{"side", "shopify"}, {"outcome", "accepted"}}) == 0);
    CHECK(m.value("crmsync_initial_scan_complete", {{"side", "crm"}}) == 1);
    CHECK(m.value("crmsync_initial_scan_records_expected", {{"side", "crm"}}) == 200);
    CHECK(m.value("crmsync_initial_scan_records_expected", {{"side", "shopify"}}) == 300);
    for (const auto* side : {"shopify", "crm"}) {
        CAPTURE(side);
        CHECK(m.value("crmsync_last_poll_success_timestamp_seconds", {{"side", side}}).has_value());
        CHECK(m.value("crmsync_cursor_lag_seconds", {{"side", side}}).value_or(-1) >= 0);
        CHECK(m.sum("crmsync_budget_capacity", {{"side", side}}) > 0);
    }

    // /status says the same, and keeps the errors the faults caused (redacted, no personal data).
    const auto& crm = test::json_obj(*status, "crm");
    CHECK(test::json_int(test::json_obj(crm, "api_requests"), "throttled") >= 2);
    CHECK(test::json_int(test::json_obj(test::json_obj(*status, "shopify"), "api_requests"), "network") >= 1);
    CHECK(test::json_int(test::json_obj(*status, "initial_sync"), "total") == 500);
    CHECK(test::json_int(test::json_obj(*status, "initial_sync"), "scanned") == 500);
    CHECK(status->at("paused_reasons").as_array().empty());
    REQUIRE(crm.at("recent_errors").is_array());
    CHECK(!crm.at("recent_errors").as_array().empty());

    const auto personal = test::personal_data(fx.sandbox());
    REQUIRE(personal.size() > 500);
    auto leaked = test::find_any(text, personal);
    CHECK_MESSAGE(!leaked, "personal data in /metrics: ", leaked.value_or(""));
    leaked = test::find_any(json::serialize(*status), personal);
    CHECK_MESSAGE(!leaked, "personal data in /status: ", leaked.value_or(""));
}
