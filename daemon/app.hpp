#pragma once
// `crmsyncd run`: wires config, state store, HTTP client, connectors, engine and HTTP server on one
// io_context, handles signals and talks to systemd. Returns the process exit code.

#include "config/config.hpp"
#include "connectors/shopify/connector.hpp"

namespace crmsync {

int run_daemon(const config& cfg, bool dry_run);

// The field mapping's CRM properties: all of them, and those the daemon writes under `cfg.sync`.
std::vector<std::string> crm_properties(const sync_settings& sync, bool written_only);
// The Shopify connector's options under `sync` (it writes when the direction lets CRM changes in).
shopify::connector_options shopify_options(const sync_settings& sync);

} // namespace crmsync
