// What a configuration reload (SIGHUP) can apply to a running daemon, and what needs a restart.
#include "config/config.hpp"

#include <yaml-cpp/yaml.h>

namespace crmsync {

namespace {

// The keys a running daemon applies on reload (see live_keys in config.hpp), taken out of a document so
// that what remains can be compared.
void drop_live_keys(YAML::Node& doc)
{
    for (const auto& [section, keys] : live_reload_keys()) {
        auto node = doc[section];
        if (!node.IsMap())
            continue;
        for (const auto& k : keys)
            node.remove(k);
    }
}

} // namespace

const std::vector<std::pair<std::string, std::vector<std::string>>>& live_reload_keys()
{
    static const std::vector<std::pair<std::string, std::vector<std::string>>> keys{
        {"log", {"level"}},
        {"shopify", {"poll_interval"}},
        {"crm", {"poll_interval"}},
        {"sync",
         {"conflict", "initial_conflict", "deletes", "gdpr_delete_in_crm", "create_in_crm", "create_in_shopify",
          "max_changes_per_cycle", "reconcile_interval"}},
    };
    return keys;
}

std::vector<std::string> restart_required_sections(std::string_view running_yaml, std::string_view new_yaml)
{
    YAML::Node a, b;
    try {
        a = YAML::Load(std::string(running_yaml));
        b = YAML::Load(std::string(new_yaml));
    } catch (const YAML::Exception&) {
        return {"(the whole file)"};
    }
    drop_live_keys(a);
    drop_live_keys(b);
    std::vector<std::string> out;
    for (const char* section : {"state", "http", "log", "shopify", "crm", "sync"})
        if (YAML::Dump(a[section]) != YAML::Dump(b[section]))
            out.emplace_back(section);
    return out;
}

} // namespace crmsync
