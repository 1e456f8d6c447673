#include "sandbox/hubspot/wire.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace crmsync::sandbox::hubspot {
namespace {

// Howard Hinnant's civil-from-days / days-from-civil (proleptic Gregorian, UTC).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d)
{
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out)
{
    if (pos + len > s.size())
        return false;
    auto sub = s.substr(pos, len);
    if (!all_digits(sub))
        return false;
    std::from_chars(sub.data(), sub.data() + sub.size(), out);
    return true;
}

boost::json::object context_json(const string_lists& ctx)
{
    boost::json::object o;
    for (const auto& [k, vs] : ctx) {
        boost::json::array a;
        for (const auto& v : vs)
            a.emplace_back(v);
        o[k] = std::move(a);
    }
    return o;
}

boost::json::array details_json(const std::vector<error_detail>& ds)
{
    boost::json::array a;
    for (const auto& d : ds) {
        boost::json::object o{{"message", d.message}};
        if (!d.code.empty())
            o["code"] = d.code;
        if (!d.in.empty())
            o["in"] = d.in;
        if (!d.context.empty())
            o["context"] = context_json(d.context);
        a.emplace_back(std::move(o));
    }
    return a;
}

} // namespace

void throw_exception_from_error(const api_error& e, const boost::source_location&)
{
    throw std::logic_error("api_result accessed while holding an error: " + e.message);
}

api_error validation_error(std::string message)
{
    return api_error{400, "VALIDATION_ERROR", std::move(message), {}, {}, {}};
}

api_error not_found_error(std::string message)
{
    return api_error{404, "OBJECT_NOT_FOUND", std::move(message), {}, {}, {}};
}

std::string uuid_source::next()
{
    const std::uint64_t a = rng_();
    const std::uint64_t b = rng_();
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                  static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return buf;
}

reply error_reply(const api_error& e, uuid_source& ids)
{
    boost::json::object o{{"status", "error"}, {"message", e.message}, {"correlationId", ids.next()},
                          {"category", e.category}};
    if (!e.sub_category.empty())
        o["subCategory"] = e.sub_category;
    if (!e.errors.empty())
        o["errors"] = details_json(e.errors);
    if (!e.context.empty())
        o["context"] = context_json(e.context);
    return json_reply(e.status, o);
}

boost::json::object standard_error_json(const api_error& e)
{
    boost::json::object o{{"status", "error"},
                          {"category", e.category},
                          {"message", e.message},
                          {"context", context_json(e.context)},
                          {"errors", details_json(e.errors)},
                          {"links", boost::json::object{}}};
    if (!e.sub_category.empty())
        o["subCategory"] = e.sub_category;
    return o;
}

reply json_reply(int status, const boost::json::value& body)
{
    reply r;
    r.status = status;
    r.body = boost::json::serialize(body);
    r.headers.emplace_back("Content-Type", "application/json;charset=utf-8");
    return r;
}

std::string format_iso_ms(std::int64_t unix_ms)
{
    const std::int64_t days = floor_div(unix_ms, 86'400'000);
    const std::int64_t rem = unix_ms - days * 86'400'000;
    std::int64_t y = 0;
    unsigned m = 0;
    unsigned d = 0;
    civil_from_days(days, y, m, d);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y), m, d,
                  static_cast<int>(rem / 3'600'000), static_cast<int>(rem / 60'000 % 60),
                  static_cast<int>(rem / 1000 % 60), static_cast<int>(rem % 1000));
    return buf;
}

std::string format_date(std::int64_t unix_ms)
{
    return format_iso_ms(unix_ms).substr(0, 10);
}

std::optional<std::int64_t> parse_iso_ms(std::string_view s)
{
    int y = 0, mo = 0, d = 0;
    if (s.size() < 10 || s[4] != '-' || s[7] != '-' || !read_int(s, 0, 4, y) || !read_int(s, 5, 2, mo) ||
        !read_int(s, 8, 2, d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return std::nullopt;
    std::int64_t ms = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86'400'000;
    if (s.size() == 10)
        return ms;
    int h = 0, mi = 0, sec = 0;
    if ((s[10] != 'T' && s[10] != ' ') || !read_int(s, 11, 2, h) || s.size() < 16 || s[13] != ':' ||
        !read_int(s, 14, 2, mi) || h > 23 || mi > 59)
        return std::nullopt;
    std::size_t pos = 16;
    if (pos < s.size() && s[pos] == ':') {
        if (!read_int(s, pos + 1, 2, sec) || sec > 60)
            return std::nullopt;
        pos += 3;
        if (pos < s.size() && s[pos] == '.') {
            ++pos;
            int frac_ms = 0;
            int digits = 0;
            while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
                if (digits < 3)
                    frac_ms = frac_ms * 10 + (s[pos] - '0');
                ++digits;
                ++pos;
            }
            if (digits == 0)
                return std::nullopt;
            for (int i = digits; i < 3; ++i)
                frac_ms *= 10;
            ms += frac_ms;
        }
    }
    ms += (static_cast<std::int64_t>(h) * 3600 + mi * 60 + sec) * 1000;
    if (pos == s.size())
        return ms; // no zone: UTC
    if (s[pos] == 'Z' && pos + 1 == s.size())
        return ms;
    if ((s[pos] == '+' || s[pos] == '-') && s.size() == pos + 6 && s[pos + 3] == ':') {
        int oh = 0, om = 0;
        if (!read_int(s, pos + 1, 2, oh) || !read_int(s, pos + 4, 2, om))
            return std::nullopt;
        const std::int64_t off = (static_cast<std::int64_t>(oh) * 60 + om) * 60'000;
        return s[pos] == '+' ? ms - off : ms + off;
    }
    return std::nullopt;
}

std::optional<std::int64_t> parse_time_value(std::string_view s)
{
    std::string_view digits = s;
    if (!digits.empty() && digits.front() == '-')
        digits.remove_prefix(1);
    if (all_digits(digits) && !digits.empty() && digits.size() <= 17) {
        std::int64_t v = 0;
        std::from_chars(s.data(), s.data() + s.size(), v);
        return v;
    }
    return parse_iso_ms(s);
}

std::string to_lower(std::string_view s)
{
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return std::string(s);
}

bool all_digits(std::string_view s)
{
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return false;
    return true;
}

std::optional<std::uint64_t> parse_id(std::string_view s)
{
    if (s.empty() || s.size() > 19 || !all_digits(s))
        return std::nullopt;
    std::uint64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

std::vector<std::string> split(std::string_view s, char sep)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        const auto end = s.find(sep, start);
        const auto part = s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (!part.empty())
            out.emplace_back(part);
        if (end == std::string_view::npos)
            break;
        start = end + 1;
    }
    return out;
}

} // namespace crmsync::sandbox::hubspot
