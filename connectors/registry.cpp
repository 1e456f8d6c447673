#include "connectors/registry.hpp"

#include "connectors/hubspot/connector.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

namespace crmsync {
namespace {

crm_settings parse_hubspot(config_section& s) { return hubspot::parse_settings(s); }

connector_ptr make_hubspot(const crm_settings& s, const connector_env& env)
{
    return std::make_unique<hubspot::hubspot_connector>(
        env.ex, std::get<hubspot::settings>(s), env.http, env.clk,
        hubspot::connector_options{env.max_share, env.properties, env.written_properties}, env.log);
}

const std::array<crm_registration, 1>& table()
{
    static const std::array<crm_registration, 1> rows = [] {
        std::array<crm_registration, 1> r{{
            {"hubspot", "HubSpot CRM contacts (private app or OAuth access token)", &parse_hubspot, &hubspot::catalog,
             &make_hubspot},
        }};
        std::sort(r.begin(), r.end(), [](const auto& a, const auto& b) { return a.type < b.type; });
        for (std::size_t i = 1; i < r.size(); ++i)
            if (r[i].type == r[i - 1].type)
                throw std::logic_error("duplicate CRM connector type: " + std::string(r[i].type));
        return r;
    }();
    return rows;
}

} // namespace

std::span<const crm_registration> crm_connectors() { return table(); }

const crm_registration* find_crm_connector(std::string_view type)
{
    for (const auto& r : table())
        if (r.type == type)
            return &r;
    return nullptr;
}

} // namespace crmsync
