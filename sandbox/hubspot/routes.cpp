// Request-target parsing and routing for the HubSpot emulator (see api.hpp).
#include "sandbox/hubspot/api.hpp"

#include <array>
#include <cctype>

namespace crmsync::sandbox::hubspot {
namespace {

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view s, bool plus_is_space)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '%' && i + 2 < s.size()) {
            const int hi = hex_value(s[i + 1]);
            const int lo = hex_value(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
    return out;
}

// API versions with date-based paths (notes §1.2).
bool is_dated_version(std::string_view v)
{
    constexpr std::array<std::string_view, 3> versions{"2025-09", "2026-03", "2026-09"};
    for (auto x : versions)
        if (x == v)
            return true;
    return false;
}

bool is_contacts_type(std::string_view t)
{
    return t == "contacts" || t == "0-1" || t == "contact";
}

route method_route(std::string_view method, std::initializer_list<std::pair<std::string_view, endpoint>> options)
{
    route r;
    r.ep = endpoint::method_not_allowed;
    for (const auto& [m, ep] : options)
        if (m == method)
            r.ep = ep;
    return r;
}

route match_contacts(std::string_view method, const std::vector<std::string>& rest)
{
    if (rest.empty())
        return method_route(method, {{"GET", endpoint::list}, {"POST", endpoint::create}});
    if (rest.size() == 2 && rest[0] == "batch") {
        static const std::array<std::pair<std::string_view, endpoint>, 5> ops{{{"read", endpoint::batch_read},
                                                                             {"create", endpoint::batch_create},
                                                                             {"update", endpoint::batch_update},
                                                                             {"upsert", endpoint::batch_upsert},
                                                                             {"archive", endpoint::batch_archive}}};
        for (const auto& [name, ep] : ops)
            if (rest[1] == name)
                return method_route(method, {{"POST", ep}});
        return route{};
    }
    if (rest.size() == 1 && method == "POST") {
        if (rest[0] == "search")
            return method_route(method, {{"POST", endpoint::search}});
        if (rest[0] == "merge")
            return method_route(method, {{"POST", endpoint::merge}});
        if (rest[0] == "gdpr-delete")
            return method_route(method, {{"POST", endpoint::gdpr_delete}});
    }
    if (rest.size() == 1) {
        route r = method_route(method,
                               {{"GET", endpoint::get}, {"PATCH", endpoint::update}, {"DELETE", endpoint::archive}});
        r.param = rest[0];
        return r;
    }
    return route{};
}

route match_properties(std::string_view method, const std::vector<std::string>& rest)
{
    if (rest.empty())
        return method_route(method, {{"GET", endpoint::props_list}, {"POST", endpoint::props_create}});
    if (rest[0] == "groups") {
        if (rest.size() == 1)
            return method_route(method, {{"GET", endpoint::groups_list}, {"POST", endpoint::groups_create}});
        if (rest.size() == 2) {
            route r = method_route(method, {{"GET", endpoint::group_get}});
            r.param = rest[1];
            return r;
        }
        return route{};
    }
    if (rest.size() == 1 && rest[0] != "batch") {
        route r = method_route(
            method, {{"GET", endpoint::props_get}, {"PATCH", endpoint::props_update}, {"DELETE", endpoint::props_archive}});
        r.param = rest[0];
        return r;
    }
    return route{};
}

} // namespace

bool route::is_write() const
{
    switch (ep) {
    case endpoint::create:
    case endpoint::update:
    case endpoint::archive:
    case endpoint::batch_create:
    case endpoint::batch_update:
    case endpoint::batch_upsert:
    case endpoint::batch_archive:
    case endpoint::merge:
    case endpoint::gdpr_delete:
    case endpoint::props_create:
    case endpoint::props_update:
    case endpoint::props_archive:
    case endpoint::groups_create:
        return true;
    default:
        return false;
    }
}

bool route::is_read() const
{
    switch (ep) {
    case endpoint::list:
    case endpoint::get:
    case endpoint::batch_read:
    case endpoint::props_list:
    case endpoint::props_get:
    case endpoint::groups_list:
    case endpoint::group_get:
        return true;
    default:
        return false;
    }
}

std::optional<std::string> query_params::get(std::string_view key) const
{
    for (const auto& [k, v] : items)
        if (k == key)
            return v;
    return std::nullopt;
}

std::vector<std::string> query_params::list(std::string_view key) const
{
    std::vector<std::string> out;
    for (const auto& [k, v] : items)
        if (k == key)
            for (auto& part : split(v, ','))
                out.push_back(trim(part));
    return out;
}

bool query_params::flag(std::string_view key) const
{
    const auto v = get(key);
    return v && to_lower(*v) == "true";
}

void split_target(std::string_view target, std::vector<std::string>& segments, query_params& query,
                  std::string& raw_path)
{
    const auto q = target.find('?');
    raw_path = std::string(target.substr(0, q));
    for (const auto& seg : split(raw_path, '/'))
        segments.push_back(percent_decode(seg, false));
    if (q == std::string_view::npos)
        return;
    for (const auto& pair : split(target.substr(q + 1), '&')) {
        const auto eq = pair.find('=');
        query.items.emplace_back(percent_decode(pair.substr(0, eq), true),
                                 eq == std::string::npos ? std::string() : percent_decode(pair.substr(eq + 1), true));
    }
}

route match_route(std::string_view method, const std::vector<std::string>& seg)
{
    if (seg.size() < 4 || seg[0] != "crm")
        return route{};
    path_style style;
    std::string kind;
    std::size_t type_at = 3;
    if (seg[1] == "v3" && (seg[2] == "objects" || seg[2] == "properties")) {
        style = path_style::v3;
        kind = seg[2];
    } else if ((seg[1] == "objects" || seg[1] == "properties") && is_dated_version(seg[2])) {
        style = path_style::dated;
        kind = seg[1];
    } else {
        return route{};
    }
    const std::string& type = seg[type_at];
    route r;
    if (!is_contacts_type(to_lower(type))) {
        r.ep = endpoint::bad_object_type;
    } else {
        const std::vector<std::string> rest(seg.begin() + static_cast<std::ptrdiff_t>(type_at) + 1, seg.end());
        r = kind == "objects" ? match_contacts(method, rest) : match_properties(method, rest);
    }
    r.style = style;
    r.object_type = type;
    return r;
}

} // namespace crmsync::sandbox::hubspot
