#include "sandbox/shopify/api_versions.hpp"

#include <cctype>

namespace crmsync::sandbox::shopify {
namespace {

constexpr std::string_view supported_versions[] = {"2026-01", "2026-04", "2026-07", "2026-10"};
constexpr std::string_view oldest_supported = "2026-01";

bool is_stable(std::string_view v)
{
    for (std::string_view s : supported_versions)
        if (v == s)
            return true;
    return false;
}

} // namespace

std::optional<std::string> serving_version(std::string_view v)
{
    if (v == "unstable" || v == release_candidate_version)
        return std::string(v);
    if (v.size() != 7 || v[4] != '-')
        return std::nullopt;
    for (std::size_t i : {0, 1, 2, 3, 5, 6})
        if (!std::isdigit(static_cast<unsigned char>(v[i])))
            return std::nullopt;
    std::string_view month = v.substr(5);
    if (month != "01" && month != "04" && month != "07" && month != "10")
        return std::nullopt;
    if (is_stable(v))
        return std::string(v);
    if (v < oldest_supported)
        return std::string(oldest_supported);
    return std::nullopt;
}

boost::json::object api_version_json(std::string_view handle)
{
    std::string display(handle);
    if (handle == latest_stable_version)
        display += " (Latest)";
    else if (handle == release_candidate_version)
        display += " (Release candidate)";
    return boost::json::object{{"handle", handle}, {"displayName", display}, {"supported", is_stable(handle)}};
}

} // namespace crmsync::sandbox::shopify
