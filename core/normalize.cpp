#include "core/normalize.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace crmsync {
namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view trim(std::string_view v)
{
    while (!v.empty() && is_space(v.front()))
        v.remove_prefix(1);
    while (!v.empty() && is_space(v.back()))
        v.remove_suffix(1);
    return v;
}

} // namespace

std::string normalize_text(std::string_view v)
{
    v = trim(v);
    std::string out;
    out.reserve(v.size());
    bool in_space = false;
    for (char c : v) {
        if (is_space(c)) {
            in_space = true;
            continue;
        }
        if (in_space)
            out.push_back(' ');
        in_space = false;
        out.push_back(c);
    }
    return out;
}

std::string normalize_email(std::string_view v)
{
    std::string out(trim(v));
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string normalize_phone(std::string_view v)
{
    v = trim(v);
    std::string ext;
    std::string lower(v);
    for (auto& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::string_view marker : {";ext=", "ext.", "ext", "x"}) {
        auto pos = lower.find(marker);
        if (pos != std::string::npos && pos > 0) {
            for (char c : v.substr(pos + marker.size()))
                if (std::isdigit(static_cast<unsigned char>(c)))
                    ext.push_back(c);
            v = v.substr(0, pos);
            break;
        }
    }
    bool plus = false;
    std::string digits;
    for (char c : v) {
        if (c == '+' && digits.empty())
            plus = true;
        else if (std::isdigit(static_cast<unsigned char>(c)))
            digits.push_back(c);
    }
    if (digits.empty())
        return normalize_text(v);
    if (!plus && digits.starts_with("00")) {
        plus = true;
        digits.erase(0, 2);
    }
    if (!plus && digits.size() == 10 && digits[0] >= '2')
        digits.insert(0, "1"), plus = true;
    else if (!plus && digits.size() == 11 && digits[0] == '1')
        plus = true;
    std::string out = (plus ? "+" : "") + digits;
    if (!ext.empty())
        out += ";ext=" + ext;
    return out;
}

std::string normalize_tags(std::string_view v)
{
    std::set<std::string> tags;
    while (!v.empty()) {
        auto comma = v.find(',');
        auto tag = normalize_text(v.substr(0, comma));
        if (!tag.empty())
            tags.insert(std::move(tag));
        if (comma == std::string_view::npos)
            break;
        v.remove_prefix(comma + 1);
    }
    std::string out;
    for (const auto& t : tags) {
        if (!out.empty())
            out += ", ";
        out += t;
    }
    return out;
}

std::string normalize_decimal(std::string_view v)
{
    v = trim(v);
    std::string_view digits = v;
    bool negative = false;
    if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) {
        negative = digits.front() == '-';
        digits.remove_prefix(1);
    }
    auto dot = digits.find('.');
    std::string_view int_part = digits.substr(0, dot);
    std::string_view frac_part = dot == std::string_view::npos ? std::string_view{} : digits.substr(dot + 1);
    auto all_digits = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    };
    if (digits.empty() || !all_digits(int_part) || !all_digits(frac_part) || (int_part.empty() && frac_part.empty()))
        return normalize_text(v);
    while (int_part.size() > 1 && int_part.front() == '0')
        int_part.remove_prefix(1);
    while (!frac_part.empty() && frac_part.back() == '0')
        frac_part.remove_suffix(1);
    std::string out(int_part.empty() ? "0" : int_part);
    if (!frac_part.empty())
        out += "." + std::string(frac_part);
    if (negative && out != "0")
        out.insert(0, "-");
    return out;
}

std::string normalize(normalizer n, std::string_view value)
{
    switch (n) {
    case normalizer::text: return normalize_text(value);
    case normalizer::email: return normalize_email(value);
    case normalizer::phone: return normalize_phone(value);
    case normalizer::tags: return normalize_tags(value);
    case normalizer::decimal: return normalize_decimal(value);
    case normalizer::exact: return std::string(value);
    }
    return std::string(value);
}

} // namespace crmsync
