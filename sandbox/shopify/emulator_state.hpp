#pragma once
// Private to the emulator's translation units: the data behind emulator's pimpl.

#include "sandbox/shopify/customer_store.hpp"
#include "sandbox/shopify/emulator.hpp"
#include "sandbox/shopify/graphql_parser.hpp"

#include "sandbox/shopify/executor.hpp"

#include <map>
#include <mutex>

namespace crmsync::sandbox::shopify {

struct graphql_answer {
    boost::json::object body;
    bool wrote = false;
};

struct emulator::state {
    state(const clock& c, emulator_options& o, webhook_delivery& d) : clock_(c), options(o), delivery(d), buckets(c) {}

    // Parse result to response body: validation, variables, cost, bucket, execution.
    // Takes `mu` itself for the parts that touch shared data.
    graphql_answer run(const boost::system::result<document, syntax_error>& parsed, const boost::json::object& variables,
                       const std::string& operation_name, const std::string& token);

    // Customer in GraphQL shape (every emulated field); caller holds `mu`.
    boost::json::value customer_json(const customer& c);

    // Turns the store's recorded customer changes into webhook events for the subscriptions of
    // customers/create|update|delete (webhook_events.cpp); caller holds `mu`.
    void publish_changes();
    // Deliveries of one event to the HTTP subscriptions of `topic` whose filter passes; caller holds `mu`.
    std::vector<delivery_spec> deliveries_for(const std::string& topic, const boost::json::object& payload);

    shop_services services() { return {webhooks, options.webhooks, bulk, options.bulk, base_url, options.scope}; }

    const clock& clock_;
    emulator_options& options; // the emulator's; knobs change it under `mu`
    webhook_delivery& delivery;
    mutable std::mutex mu;
    customer_store store;
    cost_buckets buckets;
    emulator_stats stats;
    std::uint64_t request_counter = 1;
    webhook_registry webhooks;
    bulk_operations bulk;
    std::map<std::string, wall_time> issued_tokens; // access token -> expiry
    std::string base_url = "http://127.0.0.1";
};

} // namespace crmsync::sandbox::shopify
