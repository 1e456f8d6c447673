#pragma once
// Shopify webhook deliveries (api/shopify/notes.md §8): authenticity (HMAC-SHA256 of the raw body with the
// app's client secret, base64, compared in constant time), shape, de-duplication key, and what each topic
// means for the engine. Payloads are hints only: since 2025-01 they lack tags and consent, so the engine
// re-reads the customer through GraphQL.

#include "connectors/shopify/settings.hpp"
#include "core/connector.hpp"
#include "core/http_server.hpp"

#include <string>
#include <string_view>

namespace crmsync::shopify {

// base64(HMAC-SHA256(secret, body)).
std::string webhook_hmac(std::string_view body, std::string_view secret);

// Checks a delivery: 401 without a valid X-Shopify-Hmac-Sha256 (or when no client_secret is configured),
// 400 without a topic or with a body that is not a JSON object. The de-duplication key is the topic with
// X-Shopify-Event-Id (one merchant action), else X-Shopify-Webhook-Id (one delivery).
outcome<inbound_webhook> verify_delivery(const http_server_request& req, const settings& s);

// customers/create|update|enable|disable and the consent/tags topics: re-read the customer;
// customers/delete: gone; customers/merge: the deleted one merged into the kept one; customers/redact:
// erase; customers/data_request and shop/redact: noted for an operator.
outcome<webhook_hint> interpret_delivery(const inbound_webhook& w);

} // namespace crmsync::shopify
