#pragma once
// Each connector publishes the fields it understands so the config loader can reject unknown or
// read-only fields with the key path, before anything talks to an API.

#include <optional>
#include <span>
#include <string_view>

namespace crmsync {

struct field_info {
    std::string_view name;
    bool writable = true;
    std::string_view description;
};

struct field_catalog {
    std::span<const field_info> known;
    // When true, names outside `known` are accepted if `is_valid_name` says so (HubSpot custom
    // properties exist per portal and are checked online instead).
    bool open = false;
    bool (*is_valid_name)(std::string_view) = nullptr;

    // nullopt: unknown name; otherwise whether the field may be written.
    std::optional<bool> writable(std::string_view name) const
    {
        for (const auto& f : known)
            if (f.name == name)
                return f.writable;
        if (open && is_valid_name && is_valid_name(name))
            return true;
        return std::nullopt;
    }
};

} // namespace crmsync
