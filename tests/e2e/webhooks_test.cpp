// End to end (issue 4): with polls every five minutes, Shopify webhooks carry person edits to HubSpot;
// hostile deliveries are refused and change nothing; a webhook lost on purpose is caught by the
// reconciliation (a bulk export every few seconds here).
#include "connectors/shopify/webhooks.hpp"
#include "tests/fakes/daemon_fixture.hpp"
#include "tests/fakes/http_fetch.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>

using namespace crmsync;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::string first_name_in_hubspot(test::daemon_fixture& fx, const std::string& customer_id)
{
    for (const auto& c : fx.sandbox().hubspot().list_contacts())
        if (c.properties.contains("shopify_customer_id") && c.properties.at("shopify_customer_id") == customer_id)
            return c.properties.contains("firstname") ? c.properties.at("firstname") : std::string();
    return {};
}

std::optional<http_response> try_post_webhook(std::uint16_t port, const std::string& topic, const std::string& body,
                                              const std::string& hmac, const std::string& event_id)
{
    http_request req;
    req.method = "POST";
    req.url = fmt::format("http://127.0.0.1:{}/webhooks/shopify", port);
    req.headers.add("Content-Type", "application/json");
    req.headers.add("X-Shopify-Topic", topic);
    req.headers.add("X-Shopify-Hmac-Sha256", hmac);
    req.headers.add("X-Shopify-Event-Id", event_id);
    req.headers.add("X-Shopify-Shop-Domain", "e2e.myshopify.com");
    req.body = body;
    req.timeout = 10s;
    return test::http_fetch(std::move(req));
}

http_response post_webhook(std::uint16_t port, const std::string& topic, const std::string& body, const std::string& hmac,
                           const std::string& event_id)
{
    auto r = try_post_webhook(port, topic, body, hmac, event_id);
    REQUIRE(r.has_value());
    return *r;
}

std::int64_t webhooks(const json::object& s, std::string_view key)
{
    return test::json_int(test::json_obj(test::json_obj(s, "shopify"), "webhooks"), key);
}

} // namespace

TEST_CASE("webhooks: 30 edits arrive between five-minute polls - forged, replayed, huge and malformed deliveries change nothing")
{
    test::daemon_fixture fx;
    fx.sandbox().seed_people(40, 0, 0, 5);
    const auto port = test::free_port();
    auto config = fx.write_config(
        {.poll_interval = "5m",
         .extra_sync = "  reconcile_interval: 4s\n",
         .extra_shopify = fmt::format("  webhooks:\n    path: /webhooks/shopify\n    public_url: http://127.0.0.1:{}/webhooks/shopify",
                                      port),
         .http_port = port});
    fx.start(config);
    REQUIRE_MESSAGE(fx.wait_status(
                        [](const json::object& s) {
                            return s.contains("links") && test::json_int(s, "links") == 40 &&
                                   test::json_int(s, "pending") == 0 && s.at("initial_sync_complete").as_bool();
                        },
                        60s),
                    fx.log());
    // The daemon subscribed itself.
    std::size_t ours = 0;
    for (const auto& sub : fx.sandbox().shopify().webhook_subscriptions())
        if (json::serialize(sub).find(fmt::format("127.0.0.1:{}", port)) != std::string::npos)
            ++ours;
    CHECK(ours >= 3);

    // 30 person edits, one at a time: each reaches HubSpot long before the next poll would.
    auto customers = fx.sandbox().shopify().list_customers();
    std::vector<double> latencies;
    for (int i = 0; i < 30; ++i) {
        const auto& c = customers[static_cast<std::size_t>(i)].as_object();
        const std::string id(c.at("legacyResourceId").as_string());
        const auto value = "Webhook-" + std::to_string(i);
        const auto t0 = std::chrono::steady_clock::now();
        REQUIRE(fx.sandbox().shopify().update_customer(std::stoull(id), json::object{{"firstName", value}}).has_value());
        REQUIRE_MESSAGE(test::wait_until([&] { return first_name_in_hubspot(fx, id) == value; }, 30s), fx.log());
        latencies.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(latencies.begin(), latencies.end());
    MESSAGE(fmt::format("edit-to-CRM latency over webhooks (30 edits): min {:.1f} ms, p50 {:.1f} ms, p99 {:.1f} ms",
                        latencies.front(), latencies[14], latencies[29]));
    CHECK(latencies[29] < 10'000); // far below the 5-minute poll interval

    REQUIRE(fx.wait_status([](const json::object& s) { return test::json_int(s, "pending") == 0; }, 20s));
    const auto writes = fx.sandbox().hubspot().stats().writes;
    const auto before = *fx.status();
    const std::string customer = std::string(customers[35].as_object().at("legacyResourceId").as_string());
    const std::string body = fmt::format(R"({{"id":{},"first_name":"Forged","admin_graphql_api_id":"gid://shopify/Customer/{}"}})",
                                         customer, customer);

    // A forged signature: refused with 401.
    CHECK(post_webhook(port, "customers/update", body, shopify::webhook_hmac(body, "not-the-secret"), "e-forged").status == 401);
    // Malformed JSON, correctly signed: 400.
    const std::string broken = "{\"id\": 12, \"first_name\": ";
    CHECK(post_webhook(port, "customers/update", broken, shopify::webhook_hmac(broken, "e2e_secret"), "e-broken").status == 400);
    // 5 MB: refused before anything is looked at — 413, or the connection closed on a sender that keeps
    // pushing a body nobody will read.
    const std::string huge(5 * 1024 * 1024, 'x');
    auto refused = try_post_webhook(port, "customers/update", huge, shopify::webhook_hmac(huge, "e2e_secret"), "e-huge");
    CHECK((!refused || refused->status == 413));
    // A genuine delivery, then the same event again: stored once.
    CHECK(post_webhook(port, "customers/update", body, shopify::webhook_hmac(body, "e2e_secret"), "e-replay").status == 200);
    CHECK(post_webhook(port, "customers/update", body, shopify::webhook_hmac(body, "e2e_secret"), "e-replay").status == 200);
    REQUIRE(fx.wait_status(
        [&](const json::object& s) {
            return webhooks(s, "processed") >= webhooks(before, "processed") + 1 && test::json_int(s, "pending") == 0;
        },
        20s));
    auto after = *fx.status();
    CHECK(webhooks(after, "rejected") == webhooks(before, "rejected") + 2); // 401 and 400 (413 is the server's)
    CHECK(webhooks(after, "duplicates") == webhooks(before, "duplicates") + 1);
    // The payload was only a hint: the customer did not change, so nothing was written.
    CHECK(fx.sandbox().hubspot().stats().writes == writes);
    CHECK(first_name_in_hubspot(fx, customer) != "Forged");

    // More hostile deliveries, correctly signed (whoever holds the secret can still send garbage): JSON nested
    // 10,000 deep, invalid UTF-8, a topic the daemon does not use. Each is answered (refused with 400, or
    // acknowledged and ignored), nothing is written, the daemon stays up.
    const std::string deep = std::string(10'000, '[') + std::string(10'000, ']');
    const std::string bad_utf8 = fmt::format("{{\"id\":{},\"first_name\":\"\xff\xfe\xc0\xaf\"}}", customer);
    for (const auto& [topic, payload] : {std::pair<std::string, std::string>{"customers/update", deep},
                                         {"customers/update", bad_utf8},
                                         {"orders/create", body}}) {
        auto r = try_post_webhook(port, topic, payload, shopify::webhook_hmac(payload, "e2e_secret"),
                                  "e-hostile-" + std::to_string(payload.size()) + topic);
        REQUIRE(r.has_value());
        CHECK((r->status == 400 || r->status == 200));
    }
    REQUIRE(fx.wait_status([](const json::object& s) { return test::json_int(s, "pending") == 0; }, 20s));
    CHECK(fx.process().running());
    CHECK(fx.sandbox().hubspot().stats().writes == writes);
    CHECK(first_name_in_hubspot(fx, customer) != "Forged");

    // A webhook lost on purpose: the reconciliation finds the change anyway.
    fx.sandbox().shopify().deliveries().drop_next(1);
    const std::string lost_id = std::string(customers[36].as_object().at("legacyResourceId").as_string());
    REQUIRE(fx.sandbox().shopify().update_customer(std::stoull(lost_id), json::object{{"firstName", "Never-Delivered"}}).has_value());
    REQUIRE_MESSAGE(test::wait_until([&] { return first_name_in_hubspot(fx, lost_id) == "Never-Delivered"; }, 60s), fx.log());
    CHECK(fx.sandbox().shopify().deliveries().stats().dropped >= 1);

    auto health = test::http_fetch({.url = fmt::format("http://127.0.0.1:{}/healthz", port)});
    REQUIRE(health.has_value());
    CHECK(health->status == 200);
    CHECK(fx.stop() == 0);
}
