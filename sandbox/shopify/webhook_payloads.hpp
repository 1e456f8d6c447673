#pragma once
// What a webhook delivery carries (notes §8.1, §8.6): topic strings, the REST-shaped customer
// payloads of API version 2025-01 and later (numeric ids, snake_case, timestamps in the shop's
// offset; no tags, consent or order statistics), `includeFields` trimming and subscription filters.
// Pure functions.

#include "core/clock.hpp"
#include "sandbox/shopify/customer_store.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace crmsync::sandbox::shopify {

// X-Shopify-Topic of a WebhookSubscriptionTopic value: CUSTOMERS_UPDATE -> customers/update,
// CUSTOMER_TAGS_ADDED -> customer.tags_added, CUSTOMERS_PURCHASING_SUMMARY -> customers/purchasing_summary.
std::string webhook_topic_string(std::string_view topic);

// 2021-12-31T19:00:00-05:00 for a shop `offset_minutes` from UTC.
std::string format_local_time(wall_time t, int offset_minutes);

// customers/create, customers/update (also enable/disable).
boost::json::object customer_payload(const customer& c, int offset_minutes);
// customers/delete: {id, tax_exemptions, admin_graphql_api_id}.
boost::json::object customer_delete_payload(const customer& c);

// Top-level keys named in `fields` only; everything when `fields` is empty.
boost::json::object include_fields(const boost::json::object& payload, const std::vector<std::string>& fields);

// A filter names the field of every term: `field:value`, optionally negated with `-` or NOT and
// combined with AND / OR (whitespace is AND). Bare words make the whole filter invalid.
bool webhook_filter_valid(std::string_view filter);
// Whether a delivery's payload passes the filter. Terms compare the payload's top-level value
// as text, case-insensitively; `customer_id` names a customer payload's `id`. An empty filter
// passes everything.
bool webhook_filter_matches(std::string_view filter, const boost::json::object& payload);

} // namespace crmsync::sandbox::shopify
