#pragma once
// Shopify JSON <-> the connector's field vocabulary. Pure: no I/O, no clock.
//
// Vocabulary (see settings.cpp catalog()): id (the numeric legacy id), email, firstName, lastName, phone,
// note, tags (comma-joined), locale, state, createdAt, updatedAt, numberOfOrders, amountSpent,
// emailMarketingState, smsMarketingState, defaultAddress.{company,address1,address2,city,province,
// provinceCode,zip,country,countryCode,phone}.

#include "core/outcome.hpp"
#include "core/record.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

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

// --- writing ---------------------------------------------------------------------------------

// The customer metafield holding the CRM id: customerSet's customId identifier, so that a create
// retried after a lost response finds the customer it made. Needs a CUSTOMER metafield definition
// of type `id` (unique values) under this namespace and key.
inline constexpr std::string_view custom_id_namespace = "crmsync";
inline constexpr std::string_view custom_id_key = "crm_id";

// A write op's fields split by the mutation that can carry them (customerUpdate and customerSet
// reject consent; customerSet replaces the whole address list, so the default address goes
// through the address mutations).
struct write_input {
    boost::json::object profile;          // CustomerInput / CustomerSetInput fields
    boost::json::object address;          // MailingAddressInput of the default address; empty: untouched
    std::optional<std::string> email_state; // SUBSCRIBED, UNSUBSCRIBED or PENDING
    std::optional<std::string> sms_state;
};

// Builds the inputs for `fields` (this connector's vocabulary). For an update an empty value
// clears the field (null; tags: []); for a create empty values are left out. Fails, naming the
// field, on read-only or unknown fields, on a consent state the input does not accept and on a
// country code that is not two letters. Values never appear in messages (personal data).
outcome<write_input> build_write_input(const field_map& fields, bool create);

// "vip, wholesale" -> ["vip", "wholesale"] (trimmed, empty entries dropped).
boost::json::array split_tags(std::string_view comma_list);

// CustomerSetIdentifiers for a create: the CRM id as customId when there is one, else the e-mail
// (upsert by e-mail), else null (a plain create).
boost::json::value set_identifier(std::string_view crm_id, const boost::json::object& profile);

// CustomerEmailMarketingConsentUpdateInput / CustomerSmsMarketingConsentUpdateInput. PENDING
// carries CONFIRMED_OPT_IN (Shopify refuses it otherwise).
boost::json::object consent_update_input(std::string_view customer_gid, std::string_view state, bool sms);

} // namespace crmsync::shopify
