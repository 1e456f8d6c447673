#include "config/config.hpp"

#include "config/scalars.hpp"
#include "config/suggest.hpp"
#include "config/sync_section.hpp"
#include "config/yaml_section.hpp"

#include <algorithm>
#include <cstdlib>

namespace crmsync {
namespace {

using config_detail::yaml_section;

void parse_state(yaml_section& s, state_config& out)
{
    if (auto path = s.get_string("path")) {
        if (path->empty())
            s.error("path", "must not be empty");
        else
            out.path = std::move(*path);
    }
}

void parse_http(yaml_section& s, http_config& out)
{
    if (auto listen = s.get_string("listen")) {
        auto parsed = config_detail::parse_listen(*listen);
        if (auto* why = std::get_if<std::string>(&parsed)) {
            s.error("listen", *why);
        } else {
            auto& address = std::get<config_detail::listen_address>(parsed);
            out.listen = std::move(*listen);
            out.host = std::move(address.host);
            out.port = address.port;
        }
    }
    if (auto token = s.get_secret("token"))
        out.token = std::move(*token);
}

void parse_log(yaml_section& s, log_config& out)
{
    out.level = config_detail::get_choice(
                    s, "level", {log_level::trace, log_level::debug, log_level::info, log_level::warn, log_level::error})
                    .value_or(out.level);
}

// Chooses the CRM connector from crm.type and lets it parse the rest of the section. Returns the
// registration (for its field catalog), or nullptr when the type is unknown.
const crm_registration* parse_crm(yaml_section& root, crm_config& out)
{
    auto s = root.section("crm");
    if (!s) {
        if (!root.has("crm"))
            root.error("crm", "missing required section 'crm' (at least crm.access_token)");
        return find_crm_connector(out.type);
    }
    if (auto type = s->get_string("type"))
        out.type = std::move(*type);
    const crm_registration* reg = find_crm_connector(out.type);
    if (!reg) {
        std::vector<std::string_view> types;
        for (const auto& r : crm_connectors())
            types.push_back(r.type);
        s->error("type", "unknown CRM type '" + out.type + "'; registered types: " +
                             config_detail::quoted_list(types) + config_detail::did_you_mean(out.type, types));
        // The other keys belong to a connector we do not know; reporting them as unknown would be noise.
        s->accept_all_keys();
        return nullptr;
    }
    out.settings = reg->parse(*s);
    return reg;
}

config parse_sections(yaml_section& root, std::string_view source_name, const env_lookup& env,
                      std::vector<config_error>& errors)
{
    config c;
    c.source = std::string(source_name);
    if (auto s = root.section("state"))
        parse_state(*s, c.state);
    if (auto s = root.section("http"))
        parse_http(*s, c.http);
    if (auto s = root.section("log"))
        parse_log(*s, c.log);
    if (auto s = root.section("shopify"))
        c.shopify = shopify::parse_settings(*s);
    else if (!root.has("shopify"))
        root.error("shopify", "missing required section 'shopify' (at least shopify.shop and credentials)");
    const crm_registration* crm = parse_crm(root, c.crm);
    auto sync = root.section("sync");
    c.sync = config_detail::parse_sync(sync.get(), crm, env, errors);
    return c;
}

} // namespace

std::string config_error::to_string() const
{
    std::string out = file;
    if (line > 0) {
        out += ":" + std::to_string(line);
        if (column > 0)
            out += ":" + std::to_string(column);
    }
    out += ": ";
    if (!key_path.empty())
        out += key_path + ": ";
    out += message;
    return out;
}

env_lookup process_env()
{
    return [](std::string_view name) -> std::optional<std::string> {
        // getenv is safe while nothing calls setenv concurrently; crmsync never calls setenv.
        const char* v = std::getenv(std::string(name).c_str());
        if (!v)
            return std::nullopt;
        return std::string(v);
    };
}

config_result parse_config(std::string_view yaml, std::string_view source_name, const env_lookup& env)
{
    config_result result;
    config_detail::yaml_document doc(std::string(source_name), env, result.errors);
    std::optional<config> parsed;
    try {
        if (doc.load(yaml)) {
            if (auto root = doc.root_section()) {
                parsed = parse_sections(*root, source_name, env, result.errors);
                doc.finish();
            }
        }
    } catch (const YAML::Exception& e) {
        // yaml-cpp reports some malformed input only when the node is walked.
        result.errors.push_back({std::string(source_name), e.mark.is_null() ? 0 : e.mark.line + 1,
                                 e.mark.is_null() ? 0 : e.mark.column + 1, {}, "YAML error: " + e.msg});
    }
    // In file order, the built-in default mapping's (should there be any) after the file's own.
    std::stable_sort(result.errors.begin(), result.errors.end(), [&](const auto& a, const auto& b) {
        const bool a_other = a.file != source_name;
        const bool b_other = b.file != source_name;
        return std::tie(a_other, a.line, a.column) < std::tie(b_other, b.line, b.column);
    });
    if (result.errors.empty()) {
        result.value = std::move(parsed);
        result.value->text = std::string(yaml);
    }
    return result;
}

config_result load_config(const std::string& path, const env_lookup& env)
{
    std::string text;
    std::string why;
    if (!config_detail::read_text_file(path, text, why))
        return {std::nullopt, {{path, 0, 0, {}, "cannot read the configuration file: " + why}}};
    return parse_config(text, path, env);
}

std::string_view to_string(log_level l)
{
    switch (l) {
    case log_level::trace: return "trace";
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
    }
    return "?";
}

} // namespace crmsync
