#pragma once
// Calculated query cost, calibrated on the recorded fixtures (see docs in cost.cpp):
//  - scalars and enums 0, objects 1, a few embedded objects 0 (amountSpent, defaultAddress, the
//    deprecated consent states, a webhook's endpoint and apiVersion), customersCount and
//    webhookSubscriptionsCount 10;
//  - a connection costs 2 + m(n) x (cost of one `nodes` item + cost of one `edges.node`), with
//    n = first|last and m(n) = max(1, floor(2 ln n)) (m(1)=1, m(3)=2, m(10)=4, m(250)=11);
//  - a mutation costs 10 plus whatever its payload's objects select below their first level.
// The requested cost is computed from the document before execution; the actual cost re-sizes
// connections by the number of items returned and drops what came back null.

#include "sandbox/shopify/graphql_ast.hpp"
#include "sandbox/shopify/schema.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace crmsync::sandbox::shopify {

// Preconditions: validated document, coerced variables.
int requested_cost(const schema& s, const document& doc, const operation_definition& op, const boost::json::object& variables);
int actual_cost(const schema& s, const document& doc, const operation_definition& op, const boost::json::object& variables,
                const boost::json::value& data);

// m(n) above; exposed for tests.
int connection_multiplier(std::int64_t n);

} // namespace crmsync::sandbox::shopify
