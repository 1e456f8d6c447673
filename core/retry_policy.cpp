#include "core/retry_policy.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <fmt/format.h>

namespace crmsync {

std::chrono::milliseconds retry_policy::backoff(int attempt, std::chrono::milliseconds retry_after,
                                                std::mt19937_64& rng) const
{
    attempt = std::clamp(attempt, 1, 40);
    double ceiling = static_cast<double>(base.count());
    for (int i = 1; i < attempt && ceiling < static_cast<double>(cap.count()); ++i)
        ceiling *= 2;
    ceiling = std::min(ceiling, static_cast<double>(cap.count()));
    std::uniform_real_distribution<double> jitter(0.0, ceiling);
    auto d = std::chrono::milliseconds{static_cast<std::int64_t>(jitter(rng))};
    return std::max(d, retry_after);
}

std::chrono::milliseconds parse_retry_after(std::string_view v, wall_time now)
{
    while (!v.empty() && v.front() == ' ')
        v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ')
        v.remove_suffix(1);
    if (v.empty())
        return std::chrono::milliseconds{0};
    if (std::isdigit(static_cast<unsigned char>(v.front()))) {
        double seconds = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
        if (ec != std::errc{} || p != v.data() + v.size() || seconds < 0)
            return std::chrono::milliseconds{0};
        return std::chrono::milliseconds{static_cast<std::int64_t>(std::min(seconds, 86400.0) * 1000.0)};
    }
    // IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
    std::tm tm{};
    std::string s(v);
    if (!strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm))
        return std::chrono::milliseconds{0};
    auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
    auto d = std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
    return std::max(d, std::chrono::milliseconds{0});
}

bool is_retryable_status(int status)
{
    return status == 408 || status == 423 || status == 429 || status == 477 || (status >= 500 && status <= 599);
}

failure classify_response(const http_response& r, std::string_view what, wall_time now)
{
    std::chrono::milliseconds after{0};
    if (auto h = r.headers.get("Retry-After"))
        after = parse_retry_after(*h, now);
    std::string body = r.body.substr(0, 500);
    auto msg = fmt::format("{}: HTTP {}{}{}", what, r.status, body.empty() ? "" : ": ", body);
    if (is_retryable_status(r.status))
        return retryable(std::move(msg), after, r.status);
    return permanent(std::move(msg), r.status);
}

failure transport_failure(const boost::system::error_code& ec, std::string_view what)
{
    return retryable(fmt::format("{}: {}", what, ec.message()));
}

} // namespace crmsync
