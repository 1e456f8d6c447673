#include "core/http.hpp"

#include <algorithm>
#include <cctype>

namespace crmsync {

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

void http_headers::set(std::string_view name, std::string value)
{
    std::erase_if(items_, [&](const auto& h) { return iequals(h.first, name); });
    items_.emplace_back(std::string(name), std::move(value));
}

std::optional<std::string_view> http_headers::get(std::string_view name) const
{
    for (const auto& [k, v] : items_)
        if (iequals(k, name))
            return std::string_view(v);
    return std::nullopt;
}

} // namespace crmsync
