#pragma once
// Shopify's search syntax for `customers(query:)` and `customersCount(query:)`:
// implicit AND, OR, parentheses, `-term` / `NOT term`, `field:value`, comparators `:<` `:<=` `:>`
// `:>=`, quoted values, trailing `*` prefix match, `field:*` presence. Terms on fields the query
// does not support are ignored and reported as `extensions.search` warnings, like Shopify does.

#include "core/clock.hpp"
#include "sandbox/shopify/customer_store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace crmsync::sandbox::shopify {

struct search_node {
    enum class kind { all, term, and_node, or_node, not_node };
    kind k = kind::all;
    std::string field; // empty: default (free text)
    std::string op;    // ":", "<", "<=", ">", ">="
    std::string value;
    bool quoted = false;
    bool ignored = false; // unsupported field: matches everything
    std::vector<search_node> children;
};

struct search_query {
    search_node root;
    boost::json::value parsed;     // Shopify's echo of the parse tree (only used with warnings)
    boost::json::array warnings;   // [{field, message, code}]
};

// Fields the `customers` query filters on.
const std::set<std::string>& customer_search_fields();
// Fields `customersCount` accepts (Shopify ignores the rest with a warning).
const std::set<std::string>& customer_count_search_fields();

search_query parse_search(std::string_view text, const std::set<std::string>& supported);
// `now` resolves the `now` keyword in time comparisons.
bool search_matches(const search_node& n, const customer& c, wall_time now);

} // namespace crmsync::sandbox::shopify
