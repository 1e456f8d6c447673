// Webhook delivery of the Shopify emulator to a real crmsync::http_server receiver on 127.0.0.1:0,
// driven with run_until (no sleeping; delays and backoff compressed with a small time scale):
// headers and a verifiable HMAC (checked with the daemon's own verifier), REST payloads and
// includeFields, duplicates sharing an event id, dropped events, reordering, retries after 500s,
// the 5 s timeout (scaled), forged test deliveries, the HTTP knobs, and sandbox_server wiring.

#include "connectors/shopify/webhooks.hpp"
#include "core/http_server.hpp"
#include "sandbox/sandbox.hpp"
#include "tests/fakes/http_test_loop.hpp"
#include "tests/fakes/manual_clock.hpp"
#include "tests/unit/sandbox_shopify_replay.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <deque>
#include <regex>

using namespace shopify_replay;
using crmsync::http_server_reply;
using crmsync::http_server_request;
using crmsync::sandbox::shopify::delivery_settings;
using crmsync::sandbox::shopify::emulator_options;
using crmsync::test::manual_clock;
using crmsync::test::run_until;
namespace asio = boost::asio;

namespace {

const std::string secret = "shpss_sandbox_client_secret";

// A webhook receiver: records every request; answers the scripted statuses in turn (then 200),
// a status of 0 meaning "answer only after 2 s".
struct receiver {
    explicit receiver(asio::io_context& io)
        : server(io.get_executor(), {}, [this](http_server_request& req) -> asio::awaitable<http_server_reply> {
              received.push_back(req);
              int status = 200;
              if (!script.empty()) {
                  status = script.front();
                  script.pop_front();
              }
              if (status == 0) {
                  asio::steady_timer stall(co_await asio::this_coro::executor, std::chrono::seconds(2));
                  co_await stall.async_wait(asio::use_awaitable);
                  status = 200;
              }
              http_server_reply r;
              r.response.status = status;
              co_return r;
          })
    {
        REQUIRE(server.start());
    }
    ~receiver() { server.stop(); }
    std::string url(const std::string& path = "/webhooks") const
    {
        return "http://127.0.0.1:" + std::to_string(server.port()) + path;
    }
    std::string header(std::size_t i, std::string_view name) const
    {
        auto v = received.at(i).headers.get(name);
        return v ? std::string(*v) : std::string();
    }
    json::object body(std::size_t i) const { return json::parse(received.at(i).body).as_object(); }

    std::vector<http_server_request> received;
    std::deque<int> script;
    crmsync::http_server server;
};

emulator_options fast()
{
    emulator_options o;
    o.delivery.time_scale = 0.001;       // 5 s timeout -> 5 ms would be too tight for a loaded CI machine,
    o.delivery.timeout = std::chrono::seconds(2000); // so the nominal timeout is raised where not tested
    o.delivery.backoff_base = std::chrono::seconds(2); // 2 ms, 4 ms, ...
    return o;
}

void subscribe(emulator& em, const std::string& topic, const std::string& uri, json::array include = {})
{
    json::object input{{"uri", uri}, {"format", "JSON"}};
    if (!include.empty())
        input["includeFields"] = std::move(include);
    auto r = gql(em, "mutation($t: WebhookSubscriptionTopic!, $s: WebhookSubscriptionInput!) { webhookSubscriptionCreate(topic: $t, "
                     "webhookSubscription: $s) { userErrors { message } } }",
                 json::object{{"t", topic}, {"s", input}});
    REQUIRE(r.at("data").at("webhookSubscriptionCreate").at("userErrors").as_array().empty());
}

std::uint64_t new_customer(emulator& em, const std::string& email)
{
    auto c = em.create_customer(json::object{{"firstName", "Ada"}, {"lastName", "Lovelace"}, {"email", email}, {"tags", json::array{"vip"}}});
    REQUIRE(c);
    return std::stoull(std::string(c->at("legacyResourceId").as_string()));
}

crmsync::http_server_reply control(emulator& em, const std::string& method, const std::string& path, const json::object& body = {})
{
    http_server_request req;
    req.method = method;
    req.target = path;
    req.body = body.empty() ? "" : json::serialize(body);
    return call(em, std::move(req));
}

} // namespace

TEST_CASE("customer changes are delivered with Shopify's headers, a valid HMAC and REST payloads")
{
    asio::io_context io;
    receiver rx(io);
    manual_clock clock;
    emulator em(clock, fast());
    em.start_delivery(io.get_executor());
    subscribe(em, "CUSTOMERS_CREATE", rx.url("/create"));
    subscribe(em, "CUSTOMERS_UPDATE", rx.url("/update"), json::array{"id", "updated_at", "email"});
    subscribe(em, "CUSTOMERS_DELETE", rx.url("/delete"));

    std::uint64_t id = new_customer(em, "ada@example.com");
    REQUIRE(run_until(io, [&] { return rx.received.size() == 1; }));
    CHECK(rx.received[0].target == "/create");
    CHECK(rx.header(0, "Content-Type") == "application/json");
    CHECK(rx.header(0, "X-Shopify-Topic") == "customers/create");
    CHECK(rx.header(0, "X-Shopify-Shop-Domain") == "crmsync-sandbox.myshopify.com");
    CHECK(rx.header(0, "X-Shopify-API-Version") == "2026-10");
    CHECK(rx.header(0, "X-Shopify-Hmac-Sha256") == crmsync::shopify::webhook_hmac(rx.received[0].body, secret));
    CHECK(std::regex_match(rx.header(0, "X-Shopify-Webhook-Id"), std::regex("[0-9a-f-]{36}")));
    CHECK(std::regex_match(rx.header(0, "X-Shopify-Event-Id"), std::regex("[0-9a-f-]{36}")));
    CHECK(std::regex_match(rx.header(0, "X-Shopify-Triggered-At"), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")));
    json::object created = rx.body(0);
    CHECK(created.at("id") == id); // numeric, not a GID
    CHECK(created.at("admin_graphql_api_id") == json::value("gid://shopify/Customer/" + std::to_string(id)));
    CHECK(created.at("email") == "ada@example.com");
    CHECK(created.at("state") == "disabled");
    CHECK(std::regex_match(std::string(created.at("created_at").as_string()), std::regex(R"(.*T\d\d:\d\d:\d\d-05:00)")));
    for (const char* gone : {"tags", "email_marketing_consent", "sms_marketing_consent", "orders_count", "total_spent", "accepts_marketing"})
        CHECK_MESSAGE(!created.contains(gone), gone);

    // Through GraphQL, as the daemon writes: includeFields trims the update payload.
    clock.advance(std::chrono::seconds(5));
    auto upd = gql(em, "mutation($i: CustomerInput!) { customerUpdate(input: $i) { userErrors { message } } }",
                   json::object{{"i", json::object{{"id", "gid://shopify/Customer/" + std::to_string(id)}, {"note", "hello"}}}});
    REQUIRE(upd.at("data").at("customerUpdate").at("userErrors").as_array().empty());
    REQUIRE(run_until(io, [&] { return rx.received.size() == 2; }));
    CHECK(rx.header(1, "X-Shopify-Topic") == "customers/update");
    json::object updated = rx.body(1);
    CHECK(updated.size() == 3);
    CHECK(updated.at("id") == id);
    CHECK(updated.contains("updated_at"));
    CHECK(rx.header(1, "X-Shopify-Hmac-Sha256") == crmsync::shopify::webhook_hmac(rx.received[1].body, secret));
    CHECK(rx.header(1, "X-Shopify-Event-Id") != rx.header(0, "X-Shopify-Event-Id"));

    REQUIRE(em.delete_customer(id));
    REQUIRE(run_until(io, [&] { return rx.received.size() == 3; }));
    CHECK(rx.header(2, "X-Shopify-Topic") == "customers/delete");
    CHECK(rx.body(2) == json::object{{"id", id}, {"tax_exemptions", json::array{}},
                                     {"admin_graphql_api_id", "gid://shopify/Customer/" + std::to_string(id)}});
    REQUIRE(run_until(io, [&] { return em.deliveries().stats().deliveries == 3; }));
    auto stats = em.deliveries().stats();
    CHECK(stats.events == 3);
    CHECK(stats.retries == 0);
}

TEST_CASE("duplicates share the event id - dropped events are never delivered - reordering")
{
    asio::io_context io;
    receiver rx(io);
    manual_clock clock;
    emulator em(clock, fast());
    em.start_delivery(io.get_executor());
    subscribe(em, "CUSTOMERS_CREATE", rx.url());

    delivery_settings s = em.deliveries().settings();
    s.duplicate_probability = 1.0;
    em.deliveries().set_settings(s);
    new_customer(em, "twin@example.com");
    REQUIRE(run_until(io, [&] { return rx.received.size() == 2; }));
    CHECK(rx.header(0, "X-Shopify-Event-Id") == rx.header(1, "X-Shopify-Event-Id"));
    CHECK(rx.header(0, "X-Shopify-Webhook-Id") != rx.header(1, "X-Shopify-Webhook-Id"));
    CHECK(rx.received[0].body == rx.received[1].body);
    CHECK(em.deliveries().stats().duplicates == 1);
    s.duplicate_probability = 0.0;
    em.deliveries().set_settings(s);

    // Over HTTP: drop the next two events.
    REQUIRE(control(em, "POST", "/_sandbox/webhooks/drop", json::object{{"count", 2}}).response.status == 200);
    new_customer(em, "lost1@example.com");
    new_customer(em, "lost2@example.com");
    new_customer(em, "kept@example.com");
    REQUIRE(run_until(io, [&] { return rx.received.size() == 3; }));
    CHECK(rx.body(2).at("email") == "kept@example.com");
    auto stats = json::parse(control(em, "GET", "/_sandbox/webhooks/stats").response.body);
    CHECK(stats.at("dropped") == 2);
    CHECK(stats.at("events") == 4);
    auto log = json::parse(control(em, "GET", "/_sandbox/webhooks/log").response.body).at("deliveries").as_array();
    CHECK(std::count_if(log.begin(), log.end(), [](const json::value& r) { return r.at("outcome") == "dropped"; }) == 2);

    // Paused, events queue; reordered, the newest goes first.
    REQUIRE(control(em, "POST", "/_sandbox/webhooks/pause").response.status == 200);
    for (const char* e : {"a@example.com", "b@example.com", "c@example.com"})
        new_customer(em, e);
    CHECK(em.deliveries().stats().pending == 3);
    REQUIRE(control(em, "POST", "/_sandbox/webhooks/settings", json::object{{"reorder", true}}).response.status == 200);
    REQUIRE(control(em, "POST", "/_sandbox/webhooks/resume").response.status == 200);
    REQUIRE(run_until(io, [&] { return rx.received.size() == 6; }));
    CHECK(rx.body(3).at("email") == "c@example.com");
    CHECK(rx.body(4).at("email") == "b@example.com");
    CHECK(rx.body(5).at("email") == "a@example.com");
}

TEST_CASE("a 500 is retried with backoff until it succeeds - the webhook id stays")
{
    asio::io_context io;
    receiver rx(io);
    rx.script = {500, 503};
    manual_clock clock;
    emulator em(clock, fast());
    em.start_delivery(io.get_executor());
    subscribe(em, "CUSTOMERS_CREATE", rx.url());
    new_customer(em, "retry@example.com");
    REQUIRE(run_until(io, [&] { return em.deliveries().stats().deliveries == 1; }));
    REQUIRE(rx.received.size() == 3);
    CHECK(rx.header(0, "X-Shopify-Webhook-Id") == rx.header(2, "X-Shopify-Webhook-Id"));
    CHECK(rx.received[0].body == rx.received[2].body); // the original payload
    auto stats = em.deliveries().stats();
    CHECK(stats.attempts == 3);
    CHECK(stats.retries == 2);
    CHECK(stats.failures == 2);
    auto log = em.deliveries().recent();
    REQUIRE(log.size() == 3);
    CHECK(log[0].status == 500);
    CHECK(log[0].outcome == "http_error");
    CHECK(log[2].outcome == "delivered");
    CHECK(log[2].attempt == 3);

    // Every attempt failing: 8 attempts, then abandoned.
    rx.script.assign(8, 500);
    new_customer(em, "doomed@example.com");
    REQUIRE(run_until(io, [&] { return em.deliveries().stats().abandoned == 1; }));
    CHECK(rx.received.size() == 3 + 8);
}

TEST_CASE("no answer within the (scaled) 5 s is a failure, retried - connection failures too")
{
    asio::io_context io;
    receiver rx(io);
    rx.script = {0}; // the first request is answered only after 2 s
    manual_clock clock;
    emulator_options o;
    o.delivery.time_scale = 0.02;                 // 5 s -> 100 ms
    o.delivery.backoff_base = std::chrono::seconds(1); // 20 ms
    emulator em(clock, o);
    em.start_delivery(io.get_executor());
    subscribe(em, "CUSTOMERS_CREATE", rx.url());
    auto started = std::chrono::steady_clock::now();
    std::uint64_t id = new_customer(em, "slow@example.com");
    REQUIRE(run_until(io, [&] { return em.deliveries().stats().deliveries == 1; }));
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
    auto log = em.deliveries().recent();
    REQUIRE(log.size() == 2);
    CHECK(log[0].outcome == "timeout");
    CHECK(log[1].outcome == "delivered");

    // Nobody listening: connection failures, retried.
    subscribe(em, "CUSTOMERS_UPDATE", "http://127.0.0.1:9/closed");
    REQUIRE(em.update_customer(id, json::object{{"note", "x"}}));
    REQUIRE(run_until(io, [&] { return em.deliveries().stats().failures >= 3; }));
    CHECK(em.deliveries().recent().back().outcome == "connection_failed");
    em.stop_delivery();
}

TEST_CASE("test deliveries carry a correct or a forged HMAC - stop_delivery stops sending")
{
    asio::io_context io;
    receiver rx(io);
    manual_clock clock;
    emulator em(clock, fast());
    em.start_delivery(io.get_executor());
    const std::string body = R"({"id":1,"email":"x@example.com"})";
    em.send_test_webhook("customers/update", body, rx.url());
    REQUIRE(control(em, "POST", "/_sandbox/webhooks/test",
                    json::object{{"topic", "customers/redact"}, {"body", json::object{{"shop_id", 1}}}, {"uri", rx.url()}, {"forgeHmac", true}})
                .response.status == 200);
    REQUIRE(run_until(io, [&] { return rx.received.size() == 2; }));
    CHECK(rx.received[0].body == body);
    CHECK(rx.header(0, "X-Shopify-Hmac-Sha256") == crmsync::shopify::webhook_hmac(body, secret));
    CHECK(rx.header(1, "X-Shopify-Topic") == "customers/redact");
    CHECK(rx.header(1, "X-Shopify-Hmac-Sha256") != crmsync::shopify::webhook_hmac(rx.received[1].body, secret));

    em.stop_delivery();
    em.send_test_webhook("customers/update", body, rx.url());
    CHECK(!run_until(io, [&] { return rx.received.size() == 3; }, std::chrono::milliseconds(200)));
    CHECK(em.deliveries().stats().pending == 1);
    em.start_delivery(io.get_executor());
    REQUIRE(run_until(io, [&] { return rx.received.size() == 3; }));
}

TEST_CASE("sandbox_server delivers from its own thread and serves bulk files at its own URL")
{
    asio::io_context io;
    receiver rx(io);
    crmsync::sandbox::sandbox_options opts;
    manual_clock clock;
    crmsync::sandbox::sandbox_server sandbox(opts, clock);
    sandbox.start();
    subscribe(sandbox.shopify(), "CUSTOMERS_CREATE", rx.url());
    REQUIRE(sandbox.shopify().create_customer(json::object{{"email", "wired@example.com"}}));
    REQUIRE(run_until(io, [&] { return rx.received.size() == 1; }));
    CHECK(rx.body(0).at("email") == "wired@example.com");
    auto r = gql(sandbox.shopify(), "mutation { bulkOperationRunQuery(query: \"{ customers { edges { node { id } } } }\") { "
                                    "bulkOperation { id } userErrors { message } } }");
    std::string id(r.at("data").at("bulkOperationRunQuery").at("bulkOperation").at("id").as_string());
    clock.advance(std::chrono::seconds(5));
    auto op = gql(sandbox.shopify(), "query($id: ID!) { bulkOperation(id: $id) { status url } }", json::object{{"id", id}});
    CHECK(op.at("data").at("bulkOperation").at("status") == "COMPLETED");
    CHECK(std::string(op.at("data").at("bulkOperation").at("url").as_string()).starts_with(sandbox.shopify_url() + "/_bulk/"));
    sandbox.stop();
}
