#pragma once
// Shopify JSON <-> the connector's field vocabulary. Pure: no I/O, no clock.
//
// Vocabulary (see settings.cpp catalog()): id (the numeric legacy id), email, firstName, lastName, phone,
// note, tags (comma-joined), locale, state, createdAt, updatedAt, numberOfOrders, amountSpent,
// emailMarketingState, smsMarketingState, defaultAddress.{company,address1,address2,city,province,
// provinceCode,zip,country,countryCode,phone}.

#include "core/outcome.hpp"
#include "core/record.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crmsync::shopify {

// The selection set that customer_from_json() reads, shared by every query that returns customers.
extern const std::string_view customer_selection;

// A Customer object (as selected by customer_selection) -> record. Fails on a node without id/updatedAt.
outcome<record> customer_from_json(const boost::json::object& node);

// "gid://shopify/Customer/123" -> "123"; other strings unchanged.
std::string legacy_id(std::string_view gid);
std::string customer_gid(std::string_view legacy_id);

} // namespace crmsync::shopify
