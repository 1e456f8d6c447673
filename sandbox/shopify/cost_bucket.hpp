#pragma once
// Shopify's leaky bucket for calculated query cost, one per access token: the requested cost is
// taken up front, the difference to the actual cost is refunded after execution, and the bucket
// refills continuously at `restore_rate` points per second up to `capacity`.
// Time comes from the injected clock. Not thread-safe (the emulator serialises access).

#include "core/clock.hpp"

#include <map>
#include <string>

namespace crmsync::sandbox::shopify {

struct bucket_limits {
    double capacity = 2000;      // Standard plan
    double restore_rate = 100;   // points per second
    bool enabled = true;
};

struct throttle_status {
    double maximum_available = 0;
    double currently_available = 0;
    double restore_rate = 0;
};

class cost_buckets {
public:
    explicit cost_buckets(const clock& c) : clock_(c) {}

    void set_limits(bucket_limits l);
    const bucket_limits& limits() const { return limits_; }
    // Takes `cost` if available; false means THROTTLED (nothing taken).
    bool take(const std::string& token, int cost);
    void refund(const std::string& token, int points);
    throttle_status status(const std::string& token);
    void reset() { buckets_.clear(); }

private:
    struct bucket {
        double available;
        steady_time updated;
    };
    bucket& refill(const std::string& token);

    const clock& clock_;
    bucket_limits limits_;
    std::map<std::string, bucket> buckets_;
};

} // namespace crmsync::sandbox::shopify
