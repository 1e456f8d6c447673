#pragma once
// HubSpot REST transport: Bearer auth, JSON bodies, pacing through the request gates, and HubSpot's
// answers turned into outcomes (api/hubspot/notes.md §6, §7):
//  - 429: policyName TEN_SECONDLY_ROLLING holds the window gate, the search "secondly limit" holds the
//    search gate, DAILY pauses the side until the daily reset; all retry;
//  - 5xx, 423, 477, transport errors: retry (Retry-After honoured when present);
//  - 401, 403: pause the side (credentials / scopes);
//  - other 4xx: returned as a response for the caller to read (207/400/404/409 carry per-record meaning).
// Rate-limit headers feed the window budget on every answer.

#include "connectors/hubspot/settings.hpp"
#include "core/clock.hpp"
#include "core/http_client.hpp"
#include "core/outcome.hpp"
#include "core/request_gate.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace crmsync::hubspot {

struct api_response {
    int status = 0;
    boost::json::value body; // null when the body was empty
};

enum class endpoint_class { standard, search };

class client {
public:
    client(const settings& s, http_client& http, const clock& clk, request_gate& window_gate, request_gate& search_gate,
           std::shared_ptr<spdlog::logger> log);

    // Sends one request. Success means HubSpot answered with something the caller must interpret
    // (2xx, 400, 404, 409...); transient and side-wide problems come back as failures.
    boost::asio::awaitable<outcome<api_response>> call(std::string method, std::string path, std::string body,
                                                       endpoint_class cls, priority prio, std::string_view what);

    // "/crm/objects/2026-09/contacts" or "/crm/v3/objects/contacts".
    const std::string& objects_path() const { return objects_path_; }
    const std::string& properties_path() const { return properties_path_; }

private:
    // The endpoint class the request metrics count it under: search, batch_read, batch_write, properties,
    // list (other GETs), write (other single-record calls).
    std::string_view metrics_endpoint(std::string_view method, std::string_view path, endpoint_class cls) const;
    outcome<api_response> interpret(const http_response& r, request_gate& gate, std::string_view what);

    const settings& settings_;
    http_client& http_;
    const clock& clock_;
    request_gate& window_gate_;
    request_gate& search_gate_;
    std::shared_ptr<spdlog::logger> log_;
    std::string base_;
    std::string objects_path_;
    std::string properties_path_;
};

// The request gates of one portal (notes §6): the rolling 10-second window and daily cap of the tier (the
// headers correct both), and the search API's 5 requests per second; `max_share` of each is ours.
std::unique_ptr<request_gate> make_window_gate(boost::asio::any_io_executor ex, const clock& clk, tier t,
                                               double max_share);
std::unique_ptr<request_gate> make_search_gate(boost::asio::any_io_executor ex, const clock& clk, double max_share);

// The HubSpot error message of a body (message, plus the first nested error's message), for operators.
std::string error_message(const boost::json::value& body);

} // namespace crmsync::hubspot
