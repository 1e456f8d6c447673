#include "daemon/cli.hpp"

#include "connectors/registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>

namespace crmsync {

std::string usage_text()
{
    std::string connectors;
    for (const auto& c : crm_connectors())
        connectors += fmt::format("  {:<12} {}\n", c.type, c.description);
    return fmt::format(R"(crmsyncd {} — two-way sync between Shopify customers and CRM contacts

Usage:
  crmsyncd run --config FILE [--dry-run]   run in the foreground (systemd ExecStart)
  crmsyncd check-config --config FILE [--online]
                                           validate a configuration; exit 0, or 78 with every error;
                                           --online: also check access, Shopify scopes and the mapped
                                           HubSpot properties
                                           (exit 69 naming what is wrong); changes nothing
  crmsyncd plan --config FILE              print what the next cycle would write; writes nothing
  crmsyncd status [--url URL] [--json]     show a running daemon's /status (default http://127.0.0.1:8787)
  crmsyncd conflicts list [--all] | show ID | resolve ID --take shopify|crm   [--url URL] [--json]
                                           conflicts of a running daemon; resolve writes the chosen value
  crmsyncd dead-letters list | retry ID [--url URL] [--json]
                                           writes that failed for good; retry plans the person again
  crmsyncd resync [--full] [--side shopify|crm] [--url URL]
                                           poll and reconcile ids now; --full reads every record again
  crmsyncd audit --link ID | --shopify ID | --crm ID [--url URL] [--json]
                                           a person's latest sync decisions (no field values)
  crmsyncd --version | --help

Options:
  -c, --config FILE   configuration file (YAML)
      --dry-run       observe and plan, log every write instead of sending it
      --online        check-config: ask the APIs too (read-only)
      --url URL       base URL of a running daemon's HTTP endpoint
      --json          print the raw JSON
      --all           conflicts list: settled conflicts too
      --take SIDE     conflicts resolve: whose value wins (shopify or crm)

Commands that talk to a running daemon send CRMSYNC_HTTP_TOKEN (from the environment) as the bearer token.

CRM connectors (crm.type):
{}
Exit codes: 0 ok, 64 usage, 69 API refused us, 71 cannot listen, 74 state file unusable, 78 configuration.
)",
                       CRMSYNC_VERSION, connectors);
}

namespace {

// Whether args[i] is the option `name`, as "--name" or "--name=VALUE".
bool is_option(std::string_view a, std::string_view name)
{
    return a == name || (a.starts_with(name) && a.size() > name.size() && a[name.size()] == '=');
}

// The value of the option at args[i]: after '=', or the next argument (then i moves past it).
std::optional<std::string> option_value(const std::vector<std::string>& args, std::size_t& i)
{
    const std::string& a = args[i];
    if (auto eq = a.find('='); eq != std::string::npos)
        return a.substr(eq + 1);
    if (i + 1 >= args.size())
        return std::nullopt;
    return args[++i];
}

} // namespace

parse_result parse_command_line(const std::vector<std::string>& args)
{
    command cmd;
    if (args.empty())
        return {std::nullopt, "missing command"};
    const std::string& verb = args[0];
    if (verb == "--version" || verb == "-V" || verb == "version") {
        cmd.kind = command_kind::version;
        return {cmd, {}};
    }
    if (verb == "--help" || verb == "-h" || verb == "help") {
        cmd.kind = command_kind::help;
        return {cmd, {}};
    }
    if (verb == "run")
        cmd.kind = command_kind::run;
    else if (verb == "check-config")
        cmd.kind = command_kind::check_config;
    else if (verb == "plan")
        cmd.kind = command_kind::plan;
    std::size_t first = 1; // the first option
    if (verb == "conflicts" || verb == "dead-letters") {
        cmd.kind = verb == "conflicts" ? command_kind::conflicts : command_kind::dead_letters;
        const std::vector<std::string> actions = verb == "conflicts"
                                                     ? std::vector<std::string>{"list", "show", "resolve"}
                                                     : std::vector<std::string>{"list", "retry"};
        if (args.size() < 2 || std::find(actions.begin(), actions.end(), args[1]) == actions.end())
            return {std::nullopt, fmt::format("{} needs one of: {}", verb, fmt::join(actions, ", "))};
        cmd.action = args[1];
        first = 2;
        if (cmd.action != "list") {
            std::int64_t id = 0;
            const std::string idtext = args.size() > 2 ? args[2] : "";
            auto [p, ec] = std::from_chars(idtext.data(), idtext.data() + idtext.size(), id);
            if (idtext.empty() || ec != std::errc{} || p != idtext.data() + idtext.size() || id <= 0)
                return {std::nullopt, fmt::format("{} {} needs an id", verb, cmd.action)};
            cmd.id = id;
            first = 3;
        }
    } else if (verb == "audit") {
        cmd.kind = command_kind::audit;
    } else if (verb == "resync") {
        cmd.kind = command_kind::resync;
    } else if (verb == "status") {
        cmd.kind = command_kind::status;
    } else if (cmd.kind != command_kind::run && cmd.kind != command_kind::check_config &&
               cmd.kind != command_kind::plan) {
        return {std::nullopt, fmt::format("unknown command '{}'", verb)};
    }

    // Commands that talk to a running daemon (over HTTP) rather than read a configuration.
    const bool client = cmd.kind == command_kind::status || cmd.kind == command_kind::conflicts ||
                        cmd.kind == command_kind::dead_letters || cmd.kind == command_kind::audit ||
                        cmd.kind == command_kind::resync;
    const std::string_view audit_keys[] = {"link", "shopify", "crm"};
    for (std::size_t i = first; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto is = [&](std::string_view opt) { return is_option(a, opt); };
        auto audit_key = std::find_if(std::begin(audit_keys), std::end(audit_keys),
                                      [&](std::string_view k) { return is("--" + std::string(k)); });
        if ((is("--config") || a == "-c") && !client) {
            auto v = option_value(args, i);
            if (!v || v->empty())
                return {std::nullopt, "--config needs a file"};
            cmd.config_path = *v;
        } else if (a == "--dry-run" && cmd.kind == command_kind::run) {
            cmd.dry_run = true;
        } else if (a == "--online" && cmd.kind == command_kind::check_config) {
            cmd.online = true;
        } else if (is("--url") && client) {
            auto v = option_value(args, i);
            if (!v || v->empty())
                return {std::nullopt, "--url needs a URL"};
            cmd.url = *v;
        } else if (a == "--json" && client && cmd.kind != command_kind::resync) {
            cmd.json = true;
        } else if (is("--take") && cmd.kind == command_kind::conflicts) {
            auto v = option_value(args, i);
            if (!v || (*v != "shopify" && *v != "crm"))
                return {std::nullopt, "--take needs shopify or crm"};
            cmd.take = *v;
        } else if (a == "--all" && cmd.kind == command_kind::conflicts && cmd.action == "list") {
            cmd.all = true;
        } else if (a == "--full" && cmd.kind == command_kind::resync) {
            cmd.full = true;
        } else if (is("--side") && cmd.kind == command_kind::resync) {
            auto v = option_value(args, i);
            if (!v || (*v != "shopify" && *v != "crm"))
                return {std::nullopt, "--side needs shopify or crm"};
            cmd.side_name = *v;
        } else if (audit_key != std::end(audit_keys) && cmd.kind == command_kind::audit) {
            auto v = option_value(args, i);
            if (!v || v->empty() || !cmd.side_name.empty())
                return {std::nullopt, "audit needs one of --link ID, --shopify ID, --crm ID"};
            cmd.side_name = *audit_key;
            cmd.who = *v;
        } else if (a == "--help" || a == "-h") {
            cmd.kind = command_kind::help;
            return {cmd, {}};
        } else {
            return {std::nullopt, fmt::format("unknown option '{}' for {}", a, verb)};
        }
    }
    if (!client && cmd.config_path.empty())
        return {std::nullopt, fmt::format("{} needs --config FILE", verb)};
    if (cmd.kind == command_kind::conflicts && cmd.action == "resolve" && cmd.take.empty())
        return {std::nullopt, "conflicts resolve needs --take shopify|crm"};
    if (cmd.kind == command_kind::audit && cmd.side_name.empty())
        return {std::nullopt, "audit needs one of --link ID, --shopify ID, --crm ID"};
    if (client && cmd.url.empty())
        cmd.url = "http://127.0.0.1:8787";
    return {cmd, {}};
}

} // namespace crmsync
