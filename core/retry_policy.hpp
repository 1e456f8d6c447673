#pragma once
// Retry decisions owned by the engine (design.md §6 "Retries"): which HTTP outcomes are transient,
// and how long to back off (exponential with full jitter, never less than the server's Retry-After).

#include "core/clock.hpp"
#include "core/http.hpp"
#include "core/outcome.hpp"

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace crmsync {

struct retry_policy {
    std::chrono::milliseconds base{500};
    std::chrono::milliseconds cap{300'000};
    // Attempts after which a record that keeps failing permanently becomes a dead letter.
    int max_attempts = 5;

    // Delay before attempt number `attempt` (1 = first retry): uniform in [0, min(cap, base * 2^(attempt-1))],
    // then raised to `retry_after` if the server asked for longer.
    std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds retry_after, std::mt19937_64& rng) const;
};

// Parses a Retry-After value: delta-seconds (integer or decimal, as Shopify sends "2.0") or an HTTP-date
// relative to `now`. Zero when absent or unparsable.
std::chrono::milliseconds parse_retry_after(std::string_view value, wall_time now);

// True for statuses worth retrying: 408, 429, 5xx (and HubSpot's 423 lock and 477 migration).
bool is_retryable_status(int status);

// The generic classification of a non-2xx response; connectors refine it (402/423 pauses for Shopify,
// 401 after renewal, 409 conflicts). `what` names the request or record for the message.
failure classify_response(const http_response& r, std::string_view what, wall_time now);

// Message for a transport-level error (no HTTP response at all); always retryable.
failure transport_failure(const boost::system::error_code& ec, std::string_view what);

} // namespace crmsync
