#include "sandbox/faults.hpp"

#include <array>
#include <utility>

namespace crmsync::sandbox {
namespace {

constexpr std::array<std::pair<fault_kind, std::string_view>, 11> names{{
    {fault_kind::http_500, "500"},
    {fault_kind::http_502, "502"},
    {fault_kind::http_503, "503"},
    {fault_kind::http_504, "504"},
    {fault_kind::http_429, "429"},
    {fault_kind::throttled, "throttled"},
    {fault_kind::reset, "reset"},
    {fault_kind::stall, "stall"},
    {fault_kind::slow_body, "slow_body"},
    {fault_kind::malformed_json, "malformed_json"},
    {fault_kind::apply_then_fail, "apply_then_fail"},
}};

} // namespace

std::string_view to_string(fault_kind k)
{
    for (const auto& [kind, name] : names)
        if (kind == k)
            return name;
    return "?";
}

std::optional<fault_kind> fault_kind_from_string(std::string_view s)
{
    for (const auto& [kind, name] : names)
        if (name == s)
            return kind;
    return std::nullopt;
}

void fault_injector::add(fault_rule rule)
{
    std::lock_guard lock(mu_);
    rules_.push_back(std::move(rule));
}

void fault_injector::clear()
{
    std::lock_guard lock(mu_);
    rules_.clear();
}

std::size_t fault_injector::fired() const
{
    std::lock_guard lock(mu_);
    return fired_;
}

std::optional<fault_rule> fault_injector::pick(std::string_view path, bool is_write)
{
    std::lock_guard lock(mu_);
    for (auto& r : rules_) {
        if (r.remaining == 0)
            continue;
        if (r.writes_only && !is_write)
            continue;
        if (!r.path_prefix.empty() && !path.starts_with(r.path_prefix))
            continue;
        if (r.probability < 1.0 && std::uniform_real_distribution<double>(0.0, 1.0)(rng_) >= r.probability)
            continue;
        if (r.remaining > 0)
            --r.remaining;
        ++fired_;
        return r;
    }
    return std::nullopt;
}

} // namespace crmsync::sandbox
