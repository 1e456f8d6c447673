#include "core/iso8601.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <ctime>

namespace crmsync {

std::optional<std::int64_t> parse_iso8601_ms(std::string_view s)
{
    // YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]
    if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
        return std::nullopt;
    auto num = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
        int v = 0;
        auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, v);
        if (ec != std::errc{} || p != s.data() + pos + len)
            return std::nullopt;
        return v;
    };
    auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), se = num(17, 2);
    if (!y || !mo || !d || !h || !mi || !se || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *se > 60)
        return std::nullopt;
    std::size_t pos = 19;
    std::int64_t ms = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int digits = 0;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
            if (digits < 3)
                ms = ms * 10 + (s[pos] - '0');
            ++digits;
            ++pos;
        }
        for (; digits < 3; ++digits)
            ms *= 10;
    }
    std::int64_t offset_s = 0;
    if (pos < s.size()) {
        if (s[pos] == 'Z' && pos + 1 == s.size()) {
        } else if ((s[pos] == '+' || s[pos] == '-') && s.size() == pos + 6 && s[pos + 3] == ':') {
            auto oh = num(pos + 1, 2), om = num(pos + 4, 2);
            if (!oh || !om)
                return std::nullopt;
            offset_s = (*oh * 3600 + *om * 60) * (s[pos] == '+' ? 1 : -1);
        } else {
            return std::nullopt;
        }
    }
    using namespace std::chrono;
    auto days = sys_days{year{*y} / month{static_cast<unsigned>(*mo)} / day{static_cast<unsigned>(*d)}};
    auto t = days + hours{*h} + minutes{*mi} + seconds{*se};
    return duration_cast<milliseconds>(t.time_since_epoch()).count() + ms - offset_s * 1000;
}

std::string format_iso8601(std::int64_t unix_ms)
{
    std::time_t t = static_cast<std::time_t>(unix_ms / 1000 - (unix_ms % 1000 < 0 ? 1 : 0));
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                       tm.tm_min, tm.tm_sec);
}

std::string format_iso8601_ms(std::int64_t unix_ms)
{
    auto base = format_iso8601(unix_ms);
    std::int64_t ms = ((unix_ms % 1000) + 1000) % 1000;
    return fmt::format("{}.{:03}Z", base.substr(0, base.size() - 1), ms);
}

} // namespace crmsync
