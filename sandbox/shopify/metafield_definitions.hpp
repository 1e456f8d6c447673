#pragma once
// Metafield definitions of the CUSTOMER owner type: metafieldDefinitionCreate, and the data behind
// the metafieldDefinitions / metafieldDefinition queries (fixture
// tests/data/shopify/2026-04/customer-set-custom-id.json). A definition of type `id` always has
// unique values, which is what customerSet's customId identifier requires.
//
// Precondition for every function: the caller holds the emulator's lock.

#include "core/clock.hpp"
#include "sandbox/shopify/customer_store.hpp"
#include "sandbox/shopify/executor.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crmsync::sandbox::shopify {

mutation_outcome metafield_definition_create(const boost::json::object& args, customer_store& store);

// Whether `type` is a metafield type Shopify knows; all of them, comma-separated, in its order.
bool known_metafield_type(std::string_view type);
std::string metafield_type_list();

// Every emulated field of a MetafieldDefinition, in GraphQL shape (projected by the executor).
boost::json::object definition_json(const metafield_definition& d, const customer_store& store);

// Definitions matching metafieldDefinitions' filters (ownerType, namespace, key and the `query`
// terms namespace:, key:, type:, name:, each optionally negated with '-' and ending in '*' for a
// prefix), in id order (the caller pages them). A non-CUSTOMER owner type has none.
std::vector<const metafield_definition*> find_definitions(const customer_store& store, const boost::json::object& args);

// metafieldDefinition(identifier: {ownerType, namespace, key}) or (id:).
const metafield_definition* find_definition(const customer_store& store, const boost::json::object& args);

} // namespace crmsync::sandbox::shopify
