#pragma once
// The whole configuration (design.md §7.2) as plain data, and the loader that fills it.
// YAML stays inside config/; everything else reads this struct.

#include "connectors/registry.hpp"
#include "connectors/shopify/settings.hpp"
#include "core/sync_settings.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crmsync {

struct state_config {
    std::string path = "/var/lib/crmsync/state.db";
};

struct http_config {
    std::string listen = "127.0.0.1:8787";
    std::string host = "127.0.0.1"; // parsed from listen: an address literal (localhost -> 127.0.0.1, IPv6 unbracketed)
    std::uint16_t port = 8787;      // parsed from listen (0 = any free port)
    std::string token;              // optional bearer token for details and admin actions
};

enum class log_level { trace, debug, info, warn, error };

struct log_config {
    log_level level = log_level::info;
};

struct crm_config {
    std::string type = "hubspot";
    crm_settings settings;
};

struct config {
    std::string source; // file path, or the name given to parse_config
    std::string text;   // the YAML as parsed (a reload compares it with the new file's)
    state_config state;
    http_config http;
    log_config log;
    shopify::settings shopify;
    crm_config crm;
    sync_settings sync;
};

struct config_error {
    std::string file;
    int line = 0;   // 1-based; 0 when unknown
    int column = 0; // 1-based; 0 when unknown
    std::string key_path;
    std::string message;
    // "FILE:LINE:COL: key.path: message"
    std::string to_string() const;
};

// Environment lookup, injectable for tests. Returns nullopt for an unset variable.
using env_lookup = std::function<std::optional<std::string>(std::string_view)>;
env_lookup process_env();

struct config_result {
    std::optional<config> value; // set only when `errors` is empty
    std::vector<config_error> errors;
};

// Parses YAML text; `source_name` is used in error messages.
config_result parse_config(std::string_view yaml, std::string_view source_name, const env_lookup& env = process_env());
// Reads and parses a file; an unreadable file is reported as an error, not thrown.
config_result load_config(const std::string& path, const env_lookup& env = process_env());

// The default field mapping shipped in config/default_fields.yaml (embedded at build time).
std::string_view default_fields_yaml();

std::string_view to_string(log_level l);

// Reloading (SIGHUP). The keys a running daemon applies, per top-level section: log.level, the poll
// intervals and sync's policies and limits. Everything else needs a restart.
const std::vector<std::pair<std::string, std::vector<std::string>>>& live_reload_keys();
// The top-level sections whose other keys differ between the running file's text and the new one's (raw
// YAML compared, so a secret changed inside a *_file is not seen).
std::vector<std::string> restart_required_sections(std::string_view running_yaml, std::string_view new_yaml);

} // namespace crmsync
