#include "sandbox/shopify/formats.hpp"

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace crmsync::sandbox::shopify {
namespace {

constexpr std::string_view gid_prefix = "gid://shopify/";
constexpr std::string_view b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool read_int(std::string_view s, std::size_t& pos, std::size_t digits, int& out)
{
    if (pos + digits > s.size())
        return false;
    out = 0;
    for (std::size_t i = 0; i < digits; ++i) {
        char c = s[pos + i];
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return false;
        out = out * 10 + (c - '0');
    }
    pos += digits;
    return true;
}

} // namespace

std::string customer_gid(std::uint64_t id) { return std::string(gid_prefix) + "Customer/" + std::to_string(id); }

std::string address_gid(std::uint64_t id)
{
    return std::string(gid_prefix) + "MailingAddress/" + std::to_string(id) + "?model_name=CustomerAddress";
}

std::string metafield_gid(std::uint64_t id) { return std::string(gid_prefix) + "Metafield/" + std::to_string(id); }

std::string metafield_definition_gid(std::uint64_t id)
{
    return std::string(gid_prefix) + "MetafieldDefinition/" + std::to_string(id);
}

std::optional<std::string> gid_type(std::string_view gid)
{
    if (!gid.starts_with(gid_prefix))
        return std::nullopt;
    gid.remove_prefix(gid_prefix.size());
    auto slash = gid.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 >= gid.size())
        return std::nullopt;
    return std::string(gid.substr(0, slash));
}

std::optional<std::uint64_t> parse_gid(std::string_view gid, std::string_view type)
{
    if (!gid.starts_with(gid_prefix))
        return std::nullopt;
    gid.remove_prefix(gid_prefix.size());
    if (!gid.starts_with(type) || gid.size() <= type.size() || gid[type.size()] != '/')
        return std::nullopt;
    gid.remove_prefix(type.size() + 1);
    auto q = gid.find('?');
    if (q != std::string_view::npos)
        gid = gid.substr(0, q);
    if (gid.empty() || gid.size() > 19)
        return std::nullopt;
    std::uint64_t n = 0;
    for (char c : gid) {
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

wall_time truncate_to_seconds(wall_time t)
{
    return std::chrono::time_point_cast<std::chrono::seconds>(t);
}

std::string format_time(wall_time t)
{
    auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
    auto days = std::chrono::floor<std::chrono::days>(secs);
    std::chrono::year_month_day ymd{days};
    std::chrono::hh_mm_ss hms{secs - days};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
    return buf;
}

std::optional<parsed_time> parse_time(std::string_view s)
{
    std::size_t pos = 0;
    int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0;
    if (!read_int(s, pos, 4, year))
        return std::nullopt;
    bool date_only = true;
    if (pos < s.size() && s[pos] == '-') {
        ++pos;
        if (!read_int(s, pos, 2, month))
            return std::nullopt;
        if (pos < s.size() && s[pos] == '-') {
            ++pos;
            if (!read_int(s, pos, 2, day))
                return std::nullopt;
        }
    }
    std::chrono::seconds offset{0};
    if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
        ++pos;
        date_only = false;
        if (!read_int(s, pos, 2, hour) || pos >= s.size() || s[pos] != ':')
            return std::nullopt;
        ++pos;
        if (!read_int(s, pos, 2, minute))
            return std::nullopt;
        if (pos < s.size() && s[pos] == ':') {
            ++pos;
            if (!read_int(s, pos, 2, second))
                return std::nullopt;
        }
        if (pos < s.size() && s[pos] == '.') {
            ++pos;
            while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])))
                ++pos;
        }
        if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
            ++pos;
        } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
            int sign = s[pos] == '-' ? -1 : 1, oh = 0, om = 0;
            ++pos;
            if (!read_int(s, pos, 2, oh))
                return std::nullopt;
            if (pos < s.size() && s[pos] == ':')
                ++pos;
            if (!read_int(s, pos, 2, om))
                return std::nullopt;
            offset = std::chrono::seconds{sign * (oh * 3600 + om * 60)};
        }
    }
    if (pos != s.size() || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                    std::chrono::day{static_cast<unsigned>(day)}};
    if (!ymd.ok())
        return std::nullopt;
    auto t = std::chrono::sys_days{ymd} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
             std::chrono::seconds{second} - offset;
    return parsed_time{std::chrono::time_point_cast<wall_time::duration>(t), date_only};
}

std::string base64_encode(std::string_view data)
{
    std::string out;
    std::size_t i = 0;
    while (i + 2 < data.size()) {
        std::uint32_t n = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8) |
                          static_cast<unsigned char>(data[i + 2]);
        out += b64[(n >> 18) & 63];
        out += b64[(n >> 12) & 63];
        out += b64[(n >> 6) & 63];
        out += b64[n & 63];
        i += 3;
    }
    if (i + 1 == data.size()) {
        std::uint32_t n = static_cast<unsigned char>(data[i]) << 16;
        out += b64[(n >> 18) & 63];
        out += b64[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == data.size()) {
        std::uint32_t n = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8);
        out += b64[(n >> 18) & 63];
        out += b64[(n >> 12) & 63];
        out += b64[(n >> 6) & 63];
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view data)
{
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : data) {
        if (c == '=')
            break;
        auto p = b64.find(c);
        if (p == std::string_view::npos)
            return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(p);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return out;
}

std::string to_lower(std::string_view s)
{
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::optional<std::string> normalise_phone(std::string_view raw)
{
    std::string digits;
    bool plus = false;
    for (char c : raw) {
        if (std::isdigit(static_cast<unsigned char>(c)))
            digits += c;
        else if (c == '+' && digits.empty())
            plus = true;
        else if (!std::strchr(" -().", c))
            return std::nullopt;
    }
    if (plus && digits.size() >= 8 && digits.size() <= 15)
        return "+" + digits;
    if (!plus && digits.size() == 10)
        return "+1" + digits;
    if (!plus && digits.size() == 11 && digits[0] == '1')
        return "+" + digits;
    return std::nullopt;
}

} // namespace crmsync::sandbox::shopify
