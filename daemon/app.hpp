#pragma once
// `crmsyncd run`: wires config, state store, HTTP client, connectors, engine and HTTP server on one
// io_context, handles signals and talks to systemd. Returns the process exit code.

#include "config/config.hpp"
#include "connectors/shopify/connector.hpp"
#include "core/engine.hpp"
#include "core/http_server.hpp"

namespace crmsync {

int run_daemon(const config& cfg, bool dry_run);

// The field mapping's CRM properties: all of them, and those the daemon writes under `cfg.sync`.
std::vector<std::string> crm_properties(const sync_settings& sync, bool written_only);
// The webhook endpoint's work: verify with the connector (401/400 refusals counted and logged without the
// body), store in the inbox, answer 200.
http_server_reply receive_webhook(engine& eng, const connector& conn, side s, http_server_request& req,
                                  spdlog::logger& log);

// The Shopify connector's options (it writes when the direction lets CRM changes in; bulk exports go next
// to the state file).
shopify::connector_options shopify_options(const config& cfg);

} // namespace crmsync
