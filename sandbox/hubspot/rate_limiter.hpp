#pragma once
// HubSpot's request limits as documented in api/hubspot/notes.md §6 and §4.3:
//  - a rolling 10-second window per app (per bearer token here): 100 requests on Free/Starter,
//    190 on Professional/Enterprise; answered with X-HubSpot-RateLimit-Max/-Remaining/
//    -Interval-Milliseconds on every non-search response;
//  - a daily cap per account (all tokens), reset at midnight UTC (HubSpot uses the account's time
//    zone; the sandbox account lives in UTC), reported as X-HubSpot-RateLimit-Daily/-Daily-Remaining;
//  - the search API's own limit of 5 requests per second per account, separate from the 10-second
//    window, with no rate-limit headers; searches still count toward the daily cap.
// `other_app_share` simulates other apps of the account: they take that fraction of the
// 10-second window and of the search limit (the headers then show less remaining).
// Time comes from the injected clock. Not thread-safe: the emulator's lock guards it.

#include "core/clock.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

namespace crmsync::sandbox::hubspot {

struct rate_limits {
    bool enabled = true;
    int window_max = 100;
    std::chrono::milliseconds window{10'000};
    std::int64_t daily_max = 250'000;
    int search_per_second = 5;

    // Published limits of a privately distributed app per tier (notes §6.1):
    // free/starter 100 + 250,000; professional 190 + 625,000; enterprise 190 + 1,000,000.
    static rate_limits for_tier(std::string_view tier);
};

enum class limit_policy { none, ten_secondly_rolling, daily, secondly };
std::string_view policy_name(limit_policy p); // TEN_SECONDLY_ROLLING | DAILY | SECONDLY | ""

struct limit_decision {
    limit_policy rejected = limit_policy::none; // none: admitted (and counted)
    bool send_headers = false;                  // false for search and when limits are off
    int window_max = 0;
    int window_remaining = 0;
    std::chrono::milliseconds window{0};
    std::int64_t daily_max = 0;
    std::int64_t daily_remaining = 0;
};

class rate_limiter {
public:
    rate_limiter(const crmsync::clock& clk, rate_limits limits) : clock_(clk), limits_(limits) {}

    // Decides on one authenticated request and counts it if admitted.
    limit_decision admit(std::string_view token, bool is_search);

    void set_limits(const rate_limits& l) { limits_ = l; }
    const rate_limits& limits() const { return limits_; }
    // 0..0.95 of the window and search budgets used by other apps.
    void set_other_app_share(double share);
    double other_app_share() const { return share_; }
    void reset();

private:
    void roll(std::int64_t now_ms, std::int64_t wall_day);

    const crmsync::clock& clock_;
    rate_limits limits_;
    double share_ = 0.0;
    std::map<std::string, std::deque<std::int64_t>, std::less<>> windows_; // steady ms per token
    std::deque<std::int64_t> searches_;
    std::int64_t day_ = -1;
    std::int64_t daily_used_ = 0;
};

} // namespace crmsync::sandbox::hubspot
