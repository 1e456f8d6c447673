#pragma once
// Command-line parsing (design.md §7.1). Pure: argv in, a command or a usage error out.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace crmsync {

enum class command_kind { run, check_config, plan, status, conflicts, dead_letters, resync, audit, version, help };

struct command {
    command_kind kind = command_kind::help;
    std::string config_path;
    bool dry_run = false;
    bool online = false; // check-config: also ask both APIs
    std::string url;  // status: the daemon's base URL
    bool json = false;
    // conflicts list|show|resolve, dead-letters list|retry (talk to a running daemon at `url`)
    std::string action;
    std::int64_t id = 0;
    std::string take; // resolve: shopify | crm
    bool all = false; // conflicts list: settled ones too
    bool full = false;     // resync: read every record again
    std::string side_name; // resync: shopify | crm (empty: both); audit: link | shopify | crm
    std::string who;       // audit: the id
};

// sysexits(3) codes used by crmsyncd.
namespace exit_code {
constexpr int ok = 0;
constexpr int failure = 1;
constexpr int usage = 64;       // EX_USAGE
constexpr int unavailable = 69; // EX_UNAVAILABLE: an API refuses us (credentials, missing properties)
constexpr int os_error = 71;    // EX_OSERR: cannot listen
constexpr int io_error = 74;    // EX_IOERR: state file unusable
constexpr int config = 78;      // EX_CONFIG
} // namespace exit_code

struct parse_result {
    std::optional<command> cmd;
    std::string error; // set when cmd is empty
};

parse_result parse_command_line(const std::vector<std::string>& args);
std::string usage_text();

} // namespace crmsync
