#pragma once
// Static validation of a parsed document against the emulated schema, answering with the error
// objects Shopify (graphql-ruby) sends: same messages, `extensions.code` values and paths, e.g.
//   {"message":"Field 'x' doesn't exist on type 'Customer'","locations":[...],"path":[...],
//    "extensions":{"code":"undefinedField","typeName":"Customer","fieldName":"x"}}
// A field that exists in Shopify but that the emulator does not serve is reported here too (code
// "FIELD_NOT_EMULATED"), so it never resolves to a silent null.

#include "sandbox/shopify/graphql_ast.hpp"
#include "sandbox/shopify/schema.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <string>

namespace crmsync::sandbox::shopify {

// Every error found in the document, in document order. Empty means valid.
boost::json::array validate_document(const schema& s, const document& doc);

// Shared helpers for error objects (also used by variable coercion and execution errors).
boost::json::object make_error(const std::string& message, source_location loc, boost::json::array path,
                               boost::json::object extensions);
boost::json::array locations_of(source_location loc);
// GraphQL source form of a literal, as graphql-ruby prints it in messages ([FOO_BAR], "x", null).
std::string print_literal(const gql_value& v);

} // namespace crmsync::sandbox::shopify
