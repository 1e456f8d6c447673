// crmsyncd: command dispatch (design.md §7.1).
#include "config/config.hpp"
#include "daemon/app.hpp"
#include "daemon/cli.hpp"
#include "daemon/commands.hpp"

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    using namespace crmsync;
    std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = parse_command_line(args);
    if (!parsed.cmd) {
        std::cerr << "crmsyncd: " << parsed.error << "\n\n" << usage_text();
        return exit_code::usage;
    }
    const auto& cmd = *parsed.cmd;
    switch (cmd.kind) {
    case command_kind::help: std::cout << usage_text(); return exit_code::ok;
    case command_kind::version: std::cout << "crmsyncd " << CRMSYNC_VERSION << "\n"; return exit_code::ok;
    case command_kind::status: return status_command(cmd.url, cmd.json);
    case command_kind::conflicts:
    case command_kind::dead_letters:
    case command_kind::resync:
    case command_kind::audit: return admin_command(cmd);
    case command_kind::check_config:
    case command_kind::plan:
    case command_kind::run: break;
    }
    auto loaded = load_config(cmd.config_path);
    if (!loaded.value) {
        for (const auto& e : loaded.errors)
            std::cerr << e.to_string() << "\n";
        std::cerr << "crmsyncd: " << loaded.errors.size() << " configuration error" << (loaded.errors.size() == 1 ? "" : "s")
                  << " in " << cmd.config_path << "\n";
        return exit_code::config;
    }
    if (cmd.kind == command_kind::check_config) {
        std::cout << cmd.config_path << ": configuration is valid\n";
        return cmd.online ? check_online_command(*loaded.value) : exit_code::ok;
    }
    if (cmd.kind == command_kind::plan)
        return plan_command(*loaded.value);
    return run_daemon(*loaded.value, cmd.dry_run);
}
