#pragma once
// The Shopify Admin GraphQL API emulator (design.md §8): crmsync's stand-in for Shopify in tests
// and in the demo. It serves
//   POST /admin/api/{version}/graphql.json   (X-Shopify-Access-Token, JSON {query, variables, operationName})
// with Shopify's parse/validation errors, calculated query cost, leaky-bucket THROTTLED answers,
// userErrors and search warnings, and a control API for people and tests under /_sandbox/:
//   GET  /_sandbox/customers[/{id}]     POST /_sandbox/customers      PATCH|DELETE /_sandbox/customers/{id}
//   POST /_sandbox/seed {count, seed}   GET  /_sandbox/stats          GET  /_sandbox/count
//   POST /_sandbox/limits {capacity, restoreRate, enabled}            POST /_sandbox/index-lag {ms}
//   POST /_sandbox/faults {kind, probability, remaining, pathPrefix, writesOnly, delayMs, retryAfterMs}
//   DELETE /_sandbox/faults             POST /_sandbox/custom-ids {namespace, key}   POST /_sandbox/reset
//   GET  /_sandbox/webhooks[/stats|/log]  POST /_sandbox/webhooks/settings|drop|pause|resume|test
//   POST /_sandbox/bulk {objectsPerSecond, startDelayMs, cancelDelayMs, maxRunning}
//   POST /_sandbox/tokens {lifetimeSeconds}  POST /_sandbox/api-deprecation {reason}
// Customer ids in the control API are numeric (legacyResourceId) or GIDs. Besides GraphQL it serves
//   POST /admin/oauth/access_token        the client-credentials grant (notes §1.4)
//   GET  /_bulk/<id>.jsonl                bulk operation results (no token, like a signed URL)
// and, once start_delivery() ran, POSTs webhooks for customer changes to the subscriptions.
//
// Thread-safety: every public member may be called from any thread; one mutex serialises access
// to the data, the buckets and the statistics. handle() never holds it across a suspension.
// Time comes only from the injected clock (stamps, bucket refill, index lag, token expiry, bulk
// progress); webhook delivery paces itself on real-time asio timers (see webhook_delivery.hpp).

#include "core/clock.hpp"
#include "core/http_server.hpp"
#include "sandbox/faults.hpp"
#include "sandbox/shopify/bulk_operations.hpp"
#include "sandbox/shopify/cost_bucket.hpp"
#include "sandbox/shopify/webhook_delivery.hpp"
#include "sandbox/shopify/webhook_subscriptions.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace crmsync::sandbox::shopify {

struct emulator_options {
    std::string access_token = "shpat_sandbox_token"; // static token, always accepted
    bucket_limits limits;          // Standard plan by default: 2000 points, 100/s
    milliseconds index_lag{0};     // how long search takes to see a write
    std::uint64_t fault_seed = 1;
    // The app: client-credentials grant and webhook signatures.
    std::string client_id = "sandbox_client_id";
    std::string client_secret = "shpss_sandbox_client_secret";
    std::string scope = "read_customers,write_customers";
    std::chrono::seconds token_lifetime{86'399};   // issued tokens expire on the emulator's clock
    std::string shop_domain = "crmsync-sandbox.myshopify.com";
    int shop_utc_offset_minutes = -300;             // webhook payload timestamps
    webhook_rules webhooks;                         // allow_http_loopback, app id, webhook API version
    delivery_settings delivery;
    bulk_settings bulk;
    // Sent as X-Shopify-API-Deprecated-Reason on every GraphQL response when set (requests that
    // fall forward to an older-than-asked version get Shopify's versioning link regardless).
    std::optional<std::string> deprecated_reason;
};

struct emulator_stats {
    std::uint64_t requests = 0;    // every HTTP request to the GraphQL endpoint
    std::uint64_t queries = 0;     // executed query operations
    std::uint64_t mutations = 0;   // executed mutation operations
    std::uint64_t writes = 0;      // mutations that changed data
    std::uint64_t throttled = 0;
    std::uint64_t cost_spent = 0;  // sum of actual costs
    std::map<std::string, std::uint64_t> errors; // by kind: auth, bad_request, parse, validation, variables,
                                                 // max_cost, execution, fault:<kind>, not_found
    boost::json::object to_json() const;
};

// Bucket presets by plan name: standard, advanced, plus, enterprise.
std::optional<bucket_limits> limits_for_plan(std::string_view plan);

class emulator {
public:
    explicit emulator(const clock& c, emulator_options options = {});
    ~emulator();
    emulator(const emulator&) = delete;
    emulator& operator=(const emulator&) = delete;

    // The crmsync::http_server handler.
    boost::asio::awaitable<http_server_reply> handle(http_server_request& req);

    // --- control API (also reachable over HTTP, see above) ---
    // Seeds `count` realistic customers, deterministic for a given seed; returns how many exist.
    std::size_t seed(std::size_t count, std::uint64_t seed);
    // Fields in GraphQL naming: firstName, lastName, email, phone, note, tags, locale, state,
    // numberOfOrders, amountSpent, taxExempt, address{address1, city, province, provinceCode, zip,
    // country, countryCode, company, phone}. Returns the customer in GraphQL shape, or an error text.
    boost::system::result<boost::json::value, std::string> create_customer(const boost::json::object& fields);
    boost::system::result<boost::json::value, std::string> update_customer(std::uint64_t id, const boost::json::object& fields);
    bool delete_customer(std::uint64_t id);
    std::optional<boost::json::value> get_customer(std::uint64_t id);
    boost::json::array list_customers();
    std::size_t customer_count();
    void define_custom_id(std::string name_space, std::string key);

    emulator_stats stats() const;
    void set_limits(bucket_limits limits);
    void set_index_lag(milliseconds lag);
    fault_injector& faults() { return faults_; }
    // Drops all customers, definitions, subscriptions, bulk operations, issued tokens, pending
    // deliveries, buckets and statistics; keeps options.
    void reset();

    // --- webhooks ---
    // Starts (or restarts) sending webhooks on `ex`, whose io_context must outlive the emulator or
    // be stopped before it; stop_delivery() ends it. Deliveries queue while nothing sends them.
    void start_delivery(boost::asio::any_io_executor ex);
    void stop_delivery();
    // Knobs (settings, pause/resume, drop_next), statistics and the log of recent deliveries.
    webhook_delivery& deliveries() { return delivery_; }
    // Posts `body` as a `topic` delivery (an X-Shopify-Topic string such as customers/update) to
    // `uri`, or to every HTTP subscription of that topic when `uri` is empty, signed with the
    // client secret or, with `forge_hmac`, with a wrong one. Returns the event id.
    std::string send_test_webhook(const std::string& topic, std::string body, const std::string& uri = "",
                                  bool forge_hmac = false);
    std::vector<boost::json::value> webhook_subscriptions();

    // --- other knobs ---
    // The emulator's own address ("http://127.0.0.1:PORT"), for bulk operation result URLs.
    void set_base_url(std::string url);
    void set_token_lifetime(std::chrono::seconds lifetime);
    void set_deprecated_reason(std::optional<std::string> reason);
    void set_bulk_settings(const bulk_settings& s);

private:
    struct state;
    boost::asio::awaitable<http_server_reply> handle_graphql(http_server_request& req, std::string_view version);
    http_server_reply handle_control(const http_server_request& req, std::string_view path);
    // The webhook, bulk and token routes of the control API; nullopt when `rest` is none of them.
    std::optional<http_server_reply> handle_control_events(const http_server_request& req, std::string_view rest,
                                                           const boost::json::object& body);
    http_server_reply handle_oauth(const http_server_request& req);
    http_server_reply handle_bulk_file(std::string_view path);
    bool token_accepted(std::string_view token);

    const clock& clock_;
    emulator_options options_;
    fault_injector faults_;
    webhook_delivery delivery_;
    std::unique_ptr<state> state_;
};

} // namespace crmsync::sandbox::shopify
