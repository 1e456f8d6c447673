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
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace crmsync::sandbox::shopify {

// Receives a validation failure: the MailingAddressInput field and Shopify's message.
using address_error = std::function<void(const char* field, std::string message)>;

// Applies the keys present in one MailingAddressInput onto `a` (a new address or the one being
// edited): trimmed, blank clears, phone normalised, country and province codes win over names and
// are checked, names default to the owner's. Failures go to `error`; `a` is then not to be kept.
void apply_address_input(const boost::json::object& input, mailing_address& a, const customer& owner,
                         const address_error& error);
// Every value blank (the id aside).
bool blank_address_input(const boost::json::object& input);
// The same postal address (ids aside).
bool same_address(const mailing_address& x, const mailing_address& y);

// Receives a failure of a customer's `addresses` list: the path ("addresses", index, field) and
// Shopify's message.
using address_error_at = std::function<void(std::vector<std::string> field, std::string message)>;

// Applies the `addresses` list of a CustomerInput or CustomerSetInput onto `c`: it replaces the
// current addresses; an entry with the id of one of them edits it in place, one without adds one.
// Entries are validated as the address mutations validate theirs; a wholly blank new entry is
// refused unless `blank_allowed` (customerSet keeps it). Returns false when nothing may be
// written (`c` is then not to be kept).
bool apply_address_list(const boost::json::object& input, customer& c, customer_store& store, const address_error_at& error,
                        bool blank_allowed);

bool is_address_mutation(std::string_view name);
// Precondition: is_address_mutation(name) and `args` coerced against the schema.
mutation_outcome run_address_mutation(const std::string& name, const boost::json::object& args, customer_store& store,
                                      wall_time now);

} // namespace crmsync::sandbox::shopify
