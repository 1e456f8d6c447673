#pragma once
// Explicit table of CRM connectors, keyed by `crm.type`. No static-initialiser registration: adding a
// connector means adding a row in registry.cpp. Shopify is the fixed shop side and is not listed.

#include "connectors/hubspot/settings.hpp"
#include "core/config_section.hpp"
#include "core/field_catalog.hpp"

#include <span>
#include <string_view>
#include <variant>

namespace crmsync {

using crm_settings = std::variant<hubspot::settings>;

struct crm_registration {
    std::string_view type;
    std::string_view description;
    crm_settings (*parse)(config_section&);
    const field_catalog& (*catalog)();
};

// All registered CRM connectors, sorted by type. Throws std::logic_error on a duplicate type.
std::span<const crm_registration> crm_connectors();
const crm_registration* find_crm_connector(std::string_view type);

} // namespace crmsync
