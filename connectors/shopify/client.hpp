#pragma once
// Shopify Admin GraphQL transport: one POST per operation, paced by the cost bucket, with Shopify's
// answers turned into outcomes (design.md §6, api/shopify/notes.md §5 and §9). Authenticates with the
// static access token, or with a token from the client-credentials grant (notes §1.4), renewed before it
// expires and once more when Shopify answers 401:
//  - THROTTLED (HTTP 200) and 429: the gate is held for the computed wait / Retry-After, retry;
//  - 5xx, INTERNAL_SERVER_ERROR, transport errors, malformed bodies: retry;
//  - 401 (token rejected), 402 (shop frozen), 423 (shop locked), 403 and 404 (wrong shop): pause the side;
//  - MAX_COST_EXCEEDED, validation and other GraphQL errors: permanent (a bug on our side; say which).
// Response headers worth an operator's attention (API version fall-forward, deprecations) are logged once.

#include "connectors/shopify/settings.hpp"
#include "core/clock.hpp"
#include "core/http_client.hpp"
#include "core/outcome.hpp"
#include "core/request_gate.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace crmsync {
enum class request_outcome : std::uint8_t;
}

namespace crmsync::shopify {

struct graphql_result {
    boost::json::object data;
    double requested_cost = 0; // extensions.cost.requestedQueryCost (0 when absent)
};

class client {
public:
    client(const settings& s, http_client& http, const clock& clk, request_gate& gate, std::shared_ptr<spdlog::logger> log);

    // Runs one GraphQL operation. `estimated_cost` is what the gate reserves before sending; `what`
    // names the operation in messages ("customers page", "customerSet for 123").
    boost::asio::awaitable<outcome<graphql_result>> execute(std::string_view document, boost::json::object variables,
                                                            double estimated_cost, priority prio, std::string_view what);

    const std::string& endpoint() const { return endpoint_; }
    // The version Shopify says it served (X-Shopify-API-Version), empty before the first answer.
    const std::string& served_version() const { return served_version_; }
    // Test hook: called with every GraphQL document sent (schema validation of all documents we send).
    void observe_documents(std::function<void(std::string_view)> f) { document_observer_ = std::move(f); }
    // X-Shopify-API-Deprecated-Reason of the latest answer that carried one.
    const std::string& deprecation() const { return deprecation_; }

private:
    // The static access_token, or one issued by the client-credentials grant and renewed before expiry.
    boost::asio::awaitable<outcome<std::string>> access_token();
    // `seen` is set to the outcome the request metrics count (core/metrics.hpp).
    outcome<graphql_result> interpret(const http_response& r, std::string_view what, double estimated_cost,
                                      request_outcome& seen);
    void note_headers(const http_response& r);
    void note_search_warnings(const boost::json::object& root, std::string_view what);

    const settings& settings_;
    http_client& http_;
    const clock& clock_;
    request_gate& gate_;
    std::shared_ptr<spdlog::logger> log_;
    std::string endpoint_;
    std::string oauth_url_;
    std::string token_;
    steady_time token_expiry_{};
    std::string served_version_;
    std::string deprecation_;
    std::set<std::string> search_warnings_;
    std::function<void(std::string_view)> document_observer_;
};

// A warning when `version` (YYYY-MM) is within 90 days of the end of its support at `now`; empty otherwise.
std::string api_version_warning(std::string_view version, wall_time now);

} // namespace crmsync::shopify
