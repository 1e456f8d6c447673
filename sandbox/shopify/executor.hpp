#pragma once
// Executes a validated operation against the customer store and builds `data` exactly as selected
// (aliases, fragments, @include/@skip honoured). Field-level failures become entries of `errors`
// with Shopify's shape ({message, locations, extensions{code}, path}).
//
// Precondition: the caller holds the emulator's lock for the whole call (reads and writes).

#include "core/clock.hpp"
#include "sandbox/shopify/bulk_operations.hpp"
#include "sandbox/shopify/customer_store.hpp"
#include "sandbox/shopify/graphql_ast.hpp"
#include "sandbox/shopify/schema.hpp"
#include "sandbox/shopify/webhook_subscriptions.hpp"

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

// The shop's data beyond customers: webhook subscriptions and bulk operations. Without it those
// root fields answer FIELD_NOT_EMULATED errors.
struct shop_services {
    webhook_registry& webhooks;
    const webhook_rules& rules;
    bulk_operations& bulk;
    const bulk_settings& bulk_config;
    const std::string& base_url; // where /_bulk/<id>.jsonl is served
    const std::string& scope;    // the app's granted access scopes, comma-separated (currentAppInstallation)
};

struct execution_request {
    const schema& s;
    const document& doc;
    const operation_definition& op;
    const boost::json::object& variables;
    shop_services* services = nullptr;
    bool bulk = false; // bulk operation: connections without first/last list every item
};

execution_result execute(const execution_request& req, customer_store& store, wall_time now);

// Bulk operations (bulk_operations.cpp): one customer projected through the selection set of a
// `node` field of Customer type.
boost::json::value project_customer(const execution_request& req, const selection& node, const customer& c,
                                    customer_store& store, wall_time now);

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
