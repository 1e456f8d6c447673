#include "core/rate_budget.hpp"

#include <algorithm>
#include <cmath>

namespace crmsync {
namespace {

// Capped at a day, like Retry-After: the figures come from API responses, and a restore rate near zero
// would otherwise give a wait past the range of int64 (undefined behaviour, in practice a negative wait
// that sends at once).
std::chrono::milliseconds ceil_ms(double seconds)
{
    return std::chrono::milliseconds{static_cast<std::int64_t>(std::ceil(std::min(seconds, 86'400.0) * 1000.0))};
}

} // namespace

cost_bucket::cost_bucket(double capacity, double restore_rate, double max_share)
    : capacity_(capacity), restore_rate_(restore_rate), max_share_(std::clamp(max_share, 0.01, 1.0)),
      available_(capacity)
{
}

double cost_bucket::available_at(steady_time now) const
{
    if (!stamp_)
        return available_;
    double elapsed = std::max(0.0, std::chrono::duration<double>(now - *stamp_).count());
    return std::min(capacity_, available_ + elapsed * restore_rate_);
}

std::chrono::milliseconds cost_bucket::delay(double cost, steady_time now) const
{
    // Keep the reserve for other apps, but never demand more than a full bucket: a query costing more
    // than capacity * max_share must still be able to run once the bucket is full.
    double needed = std::min(cost + reserve(), capacity_);
    double missing = needed - available_at(now);
    if (missing <= 0)
        return std::chrono::milliseconds{0};
    return ceil_ms(missing / restore_rate_);
}

void cost_bucket::spend(double cost, steady_time now)
{
    available_ = available_at(now) - cost;
    stamp_ = now;
    in_flight_ += cost;
}

void cost_bucket::observe(const budget_observation& o, steady_time now)
{
    if (o.requested_cost)
        in_flight_ = std::max(0.0, in_flight_ - *o.requested_cost);
    else if (o.throttled)
        in_flight_ = 0;
    if (o.bucket_max && *o.bucket_max > 0)
        capacity_ = *o.bucket_max;
    if (o.restore_rate && *o.restore_rate > 0)
        restore_rate_ = *o.restore_rate;
    if (o.bucket_available) {
        // The server's figure already includes this response's charge and refund; requests still in
        // flight have been charged locally but not yet by the server as far as this figure shows.
        available_ = std::min(capacity_, *o.bucket_available) - in_flight_;
        stamp_ = now;
    } else if (o.requested_cost && o.actual_cost) {
        available_ = available_at(now) + (*o.requested_cost - *o.actual_cost);
        stamp_ = now;
    }
}

budget_state cost_bucket::state(steady_time now) const
{
    return {std::max(0.0, available_at(now) - reserve()), capacity_ * max_share_, restore_rate_ * max_share_,
            std::nullopt};
}

window_budget::window_budget(double max, std::chrono::milliseconds interval, double max_share,
                             std::optional<double> daily_max)
    : max_(max), interval_(interval), max_share_(std::clamp(max_share, 0.01, 1.0)), daily_max_(daily_max)
{
}

void window_budget::expire(steady_time now) const
{
    while (!uses_.empty() && uses_.front().at + interval_ <= now)
        uses_.pop_front();
}

double window_budget::used(steady_time now, bool ours_only) const
{
    expire(now);
    double n = ours_only ? 0.0 : foreign(now);
    for (const auto& u : uses_)
        if (u.ours || !ours_only)
            n += u.count;
    return n;
}

std::chrono::milliseconds window_budget::delay(double cost, steady_time now) const
{
    if (daily_remaining_ && daily_max_ && *daily_remaining_ - cost < *daily_max_ * (1.0 - max_share_)) {
        // The share of today's allowance is used up; the caller learns the reset time elsewhere
        // (the daily limit resets at midnight in the account's time zone), so wait one hour and look again.
        return std::chrono::hours{1};
    }
    const double our_cap = std::max(1.0, std::floor(max_ * max_share_));
    // Wait until both our own share and the whole window (ours + other apps') have room.
    expire(now);
    double ours = 0, all = foreign(now);
    for (const auto& u : uses_) {
        all += u.count;
        if (u.ours)
            ours += u.count;
    }
    if (ours + cost <= our_cap && all + cost <= max_)
        return std::chrono::milliseconds{0};
    // Find the earliest time at which enough uses have expired.
    double ours_excess = ours + cost - our_cap;
    double all_excess = all + cost - max_;
    for (const auto& u : uses_) {
        if (u.ours)
            ours_excess -= u.count;
        all_excess -= u.count;
        if (ours_excess <= 0 && all_excess <= 0)
            return std::chrono::duration_cast<std::chrono::milliseconds>(u.at + interval_ - now) +
                   std::chrono::milliseconds{1};
    }
    return interval_;
}

void window_budget::spend(double cost, steady_time now)
{
    expire(now);
    uses_.push_back({now, cost, true, true});
    if (daily_remaining_)
        *daily_remaining_ = std::max(0.0, *daily_remaining_ - cost);
}

void window_budget::observe(const budget_observation& o, steady_time now)
{
    // A response: the server counted one of our requests at some instant before now. Counting it from now
    // on is the safe side — stamped at sending, it would leave our window before it leaves the server's,
    // and the next request sent then would be refused.
    if (auto it = std::find_if(uses_.begin(), uses_.end(), [](const use& u) { return u.in_flight; }); it != uses_.end()) {
        const double count = it->count;
        uses_.erase(it);
        uses_.push_back({now, count, true, false});
    }
    if (o.window_max && *o.window_max > 0)
        max_ = *o.window_max;
    if (o.window_interval && o.window_interval->count() > 0)
        interval_ = *o.window_interval;
    if (o.daily_max)
        daily_max_ = o.daily_max;
    if (o.daily_remaining)
        daily_remaining_ = o.daily_remaining;
    if (o.window_remaining) {
        // Whatever the server counts beyond our own answered requests was spent by other apps sharing the
        // window. Requests still in flight may or may not have reached the server; counting them as other
        // apps' when they did errs on the side of fewer 429s.
        double ours_answered = 0;
        expire(now);
        for (const auto& u : uses_)
            if (u.ours && !u.in_flight)
                ours_answered += u.count;
        foreign_ = std::max(0.0, max_ - *o.window_remaining - ours_answered);
        foreign_seen_ = now;
    }
    if (o.throttled && !o.window_remaining && o.retry_after.count() == 0) {
        // Refused without numbers or a Retry-After: assume the window is full for one interval.
        double room = max_ - used(now, false);
        if (room > 0)
            uses_.push_back({now, room, false});
    }
}

budget_state window_budget::state(steady_time now) const
{
    const double our_cap = std::max(1.0, std::floor(max_ * max_share_));
    double ours = used(now, true);
    double all = used(now, false);
    double available = std::max(0.0, std::min(our_cap - ours, max_ - all));
    return {available, our_cap, our_cap * 1000.0 / static_cast<double>(std::max<std::int64_t>(1, interval_.count())),
            daily_remaining_};
}

} // namespace crmsync
