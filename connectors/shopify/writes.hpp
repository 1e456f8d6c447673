#pragma once
// Writing Shopify customers (two-way sync), batched into aliased GraphQL mutation documents.
//
// Per op (api/shopify/notes.md §4):
//  - create: customerSet upserting on the customId crmsync.crm_id = the CRM id (by e-mail when the
//    op has no CRM id, a plain create when it has no e-mail either), then the default address and
//    the consent states through their own mutations once the customer id is known. An e-mail or
//    phone that another customer holds fails permanently with that customer in `existing_id`;
//  - update: customerUpdate for the profile (tags replace the set), the default address through
//    customerAddressUpdate / customerAddressCreate with setAsDefault (the address list is never
//    replaced), then the consent mutations (after the profile: consent needs the e-mail/phone);
//  - remove: customerDelete; a customer with orders cannot be deleted and is tagged
//    `crmsync-deleted-in-crm` instead (reported as success); one already gone is a success.
// Up to 10 mutations go in one request. userErrors become permanent failures of their op, naming the
// customer id (never the e-mail). A request-level failure (transport, THROTTLED, 5xx, paused side)
// is every op's failure in that request; a request-level GraphQL error is pinned to its op by
// sending that request's mutations one by one.
//
// Runs on the connector's event loop; not thread-safe.

#include "connectors/shopify/client.hpp"
#include "core/connector.hpp"

#include <boost/asio/awaitable.hpp>

#include <span>
#include <string_view>
#include <vector>

namespace crmsync::shopify {

// The tag a customer gets when the CRM deletes it but Shopify keeps it for its orders.
inline constexpr std::string_view deleted_in_crm_tag = "crmsync-deleted-in-crm";
// Mutations per request: bounds the requested cost (about 10 points each) far below the 1,000 cap.
inline constexpr std::size_t mutations_per_request = 10;

// One result per op, in the order of `ops`.
boost::asio::awaitable<std::vector<write_result>> apply_writes(client& c, std::span<const write_op> ops);

// Makes sure the CUSTOMER metafield definition behind the custom id exists (type `id`, unique
// values): looks it up, creates it when missing. Fails when one exists with another type.
boost::asio::awaitable<outcome<void>> ensure_custom_id_definition(client& c);
// Whether that definition exists (a failure when it exists with the wrong type); changes nothing.
boost::asio::awaitable<outcome<bool>> has_custom_id_definition(client& c);

} // namespace crmsync::shopify
