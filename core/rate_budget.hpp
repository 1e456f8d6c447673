#pragma once
// Local models of the APIs' rate limits, so the daemon waits *before* sending instead of collecting
// 429s (design.md §6). Pure and clock-driven: every method takes `now`, nothing sleeps, and tests
// drive time by hand. Not thread-safe (one event loop).
//
// Two models:
//  - cost_bucket: Shopify's calculated-cost leaky bucket, corrected from extensions.cost.throttleStatus;
//  - window_budget: a rolling request window (HubSpot: 100 or 190 per 10 s, search: 5 per 1 s) with an
//    optional daily cap, corrected from X-HubSpot-RateLimit-* headers.
// Both keep (1 - max_share) of the budget untouched for the merchant's other apps.

#include "core/clock.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

namespace crmsync {

// What one response said about the budget; unset members were not reported.
struct budget_observation {
    // Shopify throttleStatus
    std::optional<double> bucket_max;
    std::optional<double> bucket_available;
    std::optional<double> restore_rate; // points per second
    std::optional<double> requested_cost;
    std::optional<double> actual_cost;
    // HubSpot X-HubSpot-RateLimit-*
    std::optional<double> window_max;
    std::optional<double> window_remaining;
    std::optional<std::chrono::milliseconds> window_interval;
    std::optional<double> daily_max;
    std::optional<double> daily_remaining;
    // The request was refused for rate reasons (THROTTLED, 429), and how long the server asked us to
    // wait (0 when it did not say).
    bool throttled = false;
    std::chrono::milliseconds retry_after{0};
};

struct budget_state {
    double available = 0; // what the daemon may still spend now (after the reserve)
    double capacity = 0;  // what the daemon may spend at most (max_share of the API's capacity)
    double per_second = 0; // what the daemon may spend per second, sustained (its share of the refill)
    std::optional<double> daily_remaining;
};

class rate_budget {
public:
    virtual ~rate_budget() = default;
    // Time until `cost` may be spent; zero when it may be spent now.
    virtual std::chrono::milliseconds delay(double cost, steady_time now) const = 0;
    // Records that `cost` was spent (the request is being sent).
    virtual void spend(double cost, steady_time now) = 0;
    // Corrects the model from a response. Call once per response, including throttled ones.
    virtual void observe(const budget_observation& o, steady_time now) = 0;
    virtual budget_state state(steady_time now) const = 0;
};

// Shopify's leaky bucket: capacity points, refilled at restore_rate per second; a query is charged its
// requested cost up front and refunded to its actual cost afterwards.
class cost_bucket final : public rate_budget {
public:
    cost_bucket(double capacity, double restore_rate, double max_share);
    std::chrono::milliseconds delay(double cost, steady_time now) const override;
    void spend(double cost, steady_time now) override;
    void observe(const budget_observation& o, steady_time now) override;
    budget_state state(steady_time now) const override;

    double capacity() const { return capacity_; }
    double restore_rate() const { return restore_rate_; }

private:
    double available_at(steady_time now) const;
    double reserve() const { return capacity_ * (1.0 - max_share_); }

    double capacity_;
    double restore_rate_;
    double max_share_;
    double available_;                 // API points available at `stamp_`
    std::optional<steady_time> stamp_; // unset: the bucket is as configured, full
    double in_flight_ = 0;   // requested cost of requests sent but not yet observed
};

// A rolling window of `max` requests per `interval`, plus an optional daily cap. Usage by other apps
// sharing the window is inferred from the server's "remaining" count and expires after one interval.
class window_budget final : public rate_budget {
public:
    window_budget(double max, std::chrono::milliseconds interval, double max_share,
                  std::optional<double> daily_max = std::nullopt);
    std::chrono::milliseconds delay(double cost, steady_time now) const override;
    void spend(double cost, steady_time now) override;
    void observe(const budget_observation& o, steady_time now) override;
    budget_state state(steady_time now) const override;

    double max() const { return max_; }
    std::chrono::milliseconds interval() const { return interval_; }

private:
    struct use {
        steady_time at;
        double count;
        bool ours;
        bool in_flight = false; // stamped when sent; the server counts it on arrival, later
    };
    void expire(steady_time now) const;
    double used(steady_time now, bool ours_only) const;
    double foreign(steady_time now) const { return now - foreign_seen_ < interval_ ? foreign_ : 0.0; }

    double max_;
    std::chrono::milliseconds interval_;
    double max_share_;
    std::optional<double> daily_max_;
    std::optional<double> daily_remaining_;
    mutable std::deque<use> uses_;
    // What other apps used of the window at the last response with numbers: a level, not events, since
    // we cannot tell when they sent. It stands until the next response or for one interval.
    double foreign_ = 0;
    steady_time foreign_seen_{};
};

} // namespace crmsync
