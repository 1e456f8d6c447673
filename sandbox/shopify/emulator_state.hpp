#pragma once
// Private to the emulator's translation units: the data behind emulator's pimpl.

#include "sandbox/shopify/customer_store.hpp"
#include "sandbox/shopify/emulator.hpp"
#include "sandbox/shopify/graphql_parser.hpp"

#include <mutex>

namespace crmsync::sandbox::shopify {

struct graphql_answer {
    boost::json::object body;
    bool wrote = false;
};

struct emulator::state {
    explicit state(const clock& c) : clock_(c), buckets(c) {}

    // Parse result to response body: validation, variables, cost, bucket, execution.
    // Takes `mu` itself for the parts that touch shared data.
    graphql_answer run(const boost::system::result<document, syntax_error>& parsed, const boost::json::object& variables,
                       const std::string& operation_name, const std::string& token);

    // Customer in GraphQL shape (every emulated field); caller holds `mu`.
    boost::json::value customer_json(const customer& c);

    const clock& clock_;
    mutable std::mutex mu;
    customer_store store;
    cost_buckets buckets;
    emulator_stats stats;
    std::uint64_t request_counter = 1;
};

} // namespace crmsync::sandbox::shopify
