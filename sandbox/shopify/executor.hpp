#pragma once
// Executes a validated operation against the customer store and builds `data` exactly as selected
// (aliases, fragments, @include/@skip honoured). Field-level failures become entries of `errors`
// with Shopify's shape ({message, locations, extensions{code}, path}).
//
// Precondition: the caller holds the emulator's lock for the whole call (reads and writes).

#include "core/clock.hpp"
#include "sandbox/shopify/customer_store.hpp"
#include "sandbox/shopify/graphql_ast.hpp"
#include "sandbox/shopify/schema.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>

namespace crmsync::sandbox::shopify {

struct execution_result {
    boost::json::value data;     // object, or null when a non-null root field failed
    boost::json::array errors;
    boost::json::array search;   // extensions.search entries
    int writes = 0;              // mutations that changed data
};

struct execution_request {
    const schema& s;
    const document& doc;
    const operation_definition& op;
    const boost::json::object& variables;
};

execution_result execute(const execution_request& req, customer_store& store, wall_time now);

// Outcome of one mutation resolver (mutations.cpp), projected by the executor.
struct mutation_outcome {
    const customer* result = nullptr;             // payload `customer`, or `node` of tagsAdd/tagsRemove
    const mailing_address* address = nullptr;     // payload `address` of the address mutations
    const metafield_definition* definition = nullptr; // payload `createdDefinition`
    boost::json::array user_errors; // [{field, message, code?}]
    std::optional<std::string> deleted_id;
    std::optional<std::string> deleted_address_id;
    std::optional<boost::json::object> top_error; // {message, code}: field answers null
    bool changed = false;
};

mutation_outcome run_mutation(const std::string& name, const boost::json::object& args, customer_store& store, wall_time now);

} // namespace crmsync::sandbox::shopify
