#pragma once
// Customer addresses: the MailingAddressInput of customer lists (customerCreate/customerSet) and the
// address mutations customerAddressCreate, customerAddressUpdate, customerAddressDelete and
// customerUpdateDefaultAddress, with Shopify's validation texts and error order (fixtures
// tests/data/shopify/2025-01/customer-address-*.json and 2026-04/customer-address-missing-customer.json).
//
// Precondition for every function: the caller holds the emulator's lock.

#include "core/clock.hpp"
#include "sandbox/shopify/customer_store.hpp"
#include "sandbox/shopify/executor.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace crmsync::sandbox::shopify {

// One entry of a customer's `addresses` list input, taken as given (list semantics are the
// caller's); country and province names are derived from their codes.
mailing_address address_of(const boost::json::object& input, std::uint64_t id);

bool is_address_mutation(std::string_view name);
// Precondition: is_address_mutation(name) and `args` coerced against the schema.
mutation_outcome run_address_mutation(const std::string& name, const boost::json::object& args, customer_store& store,
                                      wall_time now);

} // namespace crmsync::sandbox::shopify
