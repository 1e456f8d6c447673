// The configuration loader on arbitrary text: YAML syntax, types, ${VAR} expansion, durations, URLs,
// field mappings and every validation rule must report errors, never crash. An operator's typo is the
// most common bad input the daemon sees.
#include "config/config.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

// Some variables are set, some are not, so both expansion paths are taken. CREDENTIALS_DIRECTORY points
// at a folder without files: *_file keys are read and fail as they would on a misconfigured machine.
std::optional<std::string> env(std::string_view name)
{
    if (name == "CREDENTIALS_DIRECTORY")
        return std::string("/nonexistent-crmsync-fuzz");
    if (!name.empty() && name.front() <= 'M')
        return std::string("value-of-") + std::string(name);
    return std::nullopt;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view yaml(reinterpret_cast<const char*>(data), size);
    auto r = crmsync::parse_config(yaml, "fuzz.yaml", env);
    // A result has a value exactly when it has no errors; every error prints.
    if (r.value.has_value() != r.errors.empty())
        __builtin_trap();
    for (const auto& e : r.errors)
        (void)e.to_string();
    if (r.value)
        (void)crmsync::to_string(r.value->log.level);
    return 0;
}
