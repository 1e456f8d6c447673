#pragma once
// Webhook delivery like Shopify's (notes §8.3–8.5): each delivery is a POST of the JSON payload to
// the subscription's address with X-Shopify-Topic, X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of
// the raw body keyed with the app's client secret), X-Shopify-Shop-Domain, X-Shopify-API-Version,
// X-Shopify-Webhook-Id (one per delivery; its retries keep it), X-Shopify-Event-Id (one per event,
// shared by its duplicates), X-Shopify-Triggered-At and X-Shopify-Name. At least once: a non-2xx
// answer, a connection failure or no answer within 5 s is retried with exponential backoff, 8
// attempts in all (about 4 h, compressed by `time_scale` for tests).
//
// Fault knobs for testing a receiver: duplicate probability, a random delay before the first
// attempt, reordering (the newest queued delivery goes first), dropping the next N events (never
// delivered: lost), pausing. Deliveries are sent one at a time in queue order.
//
// Thread-safety: every member may be called from any thread. start() runs the sender as a
// coroutine on the given executor; stop() ends it (an attempt in flight is abandoned when the
// executor's io_context stops or is destroyed). Real time (asio timers) paces delays and backoff;
// stamps come from the injected clock.

#include "core/clock.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace crmsync::sandbox::shopify {

struct delivery_settings {
    double time_scale = 1.0;                      // real duration = nominal x time_scale
    milliseconds timeout{5'000};                  // nominal; the whole exchange, connect included
    milliseconds backoff_base{120'000};           // nominal wait before the 2nd attempt; doubles after
    int max_attempts = 8;
    double duplicate_probability = 0.0;           // chance that a delivery is sent twice
    milliseconds min_delay{0}, max_delay{0};      // nominal random delay before the first attempt
    bool reorder = false;                         // newest queued delivery first
};

struct delivery_identity {
    std::string client_secret;
    std::string shop_domain;
    std::string api_version;
    std::uint64_t seed = 1;
};

// One delivery of an event to one address.
struct delivery_spec {
    std::string topic;                 // X-Shopify-Topic, e.g. customers/update
    std::string uri;
    std::string body;                  // the raw JSON that is signed
    std::optional<std::string> name;   // the subscription's name, sent as X-Shopify-Name
    bool forge_hmac = false;           // sign with a wrong secret (tests of the receiver)
};

struct delivery_stats {
    std::uint64_t events = 0;      // events queued for delivery (dropped ones included)
    std::uint64_t deliveries = 0;  // deliveries answered 2xx
    std::uint64_t attempts = 0;    // HTTP attempts made
    std::uint64_t retries = 0;     // attempts after the first of a delivery
    std::uint64_t failures = 0;    // attempts that failed (non-2xx, connection, timeout)
    std::uint64_t abandoned = 0;   // deliveries that failed every attempt
    std::uint64_t dropped = 0;     // events dropped on purpose
    std::uint64_t duplicates = 0;  // extra deliveries sent as duplicates
    std::uint64_t pending = 0;     // deliveries waiting in the queue
    boost::json::object to_json() const;
};

// One attempt (or a drop) in the log of recent deliveries.
struct delivery_record {
    std::string webhook_id, event_id, topic, uri;
    int attempt = 0;
    int status = 0;           // HTTP status, 0 when none
    std::string outcome;      // delivered, http_error, timeout, connection_failed, abandoned, dropped
    boost::json::object to_json() const;
};

class webhook_delivery {
public:
    webhook_delivery(const clock& clk, delivery_identity identity);
    ~webhook_delivery();
    webhook_delivery(const webhook_delivery&) = delete;
    webhook_delivery& operator=(const webhook_delivery&) = delete;

    void set_settings(const delivery_settings& s);
    delivery_settings settings() const;
    void set_client_secret(std::string secret);

    // Queues the deliveries of one event (one per subscription it reaches); returns its event id.
    // An event with no delivery is not counted.
    std::string enqueue_event(std::vector<delivery_spec> deliveries);

    void pause();
    void resume();
    // The next `n` events that reach a subscription are dropped.
    void drop_next(std::size_t n);
    delivery_stats stats() const;
    std::vector<delivery_record> recent() const; // oldest first, at most 500
    // Forgets pending deliveries, statistics and the log; keeps settings.
    void clear();

    void start(boost::asio::any_io_executor ex);
    void stop();

    // base64(HMAC-SHA256(secret, body)).
    static std::string sign(std::string_view body, std::string_view secret);

private:
    struct shared;
    static boost::asio::awaitable<void> run_sender(std::shared_ptr<shared> s, std::uint64_t generation);
    std::shared_ptr<shared> s_;
};

} // namespace crmsync::sandbox::shopify
