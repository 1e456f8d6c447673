#include "sandbox/shopify/cost_bucket.hpp"

#include <algorithm>

namespace crmsync::sandbox::shopify {

void cost_buckets::set_limits(bucket_limits l)
{
    limits_ = l;
    for (auto& [token, b] : buckets_)
        b.available = std::min(b.available, limits_.capacity);
}

cost_buckets::bucket& cost_buckets::refill(const std::string& token)
{
    steady_time now = clock_.now();
    auto [it, inserted] = buckets_.try_emplace(token, bucket{limits_.capacity, now});
    bucket& b = it->second;
    double seconds = std::chrono::duration<double>(now - b.updated).count();
    if (seconds > 0)
        b.available = std::min(limits_.capacity, b.available + seconds * limits_.restore_rate);
    b.updated = now;
    return b;
}

bool cost_buckets::take(const std::string& token, int cost)
{
    bucket& b = refill(token);
    if (!limits_.enabled)
        return true;
    if (b.available < cost)
        return false;
    b.available -= cost;
    return true;
}

void cost_buckets::refund(const std::string& token, int points)
{
    bucket& b = refill(token);
    if (limits_.enabled)
        b.available = std::min(limits_.capacity, b.available + points);
}

throttle_status cost_buckets::status(const std::string& token)
{
    bucket& b = refill(token);
    return {limits_.capacity, limits_.enabled ? b.available : limits_.capacity, limits_.restore_rate};
}

} // namespace crmsync::sandbox::shopify
