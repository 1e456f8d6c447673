// HubSpot emulator: the 10-second window, the daily cap, the search limit, headers and 429 bodies,
// all driven by a manual clock.
#include "tests/unit/sandbox_hubspot_harness.hpp"

#include <doctest/doctest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace {

using boost::json::object;
using namespace hs_test;

const std::string list = "/crm/v3/objects/contacts?limit=1";
const std::string search = "/crm/objects/2026-09/contacts/search";

hubspot::options limited(hubspot::rate_limits l = {})
{
    hubspot::options o;
    o.limits = l;
    o.access_tokens.push_back("pat-na1-second-app");
    return o;
}

void check_429_body(const response& r, const std::string& message, const std::string& policy)
{
    CHECK(r.status == 429);
    CHECK(str(r.json, "status") == "error");
    CHECK(str(r.json, "message") == message);
    CHECK(str(r.json, "errorType") == "RATE_LIMIT");
    CHECK_FALSE(str(r.json, "correlationId").empty());
    if (policy.empty()) {
        CHECK_FALSE(r.obj().contains("policyName"));
    } else {
        CHECK(str(r.json, "policyName") == policy);
        CHECK_FALSE(str(r.json, "requestId").empty());
    }
}

} // namespace

TEST_CASE("100 requests per rolling 10 seconds then 429 TEN_SECONDLY_ROLLING until the window rolls")
{
    harness h(limited());
    for (int i = 0; i < 50; ++i) {
        const auto r = h.get(list);
        REQUIRE(r.status == 200);
        CHECK(r.header("X-HubSpot-RateLimit-Max") == "100");
        CHECK(r.header("X-HubSpot-RateLimit-Remaining") == std::to_string(99 - i));
        CHECK(r.header("X-HubSpot-RateLimit-Interval-Milliseconds") == "10000");
        CHECK(r.header("X-HubSpot-RateLimit-Daily") == "250000");
        CHECK(r.header("X-HubSpot-RateLimit-Daily-Remaining") == std::to_string(250000 - 1 - i));
    }
    h.clock.advance(std::chrono::milliseconds(5000));
    for (int i = 0; i < 50; ++i)
        REQUIRE(h.get(list).status == 200);
    const auto limited_reply = h.get(list);
    check_429_body(limited_reply, "You have reached your ten_secondly_rolling limit.", "TEN_SECONDLY_ROLLING");
    CHECK(limited_reply.header("X-HubSpot-RateLimit-Remaining") == "0");
    CHECK(limited_reply.header("X-HubSpot-RateLimit-Max") == "100");

    // Each app (token) has its own window.
    CHECK(h.call("GET", list, {}, std::string("pat-na1-second-app")).status == 200);

    h.clock.advance(std::chrono::milliseconds(4999)); // the first 50 are 9,999 ms old
    CHECK(h.get(list).status == 429);
    h.clock.advance(std::chrono::milliseconds(1)); // now they have left the window
    const auto again = h.get(list);
    CHECK(again.status == 200);
    CHECK(again.header("X-HubSpot-RateLimit-Remaining") == "49");

    const auto s = h.em.stats();
    CHECK(s.throttled.at("TEN_SECONDLY_ROLLING") == 2);
    CHECK(s.errors_by_status.at(429) == 2);
    CHECK(s.reads == 104);
}

TEST_CASE("the daily cap answers 429 DAILY until midnight UTC")
{
    hubspot::rate_limits l;
    l.daily_max = 5;
    harness h(limited(l));
    for (int i = 0; i < 5; ++i)
        REQUIRE(h.get(list).status == 200);
    const auto r = h.get(list);
    check_429_body(r, "You have reached your daily limit.", "DAILY");
    CHECK(r.header("X-HubSpot-RateLimit-Daily-Remaining") == "0");
    CHECK(h.post(search, object{}).status == 429); // searches share the daily cap
    h.clock.advance(std::chrono::milliseconds(60'000));
    CHECK(h.get(list).status == 429);
    const auto now = crmsync::to_unix_ms(h.clock.wall_now());
    h.clock.advance(std::chrono::milliseconds(86'400'000 - now % 86'400'000)); // next midnight UTC
    const auto next_day = h.get(list);
    CHECK(next_day.status == 200);
    CHECK(next_day.header("X-HubSpot-RateLimit-Daily-Remaining") == "4");
    CHECK(h.em.stats().throttled.at("DAILY") == 3);
}

TEST_CASE("search has its own 5 per second limit without rate-limit headers")
{
    harness h(limited());
    for (int i = 0; i < 5; ++i) {
        const auto r = h.post(search, object{});
        REQUIRE(r.status == 200);
        CHECK(r.header("X-HubSpot-RateLimit-Remaining").empty());
        CHECK(r.header("X-HubSpot-RateLimit-Max").empty());
    }
    const auto r = h.post(search, object{});
    check_429_body(r, "You have reached your secondly limit.", "");
    CHECK(r.header("X-HubSpot-RateLimit-Max").empty());
    // The 10-second window is untouched by searches.
    CHECK(h.get(list).header("X-HubSpot-RateLimit-Remaining") == "99");
    h.clock.advance(std::chrono::milliseconds(999));
    CHECK(h.post(search, object{}).status == 429);
    h.clock.advance(std::chrono::milliseconds(1));
    CHECK(h.post(search, object{}).status == 200);
    CHECK(h.em.stats().throttled.at("SECONDLY") == 2);
}

TEST_CASE("other apps take their share of the window and of search and tiers and the off switch work")
{
    harness h(limited());
    h.em.set_other_app_share(0.5);
    const auto first = h.get(list);
    CHECK(first.header("X-HubSpot-RateLimit-Max") == "100");
    CHECK(first.header("X-HubSpot-RateLimit-Remaining") == "49");
    for (int i = 1; i < 50; ++i)
        REQUIRE(h.get(list).status == 200);
    CHECK(h.get(list).status == 429);
    for (int i = 0; i < 3; ++i) // 5 per second, of which 2 go to the other app
        REQUIRE(h.post(search, object{}).status == 200);
    CHECK(h.post(search, object{}).status == 429);

    h.em.set_other_app_share(0.0);
    h.em.set_rate_limits(hubspot::rate_limits::for_tier("professional"));
    h.clock.advance(std::chrono::milliseconds(10'000));
    const auto pro = h.get(list);
    CHECK(pro.header("X-HubSpot-RateLimit-Max") == "190");
    CHECK(pro.header("X-HubSpot-RateLimit-Remaining") == "189");
    CHECK(pro.header("X-HubSpot-RateLimit-Daily") == "625000");

    hubspot::rate_limits off;
    off.enabled = false;
    h.em.set_rate_limits(off);
    for (int i = 0; i < 300; ++i)
        REQUIRE(h.get(list).status == 200);
    CHECK(h.get(list).header("X-HubSpot-RateLimit-Max").empty());
}

TEST_CASE("authentication comes before the limits and uses HubSpot's 401 body")
{
    harness h(limited());
    const auto missing = h.call("GET", list, {}, std::nullopt);
    CHECK(missing.status == 401);
    CHECK(str(missing.json, "category") == "INVALID_AUTHENTICATION");
    CHECK(missing.header("X-HubSpot-RateLimit-Max").empty());
    const auto wrong = h.call("GET", list, {}, std::string("pat-na1-not-a-token"));
    CHECK(wrong.status == 401);
    CHECK(str(wrong.json, "category") == "INVALID_AUTHENTICATION");
    CHECK(h.get(list).header("X-HubSpot-RateLimit-Remaining") == "99"); // 401s did not count
}

TEST_CASE("limits can be changed over the control API")
{
    harness h(limited());
    const auto put = h.call("PUT", "/_sandbox/limits", R"({"tier":"professional","daily_max":1000})", std::nullopt);
    REQUIRE(put.status == 200);
    CHECK(put.obj().at("window_max").as_int64() == 190);
    const auto r = h.get(list);
    CHECK(r.header("X-HubSpot-RateLimit-Max") == "190");
    CHECK(r.header("X-HubSpot-RateLimit-Daily") == "1000");
    CHECK(h.call("PUT", "/_sandbox/other-app-share", R"({"share":0.25})", std::nullopt).status == 200);
    CHECK(h.get(list).header("X-HubSpot-RateLimit-Remaining") == "141"); // 190 - 2 used - 47 other
    CHECK(h.call("PUT", "/_sandbox/limits", R"({"window_max":0})", std::nullopt).status == 400);
}
