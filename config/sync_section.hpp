#pragma once
// The `sync:` section and its field mapping, cross-checked against the connectors' field catalogs.
// Internal to config/.

#include "config/config.hpp"
#include "config/yaml_section.hpp"
#include "connectors/registry.hpp"
#include "core/sync_settings.hpp"

#include <vector>

namespace crmsync::config_detail {

// `section` may be null (no `sync:` in the file): defaults and the default mapping. `crm` is the CRM
// connector chosen by crm.type, or null when that type is unknown (CRM field names then go
// unchecked: the type error is the one to fix). `fields: default` parses default_fields_yaml() through
// the same code, with "default_fields.yaml" as the file in its errors. Problems go to `errors`.
sync_settings parse_sync(yaml_section* section, const crm_registration* crm, const env_lookup& env,
                         std::vector<config_error>& errors);

// A choice among an enum's values, spelled as their to_string(); nullopt when absent or invalid.
template <class E>
std::optional<E> get_choice(config_section& s, std::string_view key, std::initializer_list<E> values)
{
    std::vector<std::string_view> names;
    for (E v : values)
        names.push_back(to_string(v));
    auto text = s.get_enum(key, names);
    if (!text)
        return std::nullopt;
    for (E v : values)
        if (to_string(v) == *text)
            return v;
    return std::nullopt;
}

} // namespace crmsync::config_detail
