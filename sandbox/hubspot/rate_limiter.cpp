#include "sandbox/hubspot/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace crmsync::sandbox::hubspot {

rate_limits rate_limits::for_tier(std::string_view tier)
{
    rate_limits l;
    if (tier == "professional") {
        l.window_max = 190;
        l.daily_max = 625'000;
    } else if (tier == "enterprise") {
        l.window_max = 190;
        l.daily_max = 1'000'000;
    }
    return l;
}

std::string_view policy_name(limit_policy p)
{
    switch (p) {
    case limit_policy::ten_secondly_rolling:
        return "TEN_SECONDLY_ROLLING";
    case limit_policy::daily:
        return "DAILY";
    case limit_policy::secondly:
        return "SECONDLY";
    case limit_policy::none:
        break;
    }
    return "";
}

void rate_limiter::set_other_app_share(double share)
{
    share_ = std::clamp(share, 0.0, 0.95);
}

void rate_limiter::reset()
{
    windows_.clear();
    searches_.clear();
    day_ = -1;
    daily_used_ = 0;
}

void rate_limiter::roll(std::int64_t now_ms, std::int64_t wall_day)
{
    if (wall_day != day_) {
        day_ = wall_day;
        daily_used_ = 0;
    }
    const std::int64_t window_start = now_ms - limits_.window.count();
    for (auto it = windows_.begin(); it != windows_.end();) {
        auto& q = it->second;
        while (!q.empty() && q.front() <= window_start)
            q.pop_front();
        it = q.empty() ? windows_.erase(it) : std::next(it);
    }
    while (!searches_.empty() && searches_.front() <= now_ms - 1000)
        searches_.pop_front();
}

limit_decision rate_limiter::admit(std::string_view token, bool is_search)
{
    limit_decision d;
    if (!limits_.enabled)
        return d;
    const std::int64_t now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count();
    const std::int64_t wall_ms = to_unix_ms(clock_.wall_now());
    const std::int64_t wall_day = wall_ms >= 0 ? wall_ms / 86'400'000 : (wall_ms - 86'399'999) / 86'400'000;
    roll(now_ms, wall_day);

    d.daily_max = limits_.daily_max;
    d.window_max = limits_.window_max;
    d.window = limits_.window;
    const auto other_window = static_cast<int>(std::floor(share_ * limits_.window_max));
    auto win = windows_.find(token);
    const int used = win == windows_.end() ? 0 : static_cast<int>(win->second.size());

    if (daily_used_ >= limits_.daily_max) {
        d.rejected = limit_policy::daily;
        d.send_headers = !is_search;
        d.window_remaining = std::max(0, limits_.window_max - used - other_window);
        return d;
    }
    if (is_search) {
        const auto other_search = static_cast<int>(std::floor(share_ * limits_.search_per_second));
        if (static_cast<int>(searches_.size()) + other_search >= limits_.search_per_second) {
            d.rejected = limit_policy::secondly;
            return d;
        }
        searches_.push_back(now_ms);
        ++daily_used_;
        return d;
    }
    d.send_headers = true;
    if (used + other_window >= limits_.window_max) {
        d.rejected = limit_policy::ten_secondly_rolling;
        d.daily_remaining = limits_.daily_max - daily_used_;
        return d;
    }
    if (win == windows_.end())
        win = windows_.emplace(std::string(token), std::deque<std::int64_t>{}).first;
    win->second.push_back(now_ms);
    ++daily_used_;
    d.window_remaining = limits_.window_max - used - 1 - other_window;
    d.daily_remaining = limits_.daily_max - daily_used_;
    return d;
}

} // namespace crmsync::sandbox::hubspot
