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
// Customer ids in the control API are numeric (legacyResourceId) or GIDs.
//
// Thread-safety: every public member may be called from any thread; one mutex serialises access
// to the data, the buckets and the statistics. handle() never holds it across a suspension.
// Time comes only from the injected clock (stamps, bucket refill, index lag).

#include "core/clock.hpp"
#include "core/http_server.hpp"
#include "sandbox/faults.hpp"
#include "sandbox/shopify/cost_bucket.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace crmsync::sandbox::shopify {

struct emulator_options {
    std::string access_token = "shpat_sandbox_token";
    bucket_limits limits;          // Standard plan by default: 2000 points, 100/s
    milliseconds index_lag{0};     // how long search takes to see a write
    std::uint64_t fault_seed = 1;
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
    // Drops all customers, definitions, buckets and statistics; keeps options.
    void reset();

private:
    struct state;
    boost::asio::awaitable<http_server_reply> handle_graphql(http_server_request& req, std::string_view version);
    http_server_reply handle_control(const http_server_request& req, std::string_view path);

    const clock& clock_;
    emulator_options options_;
    fault_injector faults_;
    std::unique_ptr<state> state_;
};

} // namespace crmsync::sandbox::shopify
