#pragma once
// Explicit table of CRM connectors, keyed by `crm.type`. No static-initialiser registration: adding a
// connector means adding a row in registry.cpp. Shopify is the fixed shop side and is not listed.

#include "connectors/hubspot/settings.hpp"
#include "core/clock.hpp"
#include "core/config_section.hpp"
#include "core/connector.hpp"
#include "core/field_catalog.hpp"
#include "core/http_client.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace spdlog {
class logger;
}

namespace crmsync {

using crm_settings = std::variant<hubspot::settings>;

// What a CRM connector is built from besides its settings.
struct connector_env {
    boost::asio::any_io_executor ex;
    http_client& http;
    const clock& clk;
    double max_share = 0.8;
    std::vector<std::string> properties;         // fields the mapping reads (CRM vocabulary)
    std::vector<std::string> written_properties; // fields the daemon writes
    std::shared_ptr<spdlog::logger> log;
};

struct crm_registration {
    std::string_view type;
    std::string_view description;
    crm_settings (*parse)(config_section&);
    const field_catalog& (*catalog)();
    connector_ptr (*make)(const crm_settings&, const connector_env&);
};

// All registered CRM connectors, sorted by type. Throws std::logic_error on a duplicate type.
std::span<const crm_registration> crm_connectors();
const crm_registration* find_crm_connector(std::string_view type);

} // namespace crmsync
