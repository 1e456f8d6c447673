#pragma once
// Parser for GraphQL executable documents. Bad input is returned as data (a syntax error phrased
// like Shopify's: "syntax error, unexpected RCURLY (\"}\") at [3, 1]" with its location).

#include "sandbox/shopify/graphql_ast.hpp"

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace crmsync::sandbox::shopify {

struct syntax_error {
    std::string message; // includes " at [line, column]"
    source_location loc;
};

boost::system::result<document, syntax_error> parse_document(std::string_view text);

} // namespace crmsync::sandbox::shopify
