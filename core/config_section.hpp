#pragma once
// A read-only view of one mapping in the configuration file. config/ implements it over YAML;
// connectors parse their settings through it, so YAML::Node never leaves config/.
//
// Every accessor marks its key as known; keys that nobody asked for are reported as unknown when the
// loader finishes. Problems are collected, never thrown, each with file, line, column and the dotted
// key path, so that `check-config` can print all of them at once. An accessor returns nullopt both
// when the key is absent (no error) and when it is invalid (error recorded); callers keep their
// defaults in either case.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace crmsync {

class config_section {
public:
    virtual ~config_section() = default;

    // Dotted path of this section, e.g. "shopify.webhooks"; list items appear as "sync.fields[2]".
    virtual std::string path() const = 0;
    virtual bool has(std::string_view key) const = 0;

    // Scalars. Strings have ${VAR} expanded from the environment; a missing variable is an error.
    virtual std::optional<std::string> get_string(std::string_view key) = 0;
    // A secret: either `key: value` (usually "${VAR}") or `key_file: PATH` whose content (trailing
    // newline trimmed) is the value; PATH may use ${CREDENTIALS_DIRECTORY}. Both at once is an error.
    virtual std::optional<std::string> get_secret(std::string_view key) = 0;
    virtual std::optional<bool> get_bool(std::string_view key) = 0;
    virtual std::optional<std::int64_t> get_int(std::string_view key, std::int64_t min, std::int64_t max) = 0;
    virtual std::optional<double> get_double(std::string_view key, double min, double max) = 0;
    // "250ms", "30s", "5m", "1h" (a bare number is an error: units are required).
    virtual std::optional<std::chrono::milliseconds> get_duration(std::string_view key, std::chrono::milliseconds min,
                                                                  std::chrono::milliseconds max) = 0;
    // One of `allowed`; the error lists them.
    virtual std::optional<std::string> get_enum(std::string_view key, std::span<const std::string_view> allowed) = 0;
    // An absolute http(s) URL; plain http only when the host is loopback.
    virtual std::optional<std::string> get_url(std::string_view key) = 0;
    virtual std::optional<std::vector<std::string>> get_string_list(std::string_view key) = 0;

    // Nested mapping; nullptr when absent or not a mapping (the latter is an error).
    virtual std::unique_ptr<config_section> get_section(std::string_view key) = 0;
    // A sequence of mappings; empty when absent.
    virtual std::vector<std::unique_ptr<config_section>> get_section_list(std::string_view key) = 0;

    // Records a problem at the key's position (or the section's when the key is absent).
    virtual void error(std::string_view key, std::string message) = 0;
};

} // namespace crmsync
