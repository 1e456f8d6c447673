#pragma once
// Input values: coercion of the request's `variables` (INVALID_VARIABLE errors phrased like
// Shopify's) and resolution of argument literals into JSON for the resolvers.

#include "sandbox/shopify/graphql_ast.hpp"
#include "sandbox/shopify/schema.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

namespace crmsync::sandbox::shopify {

// Coerced variables (defaults applied, IDs as strings) or the INVALID_VARIABLE errors.
// Precondition: the document passed validation.
boost::system::result<boost::json::object, boost::json::array>
coerce_variables(const schema& s, const operation_definition& op, const boost::json::object& provided);

// A literal with variables substituted. Precondition: validated document, coerced variables.
boost::json::value resolve_literal(const gql_value& v, const boost::json::object& variables);

// The field's arguments as JSON: given ones resolved, omitted ones with a schema default filled in.
boost::json::object resolve_arguments(const field_def& f, const selection& sel, const boost::json::object& variables);

// Problems found when checking a JSON value against an input type ({path, explanation} objects);
// also used for inline literals that need Shopify's one-of rule.
boost::json::array input_problems(const schema& s, const type_ref& t, const boost::json::value* v);

} // namespace crmsync::sandbox::shopify
